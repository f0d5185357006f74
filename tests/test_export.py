"""`waqr codes export` and `waqr codes import` on the sandbox: files drawn locally (no image requests),
index.csv, the printable sheet (decoded from a Chromium screenshot where Chromium is installed), files
not overwritten, imports that are idempotent, report failed lines and respect the services' limits."""

from __future__ import annotations

import csv
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from tests.cli_helpers import HOSTILE, CountingSandbox, Run, box, one_line, waqr  # noqa: F401 - fixtures
from tui.commands.export import file_name
from tui.sandbox.meta import MetaSandbox

CHROMIUM = "/usr/bin/chromium"


def read_index(folder: Path) -> list[dict[str, str]]:
    with (folder / "index.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_export_png_draws_locally_with_an_index(waqr: Run, box: CountingSandbox, tmp_path: Path) -> None:
    box.paths.clear()
    code, out, err = waqr("codes", "export", str(tmp_path / "out"))
    assert code == 0 and out == "" and "wrote 60 PNG files and index.csv" in err
    assert box.requests("/_cdn/") == 0 and box.requests("/message_qrdls") == 3
    rows = read_index(tmp_path / "out")
    assert len(rows) == 60 and list(rows[0]) == ["code", "prefilled_message", "deep_link_url", "file"]
    for row in rows[:5]:
        image = Image.open(tmp_path / "out" / row["file"])
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode, try_invert=False)
        assert row["file"] == f"{row['code']}.png" and [f.text for f in found] == [row["deep_link_url"]]
    assert {r["code"] for r in rows} == set(box.meta.codes)


def test_export_svg_sheet_and_hostile_text(waqr: Run, box: CountingSandbox, tmp_path: Path) -> None:
    hostile = box.meta.add_code(HOSTILE + " <script>alert(1)</script>")
    code, _, err = waqr("codes", "export", str(tmp_path), "--format", "svg", "--sheet")
    assert code == 0 and box.requests("/_cdn/") == 0
    assert (tmp_path / f"{hostile.code}.svg").read_bytes().lstrip().startswith(b"<?xml")
    sheet = (tmp_path / "sheet.html").read_text()
    assert sheet.count("<svg ") == 61 and sheet.count('class="card"') == 61 and "@page" in sheet
    assert "<script" not in sheet and "&lt;script&gt;alert(1)&lt;/script&gt;" in sheet
    assert "\x1b" not in sheet and "\u202e" not in sheet and "␛]52;c;" in sheet
    assert "http" not in sheet.replace("https://wa.me/message/", "")  # nothing to fetch: works offline
    index = (tmp_path / "index.csv").read_text(encoding="utf-8")
    assert "\x1b" not in index and "Use code [/SALE] ␛]52;c;" in index


def test_existing_files_are_kept_without_force_and_symlinks_never_followed(waqr: Run, box: CountingSandbox,
                                                                             tmp_path: Path) -> None:
    assert waqr("codes", "export", str(tmp_path))[0] == 0
    one = sorted(tmp_path.glob("*.png"))[0]
    one.write_bytes(b"mine")
    code, _, err = waqr("codes", "export", str(tmp_path))
    assert code == 2 and "61 of the files are already in" in one_line(err) and one.read_bytes() == b"mine"
    target = tmp_path.parent / "outside.txt"
    target.write_text("keep")
    one.unlink()
    one.symlink_to(target)
    code, _, err = waqr("codes", "export", str(tmp_path), "--force")
    assert code == 1 and "symlink" in one_line(err) and target.read_text() == "keep"
    one.unlink()
    code, _, err = waqr("codes", "export", str(tmp_path), "--force")
    assert code == 0 and one.read_bytes().startswith(b"\x89PNG")


def test_file_names_are_safe() -> None:
    assert file_name("2DTW22BXMZZNA1", "png") == "2DTW22BXMZZNA1.png"
    odd = [file_name(c, "svg") for c in ("../../etc/passwd", "a/b", "", ".hidden", "x" * 200)]
    assert all("/" not in n and not n.startswith(".") and n.endswith(".svg") and len(n) < 70 for n in odd)
    assert len(set(odd)) == len(odd)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_sheet_scans_in_a_real_browser(waqr: Run, box: CountingSandbox, tmp_path: Path) -> None:
    for code in box.meta.newest_first()[14:]:
        del box.meta.codes[code.code]  # 14 codes: two pages of the sheet
    assert waqr("codes", "export", str(tmp_path), "--sheet")[0] == 0
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--force-device-scale-factor=2", "--window-size=900,2400", f"--screenshot={shot}",
                    (tmp_path / "sheet.html").as_uri()], check=True, capture_output=True, timeout=120)
    found = zxingcpp.read_barcodes(Image.open(shot), formats=zxingcpp.BarcodeFormat.QRCode, try_invert=False)
    assert sorted(f.text for f in found) == sorted(f"https://wa.me/message/{c}" for c in box.meta.codes)


