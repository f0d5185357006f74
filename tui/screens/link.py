"""Link device: the Green API instance's live linking QR, its linked state, log out, reboot."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static
from textual.worker import Worker

from tui.api.errors import ApiError, AuthError, BadResponseError, NetworkError, RateLimitError, ServerError
from tui.linking import QR_LIFETIME, Linker, Poller, View
from tui.screens.dialogs import ConfirmScreen
from tui.screens.main import FIRST_KEYS, Context, MainScreen
from tui.screens.pairing import PairingScreen
from tui.text import plain
from tui.widgets.data_text import data
from tui.widgets.qr_view import QRView

if TYPE_CHECKING:
    from tui.api.green import GreenClient

log = logging.getLogger("waqr.link")

HOW_TO = (
    "On the phone: WhatsApp → Settings (or ⋮) → Linked devices → Link a device, "
    "then point the camera at this QR.\n\nNo camera? Press c to link with a phone number instead."
)
NO_QR = "No QR to show: see the message on the right"
STALE = "The QR expired: no fresh one from Green API for 20 s"


def error_title(exc: Exception) -> str:
    """A title that says what kind of trouble it is."""
    if isinstance(exc, AuthError):
        return "Credentials refused"
    if isinstance(exc, RateLimitError):
        return "Too many requests"
    if isinstance(exc, NetworkError):
        return "Connection problem"
    if isinstance(exc, ServerError):
        return "Green API fault"
    if isinstance(exc, BadResponseError):
        return "Unexpected answer"
    if isinstance(exc, ApiError) and "starting" in exc.message.lower():
        return "Instance starting"
    if isinstance(exc, ApiError):
        return "Request refused"
    return "Unreadable QR image"


class LinkScreen(MainScreen):
    """Polls `qr` once a second while shown; pauses when hidden; stops when idle or refused."""

    TITLE = "Link device"
    BINDINGS = [
        *FIRST_KEYS,
        Binding("c", "pairing", "Pairing code"),
        Binding("l", "logout", "Log out"),
        Binding("r", "restart", "Restart polling"),
        Binding("b", "reboot", "Reboot instance", show=False),
        Binding("escape", "back", "Back to the list"),
        Binding("v", "app.cycle_qr_style", "QR style", show=False),
    ]
    PALETTE = (
        ("pairing", "Pairing code", "Link with a phone number instead of the QR"),
        ("logout", "Log out instance", "Unlink the phone (asks first)"),
        ("restart", "Restart polling", "Ask for a QR again"),
        ("reboot", "Reboot instance", "Restart the Green API instance (asks first)"),
    )

    def __init__(self, context: Context, *, client: GreenClient | None = None, title: str = "",
                 back: bool = False) -> None:
        """`client`: the instance to link (default: the one the settings name); `back`: esc
        returns to the list of instances it was opened from."""
        super().__init__(context)
        self.given = client
        self.instance_title = title
        self.back = back
        self.client: GreenClient | None = None
        self.linker: Linker | None = None
        self.poller: Poller | None = None
        self.worker: Worker[None] | None = None
        self.view: View | None = None
        self.stopped: str | None = None
        """Why polling stopped by itself (`idle`, `refused`), None while it runs or may run."""
        self._texts: dict[str, str] = {"#link-title": "Connecting…"}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="link-body"):
            yield QRView(id="link-qr", beside=24)
            with Vertical(id="link-side"):
                yield Static("Connecting…", id="link-title", markup=False)
                yield Static("", id="link-status", markup=False)
                yield Static("", id="link-countdown", markup=False)
                yield Static("", id="link-advice", markup=False)
        yield Static("", id="status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.app.call_after_refresh(self._connect)

    def _connect(self) -> None:
        self.client, problem = (self.given, None) if self.given is not None else self.clients.green()
        if self.client is None:
            self._show("Not configured", problem or "", "")
            self.query_one(QRView).show_text(NO_QR)
            return
        which = self.instance_title or f"instance {self.client.instance}"
        self.sub_title = plain(f"Green API · {which}", line=True) + self.demo_suffix
        self.linker = Linker(self.client)
        self.set_interval(1.0, self._tick)
        self.start()

    # -- polling ------------------------------------------------------------------------------

    def start(self) -> None:
        if self.linker is None:
            return
        self.stopped = None
        minutes = self.settings.ui.link_idle_minutes
        self.poller = Poller(self.linker, self._on_view, self._on_error, idle_limit=minutes * 60)
        self.worker = self._poll()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker = None

    @work(exclusive=True, group="link-poll", exit_on_error=False)
    async def _poll(self) -> None:
        assert self.poller is not None
        why = await self.poller.run()
        self.stopped, self.worker = why, None
        if why == "refused":
            self._tick()
            return  # _on_error said what to fix
        self.query_one(QRView).show_text("Paused: press r for a new QR")
        minutes = self.settings.ui.link_idle_minutes
        self._show(
            "Paused",
            f"No scan for {minutes:g} minutes, so waqr stopped asking for new QR codes "
            "(WhatsApp allows only a limited number per linking attempt).",
            "Press r to resume.",
        )
        self._tick()

    def on_screen_suspend(self) -> None:
        self.stop()

    def on_screen_resume(self) -> None:
        if self.linker is not None and self.worker is None and self.stopped is None:
            self.start()

    def on_unmount(self) -> None:
        self.stop()

    # -- what the person sees -------------------------------------------------------------------

    def _set(self, selector: str, text: str) -> None:
        """Update a text only when it changes: every write is bytes sent to the terminal."""
        if self._texts.get(selector) != text:
            self._texts[selector] = text
            self.query_one(selector, Static).update(data(text))

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
                self._show("Waiting for scan", "The QR cannot be drawn here (see left).",
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
            title = "Instance needs attention" if view.kind == "state" else "Cannot show a QR"
            self._show(title, view.message, view.advice + (f"\n\n{' · '.join(actions)}" if actions else ""))
        self._tick()

    def _on_error(self, exc: Exception, delay: float) -> None:
        text = exc.describe() if isinstance(exc, ApiError) else f"Green API: {exc}"
        log.warning("%s (retry in %.0f s)", text, delay)
        if self.linker is not None and self.linker.is_stale():
            self.linker.forget()
        if self.linker is None or self.linker.fresh_at is None:
            self.query_one(QRView).show_text(NO_QR)
        if isinstance(exc, AuthError):
            self.query_one(QRView).show_text(NO_QR)
            self._show(error_title(exc), text, "waqr stopped asking. Fix the setting named above, then press r.")
            return
        self._show(error_title(exc), text, f"Trying again in {delay:.0f} s (r: now).")

    def _tick(self) -> None:
        """Countdown to the next QR, and the QR taken off once it outlived its 20 s; writes only on change."""
        text = ""
        linker = self.linker
        if linker is not None and linker.is_stale() and self.query_one(QRView).payload is not None:
            self.query_one(QRView).show_text(STALE)
            self._set("#link-title", "Waiting for a fresh QR")
        if self.view is not None and self.view.kind == "qr" and linker is not None and self.worker is not None:
            left = linker.seconds_left()
            if linker.is_stale():
                text = f"Asking Green API again (no answer for {QR_LIFETIME:.0f} s)"
            else:
                text = f"New QR in about {left:.0f} s" if left is not None else "The QR changes every 20 s"
        self._set("#link-countdown", text)

    # -- actions -------------------------------------------------------------------------------

    def action_simulate_scan(self) -> None:
        """Demo only: the sandbox's phone scans this instance's QR."""
        sandbox = self.context.sandbox
        if sandbox is not None and self.client is not None:
            sandbox.green.scan(self.client.instance)
            self.say("Sandbox: the phone scanned the QR.")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.back if action == "back" else True

    def action_back(self) -> None:
        """Back to the list of instances; this one's polling stops (the screen goes)."""
        if self.back:
            self.dismiss(None)

    def action_restart(self) -> None:
        if self.linker is None:
            self._connect()
            return
        self.linker.forget()
        self.view = None
        self._show("Connecting…", "", "")
        self.start()

    async def _confirm_then(self, ask: ConfirmScreen, act: str, done: str, failed: str) -> bool:
        """Ask first; then call the client's `act` method and say how it went. True when it was done."""
        if self.client is None or not await self.app.push_screen_wait(ask):
            return False
        try:
            await getattr(self.client, act)()
        except ApiError as exc:
            self.say(f"{failed}: {exc.describe()}", severity="error")
            return False
        self.say(done)
        return True

    @work(exclusive=True, group="link-action", exit_on_error=False)
    async def action_logout(self) -> None:
        ask = ConfirmScreen("Log out the instance?", "The linked phone is unlinked; a new QR appears to link again.",
                            "Log out")
        if await self._confirm_then(ask, "logout", "Logged out. Waiting for a new QR…", "Log out failed"):
            self.action_restart()

    @work(exclusive=True, group="link-action", exit_on_error=False)
    async def action_reboot(self) -> None:
        ask = ConfirmScreen("Reboot the instance?", "It restarts on Green API's side; this takes a moment.", "Reboot")
        await self._confirm_then(ask, "reboot", "Rebooting the instance…", "Reboot failed")

    @work(exclusive=True, group="link-action", exit_on_error=False)
    async def action_pairing(self) -> None:
        if self.client is None:
            return
        if self.view is not None and self.view.kind == "linked":
            self.say("The instance is linked: log out (l) first to link another phone.", severity="warning")
            return
        if await self.app.push_screen_wait(PairingScreen(self.client)):
            self.say("Linked with the pairing code.")
        self.action_restart()
