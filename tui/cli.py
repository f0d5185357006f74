"""Command line: the app, `link`, `sandbox`, and the scriptable `codes` and `instances` commands.

Exit codes: 0 done, 1 the service refused or failed, 2 usage or configuration,
3 link stopped idle, 4 not found, 130 interrupted. Every error is one line on stderr,
redacted and made plain; an unexpected exception is one line too (its traceback,
without locals, goes to the log).
"""

from __future__ import annotations

import argparse
import os
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from tui import __version__
from tui.commands import FAILED, INTERRUPTED, NOT_FOUND, OK, USAGE, CommandError, error_line
from tui.config import ConfigError, Settings, env_name, load_settings, start_problem
from tui.text import plain

if TYPE_CHECKING:
    from textual.app import App

    from tui.commands.output import Console

log = logging.getLogger("waqr.cli")

EPILOG = """\
keys: 1 message QR codes, 2 link device, ? help, ctrl+p command palette, q quit
settings: config.toml (--config or WAQR_CONFIG) < env file (--env-file or WAQR_ENV_FILE)
          < WAQR_* environment < --set; --profile NAME (or WAQR_PROFILE) picks [profiles.NAME.*]
exit codes: 0 done, 1 service refused or failed, 2 usage or configuration, 3 link stopped idle,
            4 not found, 130 interrupted
try it with no account: waqr --demo"""

CODES_HELP = """\
subcommands:
  list [--all] [--find TEXT] [--json|--csv]
        the first page of codes (25), or every code with --all; --find matches a code
        (any case, or a pasted https://wa.me/message/CODE link: looked up directly) or
        words of the message (every word, any case)
  get CODE [--json]               one code (exit 4 when the number has no such code)
  create MESSAGE [--image png|svg] [--json]
                                  a new code (--image: the service also makes an image)
  edit CODE MESSAGE [--json]      change a code's message (on CAMS the code changes:
                                  the new one is printed, the old one stops working)
  delete CODE... [--yes]          asks first at a terminal; elsewhere needs --yes
  export DIR [--format png|svg] [--sheet] [--force]
                                  every code as DIR/CODE.png (or .svg) drawn locally,
                                  index.csv, and with --sheet a print-ready sheet.html
  import FILE.csv [--dry-run]     a code per `message` the number does not have yet
                                  (a `code` column edits that code); a second run
                                  creates nothing; --dry-run prints the plan

output: a table at a terminal, TSV when piped, --json objects with code,
prefilled_message, deep_link_url. Progress goes to stderr, at a terminal only."""


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line (and exit 2)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: {plain(message, line=True)} (see: {self.prog} --help)\n")
        raise SystemExit(USAGE)


