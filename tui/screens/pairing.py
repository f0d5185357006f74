"""Link with a phone number instead of a QR: ask the number, show the pairing code."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, Static

from tui.api.errors import ApiError
from tui.screens.modal import Dialog
from tui.widgets.data_text import data

if TYPE_CHECKING:
    from tui.api.green import GreenClient

CODE_LIFETIME = 150.0
WHERE = (
    "On the phone: WhatsApp → Settings → Linked devices → Link a device → "
    "Link with phone number instead, then type this code."
)


def phone_digits(text: str) -> tuple[str | None, str]:
    """(digits to send, or None; what to tell the person). `+`, `00`, spaces and dashes are allowed."""
    raw = "".join(ch for ch in text.strip() if ch not in " -().")
    if raw.startswith("+"):
        raw = raw[1:]
    elif raw.startswith("00"):
        raw = raw[2:]  # the international prefix, not part of the number
    if not raw.isdigit():
        return None, "Type the number with its country code, digits only (e.g. 79001234567)."
    if not 7 <= len(raw) <= 15:
        return None, f"That is {len(raw)} digits; a phone number with its country code has 7 to 15."
    return raw, ""


class PairingScreen(Dialog[bool]):
    """Dismissed with True once the instance reports it is linked."""

    BINDINGS = [Binding("escape", "cancel", "Close"), Binding("y", "copy", "Copy code", show=False)]
    BUTTONS = (("Get code", "request", "primary"), ("Copy code (y)", "copy", "default"), ("Close (esc)", "cancel", "default"))
    CLASSES = "form pairing"

    def __init__(
        self,
        client: GreenClient,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__("Link with a phone number")
        self.client = client
        self.clock, self.sleep = clock, sleep
        self.code: str | None = None
        self.expires = 0.0
        self.busy = False

    def compose_body(self) -> ComposeResult:
        yield Label("Phone number of the account, country code first")
        yield Input(placeholder="79001234567", id="phone", restrict=r"[0-9+ ()\-.]*")
        yield Static("", id="pair-code", markup=False)
        yield Static("", id="pair-where", markup=False)

    def on_mount(self) -> None:
        self.query_one("#phone", Input).focus()
        self.query_one("#copy").disabled = True
        self.set_interval(1.0, self._tick)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_request()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_copy(self) -> None:
        if self.code:
            self.app.copy_to_clipboard(self.code)
            self.show_error(f"Copied {self.code} (OSC 52).")

    def action_request(self) -> None:
        if self.busy:
            return
        phone, problem = phone_digits(self.query_one("#phone", Input).value)
        if phone is None:
            self.show_error(problem)
            return
        self.busy = True
        self.show_error(f"Asking Green API for a code for +{phone}…")
        self._fetch(phone)

    @work(exclusive=True, group="pairing", exit_on_error=False)
    async def _fetch(self, phone: str) -> None:
        try:
            answer = await self.client.authorization_code(phone)
        except (ApiError, ValueError) as exc:
            self.show_error(exc.describe() if isinstance(exc, ApiError) else str(exc))
            return
        finally:
            self.busy = False
        if not answer.status or not answer.code:
            self.show_error("Green API gave no code: the instance may still be linked. Log out first (l), then try again.")
            return
        self.code = answer.code
        self.expires = self.clock() + CODE_LIFETIME
        shown = f"{answer.code[:4]}-{answer.code[4:]}" if len(answer.code) == 8 else answer.code
        self.query_one("#pair-code", Static).update(data(" ".join(shown), line=True))
        self.query_one("#request").label = "New code"
        copy = self.query_one("#copy")
        copy.disabled = False
        copy.focus()  # off the number field, so that y copies
        self.show_error("")
        self._tick()
        self._watch_link()

    @work(exclusive=True, group="pairing-watch", exit_on_error=False)
    async def _watch_link(self) -> None:
        """While a code is valid, ask every 2 s whether the phone has linked."""
        while self.code and self.clock() < self.expires:
            await self.sleep(2.0)
            try:
                if await self.client.state() == "authorized":
                    self.dismiss(True)
                    return
            except ApiError:
                continue

    def _tick(self) -> None:
        if not self.code:
            return
        left = self.expires - self.clock()
        if left <= 0:
            self.code = None
            self.query_one("#copy").disabled = True
            self.query_one("#pair-code", Static).update("expired")
            self.show_error("The code expired. Press enter in the number field for a new one.")
            return
        self.query_one("#pair-where", Static).update(f"{WHERE}\n\nValid for {int(left) // 60}:{int(left) % 60:02d} more.")
