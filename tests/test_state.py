"""The state file: choices kept between runs, tolerant loading, private atomic saving."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tui.state import State, load_state, save_state, state_file


def test_choices_are_kept_in_the_user_state_folder_not_the_config() -> None:
    path = state_file()
    assert path.is_relative_to(Path(os.environ["XDG_STATE_HOME"])) and path.name == "state.json"
    assert load_state() == State()
    save_state(theme="waqr-light", qr_style="compact")
    save_state(provider="alibaba", profile="acme")
    assert load_state() == State(theme="waqr-light", qr_style="compact", provider="alibaba", profile="acme")
    save_state(profile=None)
    assert load_state().profile is None and load_state().theme == "waqr-light"
    assert json.loads(path.read_text()) == {"theme": "waqr-light", "qr_style": "compact", "provider": "alibaba"}
    assert not (Path(os.environ["XDG_CONFIG_HOME"]) / "waqr").exists()


def test_saved_privately_and_atomically(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.json"
    save_state(path, theme="waqr-dark")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temporary file left behind
    target = tmp_path / "elsewhere.json"
    target.write_text("keep")
    path.unlink()
    path.symlink_to(target)
    save_state(path, theme="waqr-light")
    assert target.read_text() == "keep" and not path.is_symlink() and load_state(path).theme == "waqr-light"


@pytest.mark.parametrize("content", [b"", b"{", b"[1, 2]", b"\xff\xfe", b'"theme"', b"{}" + b" " * 70_000])
def test_a_broken_file_gives_no_choices(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    assert load_state(path) == State()
    assert save_state(path, theme="waqr-contrast").theme == "waqr-contrast"


def test_wrong_values_are_dropped_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"theme": "mine", "qr_style": "round", "provider": 3, "other": "x"}))
    assert load_state(path) == State(theme="mine")
    with pytest.raises(ValueError):
        save_state(path, colour="red")
    with pytest.raises(ValueError):
        save_state(path, qr_style="round")
    assert load_state(path) == State(theme="mine")