def _int_between(text: str, low: int, high: int, noun: str, hint: str) -> int:
    """An argparse type: an integer from `low` to `high`, else a one-line usage error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{value} {hint}")
    return value


def _port(text: str) -> int:
    return _int_between(text, 0, 65535, "a port number", "is not a port number: 1 to 65535, or 0 for a free one")


def _count(text: str) -> int:
    return _int_between(text, 1, 10_000, "a number", "is out of range: from 1 to 10000")


def _common(defaults: bool) -> argparse.ArgumentParser:
    """Options accepted before and after a subcommand (subparsers must not reset them)."""
    d: Any = None if defaults else argparse.SUPPRESS
    parser = Parser(add_help=False)
    group = parser.add_argument_group("settings")
    group.add_argument("--config", metavar="PATH", default=d, help="settings file (TOML); else WAQR_CONFIG")
    group.add_argument("--env-file", metavar="PATH", default=d,
                       help="an env file of WAQR_* settings; else WAQR_ENV_FILE (a .env is never read by itself)")
    group.add_argument("--profile", metavar="NAME", default=d,
                       help="use [profiles.NAME.*] of the config file; else WAQR_PROFILE")
    group.add_argument("--set", metavar="KEY=VALUE", action="append", default=[] if defaults else argparse.SUPPRESS,
                       help="any setting, e.g. --set meta.api_version=v24.0 (repeatable)")
    group.add_argument("--demo", action="store_true", default=False if defaults else argparse.SUPPRESS,
                       help="run against the built-in sandbox on 127.0.0.1: no account, no network")
    group.add_argument("--debug", action="store_true", default=False if defaults else argparse.SUPPRESS,
                       help="log at DEBUG level to the log file")
    parser.add_argument("--version", action="version", version=f"waqr {__version__}")
    return parser


def _looks(defaults: bool) -> argparse.ArgumentParser:
    """Options of the full-screen app only."""
    d: Any = None if defaults else argparse.SUPPRESS
    parser = Parser(add_help=False)
    parser.add_argument("--theme", default=d, help="ui.theme, e.g. waqr-dark, waqr-light, waqr-contrast")
    parser.add_argument("--qr-style", choices=("auto", "wide", "half", "compact"), default=d, help="ui.qr_style")
    return parser


def _output(parser: argparse.ArgumentParser, csv: bool = False) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", dest="fmt", action="store_const", const="json", help="JSON for programs")
    if csv:
        group.add_argument("--csv", dest="fmt", action="store_const", const="csv", help="CSV with a header row")
    parser.set_defaults(fmt="table")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="waqr",
        description="WhatsApp QR codes in the terminal: message QR codes (Meta Cloud API, Alibaba CAMS) "
        "and device linking (Green API).",
        parents=[_common(True), _looks(True)],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common, looks = _common(False), _looks(False)

    link = sub.add_parser("link", parents=[common, looks], help="link a device to a Green API instance",
                          description="Link a device to a Green API instance: the app opens on Link device, "
                          "or with --plain / --pairing no full-screen UI.")
    link.add_argument("--instance", metavar="NAME|ID", help="the instance (its name or id) when several are known")
    mode = link.add_mutually_exclusive_group()
    mode.add_argument("--plain", action="store_true",
                      help="print each QR to stdout (black on white), exit 0 once linked, 3 after the idle limit")
    mode.add_argument("--pairing", metavar="PHONE",
                      help="print a pairing code for this phone number (country code first) and wait until it "
                      "is used (exit 0) or expires (exit 1)")
    link.add_argument("--png", metavar="FILE", type=Path, help="with --plain: also write each new QR to FILE (PNG)")

    sandbox = sub.add_parser("sandbox", help="serve the simulator of the three APIs",
                             description="Serve the simulated Meta, Green API and CAMS services on 127.0.0.1.")
    sandbox.add_argument("--port", type=_port, default=0, help="port (default: a free one)")
    sandbox.add_argument("--instances", type=_count, default=None, metavar="N",
                         help="Green API instances of the simulated partner account (default: a dozen)")
    sandbox.add_argument("--version", action="version", version=f"waqr {__version__}")

    codes = sub.add_parser("codes", parents=[common], help="message QR codes from a shell (list, get, create, ...)",
                           description="Message QR codes of the configured number, from a shell.",
                           epilog=CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = codes.add_subparsers(dest="action", metavar="SUBCOMMAND", required=True)
    listing = actions.add_parser("list", parents=[common], help="the first page, or every code with --all",
                                 description="List codes: the first page (25), or every code with --all.")
    listing.add_argument("--all", action="store_true", dest="every", help="every code (one request per 25)")
    listing.add_argument("--find", metavar="TEXT",
                         help="a code (any case), a pasted wa.me link, or words of the message")
    _output(listing, csv=True)
    get = actions.add_parser("get", parents=[common], help="one code (exit 4 if there is none)",
                             description="Show one code; exit 4 when the number has no such code.")
    get.add_argument("code", metavar="CODE", help="the code, or its https://wa.me/message/CODE link")
    _output(get)
    create = actions.add_parser("create", parents=[common], help="a new code", description="Create a code.")
    create.add_argument("message", metavar="MESSAGE", help="the prefilled message (140 characters at most)")
    create.add_argument("--image", choices=("png", "svg"), help="have the service make an image too (its URL)")
    _output(create)
    edit = actions.add_parser("edit", parents=[common], help="change a code's message",
                              description="Change a code's message. On CAMS the code gets a new value: the new "
                              "one is printed and the old one stops working.")
    edit.add_argument("code", metavar="CODE")
    edit.add_argument("message", metavar="MESSAGE")
    _output(edit)
    delete = actions.add_parser("delete", parents=[common], help="delete codes (asks first)",
                                description="Delete codes. At a terminal it asks first; elsewhere --yes is needed.")
    delete.add_argument("codes", metavar="CODE", nargs="+")
    delete.add_argument("--yes", action="store_true", help="do not ask")
    export = actions.add_parser("export", parents=[common], help="image files, index.csv, a printable sheet",
                                description="Write every code as DIR/CODE.png (or .svg), drawn locally from its "
                                "link, plus index.csv; --sheet adds sheet.html, a print-ready page.")
    export.add_argument("folder", metavar="DIR", type=Path)
    export.add_argument("--format", choices=("png", "svg"), default="png", help="image format (default png)")
    export.add_argument("--sheet", action="store_true", help="also write sheet.html (A4 or Letter)")
    export.add_argument("--force", action="store_true", help="overwrite files that exist")
    importing = actions.add_parser("import", parents=[common], help="create codes from a CSV file",
                                   description="Create a code for each `message` of the CSV that the number does "
                                   "not have yet; a `code` column edits that code instead.")
    importing.add_argument("file", metavar="FILE.csv", type=Path)
    importing.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")

    instances = sub.add_parser("instances", parents=[common], help="every known Green API instance and its state",
                               description="Every known Green API instance with its id, name, state and phone.")
    _output(instances)
    instances.add_argument("--attention", action="store_true",
                           help="only those that need someone (not linked, phone off, banned, starting, ...)")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set needs KEY=VALUE, got {item!r}")
        values[key.strip()] = value
    if getattr(args, "theme", None):
        values["ui.theme"] = args.theme
    if getattr(args, "qr_style", None):
        values["ui.qr_style"] = args.qr_style
    if args.debug:
        values["log.level"] = "DEBUG"
    return values


def run_sandbox(port: int, instances: int | None = None) -> int:
    from tui.sandbox import Sandbox

    try:
        sandbox = (Sandbox(instances=instances) if instances else Sandbox()).start(port)
    except OSError as exc:
        print(f"waqr: cannot listen on 127.0.0.1:{port}: {exc.strerror}", file=sys.stderr)
        return FAILED
    print(f"waqr sandbox on {sandbox.url} (Ctrl-C stops it)\n\nPoint waqr at it:")
    for key, value in {**sandbox.settings(), **sandbox.fleet_settings()}.items():
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
    return OK


# -- the full-screen app ------------------------------------------------------------------------


def crash_line(error: BaseException, redact: Callable[[str], str], logged: Path | None) -> str:
    """One line for an unexpected error: its kind and redacted text, and where the details are."""
    text = plain(redact(str(error)), line=True, limit=200)
    where = f"details in {logged}" if logged else "run with --debug for details"
    return f"waqr: unexpected error ({type(error).__name__}{': ' + text if text else ''}); {where}"


class _Quiet(Exception):
    """What Textual is told crashed: it renders as nothing (the crash line is printed after the terminal is
    restored, whole: Textual would crop it to the terminal's width)."""

    def __rich__(self) -> _Quiet:
        return self

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Any]:
        yield from ()


