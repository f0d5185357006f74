"""Graph API `message_qrdls` and `/{waba}/phone_numbers`, as strictly as their docs.

`strict=True` (the default) follows the docs wherever they are clear and takes the
stricter reading where they are not (each such place says which doc line it rests on);
`strict=False` is the lenient simulator the client once grew up on, kept so the client
tests show the client works against both.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import unquote, urlencode

from tui.qr.encode import image_bytes
from tui.sandbox.seed import message as seed_message
from tui.sandbox.seed import new_code
from tui.sandbox.http import Request, Response, json_response

TOKEN = "sandbox-meta-token"
TOKEN_NO_MANAGEMENT = "sandbox-meta-token-messaging-only"
"""A token without `whatsapp_business_management`: codes work, listing a WABA's numbers does not."""
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
MAX_MESSAGE = 140
MAX_CODES = 2000
MAX_LIMIT = 25
MAX_PHONE_LIMIT = 100
IMAGE_LIFETIME = 3600
CODE_FIELDS = ("code", "prefilled_message", "deep_link_url")
FIRST_PARTY_FIELDS = ("creation_time",)
PHONE_FIELDS = ("id", "display_phone_number", "verified_name", "status", "quality_rating", "country_code",
                "country_dial_code", "code_verification_status", "messaging_limit_tier")
NUMBERS = (
    # id, display number, verified name, quality rating, status, how many codes (None: the `count` given)
    (PHONE_NUMBER_ID, "+1 555-010-2030", "Waqr Demo Shop", "GREEN", "CONNECTED", None),
    ("106540352242923", "+44 7700 900123", "Waqr Demo Cafe", "YELLOW", "CONNECTED", 12),
    ("106540352242924", "+49 30 9018 2000", "Waqr Demo Tours", "NA", "PENDING", 0),
)


@dataclass
class Code:
    seq: int
    code: str
    message: str
    created: int

    def public(self, fields: set[str], base: str, image: str | None) -> dict[str, object]:
        item: dict[str, object] = {
            "code": self.code,
            "prefilled_message": self.message,
            "deep_link_url": f"https://wa.me/message/{self.code}",
        }
        if "creation_time" in fields:
            item["creation_time"] = str(self.created)
        if image:
            item["qr_image_url"] = signed_image_url(base, self.code, image)
        return item


@dataclass
class Number:
    """One phone number of the WABA, with its own codes."""

    id: str
    display: str
    name: str
    quality: str
    status: str
    codes: dict[str, Code] = field(default_factory=dict)
    seq: int = 0
    generation: int = 0
    """Bumped by every change: cursors carry it, and go stale when it moves on."""
    calls: int = 0

    def public(self, fields: set[str]) -> dict[str, object]:
        values = {"id": self.id, "display_phone_number": self.display, "verified_name": self.name,
                  "status": self.status, "quality_rating": self.quality, "country_code": "US",
                  "country_dial_code": self.display[1:].split(" ")[0], "code_verification_status": "VERIFIED",
                  "messaging_limit_tier": "TIER_1K"}
        return {k: v for k, v in values.items() if k in fields or k == "id"}

    def newest_first(self) -> list[Code]:
        return sorted(self.codes.values(), key=lambda c: c.seq, reverse=True)


T = TypeVar("T")
_SIGNING_KEY = b"waqr-sandbox-cdn"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(ref: str, expires: str) -> str:
    return hmac.new(_SIGNING_KEY, f"{ref}:{expires}".encode(), hashlib.sha256).hexdigest()[:40]


def signed_image_url(base: str, code: str, image_format: str) -> str:
    """A CDN-like URL that expires (`oe` is a hex Unix time), like Meta's: nothing in it
    says PNG or SVG (000's examples: `.../m1/v/t6/An-H7T8...?ccb=10-5&oh=...&oe=...`)."""
    ref = _b64(f"{code}:{image_format.upper()}".encode())
    expires = format(int(time.time()) + IMAGE_LIFETIME, "X")
    query = {"ccb": "10-5", "oh": "00_" + _signature(ref, expires), "oe": expires, "_nc_sid": "f36290"}
    return f"{base}/_cdn/m1/v/t6/{ref}?" + urlencode(query)


