"""Module matrix -> terminal cells, in three styles, and the choice of style for a space.

Styles (module size in cells, a cell being about 1 wide x 2 tall):
- `wide`: two cells of background colour per module; no glyphs, font-independent.
- `half`: ▀ ▄ █, one cell per 1x2 modules.
- `compact`: sextants U+1FB00-U+1FB3B, one cell per 2x3 modules.

Every cell is explicit black on white. Trailing spaces are light modules of the
quiet zone: they must never be stripped.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from tui.qr.encode import Matrix

DARK = "#000000"
LIGHT = "#ffffff"
STYLES = ("wide", "half", "compact")
"""Most robust first: `auto` takes the first that fits."""
QUIET = 4
MIN_QUIET = 2
# Module size of one cell per style: (modules across, modules down).
CELL = {"wide": (1, 1), "half": (1, 2), "compact": (2, 3)}
CELLS_PER_MODULE_ACROSS = {"wide": 2, "half": 1, "compact": 1}

Run = tuple[str, str, str]
"""(text, foreground, background)."""


@dataclass(frozen=True)
class Rendered:
    """A QR as lines of runs, ready to print or to turn into Textual strips."""

    style: str
    quiet: int
    lines: tuple[tuple[Run, ...], ...]
    width: int
    height: int

    def ansi(self) -> str:
        """The QR as text with 24-bit colour escapes (for stdout)."""
        out = []
        for line in self.lines:
            parts = [f"\x1b[38;2;{_rgb(fg)};48;2;{_rgb(bg)}m{text}" for text, fg, bg in line]
            out.append("".join(parts) + "\x1b[0m")
        return "\n".join(out)

    def plain(self) -> str:
        """The QR as glyphs only, dark modules drawn (wide style uses '██' / '  ')."""
        out = []
        for line in self.lines:
            out.append("".join("█" * len(t) if bg == DARK else t for t, _fg, bg in line))
        return "\n".join(out)


def _rgb(colour: str) -> str:
    return ";".join(str(int(colour[i : i + 2], 16)) for i in (1, 3, 5))


def size(modules: int, style: str, quiet: int = QUIET) -> tuple[int, int]:
    """Cells (width, height) that `modules` x `modules` with `quiet` on each side needs."""
    across, down = CELL[style]
    total = modules + 2 * quiet
    cols = -(-total // across) * CELLS_PER_MODULE_ACROSS[style]
    rows = -(-total // down)
    return cols, rows


def fit(modules: int, width: int, height: int, style: str = "auto") -> tuple[str, int] | None:
    """The (style, quiet zone) to use in a width x height space, or None if nothing fits.

    Robustness first: a sturdier style with a narrower quiet zone beats a finer style.
    """
    styles = STYLES if style == "auto" else (style,)
    for candidate in styles:
        for quiet in range(QUIET, MIN_QUIET - 1, -1):
            cols, rows = size(modules, candidate, quiet)
            if cols <= width and rows <= height:
                return candidate, quiet
    return None


def needed(modules: int, style: str = "auto") -> tuple[int, int]:
    """The smallest space in cells in which `style` (auto: any style) fits."""
    styles = STYLES if style == "auto" else (style,)
    return min((size(modules, s, MIN_QUIET) for s in styles), key=lambda wh: wh[0] * wh[1])


def _padded(matrix: Matrix, quiet: int, across: int, down: int) -> list[list[bool]]:
    n = len(matrix)
    total = n + 2 * quiet
    cols = -(-total // across) * across
    rows = -(-total // down) * down
    grid = [[False] * cols for _ in range(rows)]
    for y, row in enumerate(matrix):
        grid[y + quiet][quiet : quiet + n] = row
    return grid


def _sextant(bits: int) -> str:
    """Bits 0..5 = top-left, top-right, mid-left, mid-right, bottom-left, bottom-right."""
    if bits == 0:
        return " "
    if bits == 63:
        return "█"
    if bits == 21:
        return "▌"
    if bits == 42:
        return "▐"
    return chr(0x1FB00 + bits - 1 - (bits > 21) - (bits > 42))


_HALF = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


@lru_cache(maxsize=8)
def render(matrix: Matrix, style: str, quiet: int = QUIET) -> Rendered:
    """Draw the matrix in one style with a light quiet zone of `quiet` modules."""
    if style not in CELL:
        raise ValueError(f"unknown QR style {style!r}")
    across, down = CELL[style]
    grid = _padded(matrix, quiet, across, down)
    lines: list[tuple[Run, ...]] = []
    for y in range(0, len(grid), down):
        if style == "wide":
            runs: list[Run] = []
            for dark in grid[y]:
                bg = DARK if dark else LIGHT
                if runs and runs[-1][2] == bg:
                    runs[-1] = (runs[-1][0] + "  ", DARK, bg)
                else:
                    runs.append(("  ", DARK, bg))
            lines.append(tuple(runs))
            continue
        if style == "half":
            text = "".join(_HALF[grid[y][x], grid[y + 1][x]] for x in range(len(grid[y])))
        else:
            chars = []
            for x in range(0, len(grid[y]), 2):
                bits = 0
                for i, (dy, dx) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1))):
                    if grid[y + dy][x + dx]:
                        bits |= 1 << i
                chars.append(_sextant(bits))
            text = "".join(chars)
        lines.append(((text, DARK, LIGHT),))
    width = sum(len(t) for t, _f, _b in lines[0])
    return Rendered(style, quiet, tuple(lines), width, len(lines))
