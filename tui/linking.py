"""Device-linking logic shared by the Link screen and `waqr link --plain` (no Textual here).

`Linker.step()` makes one round of requests and returns what the person should see;
`Poller` runs steps at a steady 1 s cadence, backs off on errors, and stops after a
while without a scan.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.api.errors import ApiError, AuthError
from tui.api.models import HAS_AUTH
from tui.qr.decode import QrImageError, decode_base64_image

if TYPE_CHECKING:
    from tui.api.green import GreenClient

QR_LIFETIME = 20.0
LINKED_INTERVAL = 5.0
MAX_BACKOFF = 30.0

STATE_ADVICE = {
    "starting": ("The instance is starting.", "Wait: this can take up to 5 minutes. If it stays, reboot it (b)."),
    "blocked": ("The number is banned by WhatsApp.", "Contact WhatsApp support; waqr cannot link this number."),
    "sleepMode": ("The phone is off or offline.", "Turn the phone on and open WhatsApp; waqr keeps trying."),
    "yellowCard": ("Sending messages is suspended for this account.", "Reboot the instance (b), then check it."),
}


@dataclass
class View:
    """What the Link screen shows after a step."""

    kind: str
    """`qr`, `linked`, `error`, `state`."""
    qr_text: str | None = None
    phone: str = ""
    message: str = ""
    advice: str = ""
    can_logout: bool = False
    can_reboot: bool = False


@dataclass
class Linker:
    client: GreenClient
    clock: Callable[[], float] = time.monotonic
    _last_png: str = ""
    _qr_text: str | None = None
    changed_at: float | None = None
    """When the QR last changed (None before the first change was seen)."""
    _phone: str | None = field(default=None)
    fresh_at: float | None = None
    """When the service last answered with the QR shown (None: no QR)."""

    def is_stale(self) -> bool:
        """True when the QR shown has had no fresh answer for its whole life: it may have expired."""
        return self.fresh_at is not None and self.clock() - self.fresh_at >= QR_LIFETIME

    def seconds_left(self) -> float | None:
        """Expected seconds to the next QR, once a change has been seen."""
        if self.changed_at is None:
            return None
        return max(0.0, QR_LIFETIME - (self.clock() - self.changed_at) % QR_LIFETIME)

    def forget(self) -> None:
        self._last_png, self._qr_text, self.changed_at, self._phone = "", None, None, None
        self.fresh_at = None

    async def step(self) -> View:
        qr = await self.client.qr()
        if qr.type == "qrCode":
            self._phone = None
            if qr.message != self._last_png:
                text = decode_base64_image(qr.message)  # QrImageError: caller shows it
                if self._qr_text is not None and text != self._qr_text:
                    self.changed_at = self.clock()
                self._last_png, self._qr_text = qr.message, text
            self.fresh_at = self.clock()
            return View("qr", qr_text=self._qr_text)
        self.forget()
        if qr.type == "alreadyLogged":
            if self._phone is None:
                self._phone = (await self.client.wa_settings()).phone or ""
            return View("linked", phone=self._phone)
        message = qr.message or "the service reported an error"
        if HAS_AUTH.lower() in message.lower():
            return View("error", message=message,
                        advice="The instance holds old authorization data: log out (l), then scan a new QR.",
                        can_logout=True)
        return await self.explain(message)

    async def explain(self, message: str) -> View:
        """Ask the instance state to say what the error means."""
        try:
            state = await self.client.state()
        except ApiError:
            state = ""
        if state in STATE_ADVICE:
            title, advice = STATE_ADVICE[state]
            return View("state", message=f"{title} ({message})" if message else title, advice=advice,
                        can_reboot=state in ("starting", "yellowCard"))
        return View("error", message=message, advice="waqr keeps trying.")


@dataclass
class Poller:
    """One loop: a step, then sleep out the rest of the second. Never two in flight."""

    linker: Linker
    on_view: Callable[[View], Awaitable[None] | None]
    on_error: Callable[[Exception, float], Awaitable[None] | None]
    idle_limit: float = 300.0
    interval: float = 1.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    starts: list[float] = field(default_factory=list)
    """Start time of every step (the last 1,000), for cadence checks."""

    async def run(self) -> str:
        """Poll until idle, refused, or cancelled. Returns why it stopped: `idle`, or `refused`
        when the credentials were refused (401/403: asking again would not help)."""
        began = self.clock()
        failures = 0
        while True:
            start = self.clock()
            self.starts.append(start)
            del self.starts[:-1000]
            delay = self.interval
            try:
                view = await self.linker.step()
            except (ApiError, QrImageError) as exc:
                failures += 1
                backoff = min(MAX_BACKOFF, self.interval * 2 ** min(failures, 5))
                hinted = getattr(exc, "retry_after", None)
                delay = max(backoff, hinted or 0.0)
                await _maybe(self.on_error(exc, delay))
                if isinstance(exc, AuthError):
                    return "refused"
            else:
                failures = 0
                await _maybe(self.on_view(view))
                if view.kind == "linked":
                    began = self.clock()
                    delay = LINKED_INTERVAL
                elif view.kind == "qr" and self.clock() - began >= self.idle_limit:
                    return "idle"
            await self.sleep(max(0.0, delay - (self.clock() - start)))


async def _maybe(result: Awaitable[None] | None) -> None:
    if result is not None:
        await result
