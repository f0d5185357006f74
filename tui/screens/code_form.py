"""The form to create a message QR code or edit its message."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tui.api.errors import ApiError
from tui.api.models import MAX_MESSAGE, QrCode
from tui.api.provider import CodesProvider


class CodeForm(ModalScreen[QrCode | None]):
    """Saves through the provider itself, so a refusal keeps the form open with its text."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, provider: CodesProvider, existing: QrCode | None = None) -> None:
        super().__init__()
        self.provider = provider
        self.existing = existing
        self.saving = False
        self.requests = 0
        """Requests sent by this form (a double press must still make one)."""

    def compose(self) -> ComposeResult:
        title = f"Edit message of {self.existing.code}" if self.existing else "New message QR code"
        with Vertical(id="dialog", classes="dialog form"):
            yield Label(title, classes="dialog-title")
            yield Label("Prefilled message (what the customer's WhatsApp types for them)")
            yield Input(
                self.existing.prefilled_message if self.existing else "",
                placeholder="e.g. Hi! I'd like to know more about your offers",
                id="message",
            )
            yield Static("", id="count")
            if self.existing is None:
                yield Label("Image the service should also make")
                yield Select(
                    [("None (link only)", ""), ("PNG", "PNG"), ("SVG", "SVG")], value="", allow_blank=False, id="format"
                )
            elif not self.provider.update_keeps_code:
                yield Static(f"{self.provider.name} may give the code a new value.", classes="dialog-detail")
            yield Static("", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self._count(self.query_one("#message", Input).value)
        self.query_one("#message", Input).focus()

    def _count(self, text: str) -> None:
        over = len(text) > MAX_MESSAGE
        count = self.query_one("#count", Static)
        count.update(f"{len(text)}/{MAX_MESSAGE}" + (f" · {len(text) - MAX_MESSAGE} too many" if over else ""))
        count.set_class(over, "over")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._count(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)

    def _error(self, text: str) -> None:
        self.query_one("#form-error", Static).update(text)

    def action_save(self) -> None:
        if self.saving:
            return
        text = self.query_one("#message", Input).value
        if not text.strip():
            self._error("Write the message first.")
            return
        if len(text) > MAX_MESSAGE:
            self._error(f"The message has {len(text)} characters; the limit is {MAX_MESSAGE}. Shorten it to save.")
            return
        if self.existing and text == self.existing.prefilled_message:
            self.dismiss(None)
            return
        self.saving = True
        self.query_one("#save", Button).disabled = True
        self._error("Saving…")
        self._submit(text)

    @work(exclusive=True, group="form-save")
    async def _submit(self, text: str) -> None:
        self.requests += 1
        try:
            if self.existing:
                result = await self.provider.update(self.existing.code, text)
            else:
                fmt = self.query_one("#format", Select).value
                result = await self.provider.create(text, fmt if fmt in ("PNG", "SVG") else None)  # type: ignore[arg-type]
        except ApiError as exc:
            self._error(exc.describe() + "\nYour text is kept: fix it or try again.")
            self.saving = False
            self.query_one("#save", Button).disabled = False
            return
        self.dismiss(result)
