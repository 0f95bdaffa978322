"""Real-browser tests: Debian's Chromium driven by Playwright against the live server, with
axe-core checking every page for accessibility (no serious or critical violations)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The live server runs in a thread next to pytest's own event loop (Playwright's sync API).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True},
}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def site(live_url):
    """The live server's base URL, over a database that really commits."""
    return live_url


@pytest.fixture
def open_context(browser):
    """`open_context(viewport)` → a fresh browser context (a separate person) of that size."""
    contexts = []

    def make(viewport: str = "desktop"):
        # axe is injected as a script; the pages' content security policy would refuse it.
        context = browser.new_context(bypass_csp=True, **VIEWPORTS[viewport])
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def check_accessibility(page) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing: run `bash .ci/chromium.sh` ({AXE})")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    serious = [
        violation
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    details = "\n".join(
        f"{v['impact']}: {v['id']} — {v['help']} ({len(v['nodes'])}×: "
        f"{v['nodes'][0]['target']}) on {page.url}"
        for v in serious
    )
    assert not serious, details


def open_menu(page) -> None:
    """On a phone the switcher, the navigation and the account links sit in the header's menu:
    open it (on a desktop they are always shown)."""
    if page.locator(".menu__button").is_visible():
        page.locator(".menu__button").click()
