"""Helpers for app tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from tui.app import WaqrApp
from tui.config import load_settings
from tui.sandbox import Sandbox


def make_app(sandbox: Sandbox, start: str = "codes", driver_class: Any = None, **overrides: Any) -> WaqrApp:
    settings = load_settings(overrides={**sandbox.settings(), **overrides})
    return WaqrApp(settings, start=start, sandbox=sandbox, driver_class=driver_class)


async def until(pilot: Pilot[Any], condition: Callable[[], Any], timeout: float = 8.0, what: str = "") -> None:
    """Let the app run until `condition()` holds (bounded)."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.05)


def status(app: WaqrApp) -> str:
    return str(app.screen.query_one("#status").render())


def screen_text(app: WaqrApp) -> str:
    """Everything on screen as plain text (secrets checks, messages)."""
    return app.export_screenshot()
