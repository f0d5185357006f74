"""Shared by the command tests: the sandbox that counts requests, `waqr ARGS` in-process, a fake terminal."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest

from tui.cli import main
from tui.config import env_name
from tui.sandbox import Sandbox

HOSTILE = "Use code [/SALE] \x1b]52;c;cm0gLXJmIH4=\x07 now\u202e"
Run = Callable[..., tuple[int, str, str]]


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class CountingSandbox(Sandbox):
    """The sandbox, remembering the path of every request."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.paths: list[str] = []

    def dispatch(self, request, base):  # type: ignore[no-untyped-def]
        self.paths.append(request.path)
        return super().dispatch(request, base)

    def requests(self, part: str) -> int:
        return sum(part in p for p in self.paths)


@pytest.fixture
def box() -> Iterator[CountingSandbox]:
    with CountingSandbox() as running:
        yield running


@pytest.fixture
def waqr(box: CountingSandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """`waqr ARGS` in this process, pointed at the sandbox through WAQR_* variables: (exit code, stdout, stderr)."""
    for key, value in box.settings().items():
        monkeypatch.setenv(env_name(key), str(value))

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


