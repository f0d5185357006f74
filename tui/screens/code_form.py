"""The form to create a message QR code or edit its message."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Label, Select, Static, TextArea

from tui.api.errors import ApiError
from tui.api.models import MAX_MESSAGE, QrCode
from tui.api.provider import PAGE_SIZE, CodesProvider
from tui.screens.dialogs import ConfirmScreen
from tui.screens.modal import Dialog
from tui.text import is_plain, plain
from tui.widgets.data_text import data

STOPPED = (
    "Stopped waiting for the service. It may still make the change: check the list (r) "
    "before saving again. Your text is kept."
)


class CodeForm(Dialog[QrCode | None]):
    """Saves through the provider itself, so a refusal keeps the form open with its text.

    A second press while saving does nothing (one request); esc while saving stops waiting
    and keeps the text; a create whose answer was lost is looked for before it is offered again.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]
    BUTTONS = (("Save (ctrl+s)", "save", "primary"), ("Cancel (esc)", "cancel", "default"))
    CLASSES = "form"

    def __init__(self, provider: CodesProvider, existing: QrCode | None = None) -> None:
        super().__init__(f"Edit the message of {existing.code}" if existing else "New message QR code")
        self.provider = provider
        self.existing = existing
        self.original = plain(existing.prefilled_message) if existing else ""
        """The message as the editor shows it (control characters made visible)."""
        self.saving = False
        self.requests = 0
        """Requests sent by this form (a double press must still make one)."""

    def compose_body(self) -> ComposeResult:
        yield Label("Prefilled message: what the customer's WhatsApp types for them")
        yield TextArea(self.original, id="message", soft_wrap=True, tab_behavior="focus", show_line_numbers=False)
        yield Static("", id="count", markup=False)
        if self.existing is None:
            yield Label("Image the service makes too")
            yield Select([("PNG", "PNG"), ("SVG", "SVG")], value="PNG", allow_blank=False, id="format")
        elif not self.provider.update_keeps_code:
            yield Static(
                data(f"{self.provider.name} gives an edited code a new value: {self.existing.deep_link_url} "
                     "and its printed copies stop working. You will be asked before it is saved."),
                classes="dialog-detail warning",
            )
        if self.existing is not None and self.original != self.existing.prefilled_message:
            yield Static(
                "The message holds control or invisible characters, shown here as ␛, <U+…>. "
                "Saving stores the text as you see it.",
                classes="dialog-detail warning",
            )

    def on_mount(self) -> None:
        editor = self.query_one("#message", TextArea)
        editor.focus()
        editor.move_cursor(editor.document.end)  # editing goes on from the end, nothing selected
        self._count(editor.text)

    def _count(self, text: str) -> None:
        over = len(text) > MAX_MESSAGE
        count = self.query_one("#count", Static)
        count.update(f"{len(text)}/{MAX_MESSAGE}" + (f" · {len(text) - MAX_MESSAGE} too many" if over else ""))
        count.set_class(over, "over")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._count(event.text_area.text)

    def action_cancel(self) -> None:
        if self.saving:
            self.workers.cancel_group(self, "form-save")
            self._saved_or_not(STOPPED)
            return
        self.dismiss(None)

    def _saved_or_not(self, text: str) -> None:
        self.saving = False
        self.query_one("#save", Button).disabled = False
        self.show_error(text)

    def action_save(self) -> None:
        if self.saving:
            return
        text = self.query_one("#message", TextArea).text
        if not text.strip():
            self.show_error("Write the message first.")
            return
        if len(text) > MAX_MESSAGE:
            self.show_error(f"The message has {len(text)} characters; the limit is {MAX_MESSAGE}. Shorten it to save.")
            return
        if not is_plain(text):
            self.show_error("The message holds control characters (shown as ␛ and the like): remove them to save.")
            return
        if self.existing and text == self.original:
            self.dismiss(None)
            return
        self.saving = True
        self.query_one("#save", Button).disabled = True
        self._submit(text)

    @work(exclusive=True, group="form-save", exit_on_error=False)
    async def _submit(self, text: str) -> None:
        existing = self.existing
        if existing and not self.provider.update_keeps_code:
            ask = ConfirmScreen(
                f"Give {existing.code} a new code?",
                f"{self.provider.name} saves an edited message under a new code. {existing.deep_link_url} "
                "and every printed copy of its QR stop working.",
                yes="Save",
            )
            if not await self.app.push_screen_wait(ask):
                self._saved_or_not("Not saved. Your text is kept.")
                return
        self.show_error("Saving… (esc stops waiting)")
        self.requests += 1
        try:
            if existing:
                result = await self.provider.update(existing.code, text)
            else:
                image = str(self.query_one("#format", Select).value)
                result = await self.provider.create(text, image)  # type: ignore[arg-type]
        except ApiError as exc:
            if existing is None and exc.outcome_unknown:
                found = await self._created_after_all(text)
                if found is not None:
                    self.dismiss(found)
                    return
            self._saved_or_not(exc.describe() + "\nYour text is kept: fix it or try again.")
            return
        self.dismiss(result)

    async def _created_after_all(self, text: str) -> QrCode | None:
        """After a create whose answer was lost: is the message among the newest codes?"""
        self.show_error("The connection dropped before the answer: looking for the code among the newest…")
        try:
            page = await self.provider.list_page(limit=PAGE_SIZE)
        except ApiError:
            return None
        return next((code for code in page.items if code.prefilled_message == text), None)
