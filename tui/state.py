"""Choices made in the app (theme, QR style, provider, profile), kept between runs.

A small JSON file under the user state folder (`~/.local/state/waqr/state.json` on
Linux), never the person's config file. Loading forgives anything (a missing, broken or
foreign file, a wrong value: that choice is simply not remembered); saving replaces the
file atomically, 0600 in a 0700 folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, ValidationError

from tui.config import Provider, QrStyle
from tui.private_files import private_dir, write_atomic

MAX_SIZE = 64 * 1024
"""A state file larger than this is not ours: it is ignored."""


class State(BaseModel):
    """What was chosen last; None: nothing chosen (the settings decide)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    theme: str | None = None
    qr_style: QrStyle | None = None
    provider: Provider | None = None
    profile: str | None = None


def state_file() -> Path:
    return Path(platformdirs.user_state_dir("waqr", appauthor=False)) / "state.json"


def load_state(path: Path | None = None) -> State:
    """The choices saved last; each unreadable one is dropped, a broken file gives no choices."""
    path = path or state_file()
    try:
        if path.stat().st_size > MAX_SIZE:
            return State()
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, not UTF-8, not JSON
        return State()
    if not isinstance(raw, dict):
        return State()
    kept: dict[str, Any] = {}
    for key in State.model_fields:
        if key in raw:
            try:
                State.model_validate({key: raw[key]})
            except ValidationError:
                continue
            kept[key] = raw[key]
    return State.model_validate(kept)


def save_state(path: Path | None = None, **choices: str | None) -> State:
    """Remember `choices` (e.g. `theme="waqr-light"`; None forgets one) along with the others saved before.

    An unknown name or a wrong value is a ValueError: the caller's mistake, not the person's.
    """
    path = path or state_file()
    unknown = set(choices) - set(State.model_fields)
    if unknown:
        raise ValueError(f"not a state choice: {', '.join(sorted(unknown))}")
    merged = State.model_validate({**load_state(path).model_dump(), **choices})
    private_dir(path.parent)
    write_atomic(path, json.dumps(merged.model_dump(exclude_none=True), indent=2).encode("utf-8") + b"\n")
    return merged
