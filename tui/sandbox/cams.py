"""Alibaba Cloud CAMS message QR code actions, with V3 signature checking."""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any

from tui.api import acs3
from tui.sandbox.http import Request, Response, json_response
from tui.sandbox.meta import _ITEMS, _MESSAGES

ACCESS_KEY_ID = "LTAI5tSandboxWaqrKey01"
ACCESS_KEY_SECRET = "sandbox-cams-secret-9f8e7d6c5b4a"
PHONE_NUMBER = "8613800138000"
VERSION = "2020-06-06"
MAX_MESSAGE = 140
CLOCK_SKEW = 15 * 60


def _answer(code: str = "OK", message: str = "None", data: Any = None, status: int = 200) -> Response:
    body: dict[str, Any] = {"RequestId": str(uuid.uuid4()).upper(), "Code": code, "Message": message}
    if code == "OK":
        body["AccessDeniedDetail"] = "None"
        body["Data"] = data
    return json_response(body, status)


class CamsSandbox:
    """State and handlers of the simulated CAMS API."""

    def __init__(self, seed: int = 11, count: int = 30) -> None:
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.codes: OrderedDict[str, dict[str, str]] = OrderedDict()
        self.nonces: dict[str, float] = {}
        for _ in range(count):
            message = self.rng.choice(_MESSAGES).format(
                n=self.rng.randint(2, 9), order=self.rng.randint(10000, 99999), item=self.rng.choice(_ITEMS)
            )
            self._add(message, "PNG")

    def _new_code(self) -> str:
        while True:
            code = "".join(self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(13)) + "1"
            if code not in self.codes:
                return code

    def _add(self, message: str, image: str) -> dict[str, str]:
        code = self._new_code()
        item = {
            "QrdlCode": code,
            "DeepLinkUrl": f"https://wa.me/message/{code}",
            "QrImageUrl": f"https://sandbox.invalid/cams/{code}.{image.lower()}",
            "GenerateQrImage": image,
            "PhoneNumber": PHONE_NUMBER,
            "PrefilledMessage": message,
        }
        self.codes[code] = item
        self.codes.move_to_end(code, last=False)  # newest first
        return item

    def handle(self, request: Request, base: str) -> Response | None:
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
        params = request.query
        if params.get("PhoneNumber") != PHONE_NUMBER:
            return _answer("Phone.NotExist", "The phone number does not exist in this channel.")
        with self.lock:
            return handler(params)

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
        message = params.get("PrefilledMessage", "")
        if not message.strip():
            return None, _answer("InvalidParameter", "PrefilledMessage is mandatory for this action.")
        if len(message) > MAX_MESSAGE:
            return None, _answer("InvalidParameter", f"PrefilledMessage must be at most {MAX_MESSAGE} characters.")
        return message, None

    def _a_ListPhoneMessageQrdl(self, params: dict[str, str]) -> Response:
        return _answer(data=list(self.codes.values()))

    def _a_CreatePhoneMessageQrdl(self, params: dict[str, str]) -> Response:
        message, problem = self._message(params)
        if problem:
            return problem
        image = params.get("GenerateQrImage", "")
        if image not in ("PNG", "SVG"):
            return _answer("InvalidParameter", "GenerateQrImage must be PNG or SVG.")
        return _answer(data=self._add(message or "", image))

    def _a_UpdatePhoneMessageQrdl(self, params: dict[str, str]) -> Response:
        message, problem = self._message(params)
        if problem:
            return problem
        old = self.codes.pop(params.get("QrdlCode", ""), None)
        if old is None:
            return _answer("Qrdl.NotExist", "The QR code does not exist.")
        # CAMS may give an updated code a new value: this sandbox always does.
        return _answer(data=self._add(message or "", params.get("GenerateQrImage") or old["GenerateQrImage"]))

    def _a_DeletePhoneMessageQrdl(self, params: dict[str, str]) -> Response:
        if self.codes.pop(params.get("QrdlCode", ""), None) is None:
            return _answer("Qrdl.NotExist", "The QR code does not exist.")
        return _answer(data=None)
