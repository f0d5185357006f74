"""Command line: `waqr`, `waqr link [--plain]`, `waqr sandbox [--port N]`, `--demo`, `--config`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from tui import __version__
from tui.config import ConfigError, env_name, load_settings, start_problem

EPILOG = """\
keys: 1 message QR codes, 2 link device, ? help, ctrl+p command palette, q quit
settings: config.toml (--config or WAQR_CONFIG) < .env < WAQR_* environment < command line
try it with no account: waqr --demo"""


def _common(defaults: bool) -> argparse.ArgumentParser:
    """Options accepted before and after a subcommand (subparsers must not reset them)."""
    d: Any = None if defaults else argparse.SUPPRESS
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--config", metavar="PATH", default=d, help="settings file (TOML)")
    parser.add_argument("--demo", action="store_true", default=False if defaults else argparse.SUPPRESS,
                        help="run against the built-in sandbox on 127.0.0.1: no account, no network")
    parser.add_argument("--theme", default=d, help="ui.theme, e.g. waqr-dark, waqr-light, waqr-contrast")
    parser.add_argument("--qr-style", choices=("auto", "wide", "half", "compact"), default=d, help="ui.qr_style")
    parser.add_argument("--set", metavar="KEY=VALUE", action="append", default=[] if defaults else argparse.SUPPRESS,
                        help="any setting, e.g. --set meta.api_version=v24.0 (repeatable)")
    parser.add_argument("--debug", action="store_true", default=False if defaults else argparse.SUPPRESS,
                        help="log at DEBUG level to the log file")
    parser.add_argument("--version", action="version", version=f"waqr {__version__}")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="waqr",
        description="WhatsApp QR codes in the terminal: message QR codes (Meta Cloud API, Alibaba CAMS) "
        "and device linking (Green API).",
        parents=[_common(True)],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    link = sub.add_parser("link", parents=[_common(False)], help="open on Link device (Green API)",
                          description="Link a device to a Green API instance.")
    link.add_argument("--plain", action="store_true", help="no full-screen UI: print each QR to stdout, exit 0 once linked")
    sandbox = sub.add_parser("sandbox", parents=[_common(False)], help="serve the simulator of the three APIs",
                             description="Serve the simulated Meta, Green API and CAMS services on 127.0.0.1.")
    sandbox.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set needs KEY=VALUE, got {item!r}")
        values[key.strip()] = value
    if args.theme:
        values["ui.theme"] = args.theme
    if args.qr_style:
        values["ui.qr_style"] = args.qr_style
    if args.debug:
        values["log.level"] = "DEBUG"
    return values


def run_sandbox(port: int) -> int:
    from tui.sandbox import Sandbox

    try:
        sandbox = Sandbox().start(port)
    except OSError as exc:
        print(f"waqr: cannot listen on 127.0.0.1:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"waqr sandbox on {sandbox.url} (Ctrl-C stops it)\n\nPoint waqr at it:")
    for key, value in sandbox.settings().items():
        print(f"  export {env_name(key)}={value}")
    print(f"\nSimulate the phone scanning the linking QR:\n  curl -X POST {sandbox.url}/_sandbox/green/"
          f"{sandbox.settings()['green.id_instance']}/scan", flush=True)
    try:
        import threading

        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":
        return run_sandbox(args.port)
    sandbox = None
    try:
        overrides = _overrides(args)
        if args.demo:
            from tui.sandbox import Sandbox

            sandbox = Sandbox().start()
            overrides = {**sandbox.settings(), **overrides}
        settings = load_settings(args.config, overrides)
        problem = start_problem(settings, args.command)
        if problem:
            raise ConfigError(f"{problem}\nSet them in the config file or the environment, or try: waqr --demo")
    except ConfigError as exc:
        print(f"waqr: {exc}", file=sys.stderr)
        if sandbox:
            sandbox.stop()
        return 2

    from tui import logs

    logs.setup(settings.log.level, settings.secrets())
    try:
        if args.command == "link" and args.plain:
            from tui.plain import run_plain

            return run_plain(settings)
        from tui.app import WaqrApp

        app = WaqrApp(settings, start="link" if args.command == "link" else "codes", sandbox=sandbox,
                      config_file=args.config)
        app.run()
        return app.return_code or 0
    finally:
        if sandbox:
            sandbox.stop()
