"""Link device: the live QR, rotation, linked, log out, errors and states, pairing, polling."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers import make_app, until
from tests.qrcheck import decode_lines
from tui.api.models import HAS_AUTH
from tui.sandbox import Sandbox
from tui.screens.dialogs import ConfirmScreen
from tui.screens.link import LinkScreen
from tui.screens.pairing import PairingScreen
from tui.widgets.qr_view import QRView


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def shown_qr(app) -> list[str]:
    return decode_lines(app.screen.query_one(QRView).cells()) if app.screen.query_one(QRView).rendered else []


async def test_shows_the_current_qr_at_80x24_and_follows_rotation(sandbox: Sandbox) -> None:
    app = make_app(sandbox, start="link")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: shown_qr(app) == [sandbox.green.instance.current()[0]], what="first QR")
        assert "Linked devices" in text_of(app, "#link-status")
        before = sandbox.green.instance.current()[0]
        sandbox.green.advance(20)
        after = sandbox.green.instance.current()[0]
        assert after != before
        await until(pilot, lambda: shown_qr(app) == [after], timeout=3, what="rotated QR within ~1 s")
        await until(pilot, lambda: "New QR in about" in text_of(app, "#link-countdown"))


async def test_linked_after_scan_then_log_out_returns_to_a_qr(sandbox: Sandbox) -> None:
    app = make_app(sandbox, start="link")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown_qr(app))
        sandbox.green.scan()
        await until(pilot, lambda: "Linked" in text_of(app, "#link-title"))
        assert "+79001234567" in text_of(app, "#link-status")
        assert app.screen.query_one(QRView).payload is None
        await pilot.press("l")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: not sandbox.green.instance.authorized)
        await until(pilot, lambda: shown_qr(app) == [sandbox.green.instance.current()[0]], what="QR after logout")


async def test_has_auth_error_offers_log_out(sandbox: Sandbox) -> None:
    sandbox.green.instance.qr_error = HAS_AUTH
    app = make_app(sandbox, start="link")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "Cannot show a QR" in text_of(app, "#link-title"))
        assert HAS_AUTH in text_of(app, "#link-status") and "l logs out" in text_of(app, "#link-advice")
        await pilot.press("l", "y")
        await until(pilot, lambda: shown_qr(app), what="QR after logout")


@pytest.mark.parametrize(
    ("state", "words", "reboot"),
    [
        ("blocked", "banned", False),
        ("sleepMode", "phone is off", False),
        ("yellowCard", "suspended", True),
    ],
)
async def test_instance_states_explain_what_to_do(sandbox: Sandbox, state: str, words: str, reboot: bool) -> None:
    sandbox.green.instance.forced_state = state
    sandbox.green.instance.qr_error = "instance is not ready"
    app = make_app(sandbox, start="link")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: words in text_of(app, "#link-status"), what=state)
        assert ("b reboots" in text_of(app, "#link-advice")) == reboot


async def test_starting_state_after_reboot_recovers_by_itself(sandbox: Sandbox) -> None:
    app = make_app(sandbox, start="link")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown_qr(app))
        await pilot.press("b", "y")
        await until(pilot, lambda: "starting" in text_of(app, "#link-status").lower(), what="starting")
        sandbox.green.advance(5)
        await until(pilot, lambda: shown_qr(app), timeout=10, what="QR after reboot")


async def test_pairing_code_flow(sandbox: Sandbox) -> None:
    app = make_app(sandbox, start="link")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown_qr(app))
        await pilot.press("c")
        assert isinstance(app.screen, PairingScreen)
        await pilot.press(*"+7 abc", "enter")  # the input only takes digits
        await pilot.press("enter")
        assert "7 to 15" in text_of(app, "#dialog-error")
        await pilot.press(*"79001234567", "enter")
        await until(pilot, lambda: app.screen.code is not None)
        code = app.screen.code
        assert "Link with phone number instead" in text_of(app, "#pair-where") and "2:" in text_of(app, "#pair-where")
        shown = text_of(app, "#pair-code").replace(" ", "").replace("-", "")
        assert shown == code
        import httpx

        httpx.post(f"{sandbox.url}/_sandbox/green/{sandbox.green.instance.id}/enter-code", json={"code": code})
        await until(pilot, lambda: isinstance(app.screen, LinkScreen), timeout=6, what="pairing closes once linked")
        await until(pilot, lambda: "Linked" in text_of(app, "#link-title"))


async def test_cadence_no_overlap_and_pause_when_hidden(sandbox: Sandbox) -> None:
    app = make_app(sandbox, start="link")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown_qr(app))
        await asyncio.sleep(4.2)
        poller = app.screen.poller
        starts = poller.starts[-4:]
        gaps = [b - a for a, b in zip(starts, starts[1:])]
        # the loop sleeps out the rest of each second: never early; under load at worst a little late
        assert all(g >= 0.99 for g in gaps) and sorted(gaps)[len(gaps) // 2] <= 1.1, gaps
        qr_calls = [(start, end) for start, end, m in sandbox.green.log if m == "qr"]
        assert len(qr_calls) >= 4
        assert all(b[0] >= a[1] for a, b in zip(qr_calls, qr_calls[1:]))  # never two in flight (server's view)
        await pilot.press("1")  # leave: the link screen is suspended
        await pilot.pause(0.3)
        count = len([m for *_t, m in sandbox.green.log if m == "qr"])
        await asyncio.sleep(2.2)
        assert len([m for *_t, m in sandbox.green.log if m == "qr"]) == count
        await pilot.press("2")
        await until(pilot, lambda: len([m for *_t, m in sandbox.green.log if m == "qr"]) > count, what="resumed")


async def test_stops_after_idle_limit_and_r_resumes(sandbox: Sandbox) -> None:
    app = make_app(sandbox, start="link", **{"ui.link_idle_minutes": 0.03})
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "Paused" in text_of(app, "#link-title"), timeout=6)
        count = len(sandbox.green.log)
        await asyncio.sleep(1.5)
        assert len(sandbox.green.log) == count and app.screen.query_one(QRView).payload is None
        await pilot.press("r")
        await until(pilot, lambda: shown_qr(app))


async def test_service_outage_recovers_by_itself(sandbox: Sandbox) -> None:
    app = make_app(sandbox, start="link")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown_qr(app))
        sandbox.faults.add("/qr/", status=502, body="Bad Gateway")
        await until(pilot, lambda: "Green API fault" in text_of(app, "#link-title"))
        assert "HTTP 502" in text_of(app, "#link-status")
        sandbox.faults.clear()
        await until(pilot, lambda: shown_qr(app), timeout=8, what="recovery")
