"""Message QR codes pane: Pilot flows on the sandbox (Meta and CAMS)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, TextArea

from tests.helpers import make_app, status, until
from tests.qrcheck import decode_lines
from tui.qr.decode import decode_image
from tui.sandbox import Sandbox
from tui.screens.code_form import CodeForm
from tui.screens.dialogs import ConfirmScreen, FullQrScreen
from tui.screens.save_image import SaveImageScreen
from tui.widgets.qr_view import QRView


def loaded(app) -> bool:
    screen = app.screen
    return getattr(screen, "page", None) is not None and not screen.query_one(DataTable).loading


async def test_pages_to_the_last_and_back_with_a_scannable_qr(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: loaded(app))
        assert status(app).startswith("page 1 · 1–25")
        view = app.screen.query_one(QRView)
        first = app.screen.current()
        assert decode_lines(view.cells()) == [first.deep_link_url]  # whole and scannable at 80x24
        await until(pilot, lambda: app.screen.pager.is_ahead(), what="next page fetched ahead")
        await pilot.press("n")
        assert status(app).startswith("page 2 · 26–50")  # shown at once from the prefetch
        await until(pilot, lambda: loaded(app))
        await pilot.press("n")
        await until(pilot, lambda: status(app).startswith("page 3 · 51–60"))
        await pilot.press("n")  # already the last
        await pilot.press("p")
        await until(pilot, lambda: status(app).startswith("page 2"))
        await pilot.press("p")
        await until(pilot, lambda: status(app).startswith("page 1 · 1–25"))
        assert app.screen.current() == first
        await pilot.press("down")
        second = app.screen.current()
        await pilot.pause()
        assert decode_lines(view.cells()) == [second.deep_link_url]


async def test_find_by_code(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    target = sandbox.meta.newest_first()[40].code
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: loaded(app))
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*target, "enter")
        await until(pilot, lambda: app.screen.page.items and len(app.screen.page.items) == 1)
        assert app.screen.current().code == target
        await pilot.press("escape")
        await until(pilot, lambda: len(app.screen.page.items) == 25)


async def test_create_one_code_however_often_save_is_pressed(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: loaded(app))
        await pilot.press("a")
        assert isinstance(app.screen, CodeForm)
        await pilot.press(*"Hello from waqr")
        await pilot.press("ctrl+s", "ctrl+s", "ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, CodeForm))
        await until(pilot, lambda: loaded(app) and app.screen.current().prefilled_message == "Hello from waqr")
        assert len(sandbox.meta.codes) == 61
        assert [c.message for c in sandbox.meta.newest_first()][:2].count("Hello from waqr") == 1


async def test_over_140_is_refused_before_any_request(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: loaded(app))
        count = len(sandbox.meta.codes)
        await pilot.press("a")
        form = app.screen
        form.query_one("#message", TextArea).load_text("x" * 141)
        await pilot.pause()
        assert "141/140" in str(form.query_one("#count").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and form.requests == 0 and len(sandbox.meta.codes) == count
        assert "limit is 140" in str(form.query_one("#dialog-error").render())


async def test_server_error_keeps_the_form_and_its_text(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: loaded(app))
        fault = sandbox.faults.add("message_qrdls$", status=500, method="POST",
                                   body='{"error": {"message": "Service unavailable", "code": 100, "fbtrace_id": "TRACE9"}}',
                                   headers={"Content-Type": "application/json"})
        await pilot.press("a", *"Keep me")
        await pilot.press("ctrl+s")
        form = app.screen
        await until(pilot, lambda: not form.saving)
        assert isinstance(app.screen, CodeForm) and form.query_one("#message", TextArea).text == "Keep me"
        assert "TRACE9" in str(form.query_one("#dialog-error").render())
        sandbox.faults.clear()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, CodeForm))
        assert fault.hits == 1 and sandbox.meta.newest_first()[0].message == "Keep me"


async def test_edit_keeps_the_code(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: loaded(app))
        code = app.screen.current().code
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, CodeForm) and bool(app.screen.query("#message")))
        app.screen.query_one("#message", TextArea).load_text("Edited message")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: loaded(app) and app.screen.current().prefilled_message == "Edited message")
        assert app.screen.current().code == code and sandbox.meta.codes[code].message == "Edited message"


async def test_delete_asks_first_and_the_list_follows(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: loaded(app))
        code = app.screen.current().code
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen) and code in str(app.screen.title_text)
        await pilot.press("n")
        assert code in sandbox.meta.codes
        await pilot.press("d", "y")
        await until(pilot, lambda: code not in sandbox.meta.codes and loaded(app))
        await until(pilot, lambda: app.screen.current() and app.screen.current().code != code)
        assert code not in [c.code for c in app.screen.page.items]


async def test_copy_save_and_full_screen(sandbox: Sandbox, isolated: Path) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: loaded(app))
        code = app.screen.current()
        await pilot.press("y")
        assert app.clipboard == code.deep_link_url
        await pilot.press("s")
        assert isinstance(app.screen, SaveImageScreen)
        await pilot.press("enter")
        target = isolated / f"waqr-{code.code}.png"
        await until(pilot, lambda: target.exists())
        assert decode_image(target.read_bytes()) == code.deep_link_url
        # Meta's own SVG
        await pilot.press("s")
        dialog = app.screen
        dialog.query_one("#source").value = "remote"
        dialog.query_one("#path", Input).value = str(isolated / f"waqr-{code.code}.svg")
        await pilot.pause()
        await pilot.press("enter")
        svg = isolated / f"waqr-{code.code}.svg"
        await until(pilot, lambda: svg.exists())
        assert svg.read_bytes().lstrip().startswith(b"<?xml") or b"<svg" in svg.read_bytes()
        await pilot.press("enter")
        assert isinstance(app.screen, FullQrScreen)
        await pilot.pause()
        assert decode_lines(app.screen.query_one(QRView).cells()) == [code.deep_link_url]
        await pilot.press("escape")


async def test_load_error_shows_graph_message_then_recovers(sandbox: Sandbox) -> None:
    sandbox.faults.add("message_qrdls", status=401, times=None, headers={"Content-Type": "application/json"},
                       body='{"error": {"message": "Error validating access token", "type": "OAuthException", '
                            '"code": 190, "fbtrace_id": "FBT1"}}')
    app = make_app(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen.error is not None)
        assert "fbtrace_id FBT1" in status(app) and "WAQR_META__ACCESS_TOKEN" in status(app)
        sandbox.faults.clear()
        await pilot.press("r")
        await until(pilot, lambda: loaded(app) and status(app).startswith("page 1"))


async def test_empty_state_says_how_to_create() -> None:
    from tui.sandbox.meta import MetaSandbox

    with Sandbox(meta=MetaSandbox(count=0)) as empty:
        app = make_app(empty)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: loaded(app))
            assert "a creates one" in status(app)


@pytest.fixture
def cams_app(sandbox: Sandbox):
    return make_app(sandbox, **{"ui.provider": "alibaba"})


async def test_cams_list_create_edit_delete(cams_app, sandbox: Sandbox) -> None:
    app = cams_app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: loaded(app))
        assert status(app).startswith("page 1 · 1–25 of 30") and "Alibaba CAMS" in app.screen.sub_title
        await pilot.press("n")
        await until(pilot, lambda: status(app).startswith("page 2 · 26–30 of 30"))
        await pilot.press("p")
        await until(pilot, lambda: status(app).startswith("page 1"))
        await pilot.press("a", *"CAMS hello", "ctrl+s")
        await until(pilot, lambda: loaded(app) and app.screen.current().prefilled_message == "CAMS hello")
        old = app.screen.current().code
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, CodeForm) and bool(app.screen.query("#message")))
        app.screen.query_one("#message", TextArea).load_text("CAMS edited")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="CAMS asks before a new code")
        assert old in str(app.screen.query_one(".dialog-detail").render())
        await pilot.press("y")
        await until(pilot, lambda: loaded(app) and app.screen.current().prefilled_message == "CAMS edited")
        new = app.screen.current().code
        assert new != old and old not in sandbox.cams.codes  # the new code is taken from the answer
        await pilot.press("d", "y")
        await until(pilot, lambda: new not in sandbox.cams.codes)


async def test_cams_error_is_shown(sandbox: Sandbox) -> None:
    app = make_app(sandbox, **{"ui.provider": "alibaba", "alibaba.access_key_secret": "not-the-secret"})
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen.error is not None)
        assert "SignatureDoesNotMatch" in status(app) and "not-the-secret" not in app.export_screenshot()


async def test_find_any_case_a_pasted_link_and_words_then_every_page(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    codes = sandbox.meta.newest_first()
    target = codes[40]
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: loaded(app))
        for typed in (target.code.lower(), f"https://wa.me/message/{target.code}"):
            await pilot.press("slash")
            app.screen.query_one("#find", Input).value = typed
            await pilot.press("enter")
            await until(pilot, lambda: loaded(app) and [c.code for c in app.screen.items()] == [target.code], what=typed)
            await pilot.press("escape")
            await until(pilot, lambda: loaded(app) and len(app.screen.items()) == 25)
        word = target.message.split()[-1].upper()  # words of the message, any case
        on_page_one = [c.code for c in codes[:50] if word.casefold() in c.message.casefold()]  # pages 1-2 loaded
        everywhere = [c.code for c in codes if word.casefold() in c.message.casefold()]
        await until(pilot, lambda: app.screen.pager.is_ahead())
        await pilot.press("slash")
        app.screen.query_one("#find", Input).value = word
        await pilot.press("enter")
        await until(pilot, lambda: "f: search every page" in status(app))
        assert [c.code for c in app.screen.items()] == on_page_one
        calls = sandbox.meta.calls
        await pilot.press("f")
        await until(pilot, lambda: "in every page" in status(app))
        assert [c.code for c in app.screen.items()] == everywhere and sandbox.meta.calls - calls == 3
