"""A fleet of Green API instances and their states: no Textual here.

Green's own guidance for many instances is to ask each one's state about once a minute.
`Fleet.run()` does that with at most `limit` requests in flight across the whole fleet,
the rows the person can see first, 429 / Retry-After honoured per instance, and one
instance's failure never holding up the others (every request has its own deadline).
The clients share one HTTP transport, so a fleet of hundreds holds one connection pool.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.api.errors import ApiError, AuthError, RateLimitError

if TYPE_CHECKING:
    import httpx

    from tui.api.green import GreenClient

CHECK_EVERY = 60.0
IN_FLIGHT = 4
STARTING_TOO_LONG = 300.0
"""Green: `starting` can last up to 5 minutes; longer needs a reboot."""

WORDS = {
    "authorized": "linked",
    "notAuthorized": "not linked",
    "starting": "starting",
    "sleepMode": "phone offline",
    "yellowCard": "suspended (yellow card)",
    "blocked": "banned",
}
ATTENTION = {"notAuthorized", "sleepMode", "yellowCard", "blocked"}


@dataclass
class Member:
    """One instance of the fleet, as far as waqr knows it."""

    id: str
    name: str
    entry: Any
    """What a client is made from: a `GreenInstance` or an `InstanceSettings`."""
    state: str | None = None
    since: float | None = None
    """When this state was first seen (for `starting` that lasts too long)."""
    checked_at: float | None = None
    problem: str = ""
    """Why the last check failed ("" when it did not)."""
    phone: str = ""
    """The linked account's number (linked instances only, asked once they are on screen)."""
    phone_asked: bool = False
    next_at: float = 0.0

    def words(self, now: float) -> str:
        if self.problem and self.state is None:
            return "unknown: " + self.problem
        if self.state is None:
            return "not checked yet"
        text = WORDS.get(self.state, self.state)
        if self.state == "starting" and self.since is not None and now - self.since >= STARTING_TOO_LONG:
            text += " for over 5 minutes"
        return text

    def needs_attention(self, now: float) -> bool:
        if self.problem and self.state is None:
            return True
        if self.state == "starting":
            return self.since is not None and now - self.since >= STARTING_TOO_LONG
        return self.state in ATTENTION

    def matches(self, text: str) -> bool:
        """The filter of the list: part of the name, the id or the state in words, any case."""
        wanted = text.strip().casefold()
        state = f"{self.state or ''} {WORDS.get(self.state or '', '')}".casefold()
        return not wanted or any(wanted in part for part in (self.name.casefold(), self.id, state))


@dataclass
class Fleet:
    """The instances and the loop that keeps their states fresh."""

    members: list[Member]
    make_client: Callable[[Any, httpx.AsyncBaseTransport | None], GreenClient]
    clock: Callable[[], float] = time.monotonic
    every: float = CHECK_EVERY
    limit: int = IN_FLIGHT
    in_flight: int = 0
    most_in_flight: int = 0
    _clients: dict[str, GreenClient] = field(default_factory=dict)
    _transport: Any = None

    def member(self, wanted: str) -> Member | None:
        return next((m for m in self.members if m.id == wanted), None)

    def ordered(self, text: str = "") -> list[Member]:
        """Those the filter matches, the ones that need someone first, then by name."""
        now = self.clock()
        shown = [m for m in self.members if m.matches(text)]
        return sorted(shown, key=lambda m: (not m.needs_attention(now), m.name.casefold() or "~", m.id))

    def client(self, member: Member) -> GreenClient:
        """The instance's client (made once, on the fleet's one transport; closed with the fleet)."""
        if member.id not in self._clients:
            if self._transport is None:
                import httpx

                self._transport = httpx.AsyncHTTPTransport()
            self._clients[member.id] = self.make_client(member.entry, self._transport)
        return self._clients[member.id]

    def refresh_all(self) -> None:
        """Check every instance again as soon as the bound allows."""
        for member in self.members:
            member.next_at = 0.0

    async def run(
        self,
        visible: Callable[[], Collection[str]],
        on_change: Callable[[Member], Awaitable[None] | None],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Keep checking, forever (cancel to stop): each instance about once a `every` seconds."""
        running: set[asyncio.Task[None]] = set()
        busy: set[str] = set()
        try:
            while True:
                now = self.clock()
                seen = set(visible())
                due = [m for m in self.members if m.id not in busy and (
                    m.next_at <= now or (m.id in seen and m.state == "authorized" and not m.phone_asked))]
                due.sort(key=lambda m: (m.id not in seen, m.next_at))
                for member in due[: max(0, self.limit - len(running))]:
                    busy.add(member.id)
                    task = asyncio.create_task(self._check(member, on_change, phone=member.id in seen))
                    running.add(task)
                    task.add_done_callback(lambda t, m=member.id: (running.discard(t), busy.discard(m)))
                if running and len(running) >= self.limit:
                    await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    continue
                upcoming = [m.next_at for m in self.members if m.id not in busy]
                wait = min(upcoming, default=now + 1.0) - now
                await sleep(min(max(wait, 0.05), 1.0))  # at least once a second: the visible rows may change
        finally:
            for task in running:
                task.cancel()

    async def _check(self, member: Member, on_change: Callable[[Member], Awaitable[None] | None], *,
                     phone: bool = True) -> None:
        """The state; for a linked instance on screen, its phone too (getWaSettings, once)."""
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        wait = self.every
        try:
            client = self.client(member)
            state = await client.state()
            if state != "authorized":
                member.phone, member.phone_asked = "", False
            elif phone and not member.phone_asked:
                member.phone_asked = True
                member.phone = (await client.wa_settings()).phone or ""
        except RateLimitError as exc:
            member.problem = "too many requests"
            wait = max(exc.retry_after or self.every, 1.0)
        except AuthError:
            member.problem = "token refused"
        except ApiError as exc:
            member.problem = exc.message
        else:
            if state != member.state:
                member.since = self.clock()
            member.state, member.problem = state, ""
        finally:
            self.in_flight -= 1
        member.checked_at = self.clock()
        member.next_at = member.checked_at + wait
        result = on_change(member)
        if result is not None:
            await result

    async def aclose(self) -> None:
        """Close the shared transport (the clients hold nothing else)."""
        self._clients.clear()
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None
