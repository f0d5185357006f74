"""The renderer and the QR widget: every style x theme x payload scans; fit; no idle repaint."""

from __future__ import annotations

import base64
import random

import pytest
from textual.app import App, ComposeResult

from tests.qrcheck import decode_lines
from tui.qr.decode import QrImageError, decode_base64_image, decode_image
from tui.qr.encode import encode, image_bytes
from tui.qr.render import DARK, LIGHT, STYLES, fit, needed, render, size
from tui.themes import load_themes
from tui.widgets.qr_view import QRView

DEEP_LINK = "https://wa.me/message/5QBPAD2DC6L5A1"


def pairing(length: int = 260, seed: int = 1) -> str:
    rng = random.Random(seed)
    keys = ",".join(base64.b64encode(rng.randbytes(32)).decode() for _ in range(3))
    ref_len = length - len(keys) - 3
    ref = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(ref_len))
    text = f"2@{ref},{keys}"
    assert len(text) == length
    return text


PAIRING = pairing()


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("quiet", [4, 2])
@pytest.mark.parametrize("payload", [DEEP_LINK, PAIRING], ids=["deep-link", "pairing-260"])
def test_every_style_decodes(style: str, quiet: int, payload: str) -> None:
    drawn = render(encode(payload), style, quiet)
    assert decode_lines(drawn.lines) == [payload]
    assert (drawn.width, drawn.height) == size(len(encode(payload)), style, quiet)


def test_colours_are_explicit_black_on_white_and_quiet_zone_kept() -> None:
    drawn = render(encode(DEEP_LINK), "half", 4)
    for line in drawn.lines:
        assert all((fg, bg) == (DARK, LIGHT) for _t, fg, bg in line)
        text = "".join(t for t, _f, _b in line)
        assert text.startswith("    ") and text.endswith("    ")  # 4 light modules each side, not stripped
    wide = render(encode(DEEP_LINK), "wide", 4)
    assert {bg for line in wide.lines for _t, _f, bg in line} == {DARK, LIGHT}
    assert all(set(t) == {" "} for line in wide.lines for t, _f, _b in line)  # no glyphs at all


def test_pairing_string_uses_error_level_l_and_fits_80x24() -> None:
    import zxingcpp
    from PIL import Image
    import io

    png = image_bytes(PAIRING, "png", error="M")
    text = decode_image(png)
    matrix = encode(text)
    assert len(matrix) == 57  # version 10 at level L; M would need version 13
    result = zxingcpp.read_barcodes(Image.open(io.BytesIO(image_bytes(PAIRING, "png", error="L"))))[0]
    assert result.ec_level == "L"
    # 80x24 minus header and footer leaves 22 rows: sextants with a full quiet zone fit
    assert fit(len(matrix), 36, 22) == ("compact", 4)
    assert fit(len(matrix), 20, 10) is None
    assert needed(len(matrix)) == size(len(matrix), "compact", 2)


def test_auto_prefers_sturdier_styles() -> None:
    n = len(encode(DEEP_LINK))
    assert fit(n, 200, 60) == ("wide", 4)
    assert fit(n, 39, 22) == ("half", 4)
    assert fit(n, 34, 18) == ("half", 2)  # narrow the quiet zone before going finer
    assert fit(n, 20, 14)[0] == "compact"


def test_decoding_failures_are_clear() -> None:
    with pytest.raises(QrImageError, match="base64"):
        decode_base64_image("not base64 at all!!")
    with pytest.raises(QrImageError, match="not a readable picture"):
        decode_base64_image(base64.b64encode(b"GIF89a nonsense").decode())
    from PIL import Image
    import io

    blank = io.BytesIO()
    Image.new("L", (100, 100), 255).save(blank, "PNG")
    with pytest.raises(QrImageError, match="no readable QR"):
        decode_image(blank.getvalue())
    assert decode_base64_image("data:image/png;base64," + base64.b64encode(image_bytes("hi", "png")).decode()) == "hi"


class QrApp(App[None]):
    def __init__(self, payload: str, theme: str, style: str = "auto") -> None:
        super().__init__()
        self.payload, self.wanted, self.style_name = payload, theme, style
        for t in load_themes()[0]:
            self.register_theme(t)

    def compose(self) -> ComposeResult:
        yield QRView(self.payload)

    def on_mount(self) -> None:
        self.theme = self.wanted
        self.query_one(QRView).qr_style = self.style_name


THEMES = ["waqr-dark", "waqr-light", "waqr-contrast"]


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("payload", [DEEP_LINK, PAIRING], ids=["deep-link", "pairing-260"])
async def test_widget_output_decodes_in_every_theme(theme: str, style: str, payload: str) -> None:
    app = QrApp(payload, theme, style)
    async with app.run_test(size=(140, 70)) as pilot:
        await pilot.pause()
        view = app.query_one(QRView)
        assert view.rendered is not None and view.rendered.style == style
        assert decode_lines(view.cells()) == [payload]


async def test_too_small_says_what_size_is_needed() -> None:
    app = QrApp(PAIRING, "waqr-dark")
    async with app.run_test(size=(30, 12)) as pilot:
        await pilot.pause()
        view = app.query_one(QRView)
        assert view.rendered is None and view.problem
        assert "Enlarge the terminal to at least" in view.problem and "(now 30×12)" in view.problem
        drawn = "".join(t for line in view.cells() for t, _f, _b in line)
        assert not set(drawn) & set("▀▄█▌▐") and not any(0x1FB00 <= ord(c) <= 0x1FB3B for c in drawn)  # nothing cropped
        await pilot.resize_terminal(80, 30)
        await pilot.pause()
        assert view.rendered is not None and decode_lines(view.cells()) == [PAIRING]


async def test_no_relayout_unless_payload_or_size_changes() -> None:
    app = QrApp(DEEP_LINK, "waqr-dark")
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(QRView)
        before = view.renders
        for _ in range(5):
            view.payload = DEEP_LINK  # same payload, as a poll that sees no change
            await pilot.pause()
        assert view.renders == before
        view.payload = DEEP_LINK + "X"
        await pilot.pause()
        assert view.renders == before + 1


async def test_no_color_keeps_black_on_white(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under NO_COLOR Textual maps colours to greys: pure black and white survive, so it still scans."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = QrApp(DEEP_LINK, "waqr-dark", "half")
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        assert app.no_color
        view = app.query_one(QRView)
        strips = [view.render_line(y) for y in range(view.size.height)]
        for filt in app._filters:
            strips = [s.apply_filter(filt, app.styles.background) for s in strips]
        lines = [[(seg.text, (seg.style.color.get_truecolor().hex if seg.style and seg.style.color else "#808080"),
                   (seg.style.bgcolor.get_truecolor().hex if seg.style and seg.style.bgcolor else "#808080"))
                  for seg in strip] for strip in strips]
        assert decode_lines(lines) == [DEEP_LINK]


async def test_show_text_replaces_the_qr_with_one_relayout() -> None:
    app = QrApp(DEEP_LINK, "waqr-dark")
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(QRView)
        before = view.renders
        view.show_text("Linked: no QR needed")
        assert view.renders == before + 1 and view.payload is None and view.rendered is None
        assert "Linked: no QR needed" in "".join(t for line in view.cells() for t, _f, _b in line)
        view.show_text("Linked: no QR needed")  # nothing changed: nothing redrawn
        assert view.renders == before + 1
