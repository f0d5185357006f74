"""Link with a phone number instead of a QR: ask the number, show the pairing code."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.api.errors import ApiError

if TYPE_CHECKING:
    from tui.api.green import GreenClient

CODE_LIFETIME = 150.0
WHERE = (
    "On the phone: WhatsApp → Settings → Linked devices → Link a device → "
    "Link with phone number instead, then type this code."
)


class PairingScreen(ModalScreen[bool]):
    """Dismissed with True once the instance reports it is linked."""

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, client: GreenClient) -> None:
        super().__init__()
        self.client = client
        self.code: str | None = None
        self.expires = 0.0
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog form pairing"):
            yield Label("Link with a phone number", classes="dialog-title")
            yield Label("Phone number of the account: country code first, digits only")
            yield Input(placeholder="79001234567", id="phone", restrict=r"[0-9]*", max_length=15)
            yield Static("", id="pair-code")
            yield Static("", id="pair-where")
            yield Static("", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Get code", id="get", variant="primary")
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one("#phone", Input).focus()
        self.set_interval(1.0, self._tick)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._request()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "get":
            self._request()
        else:
            self.action_close()

    def action_close(self) -> None:
        self.dismiss(False)

    def _error(self, text: str) -> None:
        self.query_one("#form-error", Static).update(text)

    def _request(self) -> None:
        if self.busy:
            return
        phone = self.query_one("#phone", Input).value.strip()
        if not phone.isdigit() or not 7 <= len(phone) <= 15:
            self._error("Type 7 to 15 digits: country code and number, no + or spaces (e.g. 79001234567).")
            return
        self.busy = True
        self._error("Asking Green API for a code…")
        self._fetch(phone)

    @work(exclusive=True, group="pairing")
    async def _fetch(self, phone: str) -> None:
        try:
            answer = await self.client.authorization_code(phone)
        except (ApiError, ValueError) as exc:
            self._error(exc.describe() if isinstance(exc, ApiError) else str(exc))
            self.busy = False
            return
        self.busy = False
        if not answer.status or not answer.code:
            self._error("Green API gave no code: the instance may still be linked. Log out first (l), then try again.")
            return
        self.code = answer.code
        self.expires = time.monotonic() + CODE_LIFETIME
        shown = f"{answer.code[:4]}-{answer.code[4:]}" if len(answer.code) == 8 else answer.code
        self.query_one("#pair-code", Static).update(" ".join(shown))
        self.query_one("#pair-where", Static).update(WHERE)
        self.query_one("#get", Button).label = "New code"
        self._error("")
        self._tick()
        self._watch_link()

    @work(exclusive=True, group="pairing-watch")
    async def _watch_link(self) -> None:
        """While a code is valid, ask every 2 s whether the phone has linked."""
        while self.code and time.monotonic() < self.expires:
            await asyncio.sleep(2.0)
            try:
                if await self.client.state() == "authorized":
                    self.dismiss(True)
                    return
            except ApiError:
                continue

    def _tick(self) -> None:
        if not self.code:
            return
        left = self.expires - time.monotonic()
        if left <= 0:
            self.code = None
            self.query_one("#pair-code", Static).update("expired")
            self._error("The code expired. Press enter for a new one.")
            return
        self.query_one("#pair-where", Static).update(f"{WHERE}\n\nValid for {int(left) // 60}:{int(left) % 60:02d} more.")
