"""How the commands write: a table for a person at a terminal, TSV when piped, CSV, JSON;
progress and notes on stderr. Every text from outside goes through `plain()` first."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from rich.cells import cell_len

from tui.text import is_plain, plain

_NOT_ASCII = re.compile(r"[^\x20-\x7e\n]")


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    return char if is_plain(char, line=True) else json.dumps(char)[1:-1]


def to_json(value: Any) -> str:
    """JSON with the data exact, but control, bidi and invisible characters written as `\\uXXXX`."""
    return _NOT_ASCII.sub(_json_escape, json.dumps(value, ensure_ascii=False, indent=2))


def fit_cells(text: str, width: int) -> str:
    """`text` cut to `width` terminal cells, the cut marked with `…`."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        used += cell_len(char)
        if used > width - 1:
            break
        out.append(char)
    return "".join(out) + "…"


@dataclass
class Console:
    """stdout for results, stderr for everything else; each knows whether a person reads it."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    redact: Callable[[str], str] = str
    """Applied to every note and error (the settings' secrets): a last guard, clients redact first."""

    @property
    def tty(self) -> bool:
        return self.out.isatty()

    @property
    def err_tty(self) -> bool:
        return self.err.isatty()

    def note(self, text: str) -> None:
        """A line for the person on stderr (a warning, what happened): outside text made plain."""
        self.err.write(plain(self.redact(text), line=True) + "\n")
        self.err.flush()

    def error(self, text: str) -> None:
        self.note(f"waqr: {text}")

    def json(self, value: Any) -> None:
        self.out.write(to_json(value) + "\n")

    def rows(self, headers: Sequence[str], rows: Iterable[Sequence[object]], *, flex: int = 1) -> None:
        """A table at a terminal (column `flex` cut to the width), TSV without a header otherwise."""
        cells = [[plain(value if value is not None else "", line=True) for value in row] for row in rows]
        if not self.tty:
            for row in cells:
                self.out.write("\t".join(row) + "\n")
            return
        self.table(headers, cells, flex=flex)

    def table(self, headers: Sequence[str], cells: list[list[str]], *, flex: int = 1) -> None:
        width = shutil.get_terminal_size().columns
        widths = [max([cell_len(h)] + [cell_len(r[i]) for r in cells]) for i, h in enumerate(headers)]
        others = sum(w for i, w in enumerate(widths) if i != flex) + 2 * (len(widths) - 1)
        widths[flex] = max(10, min(widths[flex], width - others))
        for row in [list(headers), *cells]:
            parts = [fit_cells(value, widths[i]) for i, value in enumerate(row)]
            line = "  ".join(p + " " * (widths[i] - cell_len(p)) for i, p in enumerate(parts))
            self.out.write(line.rstrip() + "\n")

    def pairs(self, pairs: Sequence[tuple[str, object]]) -> None:
        """One record: `key  value` lines at a terminal, one TSV line otherwise."""
        if not self.tty:
            self.out.write("\t".join(plain(v if v is not None else "", line=True) for _k, v in pairs) + "\n")
            return
        width = max(len(k) for k, _v in pairs)
        for key, value in pairs:
            self.out.write(f"{key:<{width}}  {plain(value if value is not None else '', line=True)}\n")

    def csv(self, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        """CSV with a header row; line breaks kept inside quoted fields, other controls made visible."""
        writer = csv.writer(self.out, lineterminator="\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([plain(value if value is not None else "") for value in row])

    def confirm(self, question: str) -> bool:
        """Ask on stderr, read a line from stdin: only `y` or `yes` is yes."""
        self.err.write(plain(question, line=True) + " [y/N] ")
        self.err.flush()
        answer = self.stdin.readline()
        return answer.strip().lower() in ("y", "yes")

    def can_ask(self) -> bool:
        return self.stdin.isatty() and self.err_tty

    def progress(self, total: int, what: str) -> Progress:
        return Progress(self.err if self.err_tty else None, total, what)


class Progress:
    """A one-line progress bar on a terminal's stderr (nothing elsewhere), redrawn at most 10 times a second."""

    def __init__(self, stream: TextIO | None, total: int, what: str, width: int = 30) -> None:
        self.stream, self.total, self.what, self.width = stream, max(total, 0), what, width
        self.done = 0
        self._drawn = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.stream is not None and (now - self._drawn >= 0.1 or self.done >= self.total):
            self._drawn = now
            filled = self.width * self.done // self.total if self.total else self.width
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r{self.what} [{bar}] {self.done}/{self.total}")
            self.stream.flush()

    def close(self) -> None:
        if self.stream is not None and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
