"""Green API instance methods used for device linking, as their docs describe them, and a
partner account with a fleet of instances (`/partner/getInstances/{partnerToken}`).

Instance 1 (`ID_INSTANCE`, `TOKEN`) is the demo's: not linked, steady. The others come
in every state, each with its own token and QR; some change state now and then (a phone
that goes off, an instance that finishes starting). The sandbox counts the requests in
flight, per instance and across the fleet, so a test can assert a bound.
"""

from __future__ import annotations

import base64
import hashlib
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
PARTNER_TOKEN = "gac.sandbox0partner0token0a1b2c3d4e5f6a7b8c9d0"
FLEET_SIZE = 12
STATE_PERIOD = 90.0
"""Simulated seconds each step of a changing instance's state lasts."""
FLEET = (
    # (linked, states it goes through: None is plain authorized/notAuthorized)
    (True, (None,)),
    (False, (None,)),
    (True, ("sleepMode", None)),
    (True, ("yellowCard",)),
    (False, ("starting", None)),
    (True, ("blocked",)),
    (True, (None,)),
    (False, ("starting",)),
    (True, (None, "yellowCard")),
    (False, (None,)),
    (True, (None,)),
)
"""Instances 2, 3, ... take these in turn; each starts in the first state of its list."""
PLACES = ("Lisbon", "Porto", "Madrid", "Lyon", "Turin", "Ghent", "Bremen", "Krakow", "Riga", "Tartu", "Oulu", "Cork")


def fleet_id(n: int) -> str:
    """The id of fleet instance n (1 is `ID_INSTANCE`; the others from 7105010002 on, so ids
    near the demo's, such as 7105000009, stay unknown for tests of a wrong instance)."""
    return ID_INSTANCE if n == 1 else str(7105010000 + n)


def fleet_token(n: int) -> str:
    """Each instance its own token (instance 1: `TOKEN`)."""
    return TOKEN if n == 1 else hashlib.sha256(f"waqr-sandbox-green-{n}".encode()).hexdigest()[:40]


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
    name: str = ""
    schedule: tuple[str | None, ...] = ()
    """States this instance goes through by itself, STATE_PERIOD each (None: linked or not)."""
    born: float = 0.0
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
        if self.schedule:
            step = self.schedule[int((self.clock() - self.born) // STATE_PERIOD) % len(self.schedule)]
            if step:
                return step
        return "authorized" if self.authorized else "notAuthorized"

    def link(self, phone: str = ACCOUNT_PHONE) -> None:
        self.authorized, self.phone, self.pairing_code, self.qr_error = True, phone, None, None
        self.schedule = ()  # what a person does overrides what the instance did by itself

    def unlink(self) -> None:
        self.authorized, self.phone, self.qr_error, self.schedule = False, "", None, ()
        self.attempt += 1
        self.epoch_start = self.clock()


class GreenSandbox:
    """Instances of the simulated Green API (one is configured for the demo)."""

    path = re.compile(r"^/waInstance(\d+)/(\w+)/([^/]+)/?$")
    control = re.compile(r"^/_sandbox/green/(\d+)/([\w-]+)$")
    partner = re.compile(r"^/partner/(\w+)/([^/]+)/?$")

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        rate_limits: bool = True,
        *,
        instances: int = FLEET_SIZE,
        latency: float = 0.0,
    ) -> None:
        """`instances`: how many the partner account has (at least 1); `latency`: seconds
        every instance answer takes (outside any lock: requests overlap as on a real server)."""
        self.offset = 0.0
        self._clock = clock
        self.rate_limits = rate_limits
        self.latency = latency
        self.lock = threading.Lock()
        self.instances = {fleet_id(n): self._fleet_instance(n) for n in range(1, max(1, instances) + 1)}
        self.log: list[tuple[float, float, str]] = []
        """(start, end, method) of every instance call in real monotonic time: cadence and overlap checks."""
        self.in_flight: dict[str, int] = {}
        self.max_in_flight = 0
        """The most instance requests ever in progress at once, across the fleet."""
        self.max_in_flight_per_instance = 0

    def _fleet_instance(self, n: int) -> Instance:
        instance = Instance(fleet_id(n), fleet_token(n), self.now, epoch_start=self.now(), born=self.now(),
                            name=f"Shop {n:02d} · {PLACES[(n - 1) % len(PLACES)]}")
        if n > 1:
            linked, schedule = FLEET[(n - 2) % len(FLEET)]
            instance.schedule = schedule
            if linked:
                instance.authorized, instance.phone = True, f"7900{n:07d}"
        return instance

    def partner_instances(self) -> list[dict[str, object]]:
        """The partner's `getInstances` answer: every instance, plus one that is not
        WhatsApp and one deleted, which a client must leave out."""
        rows: list[dict[str, object]] = [
            {"idInstance": int(i.id), "name": i.name, "typeInstance": "whatsapp", "typeAccount": "partner",
             "partnerUserUiid": "sandbox", "timeCreated": "2025-01-15T10:00:00.000Z", "timeDeleted": "",
             "apiTokenInstance": i.token, "deleted": False, "tariff": "DEVELOPER", "isFree": False,
             "isPartner": True, "expirationDate": "2030-01-01T00:00:00.000Z", "isExpired": False}
            for i in self.instances.values()
        ]
        extra = {"name": "Telegram bot", "typeInstance": "telegram", "deleted": False}
        gone = {"name": "Closed shop", "typeInstance": "whatsapp", "deleted": True, "timeDeleted": "2025-06-01"}
        for offset, changes in ((900, extra), (901, gone)):
            rows.append({**rows[0], "idInstance": int(fleet_id(offset)), "apiTokenInstance": fleet_token(offset),
                         **changes})
        return rows

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
        partner = self.partner.match(request.path)
        if partner:
            return self._partner(*partner.groups())
        match = self.path.match(request.path)
        if not match:
            return None
        instance_id, method, token = match.groups()
        started = time.monotonic()
        self._count(instance_id, +1)
        try:
            if self.latency:
                time.sleep(self.latency)
            with self.lock:
                response = self._call(instance_id, method, token, request)
                self.log.append((started, time.monotonic(), method))
                del self.log[:-10_000]
        finally:
            self._count(instance_id, -1)
        return response

    def _count(self, instance_id: str, step: int) -> None:
        with self.lock:
            now = self.in_flight.get(instance_id, 0) + step
            self.in_flight[instance_id] = now
            self.max_in_flight = max(self.max_in_flight, sum(self.in_flight.values()))
            self.max_in_flight_per_instance = max(self.max_in_flight_per_instance, now)

    def _partner(self, method: str, token: str) -> Response:
        if token != PARTNER_TOKEN:
            return json_response({"code": 401, "description": "Unauthorized"}, 401)
        if method != "getInstances":
            return json_response({"message": f"method {method} not found"}, 404)
        with self.lock:
            return json_response(self.partner_instances())

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
