"""What a new user trips over (issue 15): each flow as a person meets it."""

from __future__ import annotations

import os
from pathlib import Path

from textual.widgets import Input, TextArea

from tests.helpers import make_app, status, until
from tui.qr.decode import decode_image
from tui.sandbox import Sandbox
from tui.screens.code_form import CodeForm
from tui.screens.dialogs import ConfirmScreen
from tui.screens.pairing import PairingScreen, phone_digits
from tui.screens.save_image import SaveImageScreen


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_refused_green_token_stops_polling_names_the_setting_and_r_retries(sandbox: Sandbox) -> None:
    app = make_app(sandbox, start="link", **{"green.api_token_instance": "wrong-token"})
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "Credentials refused" in text_of(app, "#link-title"))
        assert "WAQR_GREEN__API_TOKEN_INSTANCE" in text_of(app, "#link-status")
        assert "press r" in text_of(app, "#link-advice")
        calls = len(sandbox.green.log)
        await pilot.pause(2.5)
        assert app.screen.worker is None and len(sandbox.green.log) == calls  # no request a second against it
        await pilot.press("r")  # one more try, refused again, stopped again
        await until(pilot, lambda: len(sandbox.green.log) == calls + 1 and app.screen.worker is None)
        assert "Credentials refused" in text_of(app, "#link-title")


def test_pairing_phone_numbers_as_people_type_them() -> None:
    assert phone_digits("+7 900 123-45-67") == ("79001234567", "")
    assert phone_digits("0079001234567") == ("79001234567", "")
    digits, problem = phone_digits("1234567890123456789")
    assert digits is None and "19 digits" in problem  # refused, not cut to 15 without a word
    assert phone_digits("12ab")[0] is None


async def test_pairing_code_can_be_copied_with_y(sandbox: Sandbox) -> None:
    app = make_app(sandbox, start="link")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen.query_one("#link-qr").rendered is not None)
        await pilot.press("c")
        assert isinstance(app.screen, PairingScreen)
        await pilot.press(*"1234567890123456789", "enter")
        assert "19 digits" in text_of(app, "#dialog-error") and app.screen.code is None
        app.screen.query_one("#phone", Input).value = "+7 900 123 45 67"
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.code is not None)
        await pilot.press("y")
        assert app.clipboard == app.screen.code and app.screen.query_one("#phone", Input).value == "+7 900 123 45 67"


async def test_save_image_takes_the_format_from_the_name_and_keeps_the_dialog_on_errors(
    sandbox: Sandbox, isolated: Path
) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen.page is not None)
        code = app.screen.current()
        await pilot.press("s")
        dialog = app.screen
        assert isinstance(dialog, SaveImageScreen)
        missing = isolated / "no-such-folder" / "q.svg"
        dialog.query_one("#path", Input).value = str(missing)
        await pilot.press("enter")
        assert app.screen is dialog and "No such folder" in text_of(app, "#dialog-error")
        target = isolated / "q.svg"
        elsewhere = isolated / "elsewhere.txt"
        elsewhere.write_text("keep me")
        os.symlink(elsewhere, target)
        dialog.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        assert app.screen is dialog and "symbolic link" in text_of(app, "#dialog-error")
        await pilot.press("enter")  # asked, answered: the link itself is replaced, its target untouched
        await until(pilot, lambda: not isinstance(app.screen, SaveImageScreen))
        assert not target.is_symlink() and elsewhere.read_text() == "keep me"
        assert target.read_bytes().lstrip().startswith((b"<?xml", b"<svg"))
        assert "Saved" in status(app)
        await pilot.press("s")
        app.screen.query_one("#path", Input).value = str(isolated / "q.png")
        await pilot.press("enter")
        await until(pilot, lambda: (isolated / "q.png").exists())
        assert decode_image((isolated / "q.png").read_bytes()) == code.deep_link_url


async def test_without_message_qr_settings_the_pane_says_so_once_and_offers_no_code_keys(sandbox: Sandbox) -> None:
    app = make_app(sandbox, **{"meta.access_token": None, "alibaba.access_key_secret": None})
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "WAQR_META__ACCESS_TOKEN" in status(app))
        keys = {b.binding.key for b in app.screen.active_bindings.values() if b.enabled}
        assert not {"n", "p", "a", "e", "d", "y", "s"} & keys and "r" in keys
        assert "WAQR_META__ACCESS_TOKEN" not in str(app.screen.query_one("#code-details").render())


async def test_the_editor_keeps_the_text_and_goes_on_from_its_end(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen.page is not None)
        code = app.screen.current()
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, CodeForm) and bool(app.screen.query("#message")))
        editor = app.screen.query_one("#message", TextArea)
        assert editor.selected_text == "" and editor.cursor_location == editor.document.end
        await pilot.press(*" (edited)")
        editor.insert("\nsecond line")  # a multi-line paste keeps its lines
        await pilot.press("ctrl+s")
        await until(pilot, lambda: sandbox.meta.codes[code.code].message == code.prefilled_message + " (edited)\nsecond line")


async def test_an_edit_that_gives_a_new_code_asks_first_and_no_keeps_everything(sandbox: Sandbox) -> None:
    app = make_app(sandbox, **{"ui.provider": "alibaba"})
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen.page is not None)
        code = app.screen.current()
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, CodeForm) and bool(app.screen.query("#message")))
        await pilot.press(*"!", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, CodeForm))
        assert app.screen.query_one("#message", TextArea).text.endswith("!") and code.code in sandbox.cams.codes


def test_emoji_joiners_are_text_and_controls_are_not() -> None:
    from tui.text import is_plain, plain

    family = "Family \U0001F468\u200d\U0001F469\u200d\U0001F467 trip \U0001F3F3\ufe0f\u200d\U0001F308"
    assert plain(family) == family and is_plain(family)
    assert plain("a\u200bb\u202ec") == "a<U+200B>b<U+202E>c"


async def test_messages_in_the_full_screen_qr_go_to_its_caption_not_over_the_qr(sandbox: Sandbox) -> None:
    from tests.qrcheck import decode_lines
    from tui.screens.dialogs import FullQrScreen
    from tui.widgets.qr_view import QRView

    app = make_app(sandbox)
    async with app.run_test(size=(60, 20)) as pilot:
        await until(pilot, lambda: app.screen.page is not None)
        await pilot.press("enter")
        assert isinstance(app.screen, FullQrScreen)
        await pilot.press("v", "v")
        await pilot.pause(0.2)
        assert not app._notifications and "QR style" in text_of(app, "#full-caption")
        view = app.screen.query_one(QRView)
        assert view.rendered is None or decode_lines(view.cells())
