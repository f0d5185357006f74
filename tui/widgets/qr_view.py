"""QRView: the one widget that draws a QR code, through `tui.qr.render`.

It re-renders only when the payload, the style or its size changes, so a QR that
waits to be scanned costs nothing to keep on screen.
"""

from __future__ import annotations

from textwrap import wrap

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tui.qr.encode import encode
from tui.qr.render import Rendered, Run, fit, needed, render

_STYLES: dict[tuple[str, str], Style] = {}


def _style(fg: str, bg: str) -> Style:
    key = (fg, bg)
    if key not in _STYLES:
        _STYLES[key] = Style(color=Color.parse(fg).rich_color, bgcolor=Color.parse(bg).rich_color)
    return _STYLES[key]


class QRView(Widget):
    """Draws `payload` as a QR centred in the widget, or says what size it needs.

    Give it no padding or border (wrap it instead): it draws over its whole size.
    """

    payload: reactive[str | None] = reactive(None, layout=False, repaint=False)
    placeholder: reactive[str] = reactive("", repaint=False)
    """Shown in place of the QR when there is no payload."""
    qr_style: reactive[str] = reactive("auto", repaint=False)

    def __init__(self, payload: str | None = None, *, placeholder: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.set_reactive(QRView.placeholder, placeholder)
        self._key: tuple[object, ...] | None = None
        self._strips: list[Strip] = []
        self.rendered: Rendered | None = None
        """What is on screen now (None when nothing fits or there is no payload)."""
        self.problem: str | None = None
        self.renders = 0
        """How many times the QR was laid out (tests check that nothing repaints idly)."""
        self.set_reactive(QRView.payload, payload)

    def on_mount(self) -> None:
        if hasattr(self.app, "qr_style"):  # follow the app-wide style (v, palette, ui.qr_style)
            self.watch(self.app, "qr_style", self._app_style, init=True)

    def _app_style(self, style: str) -> None:
        self.qr_style = style

    def show_text(self, text: str) -> None:
        """No QR: show `text` in its place, with one re-layout (not one per field)."""
        self.set_reactive(QRView.placeholder, text)
        self.set_reactive(QRView.payload, None)
        self._relayout()

    def watch_payload(self) -> None:
        self._relayout()

    def watch_qr_style(self) -> None:
        self._relayout()

    def watch_placeholder(self) -> None:
        self._relayout()

    def on_resize(self) -> None:
        self._relayout()

    def _relayout(self) -> None:
        width, height = self.size
        key = (self.payload, self.qr_style, width, height, self.placeholder if self.payload is None else "")
        if key == self._key or width == 0 or height == 0:
            return
        self._key = key
        self.renders += 1
        self.rendered, self.problem = None, None
        if self.payload is None:
            self._strips = self._text([self.placeholder] if self.placeholder else [], width, height)
        else:
            matrix = encode(self.payload)
            chosen = fit(len(matrix), width, height, self.qr_style)
            if chosen is None:
                need_w, need_h = needed(len(matrix), self.qr_style)
                term = self.app.size
                self.problem = (
                    f"This QR needs {need_w}×{need_h} cells; there are {width}×{height}. "
                    f"Enlarge the terminal to at least {term.width + max(0, need_w - width)}×"
                    f"{term.height + max(0, need_h - height)} (now {term.width}×{term.height})"
                    + (", or press v for a smaller QR style." if self.qr_style != "auto" else ".")
                )
                self._strips = self._text([self.problem], width, height)
            else:
                self.rendered = render(matrix, *chosen)
                self._strips = self._qr_strips(self.rendered, width, height)
        self.refresh()

    def _qr_strips(self, qr: Rendered, width: int, height: int) -> list[Strip]:
        base = self.rich_style
        left = (width - qr.width) // 2
        top = (height - qr.height) // 2
        blank = Strip.blank(width, base)
        strips = [blank] * top
        for line in qr.lines:
            segments = [Segment(" " * left, base)] if left else []
            segments += [Segment(text, _style(fg, bg)) for text, fg, bg in line]
            segments.append(Segment(" " * (width - left - qr.width), base))
            strips.append(Strip(segments, width))
        return strips + [blank] * (height - len(strips))

    def _text(self, lines: list[str], width: int, height: int) -> list[Strip]:
        wrapped = [part for line in lines for part in (wrap(line, max(10, width - 2)) or [""])]
        top = max(0, (height - len(wrapped)) // 2)
        base = self.rich_style
        strips = [Strip.blank(width, base)] * top
        for text in wrapped[:height]:
            text = text[:width]
            pad = (width - len(text)) // 2
            strips.append(Strip([Segment(" " * pad + text + " " * (width - pad - len(text)), base)], width))
        return strips + [Strip.blank(width, base)] * (height - len(strips))

    def render_line(self, y: int) -> Strip:
        if self._key is None or self._key[2:4] != tuple(self.size):
            self._relayout()
        return self._strips[y] if y < len(self._strips) else Strip.blank(self.size.width, self.rich_style)

    def cells(self) -> list[list[Run]]:
        """The drawn lines as (text, fg, bg) runs read back from the strips (for tests)."""
        out = []
        for strip in self._strips:
            runs: list[Run] = []
            for seg in strip:
                style = seg.style or Style()
                fg = style.color.get_truecolor().hex if style.color else "#808080"
                bg = style.bgcolor.get_truecolor().hex if style.bgcolor else "#808080"
                runs.append((seg.text, fg, bg))
            out.append(runs)
        return out
