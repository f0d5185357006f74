"""Save a code's QR image: drawn here from the link, or the service's own."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.widgets import Button, Input, Label, Select

from tui.api.errors import ApiError
from tui.api.models import QrCode
from tui.api.provider import CodesProvider
from tui.qr.encode import image_bytes
from tui.screens.modal import Dialog

FORMATS = {".png": "PNG", ".svg": "SVG"}


def write_file(path: Path, content: bytes) -> None:
    """Write through a new file in the same folder, then rename it into place: a symbolic link
    at `path` is replaced, never followed, and a failed write leaves no half file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".waqr-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class SaveImageScreen(Dialog[Path | None]):
    """Saves in the dialog itself: a failure keeps it open with the path as typed."""

    AUTO_FOCUS = "#path"
    BUTTONS = (("Save", "save", "primary"), ("Cancel (esc)", "cancel", "default"))
    CLASSES = "form"

    def __init__(self, code: QrCode, provider: CodesProvider, folder: Path | None = None) -> None:
        super().__init__(f"Save the QR image of {code.code}")
        self.code, self.provider = code, provider
        self.folder = folder or Path.cwd()
        self._confirmed: Path | None = None
        self.busy = False

    def compose_body(self) -> ComposeResult:
        yield Label("Made by")
        yield Select(
            [("waqr, from the link (no request)", "local"), (f"{self.provider.name} (downloaded)", "remote")],
            value="local",
            allow_blank=False,
            id="source",
        )
        yield Label("File (.png or .svg: the name sets the format)")
        yield Input(str(self.folder / f"waqr-{self.code.code}.png"), id="path")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._confirmed = None

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    def _target(self) -> tuple[Path | None, str]:
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            return None, "Give a file name."
        path = Path(raw).expanduser()
        if path.suffix.lower() not in FORMATS:
            return None, "End the file name with .png or .svg: it sets the format."
        if not path.parent.is_dir():
            return None, f"No such folder: {path.parent}"
        if path.is_dir():
            return None, f"{path} is a folder; give a file name."
        if self._confirmed != path:
            if path.is_symlink():
                self._confirmed = path
                return None, f"{path.name} is a symbolic link (to {os.readlink(path)}). Save again to replace the link itself."
            if path.exists():
                self._confirmed = path
                return None, f"{path.name} exists. Save again to replace it."
        return path, ""

    def action_save(self) -> None:
        if self.busy:
            return
        path, problem = self._target()
        if path is None:
            self.show_error(problem)
            return
        self.busy = True
        self.query_one("#save", Button).disabled = True
        self._save(path, FORMATS[path.suffix.lower()], self.query_one("#source", Select).value == "remote")

    @work(exclusive=True, group="save-image", exit_on_error=False)
    async def _save(self, path: Path, image_format: str, remote: bool) -> None:
        try:
            if remote:
                self.show_error(f"Asking {self.provider.name} for its {image_format} image…")
                url = await self.provider.image_url(self.code.code, image_format)  # type: ignore[arg-type]
                if not url:
                    raise LookupError(f"{self.provider.name} has no {image_format} image of {self.code.code}.")
                self.show_error("Downloading the image…")
                content = await self.provider.fetch_image(url)
            else:
                content = image_bytes(self.code.deep_link_url, image_format)
            await asyncio.to_thread(write_file, path, content)
        except ApiError as exc:
            self._failed(exc.describe())
            return
        except LookupError as exc:
            self._failed(str(exc))
            return
        except OSError as exc:
            self._failed(f"Cannot write {path}: {exc.strerror or exc}")
            return
        self.dismiss(path)

    def _failed(self, text: str) -> None:
        self.busy = False
        self._confirmed = None
        self.query_one("#save", Button).disabled = False
        self.show_error(text + "\nThe path is kept: change it or try again.")
