"""The log file: private modes, redacted, one line per record whatever the data holds."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from tui import logs

HOSTILE = "evil\n2025-01-01 00:00:00 ERROR waqr: forged\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\u202e\x00end"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_log_is_0600_in_a_0700_folder_and_modes_are_fixed(tmp_path: Path) -> None:
    path = tmp_path / "state" / "log" / "waqr.log"
    assert logs.setup("INFO", [], path) == path
    logging.getLogger("waqr.test").warning("hello")
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    path.chmod(0o644)
    path.parent.chmod(0o755)
    logs.setup("INFO", [], path)
    logging.getLogger("waqr.test").warning("again")
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_rotated_files_stay_private(tmp_path: Path) -> None:
    path = tmp_path / "log" / "waqr.log"
    logs.setup("INFO", [], path)
    handler = logging.getLogger("waqr").handlers[0]
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    handler.maxBytes = 200
    for i in range(20):
        logging.getLogger("waqr.test").warning("line %d %s", i, "x" * 50)
    rotated = sorted(path.parent.glob("waqr.log*"))
    assert len(rotated) >= 2 and all(mode(p) == 0o600 for p in rotated)


def test_a_symlinked_log_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me\n")
    folder = tmp_path / "log"
    folder.mkdir(mode=0o700)
    (folder / "waqr.log").symlink_to(target)
    assert logs.setup("INFO", [], folder / "waqr.log") is None  # a NullHandler instead
    logging.getLogger("waqr.test").warning("not written")
    assert target.read_text() == "keep me\n"


def test_every_record_is_one_redacted_plain_line(tmp_path: Path) -> None:
    path = tmp_path / "log" / "waqr.log"
    logs.setup("INFO", ["s3cr3t-token"], path)
    log = logging.getLogger("waqr.test")
    log.warning("message from service: %s (token s3cr3t-token)", HOSTILE)
    try:
        raise ValueError(f"bad answer {HOSTILE} with s3cr3t-token")
    except ValueError:
        log.exception("request failed")
    text = path.read_text(encoding="utf-8")
    assert "s3cr3t-token" not in text and "***" in text
    assert not any(ch in text for ch in "\x1b\x07\x00\u202e")
    lines = text.splitlines()
    records = [line for line in lines if not line.startswith(logs.TRACE_INDENT)]
    assert len(records) == 2 and "forged" in records[0] and "␛]52;c;" in records[0]
    trace = [line for line in lines if line.startswith(logs.TRACE_INDENT)]
    assert trace[0].endswith("Traceback (most recent call last):") and trace[-2].endswith("ValueError: bad answer evil")
    assert trace[-1] == logs.TRACE_INDENT + "2025-01-01 00:00:00 ERROR waqr: forged␛]52;c;cm0gLXJmIH4=␇␛[2J<U+202E>␀end with ***"
