"""Settings: defaults < TOML file < env file (named only) < environment < command line.

One `Settings` object for the whole app. Secrets are `SecretStr`; a missing,
malformed or unknown value is reported by `ConfigError` naming the config key and
the environment variable (and, for an unknown key, the nearest known one).

An env file is read only when named by `--env-file` or `WAQR_ENV_FILE`: a `.env` in
the current folder is never picked up, so a folder cannot send a token elsewhere.
Profiles (`[profiles.NAME.meta]`, `.green`, `.alibaba` in the TOML file) replace the
top-level sections key by key when chosen with `--profile` / `WAQR_PROFILE`.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
import types
import typing
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import platformdirs
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "WAQR_"
ENV_CONFIG, ENV_ENV_FILE, ENV_PROFILE = "WAQR_CONFIG", "WAQR_ENV_FILE", "WAQR_PROFILE"
"""Environment variables that choose sources rather than set a setting."""
PROFILE_SECTIONS = ("meta", "green", "alibaba")
QrStyle = Literal["auto", "wide", "half", "compact"]
Provider = Literal["auto", "meta", "alibaba"]


class ConfigError(Exception):
    """A setting is missing, malformed or unknown; the text is meant for the user as is."""


def env_name(key: str) -> str:
    """`meta.access_token` -> `WAQR_META__ACCESS_TOKEN`."""
    return ENV_PREFIX + key.replace(".", "__").upper()


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir("waqr", appauthor=False))


def default_config_file() -> Path:
    return config_dir() / "config.toml"


# -- value rules -----------------------------------------------------------------------------


def _digits(value: Any) -> Any:
    if value is None:
        return value
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError("must be the instance number, digits only")
    return text


def _url(value: Any) -> Any:
    """An http(s) URL with a host; `host[:port]` alone means `https://host` (as the SDKs take it)."""
    if not isinstance(value, str):
        return value
    text = value.strip().rstrip("/")
    if "://" not in text:
        text = "https://" + text
    if not re.fullmatch(r"https?://[^/\s?#@]+(/[^\s?#]*)?", text):
        raise ValueError("must be a URL such as https://host (http or https, no spaces, query or fragment)")
    return text


def api_version(value: str) -> str | None:
    """`v23.0`, `23.0`, `23` and `V23.0` all mean `v23.0`; None for anything else."""
    match = re.fullmatch(r"[vV]?(\d+)(?:\.(\d+))?", value.strip())
    return f"v{match.group(1)}.{match.group(2) or 0}" if match else None


def _version(value: Any) -> Any:
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return value
    version = api_version(value)
    if version is None:
        raise ValueError("must be a Graph API version such as v23.0 (or 23.0)")
    return version


InstanceId = Annotated[str, BeforeValidator(_digits)]
Url = Annotated[str, BeforeValidator(_url)]
"""A URL, or a bare host meaning https://host."""
ApiVersion = Annotated[str, BeforeValidator(_version)]


class Section(BaseModel):
    """A settings section: unknown keys refused, required keys declared once in REQUIRED."""

    model_config = ConfigDict(extra="forbid")
    SECTION: ClassVar[str] = ""
    REQUIRED: ClassVar[tuple[str, ...]] = ()

    def missing_keys(self) -> list[str]:
        return [key for key in self.REQUIRED if not getattr(self, key)]

    @property
    def configured(self) -> bool:
        return not self.missing_keys()


class MetaSettings(Section):
    SECTION = "meta"
    REQUIRED = ("phone_number_id", "access_token")

    base_url: Url = "https://graph.facebook.com"
    api_version: ApiVersion = "v23.0"
    phone_number_id: str | None = None
    access_token: SecretStr | None = None
    waba_id: str | None = None

    @property
    def usable(self) -> bool:
        """Enough to open Message QR codes: a number, or a Business Account to choose one from."""
        return self.configured or bool(self.access_token and self.waba_id)



