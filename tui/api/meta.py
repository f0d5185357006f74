"""Meta WhatsApp Cloud API client for message QR codes (`message_qrdls`) and the phone
numbers of a WhatsApp Business Account."""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tui.api.errors import (
    ApiError,
    AuthError,
    BadResponseError,
    GraphErrorBody,
    NotFoundError,
    RateLimitError,
    RequestError,
    ServerError,
    StaleCursorError,
)
from tui.api.http import DEFAULT_TIMEOUT, RETRIES, Answer, HttpService, Rule, base_url, parse, segment
from tui.api.models import GraphCodes, GraphPaging, GraphPhoneNumbers, ImageFormat, Page, PhonePage, QrCode
from tui.api.provider import PAGE_SIZE
from tui.config import MetaSettings, env_name

SERVICE = "Meta Cloud API"
LIST_FIELDS = "code,prefilled_message,deep_link_url"
"""The documented third-party fields (000, list `fields`): `creation_time` is first-party only."""
MAX_LIMIT = 25
"""`limit` of `message_qrdls`: 1 to 25 (000)."""
PHONE_FIELDS = "id,display_phone_number,verified_name,quality_rating,status"
MAX_PHONE_LIMIT = 100
USAGE_HEADER = "x-business-use-case-usage"
RETIRED_CURSORS = 1000
"""How many cursors retired by changes are remembered (refused without a request)."""


def image_fields(image_format: ImageFormat) -> str:
    """List/get fields with the image URL: the format must be named (000, `qr_image_url.format(FORMAT)`)."""
    return f"{LIST_FIELDS},qr_image_url.format({image_format})"


def api_version(value: str) -> str:
    """`v23.0`, `23.0`, `23` and `V23.0` all mean `v23.0`; anything else is sent as given."""
    match = re.fullmatch(r"[vV]?(\d+)(?:\.(\d+))?", value.strip())
    return f"v{match.group(1)}.{match.group(2) or 0}" if match else value.strip()


_TOKEN = "meta.access_token"
_PHONE = "meta.phone_number_id"
_WABA = "meta.waba_id"
TOKEN_HINT = f"The access token is invalid or expired: replace {_TOKEN} ({env_name(_TOKEN)})."
PERMISSION_HINT = (
    f"The token lacks permission (whatsapp_business_management) for this number; check {_PHONE} "
    f"({env_name(_PHONE)}) and the token's permissions."
)
GONE_HINT = "It may have been deleted; reload the list."
THROTTLE_HINT = "Rate limited by Meta: waqr waits and tries again."

RULES: tuple[Rule, ...] = (
    # Codes are "code/subcode". Retry policy from the Graph error docs (api-docs README):
    # retry is_transient and {1, 2, 4, 17, 341, 80007, 130429, 131000, 131016}; never 100, 803, 200-299.
    Rule(AuthError, code="104/*", hint=f"No access token was sent: set {_TOKEN} ({env_name(_TOKEN)})."),
    Rule(AuthError, code="190/*", hint=TOKEN_HINT),
    Rule(AuthError, code="10/*", hint=PERMISSION_HINT),
    Rule(AuthError, code="2??/*", hint=PERMISSION_HINT),
    Rule(NotFoundError, code="803/*", hint=GONE_HINT),
    Rule(NotFoundError, code="100/33",
         hint=f"{GONE_HINT} If every request says so, check {_PHONE} ({env_name(_PHONE)})."),
    Rule(StaleCursorError, code="100/*", text="*cursor*",
         hint="The list changed since this page was read: reload from the first page."),
    Rule(RequestError, code="100/*"),
    *(Rule(RateLimitError, code=f"{c}/*", hint=THROTTLE_HINT, transient=True) for c in (4, 17, 341, 80007, 130429)),
    *(Rule(ServerError, code=f"{c}/*", hint="A temporary fault at Meta; waqr tries again.", transient=True)
      for c in (1, 2, 131000, 131016)),
    Rule(AuthError, "401", message="the access token was refused", hint=TOKEN_HINT),
    Rule(AuthError, "403", message="access forbidden", hint=PERMISSION_HINT),
    Rule(NotFoundError, "404", message="not found", hint=GONE_HINT),
)


def usage_percent(raw: str) -> int | None:
    """The highest figure of the business use case usage header, 0-100; None if unreadable."""
    try:
        usage = json.loads(raw)
        figures = [
            float(entry.get(key, 0))
            for entries in usage.values()
            for entry in entries
            for key in ("call_count", "total_cputime", "total_time")
        ]
    except (ValueError, AttributeError, TypeError, RecursionError):
        return None
    finite = [f for f in figures if math.isfinite(f)]
    return int(max(0.0, min(100.0, max(finite)))) if finite else None


