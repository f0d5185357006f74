"""What the three clients share: one httpx.AsyncClient each, redaction, body limits,
JSON parsing, HTTP status -> typed error, Retry-After, a client-side rate limiter."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from tui import __version__
from tui.api.errors import (
    ApiError,
    AuthError,
    BadResponseError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    RequestError,
    ServerError,
)
from tui.api.redact import Redactor

log = logging.getLogger("waqr.http")

USER_AGENT = f"waqr/{__version__}"
MAX_BODY = 4 * 1024 * 1024
"""Largest answer read into memory; a bigger one is a BadResponseError."""


def default_timeout(total: float = 10.0) -> httpx.Timeout:
    return httpx.Timeout(total, connect=min(5.0, total))


@dataclass(frozen=True)
class Answer:
    """A fully read HTTP answer."""

    status: int
    headers: httpx.Headers
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait from a Retry-After header (delta or HTTP date), capped at 5 minutes."""
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(raw).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return max(0.0, min(seconds, 300.0))


class HttpService:
    """One service: its name for messages, its client, its secrets."""

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        secrets: Iterable[str] = (),
        timeout: httpx.Timeout | float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: dict[str, str] | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        self.service = service
        self.redact = Redactor(secrets)
        self.max_body = max_body
        if not isinstance(timeout, httpx.Timeout):
            timeout = default_timeout(timeout)
        self.client = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    def host(self) -> str:
        return self.client.base_url.host or str(self.client.base_url)

    async def send(self, method: str, url: str, **kwargs: Any) -> Answer:
        """Send and read the whole answer; transport faults become NetworkError."""
        request = self.client.build_request(method, url, **kwargs)
        shown = self.redact(f"{request.method} {request.url.copy_with(query=None)}")
        started = time.monotonic()
        try:
            response = await self.client.send(request, stream=True)
            try:
                declared = int(response.headers.get("content-length") or 0)
                if declared > self.max_body:
                    raise self._too_large()
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.max_body:
                        raise self._too_large()
                    chunks.append(chunk)
            finally:
                await response.aclose()
            content = b"".join(chunks)
        except httpx.TimeoutException:
            log.info("%s timed out after %.1fs", shown, time.monotonic() - started)
            raise NetworkError(
                self.service,
                f"no answer from {self.host()} within {self._timeout():.0f} s",
                hint="The service is slow or unreachable; waqr will try again.",
                transient=True,
            ) from None
        except httpx.ConnectError:
            log.info("%s: connection failed", shown)
            raise NetworkError(
                self.service,
                f"cannot connect to {self.host()}",
                hint="Check the network and the service address in the settings.",
                transient=True,
            ) from None
        except httpx.HTTPError as exc:
            log.info("%s: %s", shown, self.redact(type(exc).__name__))
            raise NetworkError(
                self.service,
                f"connection to {self.host()} failed ({type(exc).__name__})",
                hint="waqr will try again.",
                transient=True,
            ) from None
        log.debug("%s -> %s in %.0f ms", shown, response.status_code, (time.monotonic() - started) * 1000)
        return Answer(response.status_code, response.headers, content)

    async def download(self, url: str) -> bytes:
        """GET an absolute URL (an image on a CDN) and return its bytes."""
        answer = await self.send("GET", url)
        if answer.status >= 400:
            raise self.status_error(answer, f"the image could not be downloaded (HTTP {answer.status})")
        return answer.content

    def _timeout(self) -> float:
        return self.client.timeout.read or 0.0

    def _too_large(self) -> BadResponseError:
        return BadResponseError(
            self.service, f"the answer is larger than {self.max_body // 1024} KiB", hint="waqr will try again."
        )

    def json(self, answer: Answer) -> Any:
        """Parse an answer as JSON or raise the typed error that says what came instead.

        An error status speaks for itself (429 is "too many requests" whatever the body);
        a success status with a body that is not JSON is a BadResponseError.
        """
        body = answer.content.strip()
        try:
            return json.loads(body)
        except ValueError:
            pass
        if answer.status >= 400:
            raise self.status_error(answer)
        if not body:
            raise BadResponseError(self.service, "the answer was empty", hint="waqr will try again.", transient=True)
        head = body[:200].lower()
        what = "an HTML page" if b"<html" in head or b"<!doctype" in head else "something that is not JSON"
        raise BadResponseError(self.service, f"the service answered with {what}", hint="waqr will try again.",
                               transient=True)

    def status_error(self, answer: Answer, message: str | None = None) -> ApiError:
        """Map an HTTP status (plus an optional message) to the matching typed error."""
        status = answer.status
        text = message or f"HTTP {status}"
        kwargs: dict[str, Any] = {"status": status}
        if status in (401, 403):
            return AuthError(
                self.service,
                message or ("credentials refused" if status == 401 else "access forbidden"),
                hint="Check the credentials in the settings.",
                **kwargs,
            )
        if status == 404:
            return NotFoundError(self.service, message or "not found", **kwargs)
        if status == 429:
            wait = retry_after(answer.headers)
            return RateLimitError(
                self.service,
                message or "too many requests",
                hint=f"waqr waits {wait:.0f} s before trying again." if wait else "waqr slows down and tries again.",
                transient=True,
                retry_after=wait,
                **kwargs,
            )
        if status >= 500:
            return ServerError(
                self.service,
                message or f"the service failed (HTTP {status})",
                hint="This is on the service's side; waqr will try again.",
                transient=True,
                retry_after=retry_after(answer.headers),
                **kwargs,
            )
        if 400 <= status < 500:
            return RequestError(self.service, text, **kwargs)
        return BadResponseError(self.service, text, hint="waqr will try again.", transient=True, **kwargs)


class RateLimiter:
    """Spaces the starts of requests of one kind at least `interval` seconds apart."""

    def __init__(self, interval: float, clock: Any = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._next: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def wait(self, key: str = "") -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            now = self.clock()
            start = max(now, self._next.get(key, 0.0))
            self._next[key] = start + self.interval
            if start > now:
                await asyncio.sleep(start - now)
