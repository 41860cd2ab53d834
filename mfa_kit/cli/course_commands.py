"""mfa-kit course init | course reset | progress: the trainee's workspace and progress record.

Nothing here ever overwrites a trainee's work silently: init refuses a folder that holds a
course, reset keeps the replaced notebook, progress only reads.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ._common import UsageError


def register(commands: argparse._SubParsersAction) -> None:
    course = commands.add_parser("course", help="the trainee's own copy of the course")
    actions = course.add_subparsers(dest="action", metavar="ACTION", parser_class=type(course))
    actions.required = True

    init = actions.add_parser(
        "init",
        help="copy the course into DIR, ready to take (no outputs, nothing solved)",
        description="Copies the course notebooks into DIR as a trainee's copy, with a progress "
        "record beside them. Refuses a folder that already holds a course.",
    )
    init.add_argument("dir", metavar="DIR", help="the workspace folder to make")
    init.add_argument("--trainee", metavar="NAME", help="the trainee's name, for the record")
    init.set_defaults(handler=_init)

    reset = actions.add_parser(
        "reset",
        help="start one notebook over (the replaced copy is kept)",
        description="Replaces NOTEBOOK in the workspace with a fresh copy and puts the practice "
        "portal back to where that notebook starts. The trainee's copy it replaces is kept in "
        "earlier-versions/.",
    )
    reset.add_argument("notebook", metavar="NOTEBOOK", help='e.g. 04 or "04_add_account_…"')
    _workspace_argument(reset)
    reset.set_defaults(handler=_reset)

    progress = commands.add_parser(
        "progress",
        help="the trainee's progress: each exercise's status, attempts and last try",
    )
    _workspace_argument(progress)
    progress.add_argument("--json", action="store_true", help="print the record as JSON")
    progress.set_defaults(handler=_progress)


def _workspace_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace",
        metavar="DIR",
        default=None,
        help="the trainee's workspace (default: $MFA_KIT_HOME, else ~/mfa-kit-course)",
    )


def require_name(trainee: str | None) -> None:
    """--trainee, when given, is a name (it goes on the record and the certificate)."""
    if trainee is not None and not trainee.strip():
        raise UsageError("--trainee needs a name, e.g. --trainee 'Alex Morgan'")


def workspace_of(args: argparse.Namespace) -> Path:
    from ..workspace import default_workspace

    return Path(args.workspace).expanduser() if args.workspace else default_workspace()


def _init(args: argparse.Namespace) -> int:
    from ..workspace import WorkspaceError, course_notebooks, init_workspace

    require_name(args.trainee)
    try:
        folder = init_workspace(args.dir, trainee=args.trainee)
    except WorkspaceError as problem:
        raise UsageError(str(problem)) from None
    count = len(course_notebooks(folder))
    print(f"Made the course workspace {folder} ({count} notebooks, progress.sqlite3).")
    print(f"Open it with: mfa-kit lab --workspace {folder}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    from ..workspace import WorkspaceError, reset_notebook

    try:
        notebook, kept, portal = reset_notebook(workspace_of(args), args.notebook)
    except WorkspaceError as problem:
        raise UsageError(str(problem)) from None
    print(f"{notebook.name} starts over.")
    if kept is not None:
        print(f"Your previous copy is kept as {kept}.")
    print(portal[0].upper() + portal[1:] + ".")
    return 0


def _progress(args: argparse.Namespace) -> int:
    from ..progress import ProgressError, read_report
    from ..workspace import assessment_notebook

    folder = workspace_of(args)
    try:
        report = read_report(folder)
    except ProgressError as problem:
        raise UsageError(str(problem)) from None
    if args.json:
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_report(report, assessment_notebook(folder)) + "\n")
    return 0


def format_report(report: dict[str, Any], assessment: str | None = None) -> str:
    """The progress record as a plain table, then the next step (``assessment``: the name of
    the assessment notebook, when the workspace has one)."""
    from ..progress import next_step

    lines = [f"Trainee: {report['trainee'] or '(no name yet)'}"]
    rows = [("Notebook", "Exercise", "Status", "Attempts", "Last try (UTC)", "Solution")]
    for notebook in report["notebooks"]:
        for check in notebook["checks"]:
            rows.append(
                (
                    notebook["name"],
                    check["name"],
                    check["status"],
                    str(check["attempts"]),
                    (check["last_at"] or "").replace("T", " ").removesuffix("Z"),
                    "opened" if check.get("solution_opened") else "",
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    result = report.get("assessment")
    if result is None:
        lines.append("Assessment: not taken")
    else:
        verdict = "passed" if result["passed"] else "not passed"
        lines.append(f"Assessment: score {result['score']:g}, {verdict} ({result['at']})")
    lines.append(next_step(report, assessment))
    return "\n".join(lines)
