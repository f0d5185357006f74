"""Green API instance methods used for device linking, as their docs describe them."""

from __future__ import annotations

import base64
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from tui.api.models import HAS_AUTH
from tui.qr.encode import image_bytes
from tui.sandbox.http import Request, Response, json_response

ID_INSTANCE = "7105000001"
TOKEN = "d7b40a637108a317green0sandbox0token0ab12"
ACCOUNT_PHONE = "79001234567"
QR_LIFETIME = 20.0
PAIRING_CODE_LIFETIME = 150.0
REBOOT_SECONDS = 3.0
RATE = {"qr": 3}
"""Requests per second per method (others: 1)."""


def pairing_string(rng: random.Random, keys: tuple[str, str, str]) -> str:
    """A WhatsApp Web pairing string: `2@ref,noiseKey,identityKey,advSecret` (200-260 chars)."""
    ref_len = rng.randint(60, 110)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    ref = "".join(rng.choice(alphabet) for _ in range(ref_len))
    return "2@" + ref + "," + ",".join(keys)


@dataclass
class Instance:
    id: str
    token: str
    clock: Callable[[], float]
    authorized: bool = False
    phone: str = ""
    attempt: int = 0
    epoch_start: float = 0.0
    reboot_until: float = 0.0
    forced_state: str | None = None
    qr_error: str | None = None
    pairing_code: tuple[str, float] | None = None
    codes_issued: int = 0
    _png: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    _calls: dict[str, deque[float]] = field(default_factory=dict)

    def rotation(self) -> int:
        return int((self.clock() - self.epoch_start) // QR_LIFETIME)

    def seconds_left(self) -> float:
        return QR_LIFETIME - (self.clock() - self.epoch_start) % QR_LIFETIME

    def keys(self) -> tuple[str, str, str]:
        rng = random.Random(f"{self.id}:{self.attempt}:keys")
        return tuple(base64.b64encode(rng.randbytes(32)).decode() for _ in range(3))  # type: ignore[return-value]

    def current(self) -> tuple[str, str]:
        """(pairing string, base64 PNG) of the QR shown now."""
        key = (self.attempt, self.rotation())
        if key not in self._png:
            text = pairing_string(random.Random(f"{self.id}:{key}"), self.keys())
            png = base64.b64encode(image_bytes(text, "png", scale=5, error="M")).decode()
            self._png = {key: (text, png)}
        return self._png[key]

    def state(self) -> str:
        if self.clock() < self.reboot_until:
            return "starting"
        if self.forced_state:
            return self.forced_state
        return "authorized" if self.authorized else "notAuthorized"

    def link(self, phone: str = ACCOUNT_PHONE) -> None:
        self.authorized, self.phone, self.pairing_code, self.qr_error = True, phone, None, None

    def unlink(self) -> None:
        self.authorized, self.phone, self.qr_error = False, "", None
        self.attempt += 1
        self.epoch_start = self.clock()


class GreenSandbox:
    """Instances of the simulated Green API (one is configured for the demo)."""

    path = re.compile(r"^/waInstance(\d+)/(\w+)/([^/]+)/?$")
    control = re.compile(r"^/_sandbox/green/(\d+)/([\w-]+)$")

    def __init__(self, clock: Callable[[], float] = time.monotonic, rate_limits: bool = True) -> None:
        self.offset = 0.0
        self._clock = clock
        self.rate_limits = rate_limits
        self.lock = threading.Lock()
        self.instances = {ID_INSTANCE: Instance(ID_INSTANCE, TOKEN, self.now, epoch_start=self.now())}
        self.log: list[tuple[float, float, str]] = []
        """(start, end, method) of every instance call in real monotonic time: cadence and overlap checks."""

    def now(self) -> float:
        return self._clock() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the simulated clock (QR rotation, pairing codes, reboots)."""
        self.offset += seconds

    @property
    def instance(self) -> Instance:
        return self.instances[ID_INSTANCE]

    def scan(self, instance: str = ID_INSTANCE) -> None:
        """The phone scanned the QR: the instance is linked."""
        with self.lock:
            self.instances[instance].link()

    def handle(self, request: Request, base: str) -> Response | None:
        control = self.control.match(request.path)
        if control:
            return self._control(request, *control.groups())
        match = self.path.match(request.path)
        if not match:
            return None
        instance_id, method, token = match.groups()
        started = time.monotonic()
        with self.lock:
            response = self._call(instance_id, method, token, request)
            self.log.append((started, time.monotonic(), method))
            del self.log[:-10_000]
        return response

    def _call(self, instance_id: str, method: str, token: str, request: Request) -> Response:
        instance = self.instances.get(instance_id)
        if instance is None:
            return Response(403, b"Forbidden", {"Content-Type": "text/plain"})
        if token != instance.token:
            return Response(401, b"Unauthorized", {"Content-Type": "text/plain"})
        if self._limited(instance, method):
            return Response(429, b"Too Many Requests", {"Content-Type": "text/plain", "Retry-After": "1"})
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return json_response({"message": f"method {method} not found"}, 404)
        return handler(instance, request)

    def _limited(self, instance: Instance, method: str) -> bool:
        if not self.rate_limits:
            return False
        now = time.monotonic()
        calls = instance._calls.setdefault(method, deque())
        while calls and calls[0] <= now - 1.0:
            calls.popleft()
        if len(calls) >= RATE.get(method, 1):
            return True
        calls.append(now)
        return False

    # -- methods --------------------------------------------------------------------------

    def _m_qr(self, instance: Instance, request: Request) -> Response:
        if instance.state() == "starting":
            return json_response({"message": "instance in starting process try later"}, 400)
        if instance.qr_error:
            return json_response({"type": "error", "message": instance.qr_error})
        if instance.authorized:
            return json_response({"type": "alreadyLogged", "message": "instance account already authorized"})
        return json_response({"type": "qrCode", "message": instance.current()[1]})

    def _m_getStateInstance(self, instance: Instance, request: Request) -> Response:
        return json_response({"stateInstance": instance.state()})

    def _m_logout(self, instance: Instance, request: Request) -> Response:
        instance.unlink()
        return json_response({"isLogout": True})

    def _m_reboot(self, instance: Instance, request: Request) -> Response:
        instance.reboot_until = self.now() + REBOOT_SECONDS
        instance.forced_state = None
        return json_response({"isReboot": True})

    def _m_getWaSettings(self, instance: Instance, request: Request) -> Response:
        linked = instance.authorized
        return json_response({
            "avatar": "",
            "phone": instance.phone if linked else "",
            "stateInstance": instance.state(),
            "deviceId": f"sandbox-{instance.id}-{instance.attempt}" if linked else "",
        })

    def _m_getAuthorizationCode(self, instance: Instance, request: Request) -> Response:
        if request.method != "POST":
            return json_response({"message": "use POST"}, 405)
        try:
            phone = request.json()["phoneNumber"]
        except (ValueError, KeyError, TypeError):
            return json_response({"code": 400, "description": "Validation failed", "message": "phoneNumber is required"}, 400)
        if not isinstance(phone, int) or not 7 <= len(str(phone)) <= 15:
            return json_response({"code": 400, "description": "Validation failed", "message": "phoneNumber must be digits"}, 400)
        if instance.authorized:
            return json_response({"status": False, "code": ""})
        instance.codes_issued += 1
        rng = random.Random(f"{instance.id}:{instance.attempt}:{phone}:{instance.codes_issued}")
        code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTVWXYZ23456789") for _ in range(8))
        instance.pairing_code = (code, self.now() + PAIRING_CODE_LIFETIME)
        instance.phone = str(phone)
        return json_response({"status": True, "code": code})

    # -- control (not part of Green API: lets tests and the demo act as the phone) -------

    def _control(self, request: Request, instance_id: str, action: str) -> Response:
        with self.lock:
            instance = self.instances.get(instance_id)
            if instance is None or request.method != "POST":
                return json_response({"ok": False}, 404)
            body = request.json() if request.body else {}
            if action == "scan":
                instance.link()
            elif action == "enter-code":
                pending = instance.pairing_code
                if not pending or pending[0] != body.get("code") or self.now() > pending[1]:
                    return json_response({"ok": False, "message": "wrong or expired code"}, 400)
                instance.link(instance.phone or ACCOUNT_PHONE)
            elif action == "state":
                instance.forced_state = body.get("state")
            elif action == "qr-error":
                instance.qr_error = body.get("message", HAS_AUTH)
            elif action == "advance":
                self.advance(float(body.get("seconds", QR_LIFETIME)))
            else:
                return json_response({"ok": False}, 404)
            return json_response({"ok": True, "state": instance.state()})
