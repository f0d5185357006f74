"""QRView: the one widget that draws a QR code, through `tui.qr.render`.

It re-renders only when the payload, the style, the theme or its visible size changes,
so a QR that waits to be scanned costs nothing to keep on screen. It fits the QR to the
part of it that is really on screen, so a layout that runs off the edge can never crop
a QR: where nothing fits it says which terminal size is needed.
"""

from __future__ import annotations

from textwrap import wrap

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.errors import NoWidget
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tui.qr.encode import encode
from tui.qr.render import Rendered, Run, fit, needed, render
from tui.qr.render import size as qr_size
from tui.text import plain

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

    IDLE_WIDTH = 40
    """Width asked for (with `width: auto`) while there is no QR to draw."""

    def __init__(
        self, payload: str | None = None, *, placeholder: str = "", beside: int = 0, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.beside = beside
        """With `width: auto`: columns to leave to what is beside the QR, while the QR fits without them."""
        self._wants: int | None = None
        self.set_reactive(QRView.placeholder, placeholder)
        self._key: tuple[object, ...] | None = None
        self._strips: list[Strip] = []
        self.rendered: Rendered | None = None
        """What is on screen now (None when nothing fits or there is no payload)."""
        self.problem: str | None = None
        self.covered = False
        """True while a dialog is over the screen: no part of a QR may show around its edges."""
        self._visible = Region()
        self.renders = 0
        """How many times the QR was laid out (tests check that nothing repaints idly)."""
        self.set_reactive(QRView.payload, payload)

    def on_mount(self) -> None:
        if hasattr(self.app, "qr_style"):  # follow the app-wide style (v, palette, ui.qr_style)
            self.watch(self.app, "qr_style", self._app_style, init=True)
        self.watch(self.app, "theme", self._redraw, init=False)  # the space around the QR takes theme colours

    def _redraw(self) -> None:
        self._key = None
        self._relayout()

    def cover(self, covered: bool) -> None:
        """Hide the QR while something is drawn over part of it (a dialog), show it again after."""
        if covered != self.covered:
            self.covered = covered
            self._key = None
            self._space_changed()

    def _app_style(self, style: str) -> None:
        self.qr_style = style

    def show_text(self, text: str) -> None:
        """No QR: show `text` in its place, with one re-layout (not one per field)."""
        self.set_reactive(QRView.placeholder, text)
        self.set_reactive(QRView.payload, None)
        self._relayout()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """With `width: auto`: as wide as the sturdiest QR that fits the height (leaving `beside`
        columns while it can), so a wider terminal gives a bigger QR and a narrower one a
        smaller QR or no room beside it; never wider than the container."""
        self._wants = wants = self._wanted_width(container.width, container.height)
        return wants

    def _wanted_width(self, width: int, height: int) -> int:
        """The width of the QR `fit` picks beside the neighbours, else with the whole width."""
        room = max(0, width - self.beside)
        if self.payload is None or self.covered:
            return min(self.IDLE_WIDTH, room or width)
        try:
            modules = len(encode(self.payload))
        except ValueError:
            return room or width
        for space in (room, width):
            chosen = fit(modules, space, height, self.qr_style)
            if chosen is not None:
                return qr_size(modules, *chosen)[0]
        return room or width

    def _space_changed(self) -> None:
        """After the payload or style changed: a new width may be wanted (auto width only)."""
        parent = self.parent
        if self._wants is not None and isinstance(parent, Widget):
            room = parent.content_region
            if self._wanted_width(room.width, room.height) != self._wants:
                self.refresh(layout=True)
        self._relayout()

    def watch_payload(self) -> None:
        self._space_changed()

    def watch_qr_style(self) -> None:
        self._space_changed()

    def watch_placeholder(self) -> None:
        self._relayout()

    def on_resize(self) -> None:
        self._relayout()

    def _visible_region(self) -> Region:
        """The part of the widget on screen, relative to the widget (all of it, unless clipped)."""
        whole = Region(0, 0, *self.size)
        try:
            geometry = self.screen.find_widget(self)
        except (NoWidget, AttributeError):
            return whole
        seen = geometry.visible_region
        return whole.intersection(seen.translate((-geometry.region.x, -geometry.region.y)))

    def _relayout(self) -> None:
        width, height = self.size
        visible = self._visible_region()
        payload = None if self.covered else self.payload
        key = (payload, self.qr_style, width, height, visible, self.placeholder if payload is None else "")
        if key == self._key or width == 0 or height == 0:
            return
        self._key, self._visible = key, visible
        self.renders += 1
        self.rendered, self.problem = None, None
        if payload is None:
            shown = "QR hidden while a dialog is open" if self.covered and self.payload else self.placeholder
            self._strips = self._text([shown] if shown else [], width, height)
        else:
            try:
                matrix = encode(payload)
            except ValueError:  # segno's DataOverflowError: more than a QR can hold
                self.problem = f"This text ({len(payload):,} characters) is too long for a QR code."
                self._strips = self._text([self.problem], width, height)
                self.refresh()
                return
            chosen = fit(len(matrix), visible.width, visible.height, self.qr_style)
            if chosen is None:
                need_w, need_h = needed(len(matrix), self.qr_style)
                term = self.app.size
                self.problem = (
                    f"This QR needs {need_w}×{need_h} cells; there are {visible.width}×{visible.height}. "
                    f"Enlarge the terminal to at least {term.width + max(0, need_w - visible.width)}×"
                    f"{term.height + max(0, need_h - visible.height)} (now {term.width}×{term.height})"
                    + (", or press v for a smaller QR style." if self.qr_style != "auto" else ".")
                )
                self._strips = self._text([self.problem], width, height)
            else:
                self.rendered = render(matrix, *chosen)
                self._strips = self._qr_strips(self.rendered, width, height, visible)
        self.refresh()

    def _qr_strips(self, qr: Rendered, width: int, height: int, visible: Region) -> list[Strip]:
        base = self.rich_style
        left = visible.x + (visible.width - qr.width) // 2
        top = visible.y + (visible.height - qr.height) // 2
        blank = Strip.blank(width, base)
        strips = [blank] * top
        for line in qr.lines:
            segments = [Segment(" " * left, base)] if left else []
            segments += [Segment(text, _style(fg, bg)) for text, fg, bg in line]
            segments.append(Segment(" " * (width - left - qr.width), base))
            strips.append(Strip(segments, width))
        return strips + [blank] * (height - len(strips))

    def _text(self, lines: list[str], width: int, height: int) -> list[Strip]:
        """Lines of text centred in the part of the widget on screen."""
        room = self._visible.width or width
        wrapped = [part for line in lines for part in (wrap(plain(line), max(10, room - 2)) or [""])]
        top = max(0, (height - len(wrapped)) // 2)
        base = self.rich_style
        strips = [Strip.blank(width, base)] * top
        for text in wrapped[:height]:
            text = text[:room]
            pad = self._visible.x + (room - len(text)) // 2
            strips.append(Strip([Segment(" " * pad + text + " " * (width - pad - len(text)), base)], width))
        return strips + [Strip.blank(width, base)] * (height - len(strips))

    def render_line(self, y: int) -> Strip:
        if y == 0 or self._key is None:
            self._relayout()  # cheap when nothing changed: the size and the part on screen are compared
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
