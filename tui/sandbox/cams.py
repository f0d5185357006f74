"""Alibaba Cloud CAMS message QR code actions, with V3 signature checking.

`strict=True` (the default) also requires `GenerateQrImage` on update (README:
"UpdatePhoneMessageQrdl requires GenerateQrImage") and serves image URLs that say
nothing of their format (001 shows `QrImageUrl` as a plain URL; a real one is signed,
with a query string). The error codes 001 lists can be injected (`inject`).
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from tui.api import acs3
from tui.qr.encode import image_bytes
from tui.sandbox.http import Request, Response, json_response
from tui.sandbox.seed import CAMS_ALPHABET, message, new_code

ACCESS_KEY_ID = "LTAI5tSandboxWaqrKey01"
ACCESS_KEY_SECRET = "sandbox-cams-secret-9f8e7d6c5b4a"
PHONE_NUMBER = "8613800138000"
VERSION = "2020-06-06"
MAX_MESSAGE = 140
CLOCK_SKEW = 15 * 60
IMAGE_LIFETIME = 3600
DOCUMENTED_ERRORS = {
    # 001, "Error codes": every one is HTTP 400.
    "Product.Unsubscript": "You have not subscribed to the specified product.",
    "Ram.PermissionDeny": "You are not authorized to perform the operation.",
    "System.LimitControl": "The system is under flow control.",
    "Unknown.ResourceOwnerId": "The resource does not belong to the current user.",
}


def _answer(code: str = "OK", message: str = "None", data: Any = None, status: int = 200) -> Response:
    body: dict[str, Any] = {"RequestId": str(uuid.uuid4()).upper(), "Code": code, "Message": message}
    if code == "OK":
        body["AccessDeniedDetail"] = "None"
        body["Data"] = data
    return json_response(body, status)


@dataclass
class Injected:
    """A documented error to answer instead of the action, `times` times."""

    code: str
    times: int = 1
    action: str | None = None


def _image_signature(code: str, expires: str) -> str:
    return hmac.new(b"waqr-sandbox-oss", f"{code}:{expires}".encode(), hashlib.sha256).hexdigest()


class CamsSandbox:
    """State and handlers of the simulated CAMS API."""

    image_path = re.compile(r"^/_oss/cams-qrdl/([A-Z0-9]+)$")

    def __init__(self, seed: int = 11, count: int = 30, *, strict: bool = True) -> None:
        self.rng = random.Random(seed)
        self.strict = strict
        self.lock = threading.Lock()
        self.codes: OrderedDict[str, dict[str, str]] = OrderedDict()
        self.nonces: dict[str, float] = {}
        self.injected: list[Injected] = []
        for _ in range(count):
            self._add(message(self.rng), "PNG")

    def inject(self, code: str, times: int = 1, action: str | None = None) -> Injected:
        """Answer the next `times` requests (of `action`, or any) with a documented error code."""
        if code not in DOCUMENTED_ERRORS:
            raise ValueError(f"not an error code 001 lists: {code}")
        fault = Injected(code, times, action)
        with self.lock:
            self.injected.append(fault)
        return fault

    def _add(self, text: str, image: str) -> dict[str, str]:
        code = new_code(self.rng, self.codes, CAMS_ALPHABET)
        item = {"QrdlCode": code, "DeepLinkUrl": f"https://wa.me/message/{code}", "GenerateQrImage": image,
                "PhoneNumber": PHONE_NUMBER, "PrefilledMessage": text}
        self.codes[code] = item
        self.codes.move_to_end(code, last=False)  # newest first
        return item

    def public(self, item: dict[str, str], base: str) -> dict[str, str]:
        """An item as answered: its image URL served by this sandbox, signed and expiring."""
        expires = str(int(time.time()) + IMAGE_LIFETIME)
        query = urlencode({"Expires": expires, "OSSAccessKeyId": ACCESS_KEY_ID,
                           "Signature": _image_signature(item["QrdlCode"], expires)})
        ending = "" if self.strict else "." + item["GenerateQrImage"].lower()
        return {**item, "QrImageUrl": f"{base}/_oss/cams-qrdl/{item['QrdlCode']}{ending}?{query}"}

    def handle(self, request: Request, base: str) -> Response | None:
        if request.path.startswith("/_oss/"):
            return self._image(request)
        if request.path == "/_sandbox/cams/error" and request.method == "POST":
            spec = request.json() or {}
            self.inject(str(spec.get("code")), int(spec.get("times", 1)), spec.get("action"))
            return json_response({"ok": True})
        action = request.header("x-acs-action")
        if request.path not in ("", "/") or not action:
            return None
        problem = self._check_signature(request)
        if problem:
            return problem
        if request.header("x-acs-version") != VERSION:
            return _answer("InvalidVersion", f"Specified version {request.header('x-acs-version')} is not valid.", status=400)
        handler = getattr(self, f"_a_{action}", None)
        if handler is None:
            return _answer("InvalidAction.NotFound", f"Specified api {action} is not found.", status=404)
        injected = self._take_injected(action)
        if injected is not None:
            return _answer(injected, DOCUMENTED_ERRORS[injected], status=400)
        params = request.query
        if params.get("PhoneNumber") != PHONE_NUMBER:
            return _answer("Phone.NotExist", "The phone number does not exist in this channel.")
        with self.lock:
            return handler(params, base)

    def _take_injected(self, action: str) -> str | None:
        with self.lock:
            for fault in self.injected:
                if fault.times > 0 and fault.action in (None, action):
                    fault.times -= 1
                    return fault.code
        return None

    def _check_signature(self, request: Request) -> Response | None:
        auth = request.header("authorization")
        match = re.fullmatch(
            r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)", auth.strip()
        )
        if not match:
            return _answer("MissingAuthorization", "Authorization is mandatory for this action.", status=400)
        key_id, signed, given = match.groups()
        if key_id != ACCESS_KEY_ID:
            return _answer("InvalidAccessKeyId.NotFound", "Specified access key is not found.", status=404)
        names = signed.split(";")
        if not {"host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"} <= set(names):
            return _answer("IncompleteSignature", "The request signature does not conform to Aliyun standards.", status=400)
        if request.header("x-acs-content-sha256") != acs3.sha256_hex(request.body):
            return _answer("IncompleteSignature", "The request body hash does not match.", status=400)
        headers = {name: request.header(name) for name in names}
        canonical, _ = acs3.canonical_request(request.method, request.path or "/", request.query, headers, request.body)
        if acs3.signature(ACCESS_KEY_SECRET, canonical) != given:
            return _answer(
                "SignatureDoesNotMatch",
                "Specified signature does not match our calculation.",
                status=400,
            )
        try:
            sent = datetime.strptime(request.header("x-acs-date"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            return _answer("InvalidTimeStamp.Format", "Specified time stamp is not in the ISO 8601 format.", status=400)
        if abs(sent.timestamp() - time.time()) > CLOCK_SKEW:
            return _answer("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", status=400)
        nonce = request.header("x-acs-signature-nonce")
        now = time.time()
        with self.lock:
            self.nonces = {n: t for n, t in self.nonces.items() if t > now - CLOCK_SKEW}
            if nonce in self.nonces:
                return _answer("SignatureNonceUsed", "Specified signature nonce was used already.", status=400)
            self.nonces[nonce] = now
        return None

    def _message(self, params: dict[str, str]) -> tuple[str | None, Response | None]:
        text = params.get("PrefilledMessage", "")
        if not text.strip():
            return None, _answer("InvalidParameter", "PrefilledMessage is mandatory for this action.")
        if len(text) > MAX_MESSAGE:
            return None, _answer("InvalidParameter", f"PrefilledMessage must be at most {MAX_MESSAGE} characters.")
        return text, None

    def _image_format(self, params: dict[str, str], default: str | None) -> tuple[str, Response | None]:
        image = params.get("GenerateQrImage") or default or ""
        if image not in ("PNG", "SVG"):
            return "", _answer("InvalidParameter", "GenerateQrImage is mandatory for this action: PNG or SVG.")
        return image, None

    def _a_ListPhoneMessageQrdl(self, params: dict[str, str], base: str) -> Response:
        return _answer(data=[self.public(item, base) for item in self.codes.values()])

    def _a_CreatePhoneMessageQrdl(self, params: dict[str, str], base: str) -> Response:
        text, problem = self._message(params)
        image, bad_image = self._image_format(params, None)  # 001: GenerateQrImage, Required: Yes
        if problem or bad_image:
            return problem or bad_image  # type: ignore[return-value]
        return _answer(data=self.public(self._add(text or "", image), base))

    def _a_UpdatePhoneMessageQrdl(self, params: dict[str, str], base: str) -> Response:
        text, problem = self._message(params)
        if problem:
            return problem
        old = self.codes.get(params.get("QrdlCode", ""))
        if old is None:
            return _answer("Qrdl.NotExist", "The QR code does not exist.")
        image, bad_image = self._image_format(params, None if self.strict else old["GenerateQrImage"])
        if bad_image:
            return bad_image
        del self.codes[old["QrdlCode"]]
        # CAMS may give an updated code a new value (README: take the code from the answer): this sandbox always does.
        return _answer(data=self.public(self._add(text or "", image), base))

    def _a_DeletePhoneMessageQrdl(self, params: dict[str, str], base: str) -> Response:
        if self.codes.pop(params.get("QrdlCode", ""), None) is None:
            return _answer("Qrdl.NotExist", "The QR code does not exist.")
        return _answer(data=None)

    def _image(self, request: Request) -> Response:
        """The image of a code, if the URL's signature holds and it has not expired."""
        match = self.image_path.fullmatch(re.sub(r"\.(png|svg)$", "", request.path))
        expires = request.query.get("Expires", "")
        signature = request.query.get("Signature", "")
        if not match or not expires.isdigit() or not hmac.compare_digest(signature, _image_signature(match[1], expires)):
            return Response(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>", {"Content-Type": "application/xml"})
        if int(expires) < time.time():
            return Response(403, b"<Error><Code>AccessDenied</Code></Error>", {"Content-Type": "application/xml"})
        with self.lock:
            item = self.codes.get(match[1])
        if item is None:
            return Response(404, b"<Error><Code>NoSuchKey</Code></Error>", {"Content-Type": "application/xml"})
        fmt = item["GenerateQrImage"]
        kind = "image/png" if fmt == "PNG" else "image/svg+xml"
        return Response(200, image_bytes(item["DeepLinkUrl"], fmt.lower()), {"Content-Type": kind})