class InstanceSettings(BaseModel):
    """One Green API instance: a `[[green.instances]]` entry (`Settings.green_instances()` fills in `api_url`).

    Its field names are those of `tui.api.models.GreenInstance`, so either serves a client."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    id_instance: InstanceId
    api_token_instance: SecretStr
    api_url: Url | None = None

    @property
    def label(self) -> str:
        return self.name or self.id_instance

    def green_settings(self, api_url: str | None = None) -> GreenSettings:
        """What `GreenClient` takes for this one instance (`api_url` when the entry names none)."""
        return GreenSettings(api_url=self.api_url or api_url or GreenSettings().api_url, id_instance=self.id_instance,
                             api_token_instance=self.api_token_instance)


class GreenSettings(Section):
    SECTION = "green"
    REQUIRED = ("id_instance", "api_token_instance")

    api_url: Url = "https://api.green-api.com"
    id_instance: InstanceId | None = None
    api_token_instance: SecretStr | None = None
    partner_api_url: Url = "https://api.green-api.com"
    partner_token: SecretStr | None = None
    instances: list[InstanceSettings] = Field(default_factory=list)


class AlibabaSettings(Section):
    SECTION = "alibaba"
    REQUIRED = ("access_key_id", "access_key_secret", "phone_number")

    endpoint: Url = "https://cams.ap-southeast-1.aliyuncs.com"
    access_key_id: str | None = None
    access_key_secret: SecretStr | None = None
    phone_number: str | None = None
    cust_space_id: str | None = None


class UiSettings(Section):
    SECTION = "ui"

    theme: str = "waqr-dark"
    qr_style: QrStyle = "auto"
    provider: Provider = "auto"
    link_idle_minutes: float = Field(5.0, gt=0, le=60)


class LogSettings(Section):
    SECTION = "log"

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"


# -- sources ---------------------------------------------------------------------------------


@dataclass
class _Choice:
    """What `load_settings` chose: the files and profile the sources read, what they found."""

    toml_file: Path | None = None
    env_file: Path | None = None
    profile: str | None = None
    profiles: list[str] = field(default_factory=list)


_choice: ContextVar[_Choice] = ContextVar("waqr_sources")


class _ProfileToml(TomlConfigSettingsSource):
    """The TOML file with `profiles` taken out and the chosen profile laid over its sections."""

    def __init__(self, settings_cls: type[BaseSettings], choice: _Choice) -> None:
        super().__init__(settings_cls, toml_file=choice.toml_file)
        data = dict(self.toml_data)
        profiles = data.pop("profiles", {})
        where = str(choice.toml_file)
        if not isinstance(profiles, dict) or not all(isinstance(p, dict) for p in profiles.values()):
            raise ConfigError(f"{where}: [profiles.NAME.meta] (and .green, .alibaba) tables expected under profiles")
        for name, sections in profiles.items():
            for section, values in sections.items():
                check_key(("profiles", name, section), origin=where)
                if not isinstance(values, dict):
                    raise ConfigError(f"{where}: profiles.{name}.{section} must be a table")
                for key in values:
                    check_key((section, key), origin=f"{where} [profiles.{name}.{section}]")
        choice.profiles = sorted(profiles)
        if choice.profile is not None:
            if choice.profile not in profiles:
                known = ", ".join(choice.profiles) or f"none are defined in {where}"
                raise ConfigError(f"unknown profile {choice.profile!r}; known profiles: {known}")
            for section, values in profiles[choice.profile].items():
                base = data.get(section)
                data[section] = {**(base if isinstance(base, dict) else {}), **values}
        self.toml_data = self.init_kwargs = data


class _NamedEnvFile(DotEnvSettingsSource):
    """The env file named by --env-file / WAQR_ENV_FILE: its WAQR_* names only, each a known one."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        found = super()._load_env_vars()
        ours = {k: v for k, v in found.items() if k.upper().startswith(ENV_PREFIX)}
        check_env_names(ours, origin=str(self.env_file))
        return ours