def guarded(app_class: type[App[Any]], redact: Callable[[str], str], logged: Path | None) -> type[App[Any]]:
    """`app_class`, but an unhandled exception ends the app with one redacted line, not Textual's
    traceback with locals (which would print tokens); the traceback, without locals, goes to the log.

    Textual has no public hook for this: `_handle_exception` is overridden (textual < 9 is pinned).
    """

    class Guarded(app_class):  # type: ignore[misc, valid-type]
        crash: BaseException | None = None
        crash_line = ""

        def _handle_exception(self, error: Exception) -> None:
            self.crash = error
            self.crash_line = crash_line(error, redact, logged)
            log.error("unexpected error in the app", exc_info=error)
            super()._handle_exception(_Quiet())  # exits as for any crash, prints nothing: run_app prints the line

    Guarded.__name__ = Guarded.__qualname__ = app_class.__name__
    return Guarded


def run_app(app: App[Any], *, headless: bool = False) -> int:
    """Run the app; SIGTERM and SIGHUP ask it to exit, so the terminal is restored (no alternate screen,
    no mouse reporting) and the exit code is 130."""

    async def run() -> None:
        loop = asyncio.get_running_loop()
        signals = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
        for number in signals:
            loop.add_signal_handler(number, lambda: app.exit(return_code=INTERRUPTED))
        try:
            await app.run_async(headless=headless)
        finally:
            for number in signals:
                loop.remove_signal_handler(number)

    asyncio.run(run())
    if getattr(app, "crash_line", ""):
        sys.stderr.write(app.crash_line + "\n")  # type: ignore[attr-defined]
    return app.return_code or 0


