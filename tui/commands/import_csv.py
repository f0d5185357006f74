"""`waqr codes import FILE.csv [--dry-run]`: a code for each message the number does not have yet.

The file has a header row: `message` (or `prefilled_message`, as in an export's
index.csv) is required, `code` optional (that code's message is edited instead).
A message the number already has is skipped, so running the same file twice creates
nothing the second time. A row that fails is reported with its line number and the
rest still run. Requests are paced (CAMS allows 5 a second) and a Meta import stops,
saying so, before the account's call budget (`x-business-use-case-usage`) is spent.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tui.api.errors import ApiError, AuthError
from tui.api.http import RateLimiter
from tui.api.models import MAX_MESSAGE, QrCode
from tui.commands import FAILED, OK, USAGE, CommandError, error_line
from tui.commands.codes import every_code
from tui.text import plain
from tui.commands.output import Console

if TYPE_CHECKING:
    from tui.api.provider import CodesProvider

MESSAGE_COLUMNS = ("message", "prefilled_message")
BUDGET_STOP = 90
"""Percent of the Meta call budget at which an import stops, leaving room for the person's own work."""
REQUESTS_PER_SECOND = {"Alibaba CAMS": 5.0}
"""Pace of the writes per service (CAMS: 5 a second per user); others pace by their budget."""


@dataclass
class Row:
    line: int
    message: str
    code: str = ""


@dataclass
class Step:
    """What happens to one row: create, edit, skip or fail (with why)."""

    line: int
    action: str
    message: str
    code: str = ""
    why: str = ""


def _cell(record: list[str], index: int | None) -> str:
    return record[index] if index is not None and index < len(record) else ""


def read_rows(path: Path) -> list[Row]:
    """The rows of the CSV with the line each starts on; CommandError when the file cannot serve."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise CommandError(f"{path} is empty: it needs a header row with a message column", USAGE)
            names = [h.strip().lower() for h in header]
            column = next((names.index(n) for n in MESSAGE_COLUMNS if n in names), None)
            if column is None:
                raise CommandError(f"{path} has no message column (header: {', '.join(names)})", USAGE)
            code_column = names.index("code") if "code" in names else None
            rows: list[Row] = []
            start = reader.line_num + 1
            for record in reader:
                if any(cell.strip() for cell in record):
                    rows.append(Row(start, _cell(record, column), _cell(record, code_column).strip()))
                start = reader.line_num + 1
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CommandError(f"cannot read {path}: {exc}", USAGE) from None


def plan(rows: list[Row], existing: list[QrCode]) -> list[Step]:
    """Decide each row against the codes the number has (and the rows before it)."""
    by_code = {c.code.upper(): c for c in existing}
    has = {c.prefilled_message: c.code for c in existing}
    has.update({plain(c.prefilled_message): c.code for c in existing if plain(c.prefilled_message) not in has})
    planned: dict[str, int] = {}
    """Messages earlier rows create or set, by line."""
    steps: list[Step] = []
    for row in rows:
        if not row.message.strip():
            steps.append(Step(row.line, "fail", row.message, row.code, "the message is empty"))
        elif len(row.message) > MAX_MESSAGE:
            steps.append(Step(row.line, "fail", row.message, row.code,
                              f"the message has {len(row.message)} characters; at most {MAX_MESSAGE}"))
        elif row.code:
            found = by_code.get(row.code.upper())
            if found is None:
                steps.append(Step(row.line, "fail", row.message, row.code, f"no code {row.code} on this number"))
            elif row.message in (found.prefilled_message, plain(found.prefilled_message)):
                # as the code has it, or as waqr's own export shows it (control characters made visible)
                steps.append(Step(row.line, "skip", row.message, found.code, "unchanged"))
            else:
                steps.append(Step(row.line, "edit", row.message, found.code))
                planned.setdefault(row.message, row.line)
        elif row.message in planned:
            steps.append(Step(row.line, "skip", row.message, "", f"same message as line {planned[row.message]}"))
        elif row.message in has:
            steps.append(Step(row.line, "skip", row.message, has[row.message], "the number has it"))
        else:
            steps.append(Step(row.line, "create", row.message))
            planned[row.message] = row.line
    return steps


def _over_budget(provider: CodesProvider) -> int | None:
    usage = provider.usage_percent
    return usage if usage is not None and usage >= BUDGET_STOP else None


async def import_codes(provider: CodesProvider, console: Console, path: Path, *, dry_run: bool = False) -> int:
    rows = read_rows(path)
    with console.progress(0, "reading the codes of the number") as bar:
        existing = await every_code(provider, lambda new: bar.advance(len(new)))
    steps = plan(rows, existing)
    if dry_run:
        console.rows(("LINE", "ACTION", "CODE", "MESSAGE", "NOTE"),
                     ((s.line, s.action, s.code, s.message, s.why) for s in steps), flex=3)
        return OK
    pace = RateLimiter(1 / REQUESTS_PER_SECOND[provider.name]) if provider.name in REQUESTS_PER_SECOND else None
    todo = [s for s in steps if s.action in ("create", "edit")]
    results: list[Step] = [s for s in steps if s.action == "skip"]
    failed = [s for s in steps if s.action == "fail"]
    stopped: str | None = None
    with console.progress(len(todo), "importing") as bar:
        for index, step in enumerate(todo):
            usage = _over_budget(provider)
            if usage is not None:
                stopped = (f"stopped before line {step.line}: the account has used {usage}% of its {provider.name} "
                           f"call budget; {len(todo) - index} rows left. Run the same import later: "
                           "rows already done are skipped")
                break
            if pace is not None:
                await pace.wait()
            try:
                if step.action == "create":
                    done = await provider.create(step.message)
                    results.append(Step(step.line, "created", step.message, done.code))
                else:
                    done = await provider.update(step.code, step.message)
                    note = f"new code; {step.code} stops working" if done.code != step.code else ""
                    results.append(Step(step.line, "edited", step.message, done.code, note))
            except AuthError:
                raise  # every later row would be refused the same way
            except ApiError as exc:  # this row only: the rest still run
                failed.append(Step(step.line, "fail", step.message, step.code, error_line(exc)))
            bar.advance()
    results.sort(key=lambda s: s.line)
    console.rows(("LINE", "RESULT", "CODE", "MESSAGE", "NOTE"),
                 ((s.line, s.action, s.code, s.message, s.why) for s in results), flex=3)
    for step in sorted(failed, key=lambda s: s.line):
        console.error(f"{path.name} line {step.line}: {step.why}")
    if stopped:
        console.error(stopped)
    return FAILED if failed or stopped else OK