def test_export_of_a_full_number_uses_both_cores_and_few_requests(monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    """2,000 codes (Meta's most per number): 81 list requests at most, no image request; every file written."""
    from tui.cli import main
    from tui.config import env_name

    with CountingSandbox(meta=MetaSandbox(count=2000)) as big:
        for key, value in big.settings().items():
            monkeypatch.setenv(env_name(key), str(value))
        started = time.monotonic()
        assert main(["codes", "export", str(tmp_path), "--format", "svg"]) == 0
        took = time.monotonic() - started
        assert big.requests("/message_qrdls") <= 81 and big.requests("/_cdn/") == 0
    assert len(list(tmp_path.glob("*.svg"))) == 2000 and len(read_index(tmp_path)) == 2000
    print(f"export of 2,000 SVG: {took:.1f} s")  # the benchmark (tests/bench/cli.py) holds the timed figures


# -- import -----------------------------------------------------------------------------------


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_is_idempotent_and_reports_failed_lines(waqr: Run, box: CountingSandbox, tmp_path: Path) -> None:
    existing = box.meta.newest_first()[0]
    edited = box.meta.newest_first()[1]
    sheet = write_csv(tmp_path / "codes.csv", (
        "message,code\n"
        "Table 1: order here\n"
        f"{existing.message},\n"
        '"Two\nlines",\n'
        f"{'x' * 141},\n"
        "Table 1: order here,\n"
        f"Edited by import,{edited.code}\n"
        "Unknown code,NOSUCHCODE41\n"
        ",\n"
        "Table 2: order here\n"
    ))
    before = len(box.meta.codes)
    code, out, err = waqr("codes", "import", str(sheet), "--dry-run")
    assert code == 0 and len(box.meta.codes) == before
    plan = [line.split("\t")[:3] for line in out.splitlines()]
    assert plan == [["2", "create", ""], ["3", "skip", existing.code], ["4", "create", ""], ["6", "fail", ""],
                    ["7", "skip", ""], ["8", "edit", edited.code], ["9", "fail", "NOSUCHCODE41"],
                    ["11", "create", ""]]
    code, out, err = waqr("codes", "import", str(sheet))
    assert code == 1 and len(box.meta.codes) == before + 3
    assert box.meta.codes[edited.code].message == "Edited by import"
    messages = {c.message for c in box.meta.codes.values()}
    assert {"Table 1: order here", "Two\nlines", "Table 2: order here"} <= messages
    assert [line.split(": ")[1] for line in err.strip().splitlines()] == ["codes.csv line 6", "codes.csv line 9"]
    assert "141 characters" in err and "no code NOSUCHCODE41" in err
    writes = box.meta.calls
    code, out, err = waqr("codes", "import", str(sheet))
    assert code == 1 and len(box.meta.codes) == before + 3 and "created" not in out and "edited" not in out
    assert box.meta.calls - writes == 3  # the three list pages, no write


def test_import_needs_a_message_column(waqr: Run, tmp_path: Path) -> None:
    code, _, err = waqr("codes", "import", str(write_csv(tmp_path / "x.csv", "text,code\nhello,\n")))
    assert code == 2 and "no message column" in one_line(err)
    code, _, err = waqr("codes", "import", str(tmp_path / "absent.csv"))
    assert code == 2 and "cannot read" in one_line(err)


def test_import_reads_an_export_index(waqr: Run, box: CountingSandbox, tmp_path: Path) -> None:
    assert waqr("codes", "export", str(tmp_path / "out"))[0] == 0
    code, out, err = waqr("codes", "import", str(tmp_path / "out" / "index.csv"), "--dry-run")
    assert code == 0 and {line.split("\t")[1] for line in out.splitlines()} == {"skip"}


def test_import_stops_before_the_meta_budget_is_spent(waqr: Run, box: CountingSandbox, tmp_path: Path) -> None:
    box.meta.number.calls = 357  # the sandbox reports call_count = calls / 4: 90 % once the three list pages are read
    sheet = write_csv(tmp_path / "many.csv", "message\n" + "".join(f"Campaign row {i}\n" for i in range(20)))
    before = len(box.meta.codes)
    code, out, err = waqr("codes", "import", str(sheet))
    assert code == 1 and len(box.meta.codes) == before  # the listing itself brought it to 90 %
    line = one_line(err)
    assert "stopped before line 2" in line and "90% of its Meta Cloud API call budget" in line
    assert "20 rows left" in line and "already done are skipped" in line


def test_import_on_cams_is_paced(waqr: Run, box: CountingSandbox, tmp_path: Path) -> None:
    sheet = write_csv(tmp_path / "cams.csv", "message\n" + "".join(f"CAMS row {i}\n" for i in range(6)))
    started = time.monotonic()
    code, out, _ = waqr("codes", "import", str(sheet), "--set", "ui.provider=alibaba")
    took = time.monotonic() - started
    assert code == 0 and out.count("\tcreated\t") == 6
    assert took >= 6 * 0.2 - 0.05  # list + 6 creates at 5 a second at most


def test_importing_our_own_export_changes_nothing(waqr: Run, box: CountingSandbox, tmp_path: Path) -> None:
    for message in ("copy \x1b]52;c;ZXZpbA==\x07 end", "line1\r\nline2", "bidi \u202e x",
                    "Family \U0001F468\u200d\U0001F469\u200d\U0001F467 trip"):
        box.meta.add_code(message)
    code, _, _ = waqr("codes", "export", str(tmp_path), "--format", "svg")
    assert code == 0
    code, out, err = waqr("codes", "import", str(tmp_path / "index.csv"), "--dry-run")
    assert code == 0, err
    actions = [line.split("\t")[1] for line in out.splitlines() if line.count("\t") >= 3]
    assert len(actions) == len(box.meta.codes) and set(actions) == {"skip"}, out  # a round trip is a no-op
    assert "\u200d" in (tmp_path / "index.csv").read_text()  # emoji joiners are text, kept as they are
