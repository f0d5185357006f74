"""The waqr App: two modes (Message QR codes, Link device), themes, palette commands."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from tui.config import Settings, config_file_warning, missing, resolve_config_file, start_problem
from tui.qr.render import STYLES
from tui.screens.codes import CodesScreen
from tui.screens.dialogs import HelpScreen
from tui.screens.link import LinkScreen
from tui.themes import DEFAULT_THEME, load_themes

if TYPE_CHECKING:
    from tui.api.green import GreenClient
    from tui.api.provider import CodesProvider

QR_STYLES = ("auto", *STYLES)


class WaqrApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "waqr"
    MODES = {"codes": CodesScreen, "link": LinkScreen}
    BINDINGS = [
        Binding("1", "switch_mode('codes')", "QR codes"),
        Binding("2", "switch_mode('link')", "Link device"),
        Binding("question_mark", "help", "Help", show=False),  # the main screens show these first
        Binding("q", "quit", "Quit", show=False),
    ]

    qr_style: reactive[str] = reactive("auto")
    provider_name: reactive[str] = reactive("auto")

    def __init__(
        self,
        settings: Settings,
        *,
        start: str = "codes",
        sandbox: Any = None,
        codes_provider: CodesProvider | None = None,
        green: GreenClient | None = None,
        config_file: str | None = None,
    ) -> None:
        self.DEFAULT_MODE = start  # Textual mounts this mode first: no blank default screen to switch from
        super().__init__()
        self.settings = settings
        self.sandbox = sandbox
        self._codes: CodesProvider | None = codes_provider
        self._green: GreenClient | None = green
        self.config_file = resolve_config_file(config_file)
        themes, self.theme_problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        wanted = settings.ui.theme
        if wanted not in self.available_themes:
            self.theme_problems.append(f"theme {wanted!r} not found; using {DEFAULT_THEME}")
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self.theme = wanted
        self.set_reactive(WaqrApp.qr_style, settings.ui.qr_style)
        self.set_reactive(WaqrApp.provider_name, settings.ui.provider)
        self._first_frame_shown = False
        self._after_first_frame: list[Callable[[], object]] = []

    def after_first_frame(self, callback: Callable[[], object]) -> None:
        """Run `callback` once the first frame is on the terminal (after the next refresh, if it already is).

        Loading an HTTP client takes about 50 ms: start-up shows the app before paying for it.
        """
        if self._first_frame_shown:
            self.call_after_refresh(callback)
        else:
            self._after_first_frame.append(callback)

    def on_ready(self) -> None:
        """Textual's Ready: the first frame is laid out (the screen may still be about to hand it to the
        terminal, hence after a refresh: called at once, the client would load before the frame went out)."""
        self._first_frame_shown = True
        for callback in self._after_first_frame:
            self.call_after_refresh(callback)
        self._after_first_frame.clear()

    def on_mount(self) -> None:
        for problem in self.theme_problems:
            self.notify(problem, severity="warning", timeout=6)
        warning = config_file_warning(self.config_file)
        if warning:
            self.notify(warning, severity="warning", timeout=10)

    async def on_unmount(self) -> None:
        for client in (self._codes, self._green):
            if client is not None:
                await client.aclose()

    @property
    def demo_suffix(self) -> str:
        """Added to screen subtitles so a demo is never mistaken for a real account."""
        return " · demo sandbox" if self.sandbox is not None else ""

    # -- services ---------------------------------------------------------------------------

    def codes_provider(self) -> tuple[CodesProvider | None, str | None]:
        """The provider of the Message QR codes pane, or why there is none."""
        if self._codes is None:
            s = self.settings
            choice = self.provider_name
            if choice == "auto":
                choice = "meta" if s.meta.configured or not s.alibaba.configured else "alibaba"
            if choice == "meta" and s.meta.configured:
                from tui.api.meta import MetaClient

                self._codes = MetaClient(s.meta)
            elif choice == "alibaba" and s.alibaba.configured:
                from tui.api.alibaba import AlibabaClient

                self._codes = AlibabaClient(s.alibaba)
            elif choice == "alibaba":
                absent = missing(s.alibaba, "alibaba", ["access_key_id", "access_key_secret", "phone_number"])
                return None, f"Alibaba CAMS needs {absent}."
            else:
                return None, start_problem(s, None)
        return self._codes, None

    def green_client(self) -> tuple[GreenClient | None, str | None]:
        if self._green is None:
            if not self.settings.green.configured:
                return None, start_problem(self.settings, "link")
            from tui.api.green import GreenClient

            self._green = GreenClient(self.settings.green)
        return self._green, None

    async def use_provider(self, name: str) -> None:
        """Switch the Message QR codes pane to another provider (the pane watches `provider_name`)."""
        old, self._codes = self._codes, None
        self.provider_name = name  # the pane cancels its requests and takes the new provider
        if old is not None:
            await old.aclose()

    # -- actions --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the key of the mode already shown (it would do nothing) from the footer."""
        if action == "switch_mode" and parameters and parameters[0] == self.current_mode:
            return False
        return True

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_cycle_qr_style(self) -> None:
        self.qr_style = QR_STYLES[(QR_STYLES.index(self.qr_style) + 1) % len(QR_STYLES)]
        self.notify(f"QR style: {self.qr_style}", timeout=2)

    def action_set_qr_style(self, style: str) -> None:
        self.qr_style = style

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for style in QR_STYLES:
            yield SystemCommand(f"QR style: {style}", f"Draw QR codes in the {style} style",
                                lambda s=style: self.action_set_qr_style(s))
        s = self.settings
        if s.meta.configured and s.alibaba.configured:
            for name, title in (("meta", "Meta Cloud API"), ("alibaba", "Alibaba CAMS")):
                yield SystemCommand(f"Provider: {title}", f"Message QR codes from {title}",
                                    lambda n=name: self.run_worker(self.use_provider(n)))
        if isinstance(screen, CodesScreen):
            for key, title, text in (
                ("reload", "Reload codes", "Fetch the page again"),
                ("copy", "Copy link", "Copy the highlighted code's link (OSC 52)"),
                ("save", "Save image", "Save the highlighted code as PNG or SVG"),
                ("new", "New code", "Create a message QR code"),
                ("edit", "Edit message", "Change the highlighted code's message"),
                ("delete", "Delete code", "Delete the highlighted code (asks first)"),
            ):
                yield SystemCommand(title, text, getattr(screen, f"action_{key}"))
        if isinstance(screen, LinkScreen):
            for key, title, text in (
                ("pairing", "Pairing code", "Link with a phone number instead of the QR"),
                ("logout", "Log out instance", "Unlink the phone (asks first)"),
                ("restart", "Restart polling", "Ask for a QR again"),
                ("reboot", "Reboot instance", "Restart the Green API instance (asks first)"),
            ):
                yield SystemCommand(title, text, getattr(screen, f"action_{key}"))
        if self.sandbox is not None:
            yield SystemCommand("Sandbox: simulate the phone scanning the QR", "Demo only: link the sandbox instance",
                                self._simulate_scan)

    def _simulate_scan(self) -> None:
        self.sandbox.green.scan()
        self.notify("Sandbox: the phone scanned the QR.", timeout=3)