class MetaClient:
    """Message QR codes of one phone number on the Graph API. Implements CodesProvider.

    Cursors go stale when the list changes: after a create, update or delete this
    client never replays a cursor it gave out before (it raises StaleCursorError), and
    Graph's own "Invalid cursor" is a StaleCursorError too. Reload from the first page.
    """

    name = SERVICE
    update_keeps_code = True

    def __init__(
        self,
        settings: MetaSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = RETRIES,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not settings.configured:
            raise ValueError("Meta settings are incomplete")
        assert settings.access_token is not None and settings.phone_number_id is not None
        token = settings.access_token.get_secret_value()
        self.version = api_version(settings.api_version)
        root = f"{base_url(settings.base_url)}{segment(self.version)}/"
        self.http = HttpService(SERVICE, root, secrets=[token], rules=RULES, timeout=timeout, transport=transport,
                                retries=retries, sleep=sleep)
        self._auth = {"Authorization": f"Bearer {token}"}
        self.account = settings.phone_number_id
        self.waba_id: str | None = getattr(settings, "waba_id", None)
        self.usage_percent: int | None = None
        self.generation = 0
        """How many changes this client made: a Page of an older generation has stale cursors."""
        self._issued: set[str] = set()
        self._retired: dict[str, None] = {}
        self._formats: dict[str, ImageFormat] = {}

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- requests -------------------------------------------------------------------------

    def _codes_path(self, code: str | None = None) -> str:
        base = f"{segment(self.account)}/message_qrdls"
        return f"{base}/{self.http.segment(code, 'code')}" if code is not None else base

    async def _call(self, method: str, path: str, *, idempotent: bool = True, done_if_gone: bool = False,
                    **kwargs: Any) -> Any:
        """One Graph call with the shared retry policy."""
        return await self.http.call(method, path, read=self._read, idempotent=idempotent, headers=self._auth,
                                    done_if_gone=done_if_gone, **kwargs)

    def _read(self, answer: Answer) -> Any:
        usage = usage_percent(answer.headers.get(USAGE_HEADER) or "")
        if usage is not None:
            self.usage_percent = usage
        body = self.http.json(answer)
        if answer.status >= 400 or (isinstance(body, dict) and "error" in body):
            raise self._graph_error(answer, body)
        return body

    def _graph_error(self, answer: Answer, body: Any) -> ApiError:
        """The Graph error envelope through the error table."""
        try:
            info: GraphErrorBody | None = parse(GraphErrorBody, body["error"])
        except (KeyError, TypeError, ValueError):
            info = None
        if info is None or info.code is None:
            return self.http.status_error(answer, graph=info)
        message = info.error_user_msg or info.message or f"HTTP {answer.status}"
        if info.error_user_title and info.error_user_title not in message:
            message = f"{info.error_user_title}: {message}"
        code = f"{info.code}/{info.error_subcode or 0}"
        return self.http.status_error(answer, message, code=code, transient=bool(info.is_transient), graph=info)

    # -- cursors --------------------------------------------------------------------------

    def forget_cursors(self) -> None:
        """Treat every cursor given out so far as stale (called after each change)."""
        self.generation += 1
        self._retired.update(dict.fromkeys(self._issued))
        self._issued.clear()
        for old in list(self._retired)[: max(0, len(self._retired) - RETIRED_CURSORS)]:
            del self._retired[old]

    def _check_cursor(self, cursor: str | None) -> None:
        if cursor and cursor in self._retired:
            raise self.http.error(StaleCursorError, "the list changed since this page was read",
                                  hint="Reload from the first page.")

    def _page(self, paging: GraphPaging | None, after: str | None, before: str | None) -> tuple[Any, ...]:
        """(after, before, has_next, has_previous); a cursor that does not move ends the way."""
        paging = paging or GraphPaging()
        new_after, new_before = paging.cursors.after, paging.cursors.before
        has_next = bool(paging.next) and new_after != after
        has_previous = bool(paging.previous) and new_before != before
        self._issued.update(c for c in (new_after, new_before) if c)
        return new_after, new_before, has_next, has_previous

    # -- CodesProvider --------------------------------------------------------------------

    async def list_page(
        self,
        *,
        limit: int = PAGE_SIZE,
        after: str | None = None,
        before: str | None = None,
        code: str | None = None,
        fields: str = LIST_FIELDS,
    ) -> Page:
        limit = max(1, min(int(limit), MAX_LIMIT))
        self._check_cursor(after)
        self._check_cursor(before)
        params: dict[str, Any] = {"fields": fields, "limit": limit}
        params.update({k: v for k, v in (("after", after), ("before", before), ("code", code)) if v})
        generation = self.generation
        body = await self._call("GET", self._codes_path(), params=params)
        listed = self._parse_codes(body, limit)
        new_after, new_before, has_next, has_previous = self._page(listed.paging, after, before)
        return Page(items=listed.data, after=new_after, before=new_before, has_next=has_next,
                    has_previous=has_previous, generation=generation)

    def _parse_codes(self, body: Any, limit: int) -> GraphCodes:
        """The answer as GraphCodes, cut to `limit` before any item is read."""
        if isinstance(body, dict) and isinstance(body.get("data"), list) and len(body["data"]) > limit:
            body = {**body, "data": body["data"][:limit]}
        return self.http.parse(GraphCodes, body, "the list")

    async def get(self, code: str, fields: str = LIST_FIELDS) -> QrCode | None:
        try:
            body = await self._call("GET", self._codes_path(code), params={"fields": fields})
        except NotFoundError:
            return None  # Graph says so with 803 or with 100/33; GET also answers {"data": []}
        items = self._parse_codes(body, 1).data
        return items[0] if items else None

    async def create(self, message: str, image_format: ImageFormat | None = "PNG") -> QrCode:
        """A new code; `generate_qr_image` is always sent (004 marks it required), PNG unless SVG."""
        fmt: ImageFormat = "SVG" if image_format == "SVG" else "PNG"
        payload = {"prefilled_message": message, "generate_qr_image": fmt}
        try:
            body = await self._call("POST", self._codes_path(), json=payload, idempotent=False)
        finally:
            self.forget_cursors()
        made = self._code(body)
        return made.model_copy(update={"image_format": fmt}) if made.qr_image_url else made

    async def update(self, code: str, message: str) -> QrCode:
        payload = {"code": code, "prefilled_message": message}
        try:
            # Same code, same message: repeating it is harmless, so network faults may retry.
            return self._code(await self._call("POST", self._codes_path(), json=payload))
        finally:
            self.forget_cursors()

    async def delete(self, code: str) -> None:
        try:
            body = await self._call("DELETE", self._codes_path(code), done_if_gone=True)
        finally:
            self.forget_cursors()
        if body is not None and not (isinstance(body, dict) and body.get("success") is True):
            raise self.http.error(BadResponseError, "the delete was not confirmed", hint="Reload to see.")

    def _code(self, body: Any) -> QrCode:
        return self.http.parse(QrCode, body, "the code")

    async def image_url(self, code: str, image_format: ImageFormat) -> str | None:
        found = await self.get(code, fields=image_fields(image_format))
        if found is None or not found.qr_image_url:
            return None
        self._formats[found.qr_image_url] = image_format
        while len(self._formats) > 64:  # URLs expire: only the latest few are fetched
            del self._formats[next(iter(self._formats))]
        return found.qr_image_url

    async def fetch_image(self, url: str, image_format: ImageFormat | None = None) -> bytes:
        """Download the service's image (no credentials sent): it must be of the format the
        URL was asked for (or `image_format`), and come from https or Graph's own address."""
        return await self.http.download(url, image_format or self._formats.get(url))

    # -- phone numbers of a WhatsApp Business Account ------------------------------------

    async def phone_numbers(
        self, waba_id: str | None = None, *, limit: int = MAX_PHONE_LIMIT, after: str | None = None,
        before: str | None = None,
    ) -> PhonePage:
        """One page of the numbers of a WABA (002, `GET /{WABA-ID}/phone_numbers`)."""
        waba = waba_id or self.waba_id
        if not waba:
            raise self.http.error(RequestError, "no WhatsApp Business Account is set",
                                  hint=f"Set {_WABA} ({env_name(_WABA)}).")
        limit = max(1, min(int(limit), MAX_PHONE_LIMIT))
        params: dict[str, Any] = {"fields": PHONE_FIELDS, "limit": limit}
        params.update({k: v for k, v in (("after", after), ("before", before)) if v})
        try:
            body = await self._call("GET", f"{self.http.segment(waba, 'account id')}/phone_numbers", params=params)
        except AuthError as exc:
            exc.hint = (f"Listing numbers needs a token with whatsapp_business_management for {_WABA} "
                        f"({env_name(_WABA)}); or set {_PHONE} ({env_name(_PHONE)}) to open one number.")
            raise
        if isinstance(body, dict) and isinstance(body.get("data"), list) and len(body["data"]) > limit:
            body = {**body, "data": body["data"][:limit]}
        listed = self.http.parse(GraphPhoneNumbers, body, "the phone numbers")
        paging = listed.paging or GraphPaging()
        return PhonePage(
            items=listed.data,
            after=paging.cursors.after,
            before=paging.cursors.before,
            has_next=bool(paging.next) and paging.cursors.after != after,
            has_previous=bool(paging.previous) and paging.cursors.before != before,
        )
