"""Fixtures: an isolated environment (no user config, no WAQR_* variables) and a sandbox."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.config import Settings, load_settings
from tui.sandbox import Sandbox


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every test in an empty folder with empty config, log and data directories."""
    for name in list(os.environ):
        if name.startswith("WAQR_") or name == "NO_COLOR":
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture
def settings(sandbox: Sandbox) -> Settings:
    return load_settings(overrides=sandbox.settings())
