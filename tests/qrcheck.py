"""Rasterize terminal cells the way a terminal draws them, and decode with zxing-cpp.

A cell is drawn 1 wide x 2 tall (CELL_W x CELL_H pixels); a glyph paints the part of
the cell it covers in the foreground colour, the rest is the background colour.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import zxingcpp
from PIL import Image

CELL_W, CELL_H = 6, 12
_SEXTANT_ORDER = ((0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2))  # (col, row) of bits 0..5


def _sextant_bits(ch: str) -> int | None:
    cp = ord(ch)
    if not 0x1FB00 <= cp <= 0x1FB3B:
        return None
    index = cp - 0x1FB00 + 1
    for skipped in (21, 42):  # left and right halves live at U+258C / U+2590
        if index >= skipped:
            index += 1
    return index


def coverage(ch: str) -> list[tuple[int, int, int, int]]:
    """Rectangles (x0, y0, x1, y1) of the cell that the glyph paints."""
    w, h = CELL_W, CELL_H
    simple = {
        " ": [],
        "█": [(0, 0, w, h)],
        "▀": [(0, 0, w, h // 2)],
        "▄": [(0, h // 2, w, h)],
        "▌": [(0, 0, w // 2, h)],
        "▐": [(w // 2, 0, w, h)],
    }
    if ch in simple:
        return simple[ch]
    bits = _sextant_bits(ch)
    if bits is None:
        raise ValueError(f"glyph {ch!r} is not one a QR may use")
    rects = []
    for i, (col, row) in enumerate(_SEXTANT_ORDER):
        if bits & (1 << i):
            rects.append((col * w // 2, row * h // 3, (col + 1) * w // 2, (row + 1) * h // 3))
    return rects


def luminance(colour: str) -> int:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return int(0.299 * r + 0.587 * g + 0.114 * b)


def rasterize(lines: Sequence[Iterable[tuple[str, str, str]]], margin: int = 0) -> Image.Image:
    """Lines of (text, fg '#rrggbb', bg '#rrggbb') runs -> greyscale image."""
    rows = [list(line) for line in lines]
    width = max(sum(len(t) for t, _f, _b in row) for row in rows)
    img = Image.new("L", ((width + 2 * margin) * CELL_W, (len(rows) + 2 * margin) * CELL_H), 128)
    px = img.load()
    for y, row in enumerate(rows):
        x = 0
        for text, fg, bg in row:
            fgl, bgl = luminance(fg), luminance(bg)
            for ch in text:
                ox, oy = (x + margin) * CELL_W, (y + margin) * CELL_H
                for dx in range(CELL_W):
                    for dy in range(CELL_H):
                        px[ox + dx, oy + dy] = bgl
                for x0, y0, x1, y1 in coverage(ch):
                    for dx in range(x0, x1):
                        for dy in range(y0, y1):
                            px[ox + dx, oy + dy] = fgl
                x += 1
    return img


def decode(img: Image.Image) -> list[str]:
    """Every QR text zxing-cpp finds, without trying the inverted image."""
    found = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode, try_invert=False)
    return [r.text for r in found if r.valid]


def decode_lines(lines: Sequence[Iterable[tuple[str, str, str]]]) -> list[str]:
    return decode(rasterize(lines, margin=2))