class Settings(BaseSettings):
    """Every setting of waqr. Build it with `load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=None,
        env_file_encoding="utf-8",
        extra="forbid",
        nested_model_default_partial_update=True,
    )

    meta: MetaSettings = MetaSettings()
    green: GreenSettings = GreenSettings()
    alibaba: AlibabaSettings = AlibabaSettings()
    ui: UiSettings = UiSettings()
    log: LogSettings = LogSettings()

    _profile: str | None = PrivateAttr(default=None)
    _profiles: list[str] = PrivateAttr(default_factory=list)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        choice = _choice.get(_Choice())
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if choice.env_file is not None:
            sources.append(_NamedEnvFile(settings_cls, env_file=choice.env_file))
        if choice.toml_file is not None:
            sources.append(_ProfileToml(settings_cls, choice))
        elif choice.profile is not None:
            raise ConfigError(f"unknown profile {choice.profile!r}: there is no config file to define profiles in")
        return tuple(sources)

    @property
    def profile(self) -> str | None:
        """The profile in use, or None."""
        return self._profile

    def profiles(self) -> list[str]:
        """Names of the profiles the config file defines."""
        return list(self._profiles)

    def secrets(self) -> list[str]:
        """Every secret value set (instance and partner tokens too), for redaction."""
        found = [
            self.meta.access_token,
            self.green.api_token_instance,
            self.green.partner_token,
            self.alibaba.access_key_secret,
            *(entry.api_token_instance for entry in self.green.instances),
        ]
        return list(dict.fromkeys(s.get_secret_value() for s in found if s is not None and s.get_secret_value()))

    def green_instances(self) -> list[InstanceSettings]:
        """The Green API instances the settings name, each with its host filled in:
        `green.id_instance` first, then the `[[green.instances]]` entries (one per id)."""
        g = self.green
        found: dict[str, InstanceSettings] = {}
        if g.configured:
            assert g.id_instance is not None and g.api_token_instance is not None
            found[g.id_instance] = InstanceSettings(id_instance=g.id_instance, api_token_instance=g.api_token_instance,
                                                    api_url=g.api_url)
        for entry in g.instances:
            found.setdefault(entry.id_instance, entry.model_copy(update={"api_url": entry.api_url or g.api_url}))
        return list(found.values())


# -- unknown keys ----------------------------------------------------------------------------


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model inside `X`, `X | None` or `list[X]`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _known_at(parts: tuple[str, ...]) -> tuple[list[str], bool]:
    """The keys allowed after `parts` (a path of keys), and whether `parts` itself is a known key."""
    if parts[:1] == ("profiles",):
        if len(parts) <= 2:
            return [], True  # profiles and profile names are the person's own
        return (list(PROFILE_SECTIONS), parts[2] in PROFILE_SECTIONS) if len(parts) == 3 else _known_at(parts[2:])
    model: type[BaseModel] | None = Settings
    for i, part in enumerate(parts):
        fields = model.model_fields if model is not None else {}
        if part not in fields:
            names = list(fields) + (["profiles"] if model is Settings else [])
            return names, part == "profiles" and i == 0
        model = _model_of(fields[part].annotation)
    return [], True


def nearest(key: str, candidates: list[str]) -> str | None:
    """The known key closest to a mistyped one (difflib), or None."""
    found = difflib.get_close_matches(key, candidates, n=1, cutoff=0.5)
    return found[0] if found else None


def check_key(parts: tuple[str, ...], origin: str, *, as_env: bool = False) -> None:
    """Raise ConfigError when `parts` names no setting, with the nearest known key."""
    parts = tuple(str(p) for p in parts if not isinstance(p, int))
    for depth in range(1, len(parts) + 1):
        known, ok = _known_at(parts[:depth])
        if ok:
            continue
        dotted = ".".join(parts[:depth])
        close = nearest(parts[depth - 1], known)
        prefix = ".".join(parts[: depth - 1])
        suggestion = f"{prefix}.{close}" if prefix and close else close
        spell = env_name if as_env else str
        if suggestion:
            hint = f"; did you mean {spell(suggestion)}?"
        else:
            hint = "; known: " + ", ".join(spell(f"{prefix}.{k}" if prefix else k) for k in known) if known else ""
        raise ConfigError(f"unknown setting {spell(dotted)} ({origin}){hint}")


def check_env_names(names: Mapping[str, Any], origin: str = "environment") -> None:
    """Every WAQR_* name must choose a source or name a setting (`WAQR_SECTION__KEY`)."""
    for name in names:
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in (ENV_CONFIG, ENV_ENV_FILE, ENV_PROFILE):
            continue
        parts = tuple(upper[len(ENV_PREFIX) :].lower().split("__"))
        if len(parts) < 2 or parts[0] == "profiles":
            close = nearest(upper, [env_name(k) for k in all_keys()] + [ENV_CONFIG, ENV_ENV_FILE, ENV_PROFILE])
            hint = f"; did you mean {close}?" if close else ""
            raise ConfigError(f"unknown setting {upper} ({origin}){hint}")
        check_key(parts, origin, as_env=True)


def all_keys() -> list[str]:
    """Every `section.key` a person can set."""
    return [f"{section}.{key}" for section, info in Settings.model_fields.items()
            for key in (_model_of(info.annotation) or BaseModel).model_fields]


# -- loading ---------------------------------------------------------------------------------


def resolve_config_file(path: str | os.PathLike[str] | None) -> Path:
    """--config, else WAQR_CONFIG, else the user config directory."""
    chosen = path or os.environ.get(ENV_CONFIG)
    return Path(chosen).expanduser() if chosen else default_config_file()


def _nested(overrides: Mapping[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for dotted, value in overrides.items():
        node = tree
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


def _describe(error: ValidationError, choice: _Choice) -> str:
    lines = []
    for item in error.errors():
        loc = tuple(item["loc"])
        if item["type"] == "extra_forbidden":
            try:
                check_key(loc, origin=str(choice.toml_file or "settings"))
            except ConfigError as unknown:
                lines.append(str(unknown))
                continue
        names = [str(p) for p in loc if not isinstance(p, int)]
        key = ".".join(names[:2]) if names else "?"
        shown = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
        where = f"{shown} ({env_name(key)})" if len(names) <= 2 else f"{shown} (in {choice.toml_file or 'settings'})"
        msg = item["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {msg}")
    return "invalid setting: " + "; ".join(lines)


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    env_file: str | os.PathLike[str] | None = None,
    profile: str | None = None,
) -> Settings:
    """Read every source; raise ConfigError with a readable message on bad input.

    `env_file` (else WAQR_ENV_FILE) and `profile` (else WAQR_PROFILE) are used only when given.
    """
    path = resolve_config_file(config_file)
    if (config_file or os.environ.get(ENV_CONFIG)) and not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    env_path = env_file or os.environ.get(ENV_ENV_FILE)
    dotenv = Path(env_path).expanduser() if env_path else None
    if dotenv is not None and not dotenv.is_file():
        raise ConfigError(f"env file not found: {dotenv} (--env-file / {ENV_ENV_FILE})")
    check_env_names(os.environ)
    for key in overrides or {}:
        if key.split(".")[0] == "profiles":
            raise ConfigError(f"--set {key}: profiles are defined in the config file ([profiles.NAME.meta] ...)")
        check_key(tuple(key.split(".")), origin="--set")
    choice = _Choice(path if path.is_file() else None, dotenv, profile or os.environ.get(ENV_PROFILE) or None)
    token = _choice.set(choice)
    try:
        settings = Settings(**_nested(overrides or {}))
    except ValidationError as exc:
        raise ConfigError(_describe(exc, choice)) from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:  # unreadable or malformed file
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    finally:
        _choice.reset(token)
    settings._profile, settings._profiles = choice.profile, choice.profiles
    return settings


# -- what is missing -------------------------------------------------------------------------


def missing(section: Section, prefix: str | None = None, keys: list[str] | None = None) -> str | None:
    """Name the required keys of a section that are unset, with their env variables, or None."""
    prefix = prefix or section.SECTION
    absent = [k for k in keys if not getattr(section, k)] if keys is not None else section.missing_keys()
    if not absent:
        return None
    return ", ".join(f"{prefix}.{k} ({env_name(prefix + '.' + k)})" for k in absent)


def codes_problem(settings: Settings, provider: str | None = None) -> str | None:
    """Why Message QR codes cannot work with `provider` (default ui.provider), or None."""
    s = settings
    choice = provider or s.ui.provider
    if choice == "alibaba":
        absent = missing(s.alibaba)
        return f"Alibaba CAMS needs {absent}." if absent else None
    if choice == "meta" or not s.alibaba.configured:
        if s.meta.usable:
            return None
        text = f"Message QR codes need {missing(s.meta)}"
        return text + (" (or the alibaba.* settings for CAMS)." if choice == "auto" else ".")
    return None


def link_problem(settings: Settings) -> str | None:
    """Why device linking has no instance to work with, or None."""
    g = settings.green
    if g.configured or g.instances or g.partner_token:
        return None
    return (f"Link device needs {missing(g)}, [[green.instances]] entries in the config file, "
            f"or green.partner_token ({env_name('green.partner_token')}).")


def start_problem(settings: Settings, command: str | None) -> str | None:
    """Why the screen we open on cannot work, or None."""
    if command == "link":
        return link_problem(settings)
    problem = codes_problem(settings)
    if problem and link_problem(settings) is None:
        problem += " For device linking only, run: waqr link"
    return problem


def config_file_warning(path: Path) -> str | None:
    """Warn when a config file holding secrets is readable by others."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"{path} is readable by other users; run: chmod 600 {path}"
    return None
