"""The trainer's table: trainees against notebooks, from each progress record, read-only.

✔ done, ✘ tried and not done, blank not tried. A missing or corrupt record is one line in that
trainee's row, never a failure of the table.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

DONE = "✔"
TRIED = "✘"
NOT_TRIED = ""


@dataclass
class Row:
    login: str
    name: str
    cells: dict[str, str] = field(default_factory=dict)
    score: float | None = None
    passed: bool | None = None
    last_activity: datetime | None = None
    certificate: Path | None = None
    """The certificate file in the workspace, if the trainee wrote one."""
    certified: bool = False
    """A certificate can be shown: a written file, or a passed assessment to make it from."""
    problem: str = ""


def _when(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def cell(notebook: dict) -> str:
    """✔, ✘ or blank for one notebook of a progress report."""
    if notebook.get("complete"):
        return DONE
    tried = any(
        (check.get("attempts") or 0) > 0 or check.get("last_at") for check in notebook["checks"]
    )
    return TRIED if tried else NOT_TRIED


def certificate_of(workspace: Path) -> Path | None:
    """The certificate file the trainee wrote in their workspace (mfa-kit certificate), if any."""
    from ..certificate import CERTIFICATE_NAME

    path = workspace / CERTIFICATE_NAME
    return path if path.is_file() else None


def build(
    trainees, workspace_of, hub_activity: dict[str, str | None]
) -> tuple[list[str], list[Row]]:
    """The notebook columns (in course order) and one row per trainee."""
    from ..progress import read_report

    columns: list[str] = []
    rows: list[Row] = []
    for trainee in trainees:
        row = Row(trainee.login, trainee.name)
        workspace = workspace_of(trainee.login)
        times = [_when(hub_activity.get(trainee.login))]
        try:
            report = read_report(workspace)
        except Exception as problem:  # noqa: BLE001 (any unreadable record is one line here)
            row.problem = str(problem).splitlines()[0] if str(problem) else type(problem).__name__
        else:
            for notebook in report.get("notebooks", []):
                if notebook["name"] not in columns:
                    columns.append(notebook["name"])
                row.cells[notebook["name"]] = cell(notebook)
                times.extend(_when(check.get("last_at")) for check in notebook["checks"])
            assessment = report.get("assessment")
            if assessment:
                row.score = assessment.get("score")
                row.passed = assessment.get("passed")
                times.append(_when(assessment.get("at")))
        known = [when for when in times if when is not None]
        row.last_activity = max(known) if known else None
        row.certificate = certificate_of(workspace)
        row.certified = bool(row.certificate) or bool(row.passed)
        rows.append(row)
    return columns, rows


def score_text(score: float | None) -> str:
    """The assessment score, a percentage as the assessment records it."""
    return "" if score is None else f"{score:g} %"


def pass_text(passed: bool | None) -> str:
    return {True: "pass", False: "not yet", None: ""}[passed]


def when_text(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if when else ""


def as_csv(columns: list[str], rows: list[Row]) -> str:
    """The table as CSV: one line per trainee (a spreadsheet's view of the page)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["login", "name", *columns, "score", "passed", "last_activity", "certificate", "problem"]
    )
    for row in rows:
        writer.writerow(
            [
                row.login,
                row.name,
                *(row.cells.get(column, NOT_TRIED) for column in columns),
                score_text(row.score),
                pass_text(row.passed),
                when_text(row.last_activity),
                "yes" if row.certified else "",
                row.problem,
            ]
        )
    return out.getvalue()