def open_app(args: argparse.Namespace, settings: Settings, sandbox: Any, redact: Callable[[str], str],
             logged: Path | None, reload: Callable[[str | None], Settings] | None = None) -> int:
    problem = start_problem(settings, args.command)
    if problem:
        raise ConfigError(f"{problem} Set them in the config file or the environment, or try: waqr --demo")
    green = None
    if args.command == "link" and args.instance:
        green = asyncio.run(_green_for(settings, args.instance))  # else the app: one instance, or the fleet list
    from tui.app import WaqrApp

    app = guarded(WaqrApp, redact, logged)(settings, start="link" if args.command == "link" else "codes",
                                            sandbox=sandbox, config_file=args.config, green=green,
                                            pinned=[name for name in ("theme", "qr_style") if getattr(args, name, None)],
                                            reload=reload)
    return run_app(app)


async def _green_for(settings: Settings, wanted: str | None) -> Any:
    """The client of the instance asked for, of `green.id_instance`, or of the first one known
    (the app shows one instance today)."""
    from tui.config import link_problem
    from tui.services import build_green_client, choose_instance, known_instances

    if wanted:
        return build_green_client(settings, await choose_instance(settings, wanted))
    if settings.green.configured:
        return build_green_client(settings)
    entries = await known_instances(settings)
    if not entries:
        raise ConfigError(link_problem(settings) or "no Green API instance is known: add [[green.instances]]")
    return build_green_client(settings, entries[0])


# -- the scriptable commands -----------------------------------------------------------------------


async def _with_codes(settings: Settings, work: Callable[[Any], Awaitable[int]]) -> int:
    from tui.services import build_codes_provider

    provider = build_codes_provider(settings)
    try:
        return await work(provider)
    finally:
        await provider.aclose()


