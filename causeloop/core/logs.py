"""What a log line looks like: one JSON object per line (`LOG_FORMAT=json`, the default) or a
readable line for a developer's terminal (`LOG_FORMAT=console`), the same for our structlog
events and for every standard-library record (Django's, gunicorn's, the libraries').

Our code logs events with fields, `structlog.get_logger(name).info("event", key=value)`; what
is bound with `structlog.contextvars` (the request ID, the organization entered) joins every
line of that unit of work. A record of another library renders its message only: its `extra`
(Django's carries the whole request, with headers and cookies) never reaches the line, and a
request path Django names in its own lines gives way to the URL pattern, since paths carry
invitation tokens and reset keys. Tracebacks are plain text without local variables (structlog's
console default, rich's, would print every frame's locals: secrets included).

Nothing here imports Django: gunicorn's master process uses `logging_config` before any app.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from structlog.stdlib import ProcessorFormatter
from structlog.typing import EventDict, Processor

FORMATS = ("json", "console")

_TIMESTAMP = structlog.processors.TimeStamper(fmt="iso", utc=True)

# Applied to every line when it is logged (ours) or formatted (another library's record).
_SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    _TIMESTAMP,
]


def _event_first(_logger: Any, _name: str, event_dict: EventDict) -> EventDict:
    """The event leads the line, so a reader sees what happened before the details."""
    return {"event": event_dict.pop("event", None), **event_dict}


def formatter(fmt: str = "json") -> ProcessorFormatter:
    """The formatter of every handler: JSON lines, or the developer's console rendering."""
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT is one of {', '.join(FORMATS)} (got {fmt!r})")
    renderer: list[Processor]
    if fmt == "json":
        renderer = [
            structlog.processors.format_exc_info,
            _event_first,
            structlog.processors.JSONRenderer(),
        ]
    else:
        renderer = [
            structlog.dev.ConsoleRenderer(
                colors=sys.stderr.isatty(),
                exception_formatter=structlog.dev.plain_traceback,
            )
        ]
    return ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[ProcessorFormatter.remove_processors_meta, *renderer],
    )


class HidePaths(logging.Filter):
    """Django names the request's path in its own lines (`Forbidden (CSRF token missing.):
    /invitations/<token>/accept`); the path gives way to the URL pattern it matched."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if isinstance(path, str) and isinstance(record.args, tuple) and record.args:
            # Django's log_message escapes its arguments before it logs them.
            escaped = path.encode("unicode_escape").decode("ascii")
            match = getattr(request, "resolver_match", None)
            route = getattr(match, "route", None) or "(a path no URL pattern matched)"
            record.args = tuple(route if arg in (path, escaped) else arg for arg in record.args)
        return True


def logging_config(*, level: str, fmt: str) -> dict[str, Any]:
    """Django's `LOGGING` (and gunicorn's `logconfig_dict`): every record through one handler
    on stderr, in `fmt`, from `level` up."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"hide_paths": {"()": HidePaths}},
        "formatters": {"structured": {"()": formatter, "fmt": fmt}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "filters": ["hide_paths"],
            },
            "null": {"class": "logging.NullHandler"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Each line is printed once. Django's own console handler (DEBUG only) would print
            # every `django.*` line a second time beside the root's.
            "django": {"handlers": [], "propagate": True},
            # Request lines are ours (causeloop.web.requestlog): runserver's and gunicorn's
            # access lines would repeat each request, raw path and query string included; so
            # would Django's warning for every 4xx. Its 5xx errors keep their tracebacks.
            "django.server": {"handlers": ["null"], "propagate": False},
            "gunicorn.access": {"handlers": ["null"], "propagate": False},
            "django.request": {"level": "ERROR"},
            # gunicorn's own lines (workers booting, timing out) in the same format.
            "gunicorn.error": {"handlers": [], "propagate": True},
            "django.db.backends": {"level": "WARNING"},
            # "…/.env not found" as each process starts: the environment is set another way.
            "environ": {"level": "WARNING"},
            # Each task's run is our one task line (causeloop.core.tasklog); Django's start and
            # end lines would repeat it. A failure's traceback (ERROR) still shows.
            "django.tasks": {"level": "WARNING"},
        },
    }


def configure_structlog() -> None:
    """structlog's events go through the standard library's handlers (and their formatter)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
