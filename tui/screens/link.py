"""Link device: the Green API instance's live linking QR, its linked state, log out, reboot."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker

from tui.api.errors import ApiError
from tui.linking import Linker, Poller, View
from tui.screens.dialogs import FIRST_KEYS, ConfirmScreen
from tui.screens.pairing import PairingScreen
from tui.widgets.qr_view import QRView

if TYPE_CHECKING:
    from tui.api.green import GreenClient
    from tui.app import WaqrApp

log = logging.getLogger("waqr.link")

HOW_TO = (
    "On the phone: WhatsApp → Settings (or ⋮) → Linked devices → Link a device, "
    "then point the camera at this QR.\n\nNo camera? Press c to link with a phone number instead."
)

NO_QR = "No QR to show: see the message on the right"


class LinkScreen(Screen[None]):
    """Polls `qr` once a second while shown; pauses when hidden; stops after a while idle."""

    TITLE = "Link device"
    BINDINGS = [
        *FIRST_KEYS,
        Binding("c", "pairing", "Pairing code"),
        Binding("l", "logout", "Log out"),
        Binding("r", "restart", "Restart polling"),
        Binding("b", "reboot", "Reboot instance", show=False),
        Binding("v", "app.cycle_qr_style", "QR style", show=False),
    ]

    app: WaqrApp

    def __init__(self) -> None:
        super().__init__()
        self.client: GreenClient | None = None
        self.linker: Linker | None = None
        self.poller: Poller | None = None
        self.worker: Worker[None] | None = None
        self.view: View | None = None
        self.stopped_idle = False
        self._texts: dict[str, str] = {"#link-title": "Connecting…"}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="link-body"):
            yield QRView(id="link-qr")
            with Vertical(id="link-side"):
                yield Static("Connecting…", id="link-title")
                yield Static("", id="link-status")
                yield Static("", id="link-countdown")
                yield Static("", id="link-advice")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.app.after_first_frame(self._connect)

    def _connect(self) -> None:
        self.client, problem = self.app.green_client()
        if self.client is None:
            self._show("Not configured", problem or "", "")
            return
        self.sub_title = f"Green API · instance {self.client.instance}" + self.app.demo_suffix
        self.linker = Linker(self.client)
        self.set_interval(1.0, self._tick)
        self.start()

    # -- polling ------------------------------------------------------------------------------

    def start(self) -> None:
        if self.linker is None:
            return
        self.stopped_idle = False
        self.poller = Poller(self.linker, self._on_view, self._on_error, idle_limit=self.app.settings.ui.link_idle_minutes * 60)
        self.worker = self._poll()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker = None

    @work(exclusive=True, group="link-poll")
    async def _poll(self) -> None:
        assert self.poller is not None
        try:
            await self.poller.run()
        except Exception as exc:  # never let a bug take the app down: say so, offer r
            self._show("Stopped", f"Unexpected error: {type(exc).__name__}. Press r to restart.", "")
            return
        self.stopped_idle = True
        self.query_one(QRView).show_text("Paused: press r for a new QR")
        minutes = self.app.settings.ui.link_idle_minutes
        self._show(
            "Paused",
            f"No scan for {minutes:g} minutes, so waqr stopped asking for new QR codes "
            "(WhatsApp allows only a limited number per linking attempt).",
            "Press r to resume.",
        )

    def on_screen_suspend(self) -> None:
        self.stop()

    def on_screen_resume(self) -> None:
        if self.linker is not None and self.worker is None and not self.stopped_idle:
            self.start()

    def on_unmount(self) -> None:
        self.stop()

    # -- what the person sees -------------------------------------------------------------------

    def _set(self, selector: str, text: str) -> None:
        """Update a text only when it changes: every write is bytes sent to the terminal."""
        if self._texts.get(selector) != text:
            self._texts[selector] = text
            self.query_one(selector, Static).update(text)

    def _show(self, title: str, status: str, advice: str) -> None:
        self._set("#link-title", title)
        self._set("#link-status", status)
        self._set("#link-advice", advice)

    def _on_view(self, view: View) -> None:
        self.view = view
        qr = self.query_one(QRView)
        if view.kind == "qr":
            qr.payload = view.qr_text
            self._show("Waiting for scan", HOW_TO, "")
            if qr.problem:
                self._show("Waiting for scan", "The terminal is too small for the QR (see left).",
                           "Or press c to link with a phone number instead.")
        elif view.kind == "linked":
            qr.show_text("✓ Linked: no QR needed")
            phone = f"+{view.phone}" if view.phone and not view.phone.startswith("+") else view.phone
            self._show("Linked ✓", f"This instance is linked to {phone or 'a WhatsApp account'}.",
                       "Press l to log out, to link another phone.")
        else:
            qr.show_text(NO_QR)
            actions = []
            if view.can_logout:
                actions.append("l logs out")
            if view.can_reboot:
                actions.append("b reboots the instance")
            self._show("Cannot show a QR", view.message, view.advice + (f"\n\n{' · '.join(actions)}" if actions else ""))
        self._tick()

    def _on_error(self, exc: Exception, delay: float) -> None:
        self.query_one(QRView).show_text(NO_QR)
        text = exc.describe() if isinstance(exc, ApiError) else f"Green API: {exc}"
        log.warning("%s (retry in %.0f s)", text, delay)
        self._show("Connection problem", text, f"Trying again in {delay:.0f} s (r: now); waqr recovers by itself.")

    def _tick(self) -> None:
        """Countdown to the next QR; writes only when the text changes."""
        text = ""
        if self.view is not None and self.view.kind == "qr" and self.linker is not None and self.worker is not None:
            left = self.linker.seconds_left()
            text = f"New QR in about {left:.0f} s" if left is not None else "The QR changes every 20 s"
        self._set("#link-countdown", text)

    # -- actions -------------------------------------------------------------------------------

    def action_restart(self) -> None:
        if self.linker is None:
            return
        self.linker.forget()
        self.view = None
        self._show("Connecting…", "", "")
        self.start()

    def action_logout(self) -> None:
        if self.client is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._logout()

        self.app.push_screen(
            ConfirmScreen("Log out the instance?", "The linked phone is unlinked; a new QR appears to link again.", "Log out"),
            answered,
        )

    @work(exclusive=True, group="link-action")
    async def _logout(self) -> None:
        assert self.client is not None
        try:
            await self.client.logout()
        except ApiError as exc:
            self.notify(exc.describe(), title="Log out failed", severity="error")
            return
        self.notify("Logged out. Waiting for a new QR…", timeout=4)
        self.action_restart()

    def action_reboot(self) -> None:
        if self.client is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._reboot()

        self.app.push_screen(
            ConfirmScreen("Reboot the instance?", "It restarts on Green API's side; this takes a moment.", "Reboot"),
            answered,
        )

    @work(exclusive=True, group="link-action")
    async def _reboot(self) -> None:
        assert self.client is not None
        try:
            await self.client.reboot()
        except ApiError as exc:
            self.notify(exc.describe(), title="Reboot failed", severity="error")
            return
        self.notify("Rebooting the instance…", timeout=4)

    def action_pairing(self) -> None:
        if self.client is None:
            return
        if self.view is not None and self.view.kind == "linked":
            self.notify("The instance is linked: log out (l) first to link another phone.", severity="warning")
            return

        def done(linked: bool | None) -> None:
            if linked:
                self.notify("Linked with the pairing code.", timeout=4)
            self.action_restart()

        self.app.push_screen(PairingScreen(self.client), done)