async def _codes(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from tui.commands import codes

    action = args.action
    if action == "list":
        return await _with_codes(settings, lambda p: codes.list_codes(p, console, every=args.every, find=args.find,
                                                                      fmt=args.fmt))
    if action == "get":
        return await _with_codes(settings, lambda p: codes.get_code(p, console, args.code, fmt=args.fmt))
    if action == "create":
        return await _with_codes(settings, lambda p: codes.create_code(p, console, args.message, image=args.image,
                                                                       fmt=args.fmt))
    if action == "edit":
        return await _with_codes(settings, lambda p: codes.edit_code(p, console, args.code, args.message,
                                                                     fmt=args.fmt))
    if action == "delete":
        return await _with_codes(settings, lambda p: codes.delete_codes(p, console, args.codes, yes=args.yes))
    if action == "export":
        from tui.commands.export import export_codes

        return await _with_codes(settings, lambda p: export_codes(p, console, args.folder, fmt=args.format,
                                                                  sheet=args.sheet, force=args.force))
    from tui.commands.import_csv import import_codes

    return await _with_codes(settings, lambda p: import_codes(p, console, args.file, dry_run=args.dry_run))


async def _instances(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from tui.commands.instances import list_instances
    from tui.config import link_problem
    from tui.services import known_instances

    problem = link_problem(settings)
    if problem:
        raise ConfigError(problem)
    entries = await known_instances(settings)
    return await list_instances(settings, entries, console, as_json=args.fmt == "json", attention=args.attention)


async def _pairing(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from tui.commands.instances import pair, pairing_phone
    from tui.services import build_green_client, choose_instance

    pairing_phone(args.pairing)  # a usage error before any request
    client = build_green_client(settings, await choose_instance(settings, args.instance))
    try:
        return await pair(client, console, args.pairing)
    finally:
        await client.aclose()


def run_command(args: argparse.Namespace, settings: Settings, redact: Callable[[str], str]) -> int:
    from tui.commands.output import Console

    console = Console(redact=redact)
    if args.command == "codes":
        work = _codes(args, settings, console)
    elif args.command == "instances":
        work = _instances(args, settings, console)
    else:
        work = _pairing(args, settings, console)
    return asyncio.run(work)


def run_plain_link(args: argparse.Namespace, settings: Settings) -> int:
    from tui.plain import run_plain

    return run_plain(settings, asyncio.run(_green_for(settings, args.instance)), args.png)


# -- main ---------------------------------------------------------------------------------------


@contextmanager
def _demo(enabled: bool) -> Iterator[Any]:
    """The in-process sandbox for --demo (None without it), stopped on the way out."""
    if not enabled:
        yield None
        return
    from tui.sandbox import Sandbox

    sandbox = Sandbox().start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":
        return run_sandbox(args.port, args.instances)
    if args.command == "link" and args.png and not args.plain:
        sys.stderr.write("waqr link: --png goes with --plain (see: waqr link --help)\n")
        return USAGE
    from tui.api.redact import Redactor

    redact: Callable[[str], str] = Redactor()
    logged: Path | None = None
    try:
        with _demo(args.demo) as sandbox:
            overrides = _overrides(args)
            if sandbox is not None:
                overrides = {**sandbox.settings(), **sandbox.fleet_settings(), **overrides}
            settings = load_settings(args.config, overrides, env_file=args.env_file, profile=args.profile)
            redact = Redactor(settings.secrets())
            from tui import logs

            logged = logs.setup(settings.log.level, settings.secrets())
            if args.command in ("codes", "instances") or (args.command == "link" and args.pairing):
                return run_command(args, settings, redact)
            if args.command == "link" and args.plain:
                return run_plain_link(args, settings)
            def reload(profile: str | None) -> Settings:
                return load_settings(args.config, overrides, env_file=args.env_file, profile=profile)

            return open_app(args, settings, sandbox, redact, logged, reload)
    except ConfigError as exc:
        sys.stderr.write(f"waqr: {plain(redact(str(exc)), line=True)}\n")
        return USAGE
    except CommandError as exc:
        sys.stderr.write(f"waqr: {plain(redact(str(exc)), line=True)}\n")
        return exc.code
    except BrokenPipeError:
        # `waqr codes list | head -1`: the reader has what it wanted. Quiet, as other tools are;
        # stdout goes to /dev/null so that Python's own flush at exit does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK
    except KeyboardInterrupt:
        sys.stderr.write("waqr: interrupted\n")
        return INTERRUPTED
    except Exception as exc:
        from tui.api.errors import ApiError, NotFoundError

        if isinstance(exc, ApiError):
            sys.stderr.write(f"waqr: {plain(redact(error_line(exc)), line=True)}\n")
            return NOT_FOUND if isinstance(exc, NotFoundError) else FAILED
        log.error("unexpected error", exc_info=exc)
        sys.stderr.write(crash_line(exc, redact, logged) + "\n")
        return FAILED
