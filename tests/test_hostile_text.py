"""Text from outside is data: hostile strings through every place that shows them.

The sandbox plays a hostile service. For each place (list cells, details, full screen,
confirm dialog, status line, Link device) the app must live, the literal text must be
visible, and no control byte from the data may reach what is written to the terminal
(captured with CaptureDriver, the bytes Textual hands to a real terminal).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from tests.drivers import CaptureDriver
from tests.helpers import make_app, status, until
from tui import logs
from tui.config import load_settings
from tui.sandbox import Sandbox
from tui.screens.dialogs import ConfirmScreen, FullQrScreen
from tui.text import plain

MARKUP = [
    "Use code [/SALE] now",
    "Hi there [/",
    "[$5 fee]",
    "[bold red]x[/]",
    "[@click=app.screenshot('x','/tmp')]click me[/]",
    "[link=https://evil.example]x[/link]",
    "unbalanced ]] [[ [/b]",
]
CONTROLS = {
    "osc52": "copy \x1b]52;c;cm0gLXJmIH4vKg==\x1b\\ done",
    "title": "title \x1b]2;PWNED\x07 done",
    "title0": "title \x1b]0;PWNED0\x07 done",
    "hyperlink": "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "clear": "clear \x1b[2J\x1b[H done",
    "csi-c1": "c1 \x9b31m red",
    "nul-del": "nul \x00 del \x7f end",
    "bidi": "bidi \u202eevil\u202c end",
    "zero-width": "zero\u200bwidth\u2060join\ufeff",
    "newlines": "line one\nline two\r\nforged: ERROR",
}
RAW = [
    "\x1b]52;c;cm0gLXJmIH4vKg==", "\x1b]2;PWNED", "\x1b]0;PWNED0", "\x1b]8;;https://evil", "\x9b31m",
    "\x00", "\x7f", "\u202e", "\u202c", "\u200b", "\u2060", "\ufeff",
]
"""Byte sequences from the data that must never be written to the terminal."""
LONG = "long " + "x" * 2995


def seed(sandbox: Sandbox) -> list[str]:
    """The hostile messages as the newest codes (a hostile service sends what it likes)."""
    messages = [*MARKUP, *CONTROLS.values(), LONG]
    with sandbox.meta.lock:
        for message in messages:
            sandbox.meta._add(message)
    return messages


def leaked(output: str) -> list[str]:
    return [raw for raw in RAW if raw in output]


async def test_hostile_messages_in_every_place_of_message_qr_codes(sandbox: Sandbox) -> None:
    messages = seed(sandbox)
    app = make_app(sandbox, driver_class=CaptureDriver)
    async with app.run_test(size=(100, 30), headless=False) as pilot:
        await until(pilot, lambda: app.screen.page is not None and bool(app.screen.page.items))
        newest_first = list(reversed(messages))
        for index, message in enumerate(newest_first):  # each row highlighted: list, details, QR
            await until(pilot, lambda i=index: app.screen.query_one("DataTable").cursor_row == i)
            assert app.screen.current().prefilled_message == message
            details = str(app.screen.query_one("#code-details").render())
            assert plain(message, limit=300) in details
            await pilot.press("down")
        await pilot.press("home")
        await pilot.pause()
        for message in (MARKUP[0], CONTROLS["osc52"]):  # full screen and the delete dialog
            row = newest_first.index(message)
            app.screen.query_one("DataTable").move_cursor(row=row)
            await pilot.pause()
            await pilot.press("enter")
            assert isinstance(app.screen, FullQrScreen)
            assert plain(message, line=True, limit=120) in str(app.screen.query_one("#full-caption").render())
            await pilot.press("escape", "d")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert plain(message) in str(app.screen.query_one(".dialog-detail").render())
            await pilot.press("n")
        output = CaptureDriver.output()
    assert app.return_code in (None, 0)
    assert not leaked(output), leaked(output)
    assert "Use code [/SALE] now" in output and "[bold red]x[/]" in output  # shown, not interpreted
    assert "␛]52;c;cm0gLXJmIH4vKg==␛\\" in output  # visible for what it is


async def test_hostile_error_texts_on_the_status_line(sandbox: Sandbox) -> None:
    body = {"error": {"message": "Bad [/SALE] \x1b]52;c;cm0gLXJmIH4vKg==\x07 \u202etoken", "code": 100,
                      "fbtrace_id": "[b]T[/b]\x1b[2J"}}
    sandbox.faults.add("message_qrdls", status=400, body=json.dumps(body), headers={"Content-Type": "application/json"})
    app = make_app(sandbox, driver_class=CaptureDriver)
    async with app.run_test(size=(100, 30), headless=False) as pilot:
        await until(pilot, lambda: app.screen.error is not None)
        await pilot.pause()
        text = status(app)
        assert "Bad [/SALE]" in text and "[b]T[/b]" in text
        output = CaptureDriver.output()
    assert not leaked(output), leaked(output)


async def test_hostile_green_texts_on_link_device(sandbox: Sandbox) -> None:
    sandbox.green.instance.qr_error = "Instance [/x] \x1b]2;PWNED\x07 broken \u202e\x00"
    app = make_app(sandbox, start="link", driver_class=CaptureDriver)
    async with app.run_test(size=(100, 30), headless=False) as pilot:
        await until(pilot, lambda: "Instance [/x]" in str(app.screen.query_one("#link-status").render()))
        output = CaptureDriver.output()
    assert not leaked(output), leaked(output)


async def test_a_worker_that_fails_unexpectedly_is_reported_and_leaks_nothing(
    sandbox: Sandbox, tmp_path: Path, monkeypatch
) -> None:
    settings = load_settings(overrides=sandbox.settings())
    secrets = settings.secrets()
    log_file = tmp_path / "waqr.log"
    logs.setup("INFO", secrets, path=log_file)
    from tui.api.meta import MetaClient

    async def broken(self, **kwargs):  # a bug nobody foresaw, with a token in its locals and its text
        token = secrets[0]
        raise RuntimeError(f"failed while holding {token}")

    monkeypatch.setattr(MetaClient, "list_page", broken)
    app = make_app(sandbox, driver_class=CaptureDriver)
    try:
        async with app.run_test(size=(100, 30), headless=False) as pilot:
            await until(pilot, lambda: "Unexpected error" in status(app))
            assert app.is_running and "RuntimeError" in status(app)
            output = CaptureDriver.output()
    finally:
        for name in ("waqr", "httpx", "httpcore"):
            for handler in logging.getLogger(name).handlers:
                handler.close()
            logging.getLogger(name).handlers = []
    logged = log_file.read_text()
    assert "RuntimeError" in logged and "Traceback" in logged
    for secret in secrets:
        assert secret not in logged and secret not in output
