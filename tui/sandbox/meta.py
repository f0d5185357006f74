"""Graph API `message_qrdls`, as its docs describe it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from tui.qr.encode import image_bytes
from tui.sandbox.http import Request, Response, json_response

TOKEN = "sandbox-meta-token"
PHONE_NUMBER_ID = "106540352242922"
MAX_MESSAGE = 140
MAX_CODES = 2000
IMAGE_LIFETIME = 3600

_MESSAGES = [
    "Show me Cyber Monday deals!",
    "Show me Cyber Tuesday deals!",
    "Tell me more about your production workshop",
    "Tell me more about your event planning packages",
    "Hi! I'm interested in your products. Can you help me?",
    "I'd like to book a table for {n} tonight",
    "Where is my order #{order}?",
    "Is the {item} still in stock?",
    "I want to return an item from order #{order}",
    "What are your opening hours this weekend?",
    "Please send me the {item} catalogue",
    "I have a question about my invoice #{order}",
    "Book me a demo of the {item}",
    "Do you deliver to postcode {n}0{n}?",
    "Sign me up for the loyalty programme",
    "I'd like to change my delivery address",
    "Can I pay for the {item} in instalments?",
    "Hello! I saw your ad for the {item}",
    "Support request: my {item} will not turn on",
    "Reserve {n} tickets for Saturday's show, please",
]
_ITEMS = ["espresso machine", "rain jacket", "standing desk", "gift card", "yoga mat", "headphones", "city bike"]


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


_SIGNING_KEY = b"waqr-sandbox-cdn"


def _signature(code: str, ext: str, expires: str) -> str:
    return hmac.new(_SIGNING_KEY, f"{code}.{ext}:{expires}".encode(), hashlib.sha256).hexdigest()[:20]


def signed_image_url(base: str, code: str, image_format: str) -> str:
    """A CDN-like URL that expires (`oe` is a hex Unix time), like Meta's."""
    ext = image_format.lower()
    expires = format(int(time.time()) + IMAGE_LIFETIME, "X")
    return f"{base}/_cdn/qr/{code}.{ext}?" + urlencode({"oe": expires, "oh": _signature(code, ext, expires)})


def graph_error(status: int, code: int, message: str, *, kind: str = "OAuthException", **extra: object) -> Response:
    trace = base64.b64encode(random.randbytes(8)).decode().rstrip("=")
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": trace, **extra}
    return json_response({"error": error}, status)


def _cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"q": seq, "v": 1}).encode()).decode().rstrip("=")


def _uncursor(cursor: str) -> int | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return int(data["q"])
    except (ValueError, KeyError, TypeError):
        return None


