"""Regenerate every screenshot in this folder from the app running on the sandbox.

    python screenshots/make.py

Each state is reached with the same keys a person would press.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from tui.app import WaqrApp
from tui.config import load_settings
from tui.sandbox import Sandbox

HERE = Path(__file__).parent
SIZE = (110, 42)  # large enough for half blocks: sextant glyphs are missing from most SVG fonts


async def until(pilot: Pilot[Any], check: Callable[[], Any], timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise TimeoutError(check)
        await pilot.pause(0.05)


def codes_ready(app: WaqrApp) -> bool:
    page = getattr(app.screen, "page", None)
    return page is not None and not app.screen.query_one(DataTable).loading


def title(app: WaqrApp) -> str:
    return str(app.screen.query_one("#link-title").render())


async def shot(name: str, start: str, steps: Callable[[Pilot[Any], Sandbox], Awaitable[None]],
               prepare: Callable[[Sandbox], None] | None = None, fleet: bool = False) -> None:
    with Sandbox() as sandbox:
        if prepare:
            prepare(sandbox)
        overrides = {**sandbox.settings(), **(sandbox.fleet_settings() if fleet else {})}
        app = WaqrApp(load_settings(overrides=overrides), start=start, sandbox=sandbox)
        async with app.run_test(size=SIZE) as pilot:
            await steps(pilot, sandbox)
            app.clear_notifications()
            for field in app.screen.query(Input):
                field.cursor_blink = False
            await pilot.pause(0.3)
            app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print(f"screenshots/{name}.svg")


async def codes(pilot: Pilot[Any], _s: Sandbox) -> None:
    await until(pilot, lambda: codes_ready(pilot.app))
    await pilot.press("down", "down")


async def create_form(pilot: Pilot[Any], s: Sandbox) -> None:
    await codes(pilot, s)
    await pilot.press("a", *"Hi! Please send me today's lunch menu")


async def delete_confirm(pilot: Pilot[Any], s: Sandbox) -> None:
    await codes(pilot, s)
    await pilot.press("d")


async def link_waiting(pilot: Pilot[Any], _s: Sandbox) -> None:
    await until(pilot, lambda: pilot.app.screen.query_one("#link-qr").rendered is not None)


async def linked(pilot: Pilot[Any], s: Sandbox) -> None:
    await until(pilot, lambda: pilot.app.screen.query_one("#link-qr").rendered is not None)
    s.green.scan()
    await until(pilot, lambda: "Linked" in title(pilot.app))


async def pairing(pilot: Pilot[Any], _s: Sandbox) -> None:
    await link_waiting(pilot, _s)
    await pilot.press("c", *"79001234567", "enter")
    await until(pilot, lambda: getattr(pilot.app.screen, "code", None))


async def fleet_list(pilot: Pilot[Any], _s: Sandbox) -> None:
    await until(pilot, lambda: getattr(pilot.app.screen, "sorted_once", False))


async def error(pilot: Pilot[Any], _s: Sandbox) -> None:
    await until(pilot, lambda: getattr(pilot.app.screen, "error", None) is not None)


def expired_token(s: Sandbox) -> None:
    s.faults.add("message_qrdls", status=401, headers={"Content-Type": "application/json"},
                 body='{"error": {"message": "Error validating access token: Session has expired", '
                      '"type": "OAuthException", "code": 190, "error_subcode": 463, "fbtrace_id": "AbCdEf123"}}')


async def main() -> None:
    await shot("codes", "codes", codes)
    await shot("create-form", "codes", create_form)
    await shot("delete-confirm", "codes", delete_confirm)
    await shot("link-waiting", "link", link_waiting)
    await shot("linked", "link", linked)
    await shot("pairing-code", "link", pairing)
    await shot("error", "codes", error, expired_token)
    await shot("fleet", "link", fleet_list, fleet=True)


if __name__ == "__main__":
    asyncio.run(main())
