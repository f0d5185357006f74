"""Theme files (TOML) -> textual.theme.Theme: the bundled ones and the user's own."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.color import Color
from textual.theme import Theme

from tui.config import config_dir

DEFAULT_THEME = "waqr-dark"
_COLOURS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground", "background", "surface", "panel")
_FIELDS = (
    "primary", "secondary", "warning", "error", "success", "accent",
    "foreground", "background", "surface", "panel", "boost", "dark", "luminosity_spread", "text_alpha",
)


def bundled_dir() -> Path:
    """Installed: tui/themes; from a source checkout: the repository's themes/."""
    here = Path(__file__).parent
    packaged = here / "themes"
    return packaged if packaged.is_dir() else here.parent / "themes"


def user_dir() -> Path:
    return config_dir() / "themes"


def load_file(path: Path) -> Theme:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    name = data.get("name")
    if not isinstance(name, str) or not name or "primary" not in data:
        raise ValueError("a theme needs at least `name` and `primary`")
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError("`variables` must be a table")
    for key in _COLOURS:
        if key in data:
            Color.parse(data[key])  # raises on a bad colour now rather than at first paint
    return Theme(name=name, variables={k: str(v) for k, v in variables.items()}, **{k: data[k] for k in _FIELDS if k in data})


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
            except Exception as exc:  # any broken file: report it, keep going
                problems.append(f"theme {path.name} ignored: {exc}")
                continue
            themes.append(theme)
    return themes, problems
