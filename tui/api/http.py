"""One request and error policy for the three clients.

- `HttpService.send`: one exchange under one deadline (connect, send and the read of the
  whole body together), the body size capped; every failure becomes an `ApiError`.
- `TRANSPORT`: low-level failures -> error class, the way httpx's `_exceptions.py` maps them.
- `Rule` tables: (HTTP status, service code, message) -> error class, hint, transient, wait.
  Each client has its own rules in front of `COMMON`.
- `HttpService.call`: bounded retries of transient errors, the same for every service,
  honouring Retry-After, never repeating a non-idempotent request whose outcome is unknown.
- `parse(model, body)`: an answer into a pydantic model, or a BadResponseError.
- Every error is built by `HttpService.error`, which redacts it before it exists.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

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
DEFAULT_TIMEOUT = 10.0
"""Deadline of one whole exchange, every service (slow methods name their own)."""
MAX_BODY = 4 * 1024 * 1024
"""Largest answer read into memory; a bigger one is a BadResponseError."""
RETRIES = 3
BACKOFF = 0.5
MAX_RETRY_WAIT = 10.0
"""A longer wait (Retry-After) is not slept through inside a call: the error goes to the caller."""
M = TypeVar("M")
T = TypeVar("T")


# -- addresses ------------------------------------------------------------------------------


def segment(value: str) -> str:
    """A path segment taken from data, percent-encoded so it can never change the path
    (text that UTF-8 cannot hold, such as a lone surrogate, is escaped, never raised)."""
    text = quote(str(value), safe="", errors="backslashreplace")
    if not text.strip("."):  # "", "." and ".." would be path steps, not names
        text = text.replace(".", "%2E") or "%20"
    return text


def base_url(value: str) -> str:
    """A service address as people write it (`host`, `https://host/`) -> `https://host/`."""
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    return text.rstrip("/") + "/"


# -- the error policy -----------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One row of an error table: which answers it covers, and the error they become.

    `status`, `code` and `text` are shell patterns over the HTTP status, the service's own
    error code ("" when none) and the lower-cased message; the first matching row wins."""

    kind: type[ApiError]
    status: str = "*"
    code: str = "*"
    text: str = "*"
    message: str | None = None
    """What happened, when the answer says nothing more useful."""
    hint: str | None = None
    transient: bool = False
    wait: float | None = None
    """Seconds to wait when the answer has no Retry-After."""

    def matches(self, status: int, code: str, text: str) -> bool:
        return fnmatchcase(str(status), self.status) and fnmatchcase(code, self.code) and fnmatchcase(text, self.text)


COMMON: tuple[Rule, ...] = (
    Rule(AuthError, "401", message="credentials refused", hint="Check the credentials in the settings."),
    Rule(AuthError, "403", message="access forbidden", hint="Check the credentials and their permissions."),
    Rule(NotFoundError, "404", message="not found", hint="It may have been deleted; reload."),
    Rule(RateLimitError, "429", message="too many requests", hint="waqr slows down and tries again.", transient=True),
    Rule(ServerError, "5??", message="the service failed", hint="This is on the service's side; waqr will try again.",
         transient=True),
    Rule(RequestError, "4??", message="the request was refused"),
    Rule(RequestError, code="?*"),  # the service refused in its own words (with any status)
    Rule(BadResponseError, message="unexpected answer", hint="waqr will try again.", transient=True),
)
"""Rows every service ends with: by HTTP status alone."""


@dataclass(frozen=True)
class Failure:
    """How a low-level failure is reported."""

    kind: type[ApiError]
    message: str
    hint: str | None
    transient: bool
    before_sending: bool
    """True when the request cannot have reached the service."""


NO_ANSWER = Failure(NetworkError, "no answer from {host} within {deadline:g} s",
                    "The service is slow or unreachable; waqr will try again.", True, False)
TRANSPORT: tuple[tuple[type[BaseException], Failure], ...] = (
    (httpx.ConnectTimeout, Failure(NetworkError, "cannot connect to {host} within {deadline:g} s",
                                   "Check the network and the service address in the settings.", True, True)),
    (httpx.PoolTimeout, Failure(NetworkError, "no free connection to {host} within {deadline:g} s",
                                "waqr will try again.", True, True)),
    (httpx.TimeoutException, NO_ANSWER),
    (TimeoutError, NO_ANSWER),  # the whole exchange's deadline (asyncio.timeout)
    (httpx.ConnectError, Failure(NetworkError, "cannot connect to {host}",
                                 "Check the network and the service address in the settings.", True, True)),
    (httpx.UnsupportedProtocol, Failure(RequestError, "the address is not http(s) ({host})",
                                        "Check the service address in the settings.", False, True)),
    (httpx.InvalidURL, Failure(RequestError, "the request address is not valid",
                               "Check the service address in the settings and the code or id used.", False, True)),
    (httpx.LocalProtocolError, Failure(RequestError, "the request could not be sent ({name})", None, False, True)),
    (UnicodeError, Failure(RequestError, "the request holds characters that cannot be sent ({name})",
                           None, False, True)),
    (ValueError, Failure(RequestError, "the request could not be built ({name})", None, False, True)),
    (httpx.HTTPError, Failure(NetworkError, "connection to {host} failed ({name})", "waqr will try again.", True,
                              False)),
    (OSError, Failure(NetworkError, "connection to {host} failed ({name})", "waqr will try again.", True, False)),
    (Exception, Failure(NetworkError, "the exchange with {host} failed ({name})", "waqr will try again.", True,
                        False)),
)
"""Low-level failure -> error, most specific first (an asyncio deadline is `TimeoutError`)."""


