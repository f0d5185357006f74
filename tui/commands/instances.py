"""`waqr instances` (every known Green API instance and its state) and `waqr link --pairing PHONE`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.api.errors import ApiError, AuthError, RateLimitError
from tui.commands import FAILED, OK, USAGE, CommandError, error_line
from tui.commands.output import Console
from tui.config import InstanceSettings, Settings
from tui.fleet import ATTENTION, IN_FLIGHT, WORDS
from tui.services import build_green_client
from tui.text import plain

if TYPE_CHECKING:
    from tui.api.green import GreenClient

MAX_WAIT = 5.0
"""Longest Retry-After waited out while checking states."""
PAIRING_LIFETIME = 150.0
"""A pairing code is valid about 2.5 minutes."""
PAIRING_POLL = 2.0


@dataclass(frozen=True)
class Status:
    instance: InstanceSettings
    state: str
    phone: str = ""
    error: str = ""

    @property
    def needs_attention(self) -> bool:
        """The app's rule (`tui.fleet.ATTENTION`: not linked, phone offline, suspended, banned), or not checkable.
        `starting` counts only when it lasts over 5 minutes, which one look cannot tell: it is left out."""
        return self.state in ATTENTION or bool(self.error)


async def check(settings: Settings, entry: InstanceSettings, *, attempts: int = 3) -> Status:
    """The state of one instance (and the linked phone); a failure is a Status too.

    Green API allows one `getStateInstance` a second per instance: a 429 is waited out
    (its Retry-After, a few seconds at most) and asked again, a few times.
    """
    client = build_green_client(settings, entry)
    try:
        for attempt in range(attempts):
            try:
                state = await client.state()
                phone = ""
                if state == "authorized":
                    phone = (await client.wa_settings()).phone or ""
                return Status(entry, state, phone)
            except RateLimitError as exc:
                if attempt == attempts - 1 or (exc.retry_after or 1.0) > MAX_WAIT:
                    return Status(entry, "unknown", error=error_line(exc))
                await asyncio.sleep(exc.retry_after or 1.0)
            except ApiError as exc:
                return Status(entry, "unknown", error=error_line(exc))
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        await client.aclose()


async def check_all(settings: Settings, entries: list[InstanceSettings],
                    on_done: Callable[[], None] | None = None) -> list[Status]:
    """Every instance's state, at most IN_FLIGHT at once, in the order given."""
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(entry: InstanceSettings) -> Status:
        async with gate:
            status = await check(settings, entry)
        if on_done:
            on_done()
        return status

    return list(await asyncio.gather(*(one(e) for e in entries)))


async def list_instances(settings: Settings, entries: list[InstanceSettings], console: Console, *,
                         as_json: bool = False, attention: bool = False) -> int:
    with console.progress(len(entries), "checking instances") as bar:
        found = await check_all(settings, entries, bar.advance)
    shown = [s for s in found if s.needs_attention] if attention else found
    if as_json:
        console.json([{"id": s.instance.id_instance, "name": s.instance.name, "state": s.state, "phone": s.phone}
                      for s in shown])
    elif console.tty:
        console.rows(("ID", "NAME", "STATE", "PHONE"),
                     ((s.instance.id_instance, s.instance.name,
                       f"{WORDS[s.state]} ({s.state})" if s.state in WORDS else s.state,
                       f"+{s.phone}" if s.phone else "") for s in shown))
    else:
        console.rows(("ID", "NAME", "STATE", "PHONE"),
                     ((s.instance.id_instance, s.instance.name, s.state, s.phone) for s in shown))
    failed = [s for s in found if s.error]
    for status in failed:
        console.error(f"instance {status.instance.label}: {status.error}")
    return FAILED if failed else OK


def pairing_phone(text: str) -> str:
    """The phone number as Green API wants it: 7 to 15 digits, country code first; CommandError otherwise."""
    raw = text.strip()
    digits = raw.removeprefix("+")
    if digits.startswith("00"):
        raise CommandError(f"{plain(raw, line=True)}: give the country code without 00, e.g. 4915123456789", USAGE)
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise CommandError(f"{plain(raw, line=True)}: the phone number must be 7 to 15 digits, country code first, "
                           "e.g. 4915123456789", USAGE)
    return digits


async def pair(client: GreenClient, console: Console, phone: str, *, lifetime: float = PAIRING_LIFETIME,
               interval: float = PAIRING_POLL, clock: Callable[[], float] = time.monotonic,
               sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> int:
    """Print a pairing code for `phone`, then wait until it is used (0) or its life ends (1)."""
    digits = pairing_phone(phone)
    if await client.state() == "authorized":
        raise CommandError(f"instance {client.instance} is already linked; log it out first (waqr link, key l)")
    answer = await client.authorization_code(digits)
    if not answer.status or not answer.code:
        raise CommandError(f"Green API gave no pairing code for instance {client.instance} "
                           "(it may be linked or starting: check with waqr instances)")
    deadline = clock() + lifetime
    console.out.write(plain(answer.code, line=True) + "\n")
    console.out.flush()
    if console.err_tty:
        console.note(f"On the phone +{digits}: WhatsApp > Linked devices > Link a device > Link with phone number "
                     f"instead, then type the code. It is valid about {lifetime / 60:.1f} minutes; waiting…")
    trouble = ""
    while clock() < deadline:
        await sleep(min(interval, max(0.0, deadline - clock())))
        try:
            state = await client.state()
        except AuthError:
            raise
        except ApiError as exc:  # a passing fault: keep waiting while the code lives
            if error_line(exc) != trouble:
                trouble = error_line(exc)
                console.error(f"{trouble} (still waiting)")
            continue
        if state == "authorized":
            linked = (await client.wa_settings()).phone or digits
            console.note(f"linked to +{linked}")
            return OK
    raise CommandError("the pairing code expired before it was used; run the command again for a new one", FAILED)
