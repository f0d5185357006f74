"""Benchmark of Link device with a fleet (issue 17): 500 instances, 150 ms per state answer.

    python tests/bench/fleet.py [--instances N] [--latency S] [--soak SECONDS]

The sandbox serves the partner account and the instances on loopback, each state answer
taking `--latency` seconds; the app runs headless (Textual's run_test) and the figures are
taken from the app and from the sandbox's own count of requests in flight. Not part of the
test suite: machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tui.app import WaqrApp  # noqa: E402
from tui.config import load_settings  # noqa: E402
from tui.sandbox import Sandbox  # noqa: E402
from tui.sandbox.green import GreenSandbox  # noqa: E402


def rss_mib() -> float:
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def report(name: str, value: str, target: str, ok: bool) -> bool:
    print(f"{name:<16} {value:<52} target {target:<22} {'OK' if ok else 'MISSED'}", flush=True)
    return ok


async def run(instances: int, latency: float, soak: float) -> int:
    with Sandbox(green=GreenSandbox(instances=instances, latency=latency)) as sandbox:
        settings = load_settings(overrides={**sandbox.settings(), **sandbox.fleet_settings()})
        app = WaqrApp(settings, start="link", sandbox=sandbox)
        async with app.run_test(size=(120, 40)) as pilot:
            began = time.monotonic()
            while not (getattr(app.screen, "fleet", None) and app.screen.query_one("DataTable").row_count):
                await pilot.pause(0.01)
            listed = time.monotonic() - began  # the partner answer and the list on screen
            screen = app.screen
            members = screen.fleet.members
            latencies = []
            rss_start = rss_mib()
            while not all(m.state or m.problem for m in members):
                if time.monotonic() - began > 120:
                    break
                table = screen.query_one("DataTable")
                row = table.cursor_row
                key = "down" if len(latencies) % 20 < 10 else "up"
                start = time.monotonic()
                app.simulate_key(key)  # the key arrives as from the terminal; answered once the cursor moves
                while table.cursor_row == row and time.monotonic() - start < 5:
                    await asyncio.sleep(0.001)
                latencies.append(time.monotonic() - start)
                await asyncio.sleep(0.2)
            states = time.monotonic() - began
            known = sum(1 for m in members if m.state or m.problem)
            soak_end = time.monotonic() + soak
            while time.monotonic() < soak_end:
                await pilot.pause(1.0)
            grown = rss_mib() - rss_start
    ok = [
        report("list on screen", f"{listed * 1000:.0f} ms after start, {len(members)} instances",
               "<= 1 s", listed <= 1.0),
        report("every state", f"{known} of {len(members)} known after {states:.1f} s", "<= 25 s",
               known == len(members) and states <= 25),
        report("in flight", f"at most {sandbox.green.max_in_flight} (sandbox's count)", "<= 4",
               sandbox.green.max_in_flight <= 4),
        report("keys in sweep", f"median {statistics.median(latencies) * 1000:.1f} ms, max "
               f"{max(latencies) * 1000:.1f} ms ({len(latencies)} presses)", "<= 50 ms",
               max(latencies) <= 0.05),
        report("memory", f"RSS {grown:+.1f} MiB over {states + soak:.0f} s", "<= 20 MB over 10 min", grown <= 20),
    ]
    print(f"\n{sum(ok)} of {len(ok)} targets met")
    return 0 if all(ok) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--soak", type=float, default=0.0, help="seconds to keep sweeping after (600 for the soak)")
    args = parser.parse_args()
    return asyncio.run(run(args.instances, args.latency, args.soak))


if __name__ == "__main__":
    raise SystemExit(main())
