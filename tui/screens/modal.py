"""The one modal base: a title, a body, an error line, buttons, and a footer of its own keys."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, Static

from tui.widgets.data_text import data

T = TypeVar("T")


class Dialog(ModalScreen[T]):
    """Subclasses give `compose_body()` and `BUTTONS`; a button runs the action it names.

    Its own footer covers the main screen's, so only the dialog's keys are shown. Every
    text that may come from outside goes in as plain content (`data()`), never markup.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    BUTTONS: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    """(label, action, variant) of each button, left to right."""
    CLASSES: ClassVar[str] = ""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes=f"dialog {self.CLASSES}".strip()):
            yield Label(data(self.title_text, line=True), classes="dialog-title")
            yield from self.compose_body()
            yield Static("", id="dialog-error", markup=False)
            with Horizontal(classes="buttons"):
                for label, action, variant in self.buttons():
                    key = action if action.isidentifier() else None
                    yield Button(label, id=key, name=action, variant=variant)  # type: ignore[arg-type]
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def buttons(self) -> Iterable[tuple[str, str, str]]:
        return self.BUTTONS

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.name:
            await self.run_action(event.button.name)

    def show_error(self, text: str) -> None:
        """One line (or a few) under the body: a refusal, a hint, progress."""
        self.query_one("#dialog-error", Static).update(data(text))

    def action_cancel(self) -> None:
        self.dismiss(None)
