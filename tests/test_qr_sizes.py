"""Never a cropped QR: both screens across a sweep of terminal sizes.

At every size the QR on screen is whole (inside the screen, nothing over it) and decodes,
or the pane says which size is needed instead.
"""

from __future__ import annotations

import pytest

from tests.helpers import make_app, until
from tests.qrcheck import decode_lines
from tui.sandbox import Sandbox
from tui.sandbox.green import GreenSandbox
from tui.widgets.qr_view import QRView

WIDTHS = sorted({*range(40, 201, 16), 60, 62, 63, 64, 80, 160, 200})
HEIGHTS = [16, 20, 24, 31, 60]


def check(app, expected: str, size: tuple[int, int]) -> str:
    view = app.screen.query_one(QRView)
    geometry = app.screen.find_widget(view)
    assert geometry.visible_region.right <= size[0] and geometry.visible_region.bottom <= size[1]
    if view.rendered is None:
        assert view.problem and "needs" in view.problem, (size, view.problem)
        return "message"
    qr = view.rendered
    # the QR's own cells lie wholly in the part of the widget that is on screen
    assert qr.width <= geometry.visible_region.width and qr.height <= geometry.visible_region.height, size
    assert decode_lines(view.cells()) == [expected], size
    return qr.style


@pytest.mark.parametrize("start", ["codes", "link"])
async def test_whole_and_scannable_or_a_size_message_at_every_size(start: str) -> None:
    with Sandbox(green=GreenSandbox(clock=lambda: 0.0)) as sandbox:  # a QR that does not rotate mid-sweep
        await sweep(sandbox, start)


async def sweep(sandbox: Sandbox, start: str) -> None:
    app = make_app(sandbox, start=start)
    styles: set[str] = set()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen.query_one(QRView).rendered is not None, what="a first QR")
        for width in WIDTHS:
            for height in HEIGHTS:
                await pilot.resize_terminal(width, height)
                await pilot.pause()
                await pilot.pause()
                expected = (app.screen.current().deep_link_url if start == "codes"
                            else sandbox.green.instance.current()[0])
                styles.add(check(app, expected, (width, height)))
    # the sweep reaches both ends: a short link fits everywhere, sturdiest style on a big terminal;
    # a linking QR needs more than the smallest sizes, and says so
    assert styles == ({"wide", "half", "compact"} | ({"message"} if start == "link" else set()))
