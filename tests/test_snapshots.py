"""SVG snapshots of the main screens, in each bundled theme (update: pytest --snapshot-update)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import DataTable, Input

from tests.helpers import make_app, until
from tui.sandbox import Sandbox

THEMES = ["waqr-dark", "waqr-light", "waqr-contrast"]


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


def codes_ready(app) -> bool:
    screen = app.screen
    return getattr(screen, "page", None) is not None and not screen.query_one(DataTable).loading and screen.pager.is_ahead()


async def quiet(pilot) -> None:
    pilot.app.clear_notifications()
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause(0.2)


@pytest.mark.parametrize("theme", THEMES)
def test_codes(snap_compare, box: Sandbox, theme: str) -> None:
    async def ready(pilot) -> None:
        await until(pilot, lambda: codes_ready(pilot.app))
        await quiet(pilot)

    assert snap_compare(make_app(box, **{"ui.theme": theme}), terminal_size=(100, 30), run_before=ready)


@pytest.mark.parametrize("theme", THEMES)
def test_link_waiting(snap_compare, box: Sandbox, theme: str) -> None:
    async def ready(pilot) -> None:
        await until(pilot, lambda: pilot.app.screen.query_one("#link-qr").rendered is not None)
        await quiet(pilot)

    assert snap_compare(make_app(box, start="link", **{"ui.theme": theme}), terminal_size=(80, 24), run_before=ready)


def test_create_form(snap_compare, box: Sandbox) -> None:
    async def ready(pilot) -> None:
        await until(pilot, lambda: codes_ready(pilot.app))
        await pilot.press("a", *"Hi! Please send me today's menu")
        await quiet(pilot)

    assert snap_compare(make_app(box), terminal_size=(100, 30), run_before=ready)


def test_delete_confirmation(snap_compare, box: Sandbox) -> None:
    async def ready(pilot) -> None:
        await until(pilot, lambda: codes_ready(pilot.app))
        await pilot.press("d")
        await quiet(pilot)

    assert snap_compare(make_app(box), terminal_size=(100, 30), run_before=ready)


def test_linked(snap_compare, box: Sandbox) -> None:
    box.green.scan()

    async def ready(pilot) -> None:
        await until(pilot, lambda: "Linked" in str(pilot.app.screen.query_one("#link-title").render()))
        await quiet(pilot)

    assert snap_compare(make_app(box, start="link"), terminal_size=(80, 24), run_before=ready)


def test_error(snap_compare, box: Sandbox) -> None:
    box.faults.add("message_qrdls", status=401, headers={"Content-Type": "application/json"},
                   body='{"error": {"message": "Error validating access token: Session has expired", '
                        '"type": "OAuthException", "code": 190, "error_subcode": 463, "fbtrace_id": "AbCdEf123"}}')

    async def ready(pilot) -> None:
        await until(pilot, lambda: pilot.app.screen.error is not None)
        await quiet(pilot)

    assert snap_compare(make_app(box), terminal_size=(100, 30), run_before=ready)


def test_fleet_list(snap_compare) -> None:
    with Sandbox() as sandbox:
        async def ready(pilot) -> None:
            await until(pilot, lambda: getattr(pilot.app.screen, "sorted_once", False))
            table = pilot.app.screen.query_one(DataTable)
            for row in range(table.row_count):  # the time of the last check changes from run to run
                table.update_cell_at((row, 4), "12:00:00")
            await quiet(pilot)

        app = make_app(sandbox, start="link", **sandbox.fleet_settings())
        assert snap_compare(app, terminal_size=(100, 24), run_before=ready)