class MetaSandbox:
    """State and handlers of the simulated Graph API."""

    path = re.compile(r"^/(v\d+\.\d+)/([^/]+)/message_qrdls(?:/([^/]+))?/?$")

    def __init__(self, seed: int = 7, count: int = 60) -> None:
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.codes: dict[str, Code] = {}
        self.seq = 0
        self.calls = 0
        start = 1_730_000_000
        for i in range(count):
            template = self.rng.choice(_MESSAGES)
            message = template.format(
                n=self.rng.randint(2, 9), order=self.rng.randint(10000, 99999), item=self.rng.choice(_ITEMS)
            )
            self._add(message, start + i * 86_400 + self.rng.randint(0, 3600))

    def _new_code(self) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        while True:
            code = "".join(self.rng.choice(alphabet) for _ in range(13)) + "1"
            if code not in self.codes:
                return code

    def _add(self, message: str, created: int | None = None) -> Code:
        self.seq += 1
        code = Code(self.seq, self._new_code(), message, created or int(time.time()))
        self.codes[code.code] = code
        return code

    def newest_first(self) -> list[Code]:
        return sorted(self.codes.values(), key=lambda c: c.seq, reverse=True)

    # -- HTTP ---------------------------------------------------------------------------

    def handle(self, request: Request, base: str) -> Response | None:
        if request.path.startswith("/_cdn/qr/"):
            return self._image(request)
        match = self.path.match(request.path)
        if not match:
            return None
        version, phone, code = match.groups()
        auth = request.header("authorization")
        token = auth[7:] if auth.lower().startswith("bearer ") else request.query.get("access_token", "")
        if token != TOKEN:
            return graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if phone != PHONE_NUMBER_ID:
            return graph_error(
                400,
                100,
                f"Unsupported {request.method.lower()} request. Object with ID '{phone}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this operation.",
                kind="GraphMethodException",
                error_subcode=33,
            )
        with self.lock:
            self.calls += 1
            response = self._route(request, base, f"{base}/{version}/{phone}/message_qrdls", code)
        usage = {PHONE_NUMBER_ID: [{"type": "whatsapp_business_management", "call_count": min(100, self.calls // 4),
                                    "total_cputime": 1, "total_time": 1, "estimated_time_to_regain_access": 0}]}
        response.headers["x-business-use-case-usage"] = json.dumps(usage)
        response.headers["x-fb-trace-id"] = base64.b64encode(random.randbytes(8)).decode()
        return response

    def _route(self, request: Request, base: str, url: str, code: str | None) -> Response:
        try:
            params = request.form()
        except (ValueError, UnicodeDecodeError):
            return graph_error(400, 100, "(#100) The request body could not be parsed", kind="GraphMethodException")
        fields, image, error = self._fields(params.get("fields", ""))
        if error:
            return error
        if request.method == "GET" and code is None:
            return self._list(params, base, url, fields, image)
        if request.method == "GET":
            found = self.codes.get(code or "")
            return json_response({"data": [found.public(fields, base, image)] if found else []})
        if request.method == "DELETE" and code is not None:
            if code not in self.codes:
                return self._not_found(code)
            del self.codes[code]
            return json_response({"success": True})
        if request.method == "POST":
            return self._save(params, base, code or params.get("code"))
        return graph_error(400, 100, f"Unsupported {request.method.lower()} request.", kind="GraphMethodException")

    def _fields(self, raw: str) -> tuple[set[str], str | None, Response | None]:
        fields: set[str] = set()
        image = None
        for name in filter(None, (f.strip() for f in raw.split(","))):
            match = re.fullmatch(r"qr_image_url(?:\.format\((\w+)\))?", name)
            if match:
                image = (match.group(1) or "PNG").upper()
                if image not in ("PNG", "SVG"):
                    return fields, None, graph_error(400, 100, f"(#100) Invalid format {image}: use PNG or SVG")
                continue
            if name not in ("code", "prefilled_message", "deep_link_url", "creation_time"):
                return fields, None, graph_error(
                    400, 100, f"(#100) Tried accessing nonexisting field ({name}) on node type (MessageQrdl)"
                )
            fields.add(name)
        return fields, image, None

    def _not_found(self, code: str) -> Response:
        return graph_error(
            404, 803, "QR code not found", error_user_title="QR code not found",
            error_user_msg=f"No message QR code {code} exists for this phone number.",
        )

    def _list(self, params: dict[str, str], base: str, url: str, fields: set[str], image: str | None) -> Response:
        try:
            limit = int(params.get("limit", "25"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 25:
            return graph_error(400, 100, "(#100) Param limit must be a number between 1 and 25")
        codes = self.newest_first()
        if params.get("code"):
            codes = [c for c in codes if c.code == params["code"]]
        after, before = params.get("after"), params.get("before")
        if after or before:
            seq = _uncursor(after or before or "")
            if seq is None:
                return graph_error(400, 100, "(#100) Invalid cursor")
            if after:
                page = [c for c in codes if c.seq < seq][:limit]
            else:
                page = [c for c in codes if c.seq > seq][-limit:]
        else:
            page = codes[:limit]
        body: dict[str, object] = {"data": [c.public(fields, base, image) for c in page]}
        if page:
            first, last = page[0].seq, page[-1].seq
            paging: dict[str, object] = {"cursors": {"before": _cursor(first), "after": _cursor(last)}}
            keep = {k: v for k, v in params.items() if k in ("fields", "limit", "code")}
            if any(c.seq < last for c in codes):
                paging["next"] = f"{url}?" + urlencode({**keep, "after": _cursor(last)})
            if any(c.seq > first for c in codes):
                paging["previous"] = f"{url}?" + urlencode({**keep, "before": _cursor(first)})
            body["paging"] = paging
        return json_response(body)

    def _save(self, params: dict[str, object], base: str, code: object) -> Response:
        message = params.get("prefilled_message")
        if not isinstance(message, str) or not message.strip():
            return graph_error(400, 100, "(#100) The parameter prefilled_message is required")
        if len(message) > MAX_MESSAGE:
            return graph_error(
                400, 100, f"(#100) prefilled_message must be at most {MAX_MESSAGE} characters",
                error_user_title="Message too long",
                error_user_msg=f"The prefilled message has {len(message)} characters; the limit is {MAX_MESSAGE}.",
            )
        image = params.get("generate_qr_image")
        if image is not None and str(image).upper() not in ("PNG", "SVG"):
            return graph_error(400, 100, "(#100) generate_qr_image must be PNG or SVG")
        if code:
            found = self.codes.get(str(code))
            if found is None:
                return self._not_found(str(code))
            found.message = message
        else:
            if len(self.codes) >= MAX_CODES:
                return graph_error(400, 100, f"(#100) A phone number can have at most {MAX_CODES} message QR codes")
            found = self._add(message)
        return json_response(found.public(set(), base, str(image).upper() if image else None))

    def _image(self, request: Request) -> Response:
        match = re.fullmatch(r"/_cdn/qr/([A-Z0-9]+)\.(png|svg)", request.path)
        expires = request.query.get("oe", "")
        if not match or not hmac.compare_digest(request.query.get("oh", ""), _signature(*match.groups(), expires)):
            return Response(403, b"Bad URL hash", {"Content-Type": "text/plain"})
        if int(expires, 16) < time.time():
            return Response(403, b"URL signature expired", {"Content-Type": "text/plain"})
        code, ext = match.groups()
        with self.lock:
            known = code in self.codes
        if not known:
            return Response(404, b"Not found", {"Content-Type": "text/plain"})
        kind = "image/png" if ext == "png" else "image/svg+xml"
        return Response(200, image_bytes(f"https://wa.me/message/{code}", ext), {"Content-Type": kind})
