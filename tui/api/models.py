"""Pydantic models shared by the clients and the screens."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

ImageFormat = Literal["PNG", "SVG"]
MAX_MESSAGE = 140
"""Longest prefilled message either provider accepts."""


class QrCode(BaseModel):
    """A message QR code, the same whichever provider holds it."""

    model_config = ConfigDict(frozen=True)

    code: str
    prefilled_message: str = ""
    deep_link_url: str
    creation_time: datetime | None = None
    qr_image_url: str | None = None

    @field_validator("creation_time", mode="before")
    @classmethod
    def _time(cls, value: object) -> object:
        """Graph sends a Unix time (number or digits) or an ISO time."""
        if value in (None, ""):
            return None
        if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
            return datetime.fromtimestamp(int(value), tz=timezone.utc)
        if isinstance(value, str) and len(value) > 5 and value[-5] in "+-" and value[-3] != ":":
            return value[:-2] + ":" + value[-2:]  # "+0000" -> "+00:00"
        return value


class Page(BaseModel):
    """One page of codes plus the opaque cursors to its neighbours."""

    items: list[QrCode]
    after: str | None = None
    before: str | None = None
    has_next: bool = False
    has_previous: bool = False
    total: int | None = None
    """Known total count (CAMS lists everything at once); None for Graph."""


HAS_AUTH = "Instance has auth. You need to make log out"
"""The Green API `qr` error that asks for a log out before a new QR can be had."""
GreenQrType = Literal["qrCode", "error", "alreadyLogged"]
InstanceState = Literal["notAuthorized", "authorized", "blocked", "sleepMode", "starting", "yellowCard"]


class GreenQr(BaseModel):
    """Answer of Green API `qr`."""

    type: GreenQrType
    message: str = ""


class WaSettings(BaseModel):
    """Answer of Green API `getWaSettings` (fields empty when not linked)."""

    avatar: str | None = ""
    phone: str | None = ""
    stateInstance: str | None = None
    deviceId: str | None = ""


class AuthorizationCode(BaseModel):
    status: bool
    code: str = ""
