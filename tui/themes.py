"""Theme files (TOML) -> textual.theme.Theme: the bundled ones and the user's own."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

from tui.config import config_dir
from tui.text import plain

DEFAULT_THEME = "waqr-dark"


class ThemeFile(BaseModel):
    """What a theme file may hold: every key with its type, nothing else."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    primary: str
    secondary: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    dark: StrictBool = True
    luminosity_spread: float = Field(0.15, strict=True)
    text_alpha: float = Field(0.95, strict=True)
    variables: dict[str, str] = Field(default_factory=dict)

    @field_validator("primary", "secondary", "warning", "error", "success", "accent", "foreground", "background",
                     "surface", "panel", "boost")
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Color.parse(value)  # raises on a bad colour now rather than at first paint
            except ColorParseError:
                raise ValueError(f"{value!r} is not a colour") from None
        return value


def _problem(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"]) or "file"
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"].removeprefix("Value error, ")
        parts.append(f"{key}: {message}")
    return "; ".join(parts)


def bundled_dir() -> Path:
    """Installed: tui/themes; from a source checkout: the repository's themes/."""
    here = Path(__file__).parent
    packaged = here / "themes"
    return packaged if packaged.is_dir() else here.parent / "themes"


def user_dir() -> Path:
    return config_dir() / "themes"


def load_file(path: Path) -> Theme:
    """A theme from its file; ValueError says what is wrong with it (for "theme X ignored: ...")."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        checked = ThemeFile.model_validate(data)
    except ValidationError as exc:
        raise ValueError(_problem(exc)) from None
    return Theme(**checked.model_dump())


def load_themes(*dirs: Path) -> tuple[list[Theme], list[str]]:
    """Every *.toml theme of the folders, and one problem line per file that failed."""
    themes: list[Theme] = []
    problems: list[str] = []
    for folder in dirs or (bundled_dir(), user_dir()):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_file(path)
            except (OSError, UnicodeDecodeError, ValueError) as exc:  # TOML errors are ValueErrors too
                problems.append(f"theme {plain(path.name, line=True)} ignored: {plain(exc, line=True)}")
                continue
            themes.append(theme)
    return themes, problems