def failure(exc: BaseException) -> Failure:
    return next(f for kind, f in TRANSPORT if isinstance(exc, kind))


# -- answers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A fully read HTTP answer."""

    status: int
    headers: httpx.Headers
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def retry_after(headers: httpx.Headers | Mapping[str, str]) -> float | None:
    """Seconds to wait from a Retry-After header (delta or HTTP date), capped at 5 minutes."""
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(raw).timestamp() - time.time()
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, 300.0))


def reason(answer: Answer) -> str | None:
    """A short reason from an error body: a JSON message/description, or one line of plain
    text; None for HTML or a bare restatement of the status ("Forbidden")."""
    text = answer.text.strip()
    if not text:
        return None
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        found = next((body[k] for k in ("message", "description", "error") if isinstance(body.get(k), str)), "")
        text = found.strip()
    elif body is not None or "<" in text[:50]:
        return None
    line = text.splitlines()[0][:200] if text else ""
    if not line or line.lower() == httpx.codes.get_reason_phrase(answer.status).lower():
        return None
    return line


def parse(model: Any, body: Any, what: str = "the answer") -> Any:
    """`body` as `model` (a pydantic model or any type pydantic knows), or a ValueError
    naming what was wrong; `HttpService.parse` turns that into a BadResponseError."""
    try:
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_validate(body)
        return _adapter(model).validate_python(body)
    except (ValidationError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ValueError(f"unexpected shape of {what} ({type(exc).__name__})") from None


@lru_cache(maxsize=32)
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


class _Progress:
    """httpcore trace hook: did the request start going out?"""

    def __init__(self) -> None:
        self.traced = False
        self.sent = False

    async def __call__(self, name: str, info: Any) -> None:
        self.traced = True
        if ".send_request_headers." in name:
            self.sent = True

    @property
    def maybe_sent(self) -> bool:
        """True unless the transport reported that nothing went out (a mock reports nothing)."""
        return self.sent or not self.traced


# -- the service ----------------------------------------------------------------------------


class HttpService:
    """One service account: its name for messages, its client, its secrets, its policy."""

    def __init__(
        self,
        service: str,
        base: str,
        *,
        secrets: Iterable[str] = (),
        rules: Iterable[Rule] = (),
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: dict[str, str] | None = None,
        max_body: int = MAX_BODY,
        retries: int = RETRIES,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.service = service
        self.redact = Redactor(secrets)
        self.rules = (*rules, *COMMON)
        self.timeout = float(timeout)
        self.max_body = max_body
        self.retries = max(1, retries)
        self.sleep = sleep
        self.problem: ApiError | None = None
        """Set when the configured address cannot be used: every call raises it."""
        client_headers = {"User-Agent": USER_AGENT, **(headers or {})}
        try:
            self.client = httpx.AsyncClient(base_url=base, transport=transport, headers=client_headers,
                                            follow_redirects=False)
        except Exception as exc:  # a malformed address in the settings: report it on use, never crash
            self.problem = self._failure(exc, never_sent=True)
            self.client = httpx.AsyncClient(transport=transport, headers=client_headers, follow_redirects=False)

    async def aclose(self) -> None:
        await self.client.aclose()

    def segment(self, value: str, what: str) -> str:
        """`segment(value)`, refusing an empty one (it would name the collection, not an item)."""
        if not str(value).strip():
            raise self.error(RequestError, f"the {what} is empty")
        return segment(value)

    # -- errors -------------------------------------------------------------------------------

    def error(self, kind: type[ApiError], message: str, **kwargs: Any) -> ApiError:
        """Every error of this service is made here: its texts are redacted as it is built."""
        return kind(self.service, message, redact=self.redact, **kwargs)

    def status_error(
        self,
        answer: Answer,
        message: str | None = None,
        *,
        code: str = "",
        transient: bool = False,
        **extra: Any,
    ) -> ApiError:
        """The error for an answer, by this service's rules: `message` is the service's own
        words (None: a reason read from the body), `code` its own error code."""
        said = message if message is not None else reason(answer)
        rule = next(r for r in self.rules if r.matches(answer.status, code, (said or "").lower()))
        text = said or rule.message or f"HTTP {answer.status}"
        if said and rule.message and rule.message.lower() not in said.lower() and not code:
            text = f"{rule.message}: {said}"
        wait = retry_after(answer.headers)
        if "graph" not in extra:
            extra["code"] = code or None
        return self.error(
            rule.kind,
            text,
            hint=rule.hint,
            status=answer.status,
            transient=rule.transient or transient,
            retry_after=wait if wait is not None else rule.wait,
            **extra,
        )

    def local_error(self, exc: BaseException) -> ApiError:
        """The error for a request that could not even be built (nothing was sent)."""
        return self._failure(exc, never_sent=True)

    def _failure(self, exc: BaseException, *, never_sent: bool = False, deadline: float = 0.0,
                 idempotent: bool = True, progress: _Progress | None = None) -> ApiError:
        found = failure(exc)
        sent = not never_sent and not found.before_sending and (progress is None or progress.maybe_sent)
        client = getattr(self, "client", None)  # None while the constructor reports a bad address
        host = (_host(client.base_url) if client is not None else "") or "the configured address"
        message = found.message.format(host=host, deadline=deadline, name=type(exc).__name__)
        return self.error(found.kind, message, hint=found.hint, transient=found.transient,
                          outcome_unknown=sent and not idempotent)

    # -- one exchange -------------------------------------------------------------------------

    async def send(
        self, method: str, url: str, *, timeout: float | None = None, idempotent: bool = True, **kwargs: Any
    ) -> Answer:
        """Send and read the whole answer within one deadline; any failure is an ApiError.

        `idempotent=False` (a create): a failure after the request may have gone out is a
        NetworkError with `outcome_unknown=True`."""
        if self.problem is not None:
            raise self.problem
        deadline = timeout or self.timeout
        progress = _Progress()
        started = time.monotonic()
        shown = f"{method} {url.split('?')[0]}"
        try:
            request = self.client.build_request(
                method, url, timeout=httpx.Timeout(deadline, connect=min(5.0, deadline)),
                extensions={"trace": progress}, **kwargs,
            )
            shown = f"{request.method} {request.url.copy_with(query=None)}"
            async with asyncio.timeout(deadline):
                answer = await self._exchange(request)
        except ApiError:
            raise
        except Exception as exc:
            error = self._failure(exc, deadline=deadline, idempotent=idempotent, progress=progress)
            log.info("%s: %s after %.1f s", self.redact(shown), error.message, time.monotonic() - started)
            raise error from None
        log.debug("%s -> %s in %.0f ms", self.redact(shown), answer.status, (time.monotonic() - started) * 1000)
        return answer

    async def _exchange(self, request: httpx.Request) -> Answer:
        response = await self.client.send(request, stream=True)
        try:
            declared = response.headers.get("content-length") or "0"
            if declared.isdigit() and int(declared) > self.max_body:
                raise self._too_large()
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():  # decoded: the cap holds for compressed answers too
                size += len(chunk)
                if size > self.max_body:
                    raise self._too_large()
                chunks.append(chunk)
        finally:
            await response.aclose()
        return Answer(response.status_code, response.headers, b"".join(chunks))

    def _too_large(self) -> ApiError:
        return self.error(BadResponseError, f"the answer is larger than {self.max_body // 1024} KiB",
                          hint="waqr will try again.")

    # -- one call, with retries -------------------------------------------------------------

    async def call(
        self,
        method: str,
        url: str,
        *,
        read: Callable[[Answer], T],
        idempotent: bool = True,
        prepare: Callable[[], Awaitable[dict[str, str]]] | None = None,
        done_if_gone: bool = False,
        timeout: float | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> T:
        """`send` plus `read` (answer -> value, or an ApiError), retrying transient errors.

        `prepare` runs before each attempt (rate limit, fresh signature) and gives headers.
        `done_if_gone`: a NotFoundError right after a network fault means the lost attempt
        did it (a delete)."""
        faulted = False
        for attempt in range(1, self.retries + 1):
            try:
                extra = await self._prepared(prepare)
                answer = await self.send(method, url, timeout=timeout, idempotent=idempotent,
                                         headers={**(headers or {}), **extra}, **kwargs)
                try:
                    return read(answer)
                except BadResponseError as exc:
                    exc.outcome_unknown = not idempotent and answer.status < 300
                    raise
            except NotFoundError:
                if done_if_gone and faulted:
                    return None  # type: ignore[return-value]
                raise
            except ApiError as exc:
                wait = self._retry_wait(exc, attempt, idempotent)
                if wait is None:
                    raise
                faulted = isinstance(exc, NetworkError)
                log.info("%s; retrying in %.1f s (%d/%d)", exc.text(), wait, attempt + 1, self.retries)
                await self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _prepared(self, prepare: Callable[[], Awaitable[dict[str, str]]] | None) -> dict[str, str]:
        if prepare is None:
            return {}
        try:
            return await prepare()
        except ApiError:
            raise
        except Exception as exc:  # e.g. a signature over text that cannot be encoded
            raise self._failure(exc, never_sent=True) from None

    def _retry_wait(self, exc: ApiError, attempt: int, idempotent: bool) -> float | None:
        """Seconds before the next attempt, or None: do not retry."""
        if attempt >= self.retries or not exc.transient:
            return None
        refused = exc.graph is not None or exc.code is not None or exc.status == 429
        if not idempotent and not refused:
            return None  # it may have happened: only the service's own refusal makes a repeat safe
        wait = exc.retry_after if exc.retry_after is not None else BACKOFF * 2 ** (attempt - 1)
        return wait if wait <= MAX_RETRY_WAIT else None

    # -- bodies ---------------------------------------------------------------------------------

    def read_json(self, answer: Answer) -> Any:
        """The JSON of a success; any error status is an error, whatever the body says."""
        if answer.status >= 400:
            raise self.status_error(answer)
        return self.json(answer)

    def json(self, answer: Answer) -> Any:
        """Parse an answer as JSON or raise the typed error that says what came instead.

        An error status speaks for itself (429 is "too many requests" whatever the body);
        a success status with a body that is not JSON is a BadResponseError."""
        body = answer.content.strip()
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            pass
        if answer.status >= 400:
            raise self.status_error(answer)
        if not body:
            raise self.error(BadResponseError, "the answer was empty", hint="waqr will try again.", transient=True)
        head = body[:200].lower()
        what = "an HTML page" if b"<html" in head or b"<!doctype" in head else "something that is not JSON"
        raise self.error(BadResponseError, f"the service answered with {what}", hint="waqr will try again.",
                         transient=True)

    def parse(self, model: type[M] | Any, body: Any, what: str = "the answer") -> M:
        """`body` as `model`, or a BadResponseError saying the shape was unexpected."""
        try:
            return parse(model, body, what)  # type: ignore[no-any-return]
        except ValueError as exc:
            raise self.error(BadResponseError, str(exc), hint="waqr will try again.", transient=True) from None

    # -- images ---------------------------------------------------------------------------------

    def _may_fetch(self, url: httpx.URL) -> bool:
        """Only https, or the service's own address (the sandbox is http on loopback)."""
        own = self.client.base_url
        if url.scheme == "https" and _host(url):
            return True
        return (url.scheme, _host(url), url.port) == (own.scheme, _host(own), own.port) and bool(_host(url))

    async def download(self, url: str, image_format: str | None = None) -> bytes:
        """GET a service's image (no credentials sent); it must be an image of the asked
        format (PNG/SVG; None: either), by content type and by its first bytes."""
        try:
            target = httpx.URL(url)
        except Exception as exc:
            raise self._failure(exc, never_sent=True) from None
        if not self._may_fetch(target):
            raise self.error(RequestError, f"not fetching an image from {target.scheme}://{_host(target) or '?'}",
                             hint="Images are fetched only over https or from the service's own address.")
        answer = await self.send("GET", str(target))
        if 300 <= answer.status < 400:
            raise self.error(BadResponseError, f"the image address redirects elsewhere (HTTP {answer.status})",
                             status=answer.status, hint="Nothing was saved; try again or draw the QR locally.")
        if answer.status >= 400:
            raise self.status_error(answer, f"the image could not be downloaded (HTTP {answer.status})")
        kind = image_kind(answer.headers.get("content-type", ""), answer.content)
        if kind is None or (image_format is not None and kind != image_format.upper()):
            wanted = image_format or "PNG or SVG"
            raise self.error(BadResponseError, f"the answer is not a {wanted} image", status=answer.status,
                             hint="Nothing was saved; try again or draw the QR locally.")
        return answer.content


def _host(url: httpx.URL) -> str:
    return url.raw_host.decode("ascii", errors="replace")


def image_kind(content_type: str, data: bytes) -> str | None:
    """"PNG" or "SVG" when the content type and the first bytes agree, else None."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "image/png" and data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if kind == "image/svg+xml" and (head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower())):
        return "SVG"
    return None


class RateLimiter:
    """Spaces the starts of requests of one kind at least `interval` seconds apart."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._next: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def wait(self, key: str = "") -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            now = self.clock()
            start = max(now, self._next.get(key, 0.0))
            self._next[key] = start + self.interval
            if start > now:
                await self.sleep(start - now)
