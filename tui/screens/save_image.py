"""Choose where and how to save a code's image."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static


@dataclass(frozen=True)
class SaveRequest:
    path: Path
    image_format: str
    """PNG or SVG."""
    remote: bool
    """True: the service's own image; False: drawn here from the link."""


class SaveImageScreen(ModalScreen[SaveRequest | None]):
    """Enter saves; the path is focused so that Enter is all a default save takes."""

    AUTO_FOCUS = "#path"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, code: str, service: str, folder: Path | None = None) -> None:
        super().__init__()
        self.code, self.service = code, service
        self.folder = folder or Path.cwd()
        self._confirmed: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog form"):
            yield Label(f"Save the QR image of {self.code}", classes="dialog-title")
            yield Select(
                [
                    ("PNG drawn by waqr from the link", "local:PNG"),
                    ("SVG drawn by waqr from the link", "local:SVG"),
                    (f"PNG made by {self.service}", "remote:PNG"),
                    (f"SVG made by {self.service}", "remote:SVG"),
                ],
                value="local:PNG",
                allow_blank=False,
                id="source",
            )
            yield Label("File")
            yield Input(str(self.folder / f"waqr-{self.code}.png"), id="path")
            yield Static("", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_select_changed(self, event: Select.Changed) -> None:
        path_input = self.query_one("#path", Input)
        path = Path(path_input.value)
        ext = str(event.value).split(":")[1].lower()
        if path.suffix.lower() in (".png", ".svg"):
            path_input.value = str(path.with_suffix("." + ext))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self._save()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _save(self) -> None:
        raw = self.query_one("#path", Input).value.strip()
        error = self.query_one("#form-error", Static)
        if not raw:
            error.update("Give a file name.")
            return
        path = Path(raw).expanduser()
        if not path.parent.is_dir():
            error.update(f"No such folder: {path.parent}")
            return
        if path.is_dir():
            error.update(f"{path} is a folder; give a file name.")
            return
        if path.exists() and self._confirmed != path:
            self._confirmed = path
            error.update(f"{path.name} exists. Press Save again to replace it.")
            return
        kind, image_format = str(self.query_one("#source", Select).value).split(":")
        self.dismiss(SaveRequest(path, image_format, kind == "remote"))
