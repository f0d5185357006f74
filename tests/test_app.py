"""App-wide behaviour: themes (bundled, user, broken), help per screen, palette, QR style."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from tests.drivers import CaptureDriver
from tests.helpers import make_app, status, until
from tests.qrcheck import decode_lines
from tui.config import config_dir
from tui.sandbox import Sandbox
from tui.screens.dialogs import HelpScreen
from tui.themes import bundled_dir, load_themes
from tui.widgets.qr_view import QRView


def test_bundled_themes_load() -> None:
    themes, problems = load_themes(bundled_dir())
    assert {t.name for t in themes} == {"waqr-dark", "waqr-light", "waqr-contrast"} and problems == []


async def test_user_theme_and_broken_theme_file(sandbox: Sandbox) -> None:
    folder = config_dir() / "themes"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text('name = "mine"\nprimary = "#ff8800"\nbackground = "#101010"\ndark = true\n')
    (folder / "broken.toml").write_text('name = "broken"\nprimary = "not a colour"\n')
    (folder / "garbage.toml").write_text("[[[")
    app = make_app(sandbox, **{"ui.theme": "mine"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "mine"
        notices = status(app)
        assert "broken.toml ignored" in notices and "garbage.toml ignored" in notices


async def test_unknown_theme_falls_back_with_a_notice(sandbox: Sandbox) -> None:
    app = make_app(sandbox, **{"ui.theme": "nope"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "waqr-dark"
        assert "'nope' not found" in status(app)


async def test_help_lists_the_keys_of_the_screen_you_are_on(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = [app.screen.query_one(DataTable).get_row_at(i)[1] for i in range(app.screen.query_one(DataTable).row_count)]
        assert "Next page" in rows and "Delete" in rows and "Pairing code" not in rows and "Quit" in rows
        await pilot.press("escape", "2", "question_mark")
        rows = [app.screen.query_one(DataTable).get_row_at(i)[1] for i in range(app.screen.query_one(DataTable).row_count)]
        assert "Pairing code" in rows and "Log out" in rows and "Next page" not in rows


async def test_footer_shows_help_and_quit_first_and_hides_the_mode_you_are_in(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        for mode, own, other in (("codes", "1", "2"), ("link", "2", "1")):
            await pilot.press(own)  # on codes (shown first) a no-op; then the switch to link
            await until(pilot, lambda: app.current_mode == mode and bool(app.screen.query("FooterKey")))
            await pilot.pause()
            palette = app.screen.query_one("FooterKey.-command-palette")
            keys = [k for k in app.screen.query("FooterKey") if k is not palette]
            visible = [k.key for k in keys if k.region.right <= palette.region.x]
            assert visible[:2] == ["question_mark", "q"]  # at 80 columns, whatever else fits
            assert own not in [k.key for k in keys] and other in [k.key for k in keys]


async def test_palette_has_the_apps_actions(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Reload codes", "Copy link", "Save image", "Delete code", "QR style: compact",
                "Provider: Alibaba CAMS", "Provider: Meta Cloud API ✓", "Theme: waqr-dark ✓", "Theme: waqr-light",
                "QR style: auto ✓", "Go to Link device", "Keys"} <= titles
        assert "Maximize" not in titles  # Textual's own, meaningless here
        await pilot.press("2")
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Pairing code", "Log out instance", "Reboot instance"} <= titles


async def test_switch_provider_from_the_palette(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: getattr(app.screen, "page", None) is not None)
        await app.use_provider("alibaba")
        await until(pilot, lambda: app.screen.page is not None and app.screen.page.total == 30)
        assert "Alibaba CAMS" in app.screen.sub_title


async def test_v_cycles_qr_style_and_each_still_scans(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(120, 45)) as pilot:
        await until(pilot, lambda: app.screen.query_one(QRView).rendered is not None)
        view = app.screen.query_one(QRView)
        link = app.screen.current().deep_link_url
        seen = []
        for _ in range(4):
            await pilot.press("v")
            await pilot.pause()
            seen.append(app.qr_style)
            if view.rendered:
                assert decode_lines(view.cells()) == [link]
        assert seen == ["wide", "half", "compact", "auto"]


def test_themes_ship_in_the_wheel(tmp_path: Path) -> None:
    """The wheel carries the bundled themes where bundled_dir() looks for them once installed."""
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).parents[1]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(root)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("waqr-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"tui/themes/{t}.toml" for t in ("waqr-dark", "waqr-light", "waqr-contrast")} <= names
    assert "tui/app.tcss" in names


async def test_http_clients_load_after_the_first_frame(sandbox: Sandbox, monkeypatch) -> None:
    """Loading httpx and an SSL context takes ~50 ms: the first frame goes to the terminal before it."""
    from tui.clients import Clients

    frames_before_load: list[int] = []
    for name in ("codes", "green"):
        original = getattr(Clients, name)

        def spy(self, _original=original):
            frames_before_load.append(len(CaptureDriver.frames()))
            return _original(self)

        monkeypatch.setattr(Clients, name, spy)
    for start, other in (("codes", "2"), ("link", "1")):
        frames_before_load.clear()
        app = make_app(sandbox, start=start, driver_class=CaptureDriver)
        async with app.run_test(size=(100, 30), headless=False) as pilot:
            await until(pilot, lambda: len(frames_before_load) >= 1)
            await pilot.press(other)  # a mode opened later loads its client at once
            await until(pilot, lambda: len(frames_before_load) >= 2)
        assert all(n > 0 for n in frames_before_load), frames_before_load


async def test_palette_choices_are_remembered_and_the_command_line_wins(sandbox: Sandbox) -> None:
    from tui.state import load_state

    app = make_app(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.action_set_theme("waqr-light")
        app.action_set_qr_style("half")
        await app.use_provider("alibaba")
        await pilot.pause()
    assert load_state().model_dump() == {"theme": "waqr-light", "qr_style": "half", "provider": "alibaba", "profile": None}
    again = make_app(sandbox)
    assert (again.theme, again.qr_style, again.clients.provider) == ("waqr-light", "half", "alibaba")
    from tui.app import WaqrApp
    from tui.config import load_settings

    pinned = WaqrApp(load_settings(overrides={**sandbox.settings(), "ui.theme": "waqr-contrast"}), pinned=["theme"])
    assert pinned.theme == "waqr-contrast" and pinned.qr_style == "half"


async def test_profiles_in_the_header_and_switched_from_the_palette(sandbox: Sandbox, tmp_path: Path) -> None:
    from tui.app import WaqrApp
    from tui.config import load_settings

    config = tmp_path / "config.toml"
    config.write_text('[profiles.acme.alibaba]\nphone_number = "8613800138000"\n'
                      '[profiles.other.meta]\nphone_number_id = "109999999999999"\n')
    config.chmod(0o600)
    overrides = {**sandbox.settings(), "ui.provider": "alibaba"}

    def reload(profile):
        return load_settings(config, overrides, profile=profile)

    app = WaqrApp(reload("acme"), sandbox=sandbox, config_file=str(config), reload=reload)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen.page is not None)
        assert "profile acme" in app.title
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Profile: acme ✓", "Profile: other", "Profile: default"} <= titles
        old = app.clients
        await app.use_profile(None)
        await until(pilot, lambda: getattr(app.screen, "page", None) is not None)
        assert app.title == "waqr" and app.clients is not old and old._codes is None  # old clients closed
        await pilot.press("2")
        await until(pilot, lambda: app.screen.query("#link-title"))
