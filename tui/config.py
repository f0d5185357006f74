"""Settings: defaults < TOML file < .env < environment < command line.

One `Settings` object for the whole app. Secrets are `SecretStr`; a missing or
malformed value is reported by `ConfigError` naming both the config key and the
environment variable.
"""

from __future__ import annotations

import os
import stat
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "WAQR_"
QrStyle = Literal["auto", "wide", "half", "compact"]
Provider = Literal["auto", "meta", "alibaba"]


class ConfigError(Exception):
    """A setting is missing or malformed; the text is meant for the user as is."""


def env_name(key: str) -> str:
    """`meta.access_token` -> `WAQR_META__ACCESS_TOKEN`."""
    return ENV_PREFIX + key.replace(".", "__").upper()


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir("waqr", appauthor=False))


def default_config_file() -> Path:
    return config_dir() / "config.toml"


class MetaSettings(BaseModel):
    base_url: str = "https://graph.facebook.com"
    api_version: str = "v23.0"
    phone_number_id: str | None = None
    access_token: SecretStr | None = None

    @property
    def configured(self) -> bool:
        return bool(self.phone_number_id and self.access_token)


class GreenSettings(BaseModel):
    api_url: str = "https://api.green-api.com"
    id_instance: str | None = None
    api_token_instance: SecretStr | None = None

    @field_validator("id_instance", mode="before")
    @classmethod
    def _digits(cls, value: Any) -> Any:
        if value is None:
            return value
        text = str(value).strip()
        if not text.isdigit():
            raise ValueError("must be the instance number, digits only")
        return text

    @property
    def configured(self) -> bool:
        return bool(self.id_instance and self.api_token_instance)


class AlibabaSettings(BaseModel):
    endpoint: str = "https://cams.ap-southeast-1.aliyuncs.com"
    access_key_id: str | None = None
    access_key_secret: SecretStr | None = None
    phone_number: str | None = None
    cust_space_id: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.access_key_id and self.access_key_secret and self.phone_number)


class UiSettings(BaseModel):
    theme: str = "waqr-dark"
    qr_style: QrStyle = "auto"
    provider: Provider = "auto"
    link_idle_minutes: float = Field(5.0, gt=0, le=60)


class LogSettings(BaseModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"


_config_file: ContextVar[Path | None] = ContextVar("waqr_config_file", default=None)


class Settings(BaseSettings):
    """Every setting of waqr. Build it with `load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        nested_model_default_partial_update=True,
    )

    meta: MetaSettings = MetaSettings()
    green: GreenSettings = GreenSettings()
    alibaba: AlibabaSettings = AlibabaSettings()
    ui: UiSettings = UiSettings()
    log: LogSettings = LogSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = _config_file.get()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    def secrets(self) -> list[str]:
        """Every secret value set, for redaction."""
        found = [self.meta.access_token, self.green.api_token_instance, self.alibaba.access_key_secret]
        return [s.get_secret_value() for s in found if s is not None and s.get_secret_value()]


def resolve_config_file(path: str | os.PathLike[str] | None) -> Path:
    """--config, else WAQR_CONFIG, else the user config directory."""
    chosen = path or os.environ.get("WAQR_CONFIG")
    return Path(chosen).expanduser() if chosen else default_config_file()


def _nested(overrides: dict[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for dotted, value in overrides.items():
        node = tree
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        loc = [str(p) for p in item["loc"] if not str(p).isdigit()]
        key = ".".join(loc[:2]) if loc else "?"
        msg = item["msg"].removeprefix("Value error, ")
        lines.append(f"{key} ({env_name(key)}): {msg}")
    return "invalid setting: " + "; ".join(lines)


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Read every source; raise ConfigError with a readable message on bad input."""
    path = resolve_config_file(config_file)
    explicit = bool(config_file or os.environ.get("WAQR_CONFIG"))
    if explicit and not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    token = _config_file.set(path if path.is_file() else None)
    try:
        return Settings(**_nested(overrides or {}))
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    finally:
        _config_file.reset(token)


def missing(section: BaseModel, prefix: str, keys: list[str]) -> str | None:
    """Name the keys of a section that are unset, with their env variables, or None."""
    absent = [k for k in keys if not getattr(section, k)]
    if not absent:
        return None
    return ", ".join(f"{prefix}.{k} ({env_name(prefix + '.' + k)})" for k in absent)


def start_problem(settings: Settings, command: str | None) -> str | None:
    """Why the screen we open on cannot work, or None."""
    if command == "link":
        absent = missing(settings.green, "green", ["id_instance", "api_token_instance"])
        return f"Link device needs {absent}." if absent else None
    if settings.meta.configured or settings.alibaba.configured:
        return None
    absent = missing(settings.meta, "meta", ["phone_number_id", "access_token"])
    text = f"Message QR codes need {absent} (or the alibaba.* settings for CAMS)."
    if settings.green.configured:
        text += " For device linking only, run: waqr link"
    return text


def config_file_warning(path: Path) -> str | None:
    """Warn when a config file holding secrets is readable by others."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"{path} is readable by other users; run: chmod 600 {path}"
    return None
