"""Pydantic models shared by the clients and the screens, and the services' answers."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator

ImageFormat = Literal["PNG", "SVG"]
MAX_MESSAGE = 140
"""Longest prefilled message either provider accepts."""
MAX_CODES = 2000
"""Most message QR codes one phone number can have."""


class QrCode(BaseModel):
    """A message QR code, the same whichever provider holds it."""

    model_config = ConfigDict(frozen=True)

    code: str
    prefilled_message: str = ""
    deep_link_url: str
    creation_time: datetime | None = None
    """Graph documents it for first-party apps only: waqr does not ask for it (None)."""
    qr_image_url: str | None = None
    image_format: ImageFormat | None = None
    """The format of `qr_image_url`, when the answer says (never guessed from the URL)."""

    @field_validator("creation_time", mode="before")
    @classmethod
    def _time(cls, value: object) -> object:
        """Graph sends a Unix time (number or digits) or an ISO time; out of range is None."""
        if value in (None, ""):
            return None
        try:
            if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
                return datetime.fromtimestamp(int(value), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
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
    generation: int = 0
    """The provider's change count when this page was read: cursors of an older
    generation are stale (see `StaleCursorError`)."""


# -- Graph answers --------------------------------------------------------------------------


class GraphCursors(BaseModel):
    before: str | None = None
    after: str | None = None


class GraphPaging(BaseModel):
    cursors: GraphCursors = GraphCursors()
    next: str | None = None
    previous: str | None = None


class GraphCodes(BaseModel):
    """`GET message_qrdls` (and `GET message_qrdls/{code}`: an array of one)."""

    data: list[QrCode]
    paging: GraphPaging | None = None


class PhoneNumber(BaseModel):
    """A phone number of a WhatsApp Business Account (`GET /{waba}/phone_numbers`)."""

    model_config = ConfigDict(frozen=True)

    id: str
    """The phone number ID that `message_qrdls` takes."""
    display_phone_number: str = ""
    verified_name: str = ""
    quality_rating: str | None = None
    """GREEN, YELLOW, RED or NA (UNKNOWN in some answers)."""
    status: str | None = None


class GraphPhoneNumbers(BaseModel):
    data: list[PhoneNumber]
    paging: GraphPaging | None = None


class PhonePage(BaseModel):
    """One page of a WABA's phone numbers."""

    items: list[PhoneNumber]
    after: str | None = None
    before: str | None = None
    has_next: bool = False
    has_previous: bool = False


# -- CAMS answers ---------------------------------------------------------------------------


class CamsQrdl(BaseModel):
    """One `Data` item of the `*PhoneMessageQrdl` actions."""

    QrdlCode: str
    PrefilledMessage: str | None = ""
    DeepLinkUrl: str | None = None
    QrImageUrl: str | None = None
    GenerateQrImage: str | None = None

    def code(self) -> QrCode:
        fmt = (self.GenerateQrImage or "").upper()
        return QrCode(
            code=self.QrdlCode,
            prefilled_message=self.PrefilledMessage or "",
            deep_link_url=self.DeepLinkUrl or f"https://wa.me/message/{self.QrdlCode}",
            qr_image_url=self.QrImageUrl or None,
            image_format=fmt if fmt in ("PNG", "SVG") else None,  # type: ignore[arg-type]
        )


# -- Green API answers ----------------------------------------------------------------------

HAS_AUTH = "Instance has auth. You need to make log out"
"""The Green API `qr` error that asks for a log out before a new QR can be had."""
GreenQrType = Literal["qrCode", "error", "alreadyLogged"]


class GreenQr(BaseModel):
    """Answer of Green API `qr`."""

    type: GreenQrType
    message: str = ""


class GreenState(BaseModel):
    """Answer of Green API `getStateInstance`."""

    stateInstance: str


class WaSettings(BaseModel):
    """Answer of Green API `getWaSettings` (fields empty when not linked)."""

    avatar: str | None = ""
    phone: str | None = ""
    stateInstance: str | None = None
    deviceId: str | None = ""


class AuthorizationCode(BaseModel):
    status: bool
    code: str = ""


class GreenInstance(BaseModel):
    """One Green API instance: where it lives and how to reach it.

    From a `[[green.instances]]` entry or from the partner's `getInstances`; `api_url`
    None means the configured `green.api_url`."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    id_instance: str = Field(validation_alias=AliasChoices("id_instance", "idInstance"))
    api_token_instance: SecretStr = Field(validation_alias=AliasChoices("api_token_instance", "apiTokenInstance"))
    name: str = ""
    api_url: str | None = None

    @field_validator("id_instance", mode="before")
    @classmethod
    def _digits(cls, value: object) -> str:
        text = str(value).strip()
        if not text.isdigit():
            raise ValueError("must be the instance number, digits only")
        return text


class PartnerInstance(BaseModel):
    """One entry of the partner method `getInstances` (the fields waqr reads)."""

    idInstance: int | str
    name: str | None = ""
    typeInstance: str | None = None
    apiTokenInstance: str = ""
    deleted: bool | None = False
    isExpired: bool | None = False
    tariff: str | None = None
    timeCreated: str | None = None
