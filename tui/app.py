"""The waqr App: two modes (Message QR codes, Link device), themes, palette commands."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from tui.clients import Clients
from tui.config import ConfigError, Settings, config_file_warning, resolve_config_file
from tui.qr.render import STYLES
from tui.screens.codes import CodesScreen
from tui.screens.dialogs import FullQrScreen, HelpScreen
from tui.screens.link import LinkScreen
from tui.screens.main import Context, MainScreen
from tui.state import load_state, save_state
from tui.text import plain
from tui.themes import DEFAULT_THEME, load_themes

if TYPE_CHECKING:
    from textual.driver import Driver

    from tui.api.green import GreenClient
    from tui.api.provider import CodesProvider

log = logging.getLogger("waqr.app")

QR_STYLES = ("auto", *STYLES)
MODE_TITLES = {"codes": "Message QR codes", "link": "Link device"}


class WaqrApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "waqr"
    BINDINGS = [
        Binding("1", "switch_mode('codes')", "QR codes"),
        Binding("2", "switch_mode('link')", "Link device"),
        Binding("question_mark", "help", "All keys", show=False),  # the main screens show these first
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
        driver_class: type[Driver] | None = None,
        pinned: Iterable[str] = (),
        reload: Callable[[str | None], Settings] | None = None,
    ) -> None:
        """`pinned`: choices given on the command line (`theme`, `qr_style`), which win over those
        remembered from the palette; remembered ones win over the config file and environment. `reload(profile)`: the settings
        again from the same sources with another profile (the palette offers the profiles then)."""
        self.DEFAULT_MODE = start  # Textual mounts this mode first: no blank default screen to switch from
        super().__init__(driver_class=driver_class)
        self.settings = settings
        self.sandbox = sandbox
        self.reload = reload
        self._set_title()
        remembered = load_state()
        pinned = set(pinned)

        def choice(name: str, configured: str) -> str:
            value = getattr(remembered, name)
            return value if value and name not in pinned else configured

        self.clients = Clients(settings, provider=settings.ui.provider, codes=codes_provider, green=green)
        provider = choice("provider", settings.ui.provider)
        if provider == "auto" or provider in {name for name, _ in self.clients.provider_choices()}:
            self.clients.provider = provider  # not one remembered for an account that is not configured now
        self.context = Context(settings, self.clients, demo=sandbox is not None, sandbox=sandbox)
        self.add_mode("codes", self._codes_screen)
        self.add_mode("link", self._link_screen)
        self.config_file = resolve_config_file(config_file)
        themes, problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        wanted = choice("theme", settings.ui.theme)
        if wanted not in self.available_themes:
            problems.append(f"theme {wanted!r} not found; using {DEFAULT_THEME}")
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self.theme = wanted
        warning = config_file_warning(self.config_file)
        self.context.notes.extend(problems + ([warning] if warning else []))
        self.set_reactive(WaqrApp.qr_style, choice("qr_style", settings.ui.qr_style))
        self.set_reactive(WaqrApp.provider_name, self.clients.provider)

    def _set_title(self) -> None:
        profile = self.settings.profile
        self.title = "waqr" + (f" · profile {plain(profile, line=True, limit=40)}" if profile else "")

    async def use_profile(self, name: str | None) -> None:
        """Switch to another profile: new settings and clients; both screens start afresh."""
        if self.reload is None:
            return
        try:
            settings = self.reload(name)
        except ConfigError as exc:
            self.notify(f"Profile {name}: {exc}", severity="error")
            return
        old = self.clients
        self.settings = settings
        self.clients = Clients(settings, provider=old.provider)
        self.context = Context(settings, self.clients, demo=self.context.demo, sandbox=self.sandbox)
        current = self.current_mode
        for mode in sorted(("codes", "link"), key=lambda m: m == current):  # the current one last
            other = "link" if mode == "codes" else "codes"
            if mode == current:
                await self.switch_mode(other)
            await self.remove_mode(mode)
            self.add_mode(mode, self._codes_screen if mode == "codes" else self._link_screen)
        await self.switch_mode(current)
        self._set_title()
        await old.aclose()
        self.notify(f"Profile: {name or 'default'}.")

    def _codes_screen(self) -> Screen[Any]:
        return CodesScreen(self.context)

    def _link_screen(self) -> Screen[Any]:
        """Link device: the list of instances when there may be several, else the one instance."""
        g = self.settings.green
        single = g.configured and not g.partner_token and len(self.settings.green_instances()) <= 1
        if self.clients.has_green() or single:
            return LinkScreen(self.context)
        from tui.screens.fleet import FleetScreen  # imported when Link device first opens

        return FleetScreen(self.context)

    async def on_unmount(self) -> None:
        await self.clients.aclose()

    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
               markup: bool = False) -> None:
        """On a main screen, the status line (a toast would land on the QR); elsewhere a toast.

        `markup` is off by default here: any text may come from outside."""
        if isinstance(self.screen, (MainScreen, FullQrScreen)) and not markup:
            self.screen.say(f"{title}: {message}" if title else message, severity=severity)
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

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
        self.action_set_qr_style(QR_STYLES[(QR_STYLES.index(self.qr_style) + 1) % len(QR_STYLES)])

    def action_set_qr_style(self, style: str) -> None:
        self.qr_style = style
        self._remember(qr_style=style)
        self.call_after_refresh(self._say_style)

    def action_set_theme(self, name: str) -> None:
        self.theme = name
        self._remember(theme=name)

    def _remember(self, **choice: str) -> None:
        """Keep a palette choice for the next run (the state file, never the person's config)."""
        try:
            save_state(**choice)
        except OSError as exc:
            log.warning("cannot remember %s: %s", ", ".join(choice), exc)

    def _say_style(self) -> None:
        drawn = {view.rendered.style for view in self.screen.query("QRView") if getattr(view, "rendered", None)}
        now = f" (drawn {', '.join(sorted(drawn))})" if self.qr_style == "auto" and drawn else ""
        self.notify(f"QR style: {self.qr_style}{now}", timeout=3)

    async def use_provider(self, name: str) -> None:
        """Switch Message QR codes to another provider (the screen watches `provider_name`)."""
        await self.clients.use_provider(name)
        self.provider_name = name
        self._remember(provider=name)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for mode, title in MODE_TITLES.items():
            if mode != self.current_mode:
                yield SystemCommand(f"Go to {title}", f"Switch to {title}", lambda m=mode: self.switch_mode(m))
        yield SystemCommand("Keys", "Every key of this screen", self.action_help)
        if isinstance(screen, MainScreen):
            for action, title, text in screen.PALETTE:
                yield SystemCommand(title, text, lambda a=action: screen.run_action(a))
        for style in QR_STYLES:
            mark = " ✓" if style == self.qr_style else ""
            yield SystemCommand(f"QR style: {style}{mark}", f"Draw QR codes in the {style} style",
                                lambda s=style: self.action_set_qr_style(s))
        for name in sorted(self.available_themes):
            mark = " ✓" if name == self.theme else ""
            yield SystemCommand(f"Theme: {name}{mark}", "Colours of the app (QR codes stay black on white)",
                                lambda n=name: self.action_set_theme(n))
        choices = self.clients.provider_choices()
        if len(choices) > 1:
            for name, title in choices:
                mark = " ✓" if name == self.clients.provider or (self.clients.provider == "auto" and name == choices[0][0]) else ""
                yield SystemCommand(f"Provider: {title}{mark}", f"Message QR codes from {title}",
                                    lambda n=name: self.run_worker(self.use_provider(n)))
        if self.reload is not None:
            for name in [None, *self.settings.profiles()]:
                mark = " ✓" if name == self.settings.profile else ""
                yield SystemCommand(f"Profile: {name or 'default'}{mark}", "Switch accounts (config file profiles)",
                                    lambda n=name: self.run_worker(self.use_profile(n)))
        if self.sandbox is not None and isinstance(screen, LinkScreen):
            yield SystemCommand("Sandbox: simulate the phone scanning the QR", "Demo only: link this instance",
                                lambda: screen.run_action("simulate_scan"))
        yield SystemCommand("Quit", "Quit waqr", self.exit)
