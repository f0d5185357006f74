"""Text -> QR module matrix (segno), and image files drawn from the same matrix."""

from __future__ import annotations

import io
from functools import lru_cache

Matrix = tuple[tuple[bool, ...], ...]
"""Dark modules are True; no quiet zone."""


@lru_cache(maxsize=8)
def encode(payload: str, error: str = "L") -> Matrix:
    """The module matrix of `payload` at the given error level (smallest version that fits).

    Cached: a QR on screen is re-laid out on every resize. Small: each view shows one QR.
    """
    import segno  # imported on first use: not needed for the first frame

    from tui.qr import mask

    # error level as asked, never boosted: Green's pairing QR must stay at L.
    # Mask 0 here; mask.py then makes the choice segno would make, in a tenth of the time.
    qr = segno.make_qr(payload, error=error, boost_error=False, mask=0)
    return mask.choose(qr)[1]


def image_bytes(payload: str, kind: str, *, scale: int = 10, error: str = "M") -> bytes:
    """A PNG or SVG of the payload, black on white with a 4-module quiet zone.

    segno's own mask choice is most of the cost: mask.py makes the same choice faster,
    then segno encodes once more with that mask (the same image, ~2 ms less per code)."""
    import segno

    from tui.qr import mask

    best = mask.choose(segno.make_qr(payload, error=error, mask=0))[0]
    qr = segno.make_qr(payload, error=error, mask=best)
    out = io.BytesIO()
    qr.save(out, kind=kind.lower(), scale=scale, border=4, dark="#000000", light="#ffffff")
    return out.getvalue()
