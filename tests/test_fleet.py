"""Link device with a fleet: the list, attention first, filter, open and back, the in-flight bound."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input

from tests.helpers import make_app, status, until
from tui.sandbox import Sandbox
from tui.sandbox.green import GreenSandbox
from tui.screens.fleet import FleetScreen
from tui.screens.link import LinkScreen
from tui.widgets.qr_view import QRView


@pytest.fixture
def fleet_box():
    with Sandbox(green=GreenSandbox(instances=24, latency=0.05)) as sandbox:
        yield sandbox


def fleet_app(sandbox: Sandbox):
    return make_app(sandbox, start="link", **sandbox.fleet_settings())


async def test_the_list_attention_first_filter_open_and_back(fleet_box: Sandbox) -> None:
    app = fleet_app(fleet_box)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FleetScreen) and app.screen.fleet is not None)
        screen = app.screen
        total = len(screen.fleet.members)
        assert total >= 24
        await until(pilot, lambda: all(m.state or m.problem for m in screen.fleet.members), timeout=30,
                    what="every state known")
        assert fleet_box.green.max_in_flight <= 4 and screen.fleet.most_in_flight <= 4
        await until(pilot, lambda: screen.sorted_once)
        await pilot.pause()
        table = screen.query_one(DataTable)
        states = [str(table.get_row_at(row)[2]) for row in range(table.row_count)]
        assert not any("not checked" in state for state in states), states  # every row shows its answer
        await pilot.press("r")  # ask again: the order stays attention first
        now = screen.fleet.clock()
        flags = [m.needs_attention(now) for m in screen.shown]
        assert flags == sorted(flags, reverse=True) and any(flags) and not all(flags)
        linked = next(m for m in screen.fleet.members if m.state == "authorized")
        assert linked.phone, "linked instances show their phone"
        await pilot.press("slash")
        await pilot.press(*linked.id)
        await until(pilot, lambda: [m.id for m in screen.shown] == [linked.id])
        await pilot.press("escape")
        await until(pilot, lambda: len(screen.shown) == total)
        target = next(m for m in screen.fleet.members if m.state == "notAuthorized")
        await pilot.press("slash")
        app.screen.query_one("#fleet-filter", Input).value = target.name or target.id
        await pilot.pause()
        await pilot.press("enter")  # enter in the filter opens the first match
        await until(pilot, lambda: isinstance(app.screen, LinkScreen))
        assert target.id in app.screen.sub_title or (target.name and target.name in app.screen.sub_title)
        await until(pilot, lambda: app.screen.query_one(QRView).rendered is not None, what="its QR")
        link = app.screen
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FleetScreen))
        assert link.worker is None  # its polling stopped
        assert "need attention" in status(app)


async def test_a_fleet_of_one_opens_the_instance(sandbox: Sandbox) -> None:
    app = make_app(sandbox, start="link")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LinkScreen))
        assert app.screen.check_action("back", ()) is False  # nowhere to go back to
        await until(pilot, lambda: app.screen.query_one(QRView).rendered is not None)


async def test_no_token_of_the_fleet_appears_anywhere(fleet_box: Sandbox) -> None:
    app = fleet_app(fleet_box)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FleetScreen) and app.screen.fleet is not None)
        await until(pilot, lambda: all(m.state or m.problem for m in app.screen.fleet.members), timeout=30)
        shot = app.export_screenshot()
        secrets = app.settings.secrets() + [m.entry.api_token_instance.get_secret_value()
                                            for m in app.screen.fleet.members]
        assert all(secret not in shot for secret in secrets)
        assert app.screen.query_one(DataTable).row_count == len(app.screen.fleet.members)


async def test_the_demo_scan_links_the_instance_being_linked(fleet_box: Sandbox) -> None:
    app = fleet_app(fleet_box)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FleetScreen) and app.screen.fleet is not None)
        target = next(m for m in app.screen.fleet.members if m.id != "7105000001" and m.name)
        await pilot.press("slash", *target.id, "enter")
        await until(pilot, lambda: isinstance(app.screen, LinkScreen))
        command = next(c for c in app.get_system_commands(app.screen) if c.title.startswith("Sandbox: simulate"))
        await command.callback()
        assert fleet_box.green.instances[target.id].authorized


async def test_the_list_starts_at_the_top_and_an_instance_linked_meanwhile_is_asked_again(fleet_box: Sandbox) -> None:
    app = fleet_app(fleet_box)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FleetScreen) and app.screen.sorted_once, timeout=30)
        screen = app.screen
        assert screen.query_one(DataTable).cursor_row == 0 and screen.current().needs_attention(screen.fleet.clock())
        target = screen.current()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LinkScreen))
        fleet_box.green.scan(target.id)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FleetScreen) and target.state == "authorized", timeout=10)
