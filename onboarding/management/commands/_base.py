"""Shared behaviour of the provisioning commands: domain errors become one line on stderr and
a non-zero exit status, every command runs in the platform context (for its whole session: so
never through a transaction pooler, which the command says), and nothing a command prints
can drive the operator's terminal.

Commands print data that came from outside — a CSV row, a slug typed on the command line, names
and emails stored by anyone — and a terminal obeys escape sequences in what it shows: colours,
window titles, cursor moves, a cleared screen, even (on some terminals) answer-back into the
shell. So every control character a command prints is shown as a visible escape (`\\x1b`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from causeloop.core.errors import DomainError
from causeloop.core.tenancy import TenancyContextError, enter_platform

# C0 and C1 controls, DEL, and the Unicode marks that reorder or break a line as it is shown.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]")
_CONTROL_BUT_LAYOUT = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(value: object) -> str:
    """`value` as text with every control character, line breaks included, shown as an escape
    (`\\x1b`, `\\n`, `\\u202e`): one value stays on its one line and drives nothing."""
    return _CONTROL.sub(_escape, str(value))


class TerminalSafeOutput(OutputWrapper):
    """A command's stdout or stderr that shows control characters as escapes; the line breaks
    and tabs of the command's own layout stay."""

    def write(  # type: ignore[override]  # OutputWrapper's own signature
        self,
        msg: str = "",
        style_func: Callable[[str], str] | None = None,
        ending: str | None = None,
    ) -> None:
        super().write(_CONTROL_BUT_LAYOUT.sub(_escape, msg), style_func, ending)


def _stream_of(wrapper: OutputWrapper, default: TextIO) -> TextIO:
    return cast(TextIO, getattr(wrapper, "_out", None) or default)


class ProvisioningCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> Any:
        self._guard_output(options)
        try:
            enter_platform()
        except TenancyContextError as error:  # behind a transaction pooler: say where to go
            raise CommandError(str(error)) from None
        try:
            return super().execute(*args, **options)
        except DomainError as error:
            raise CommandError(
                terminal_safe(error.message), returncode=2 if error.status_code == 404 else 1
            ) from None

    def _guard_output(self, options: dict[str, Any]) -> None:
        """Both streams through `TerminalSafeOutput` (also the one `run_from_argv` prints a
        `CommandError` on)."""
        stdout, stderr = options.pop("stdout", None), options.pop("stderr", None)
        # Without streams in the options: the ones the command was made with (sys.stdout…).
        self.stdout = TerminalSafeOutput(stdout or _stream_of(self.stdout, sys.stdout))
        self.stderr = TerminalSafeOutput(stderr or _stream_of(self.stderr, sys.stderr))
        if stderr is None:
            self.stderr.style_func = self.style.ERROR  # as BaseCommand colours its own stderr