def graph_error(status: int, code: int, message: str, *, kind: str = "OAuthException", **extra: object) -> Response:
    trace = base64.b64encode(random.randbytes(8)).decode().rstrip("=")
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": trace, **extra}
    return json_response({"error": error}, status)


def _unknown_object(method: str, node: str) -> Response:
    return graph_error(
        400, 100,
        f"Unsupported {method.lower()} request. Object with ID '{node}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation.",
        kind="GraphMethodException", error_subcode=33,
    )


def _bad(message: str) -> Response:
    return graph_error(400, 100, f"(#100) {message}")


def _cursor(value: int, generation: int) -> str:
    return _b64(json.dumps({"q": value, "g": generation}).encode())


def _uncursor(cursor: str) -> tuple[int, int] | None:
    try:
        data = json.loads(_unb64(cursor))
        return int(data["q"]), int(data["g"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None


def _limit(params: dict[str, str], default: int, most: int) -> int | None:
    try:
        limit = int(params.get("limit", str(default)))
    except ValueError:
        return None
    return limit if 1 <= limit <= most else None


class MetaSandbox:
    """State and handlers of the simulated Graph API."""

    path = re.compile(r"^/(v\d+\.\d+)/([^/]+)/(message_qrdls|phone_numbers)(?:/([^/]+))?/?$")

    def __init__(self, seed: int = 7, count: int = 60, *, strict: bool = True) -> None:
        self.rng = random.Random(seed)
        self.strict = strict
        self.lock = threading.Lock()
        self.numbers: dict[str, Number] = {}
        start = 1_730_000_000
        for number_id, display, name, quality, status, many in NUMBERS:
            number = self.numbers[number_id] = Number(number_id, display, name, quality, status)
            for i in range(count if many is None else many):
                self._add(number, seed_message(self.rng), start + i * 86_400 + self.rng.randint(0, 3600))

    # -- the configured number (what the demo and most tests use) ------------------------

    @property
    def number(self) -> Number:
        return self.numbers[PHONE_NUMBER_ID]

    @property
    def codes(self) -> dict[str, Code]:
        return self.number.codes

    @property
    def calls(self) -> int:
        return self.number.calls

    def newest_first(self, number: str = PHONE_NUMBER_ID) -> list[Code]:
        return self.numbers[number].newest_first()

    def _add(self, number: Number, message: str, created: int | None = None) -> Code:
        number.seq += 1
        code = Code(number.seq, new_code(self.rng, self._all_codes()), message, created or int(time.time()))
        number.codes[code.code] = code
        return code

    def _all_codes(self) -> set[str]:
        return {c for n in self.numbers.values() for c in n.codes}

    # -- HTTP ---------------------------------------------------------------------------

    def handle(self, request: Request, base: str) -> Response | None:
        if request.path.startswith("/_cdn/"):
            return self._image(request)
        match = self.path.match(request.path)
        if not match:
            return None
        version, node, edge, item = match.groups()
        refused = self._check_token(request, edge)
        if refused is not None:
            return refused
        with self.lock:
            if edge == "phone_numbers":
                return self._phone_numbers(request, base, version, node, item)
            number = self.numbers.get(node)
            if number is None:
                return _unknown_object(request.method, node)
            number.calls += 1
            url = f"{base}/{version}/{node}/message_qrdls"
            response = self._route(request, base, url, number, unquote(item) if item is not None else None)
        usage = {node: [{"type": "whatsapp_business_management", "call_count": min(100, number.calls // 4),
                         "total_cputime": 1, "total_time": 1, "estimated_time_to_regain_access": 0}]}
        response.headers["x-business-use-case-usage"] = json.dumps(usage)
        response.headers["x-fb-trace-id"] = base64.b64encode(random.randbytes(8)).decode()
        return response

    def _check_token(self, request: Request, edge: str) -> Response | None:
        auth = request.header("authorization")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else request.query.get("access_token", "")
        if not token and self.strict:
            # Graph answers a request without a token with code 104, not 190 (OAuth error codes).
            return graph_error(400, 104, "An access token is required to request this resource.")
        if token not in (TOKEN, TOKEN_NO_MANAGEMENT):
            return graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if token == TOKEN_NO_MANAGEMENT and edge == "phone_numbers":
            # 002: "Requires whatsapp_business_management permission".
            return graph_error(403, 200, "(#200) Requires whatsapp_business_management permission to manage the object")
        return None

    def _route(self, request: Request, base: str, url: str, number: Number, code: str | None) -> Response:
        try:
            params = request.form()
        except (ValueError, UnicodeDecodeError):
            return _bad("The request body could not be parsed")
        fields, image, error = self._fields(params.get("fields", ""))
        if error:
            return error
        if request.method == "GET" and code is None:
            return self._list(number, params, base, url, fields, image)
        if request.method == "GET":
            found = number.codes.get(code or "")
            return json_response({"data": [found.public(fields, base, image)] if found else []})
        if request.method == "DELETE" and code is not None:
            if code not in number.codes:
                # The README: an unknown object may be 100/33 rather than 803; strict answers the former.
                return _unknown_object("delete", code) if self.strict else self._not_found(code)
            del number.codes[code]
            number.generation += 1
            return json_response({"success": True})
        if request.method == "POST":
            return self._save(number, params, base, code or params.get("code"))
        return graph_error(400, 100, f"Unsupported {request.method.lower()} request.", kind="GraphMethodException")

    def _fields(self, raw: str) -> tuple[set[str], str | None, Response | None]:
        fields: set[str] = set()
        image = None
        for name in filter(None, (f.strip() for f in raw.split(","))):
            match = re.fullmatch(r"qr_image_url(?:\.format\((\w+)\))?", name)
            if match:
                if match.group(1) is None and self.strict:
                    # 000, list `fields`: "qr_image_url.format(FORMAT): ... where FORMAT is SVG or PNG".
                    return fields, None, _bad("qr_image_url needs a format: qr_image_url.format(PNG) or "
                                              "qr_image_url.format(SVG)")
                image = (match.group(1) or "PNG").upper()
                if image not in ("PNG", "SVG"):
                    return fields, None, _bad(f"Invalid format {image}: use PNG or SVG")
                continue
            known = CODE_FIELDS if self.strict else CODE_FIELDS + FIRST_PARTY_FIELDS
            if name not in known:
                # 000, list `fields`: "creation_time: ... (first-party apps only)"; a third-party app
                # is refused as for any field it cannot see (the stricter reading).
                return fields, None, _bad(f"Tried accessing nonexisting field ({name}) on node type (MessageQrdl)")
            fields.add(name)
        return fields, image, None

    def _not_found(self, code: str) -> Response:
        return graph_error(
            404, 803, "QR code not found", error_user_title="QR code not found",
            error_user_msg=f"No message QR code {code} exists for this phone number.",
        )

    def _page_at(self, ranked: list[tuple[int, T]], params: dict[str, str], limit: int,
                 generation: int) -> tuple[list[tuple[int, T]], Response | None]:
        """The page of `ranked` (highest rank first) that the `after`/`before` cursor asks for."""
        after, before = params.get("after"), params.get("before")
        if not (after or before):
            return ranked[:limit], None
        found = _uncursor(after or before or "")
        if found is None or (self.strict and found[1] != generation):
            # Cursors go stale after changes (README; pywa: "Don't store cursors"). Strict: after any change.
            return [], _bad("Invalid cursor")
        at = found[0]
        if after:
            return [r for r in ranked if r[0] < at][:limit], None
        return [r for r in ranked if r[0] > at][-limit:], None

    def _list(self, number: Number, params: dict[str, str], base: str, url: str, fields: set[str],
              image: str | None) -> Response:
        limit = _limit(params, 25, MAX_LIMIT)
        if limit is None:
            return _bad(f"Param limit must be a number between 1 and {MAX_LIMIT}")
        codes = [(c.seq, c) for c in number.newest_first() if c.code == params.get("code", c.code)]
        page, error = self._page_at(codes, params, limit, number.generation)
        body: dict[str, object] = {"data": [c.public(fields, base, image) for _, c in page]}
        if page:
            body["paging"] = self._paging(params, url, codes, page, number.generation)
        return error or json_response(body)

    def _paging(self, params: dict[str, str], url: str, ranked: list[tuple[int, T]], page: list[tuple[int, T]],
                generation: int) -> dict[str, object]:
        first, last = page[0][0], page[-1][0]
        paging: dict[str, object] = {"cursors": {"before": _cursor(first, generation),
                                                 "after": _cursor(last, generation)}}
        keep = {k: v for k, v in params.items() if k in ("fields", "limit", "code")}
        if any(rank < last for rank, _ in ranked):
            paging["next"] = f"{url}?" + urlencode({**keep, "after": _cursor(last, generation)})
        if any(rank > first for rank, _ in ranked):
            paging["previous"] = f"{url}?" + urlencode({**keep, "before": _cursor(first, generation)})
        return paging

    def _save(self, number: Number, params: dict[str, object], base: str, code: object) -> Response:
        message = params.get("prefilled_message")
        if not isinstance(message, str) or not message.strip():
            return _bad("The parameter prefilled_message is required")
        if len(message) > MAX_MESSAGE:
            return graph_error(
                400, 100, f"(#100) prefilled_message must be at most {MAX_MESSAGE} characters",
                error_user_title="Message too long",
                error_user_msg=f"The prefilled message has {len(message)} characters; the limit is {MAX_MESSAGE}.",
            )
        image = params.get("generate_qr_image")
        if image is None and not code and self.strict:
            # 004 (OpenAPI, createQrCode): `required: [prefilled_message, generate_qr_image]`.
            return _bad("The parameter generate_qr_image is required")
        if image is not None and str(image).upper() not in ("PNG", "SVG"):
            return _bad("generate_qr_image must be PNG or SVG")
        if code:
            found = number.codes.get(str(code))
            if found is None:
                return self._not_found(str(code))
            found.message = message
        else:
            if len(number.codes) >= MAX_CODES:
                return _bad(f"A phone number can have at most {MAX_CODES} message QR codes")
            found = self._add(number, message)
        number.generation += 1
        return json_response(found.public(set(), base, str(image).upper() if image else None))

    def _phone_numbers(self, request: Request, base: str, version: str, node: str, item: str | None) -> Response:
        if node != WABA_ID or item is not None:
            return _unknown_object(request.method, node)
        if request.method != "GET":
            return graph_error(400, 100, f"Unsupported {request.method.lower()} request.", kind="GraphMethodException")
        params = request.query
        fields = {f.strip() for f in params.get("fields", ",".join(PHONE_FIELDS)).split(",") if f.strip()}
        unknown = sorted(fields - set(PHONE_FIELDS))
        if unknown:
            return _bad(f"Tried accessing nonexisting field ({unknown[0]}) on node type (WhatsAppBusinessPhoneNumber)")
        limit = _limit(params, 25, MAX_PHONE_LIMIT)
        if limit is None:
            return _bad(f"Param limit must be a number between 1 and {MAX_PHONE_LIMIT}")
        numbers = list(self.numbers.values())
        ranked = [(len(numbers) - i, n) for i, n in enumerate(numbers)]  # the first listed ranks highest
        page, error = self._page_at(ranked, params, limit, 0)
        body: dict[str, object] = {"data": [n.public(fields) for _, n in page]}
        if page:
            body["paging"] = self._paging(params, f"{base}/{version}/{node}/phone_numbers", ranked, page, 0)
        return error or json_response(body)

    def _image(self, request: Request) -> Response:
        match = re.fullmatch(r"/_cdn/m1/v/t6/([A-Za-z0-9_-]+)", request.path)
        expires = request.query.get("oe", "")
        if not match or not hmac.compare_digest(request.query.get("oh", ""), "00_" + _signature(match[1], expires)):
            return Response(403, b"Bad URL hash", {"Content-Type": "text/plain"})
        if int(expires, 16) < time.time():
            return Response(403, b"URL signature expired", {"Content-Type": "text/plain"})
        code, _, fmt = _unb64(match[1]).decode().partition(":")
        with self.lock:
            known = code in self._all_codes()
        if not known:
            return Response(404, b"Not found", {"Content-Type": "text/plain"})
        kind = "image/png" if fmt == "PNG" else "image/svg+xml"
        return Response(200, image_bytes(f"https://wa.me/message/{code}", fmt.lower()), {"Content-Type": kind})
