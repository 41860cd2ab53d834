"""mfa-kit reproduce: rebuild customers' tickets on practice portals and write their reports.

Every ticket is checked first (all of them, before anything is written); then each is worked
in this process (:func:`mfa_kit.scenarios.reproduce`, no kernel) and its report written: a
report notebook of text cells, a plain-text summary beside it and, with --html, a page.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..ticket import Ticket, TicketError, load
from ._common import UsageError

REPORTS = Path("reports")
"""Where reports go by default, relative to the current folder (git ignores it)."""
DIAGNOSIS_TAG = "diagnosis"
"""Older reports (executed notebooks) kept the diagnosis as the JSON output of this cell."""
EXIT_FAILED = 1
_REPORT_SUFFIXES = (".ipynb", ".html", ".txt")


def register(commands: argparse._SubParsersAction) -> None:
    reproduce = commands.add_parser(
        "reproduce",
        help="rebuild tickets on a practice portal and write their diagnosis reports",
        description=(
            "Checks every ticket, then rebuilds each on its own in-memory practice portal, "
            "diagnoses the customer's attempt as the portal saw it, replays it, applies the fixes "
            "and writes "
            "<DIR>/<ticket id>.ipynb (text only) and .txt (the summary to paste into the "
            "ticket); --html also writes the .html page. Exit status 1 when a verdict differs "
            "from the ticket's expected_verdict or the fixes do not let the customer in; 2 "
            "when a ticket cannot be used (nothing is written then)."
        ),
    )
    reproduce.add_argument("tickets", nargs="+", metavar="TICKET.yaml", help="ticket files")
    reproduce.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        default=None,
        help="folder for the reports (default: reports/); a .ipynb file name for one ticket",
    )
    reproduce.add_argument(
        "--html", action="store_true", help="also write each report as an HTML page"
    )
    shown = reproduce.add_mutually_exclusive_group()
    shown.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per ticket and line: id, verdict, causes, expected_verdict, ok",
    )
    shown.add_argument(
        "--text", action="store_true", help="print each plain-text summary instead of paths"
    )
    reproduce.set_defaults(handler=_reproduce)


def _reproduce(args: argparse.Namespace) -> int:
    from ..scenarios import build

    tickets: list[tuple[str, Ticket]] = []
    problems: list[str] = []
    owners: dict[str, str] = {}
    for name in args.tickets:
        try:
            ticket = load(name)
            # A dry run of the history (a fraction of a second) catches a ticket that
            # cannot happen before any file is written.
            build(ticket)
        except TicketError as problem:
            text = str(problem)
            problems.append(text if text.startswith(f"{name}: ") else f"{name}: {text}")
            continue
        if ticket.id in owners:
            problems.append(
                f"{name}: id {ticket.id} is also the id of {owners[ticket.id]}: each report "
                "is named after its ticket id"
            )
            continue
        owners[ticket.id] = name
        tickets.append((name, ticket))
    if problems:
        for problem in problems[:-1]:
            sys.stderr.write(f"mfa-kit reproduce: error: {problem}\n")
        raise UsageError(problems[-1])
    targets = _targets(args.output, tickets)
    folder = next(iter(targets.values())).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        raise UsageError(f"cannot create {folder}: {problem.strerror}") from None

    status = 0
    for name, ticket in tickets:
        status = max(status, _one(name, ticket, targets[ticket.id], args))
    return status


def _targets(output: str | None, tickets: list[tuple[str, Ticket]]) -> dict[str, Path]:
    """Each ticket's report notebook path; a usage error for an -o that cannot be one."""
    if output is not None and output.endswith(".ipynb"):
        if len(tickets) > 1:
            raise UsageError(f"-o {output}: with several tickets, -o names a folder")
        target = Path(output)
        if target.is_dir():
            raise UsageError(f"{target} is a folder; give a file name ending in .ipynb")
        return {tickets[0][1].id: target}
    folder = REPORTS if output is None else Path(output)
    if output is not None and folder.suffix.lower() in (".html", ".txt", ".json", ".yaml"):
        raise UsageError(
            f"-o {output}: give a folder for the reports, or a .ipynb file for one ticket"
        )
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"-o {output}: that is a file, not a folder")
    return {ticket.id: folder / f"{ticket.id}.ipynb" for _, ticket in tickets}


def _one(name: str, ticket: Ticket, target: Path, args: argparse.Namespace) -> int:
    """Work one ticket, write its report; the exit status it earns. Never a traceback."""
    from ..report import html_page, report_notebook, text_summary
    from ..scenarios import reproduce

    try:
        r = reproduce(ticket)
        summary = text_summary(r)
        written = {target: json.dumps(report_notebook(r), indent=1, ensure_ascii=False) + "\n"}
        written[target.with_suffix(".txt")] = summary
        if args.html:
            written[target.with_suffix(".html")] = html_page(r)
        for path, text in written.items():
            _write(path, text)
    except OSError as problem:
        return _failed(name, ticket, args, f"cannot write the report: {problem}")
    except Exception as problem:  # a bug must still be one line, and the batch goes on
        return _failed(
            name, ticket, args, f"could not reproduce it: {type(problem).__name__}: {problem}"
        )
    if args.json:
        line: dict[str, Any] = r.as_dict()
        line["report"] = str(target)
        line["summary"] = str(target.with_suffix(".txt"))
        if args.html:
            line["html"] = str(target.with_suffix(".html"))
        print(json.dumps(line, ensure_ascii=False))
    elif args.text:
        print(summary)
    else:
        print(f"Report: {target}")
        if args.html:
            print(f"HTML report: {target.with_suffix('.html')}")
        print(f"Summary: {target.with_suffix('.txt')}")
        print(f"Verdict: {r.verdict_line()}")
    sys.stdout.flush()
    if r.expected_matches is False:
        sys.stderr.write(
            f"mfa-kit reproduce: {name}: expected {ticket.expected_verdict} but the "
            f"reproduction says {r.verdict.name}\n"
        )
    if not r.logged_in:
        sys.stderr.write(
            f"mfa-kit reproduce: {name}: after the fixes the customer still cannot log in "
            f"(see {target.with_suffix('.txt')})\n"
        )
    return 0 if r.ok else EXIT_FAILED


def _failed(name: str, ticket: Ticket, args: argparse.Namespace, problem: str) -> int:
    """One line on stderr; with --json the ticket still gets its line, with no verdict."""
    sys.stderr.write(f"mfa-kit reproduce: {name}: {problem}\n")
    if args.json:
        line = {
            "id": ticket.id,
            "verdict": None,
            "causes": [],
            "expected_verdict": ticket.expected_verdict,
            "ok": False,
            "error": problem,
        }
        print(json.dumps(line, ensure_ascii=False))
        sys.stdout.flush()
    return EXIT_FAILED


def _write(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder: a report is whole or absent."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with temporary.open("w", encoding="utf-8") as out:  # the umask decides the mode
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_diagnosis(report: Path) -> dict[str, Any]:
    """The diagnosis a report recorded: in the report notebook's metadata, or (older,
    executed reports) the JSON output of the cell tagged ``diagnosis``. Raises LookupError
    if the report has neither."""
    from ..report import JSON_METADATA

    notebook = json.loads(report.read_text(encoding="utf-8"))
    recorded = notebook.get("metadata", {}).get(JSON_METADATA, {}).get("diagnosis")
    if recorded is not None:
        return recorded
    for cell in notebook.get("cells", []):
        if DIAGNOSIS_TAG in cell.get("metadata", {}).get("tags", []):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "application/json" in data:
                    return data["application/json"]
    raise LookupError(f"{report} has no diagnosis (no cell tagged {DIAGNOSIS_TAG!r})")


def read_reproduction(report: Path) -> dict[str, Any]:
    """The reproduction's JSON (the --json line) a report notebook recorded."""
    from ..report import JSON_METADATA

    notebook = json.loads(report.read_text(encoding="utf-8"))
    try:
        return notebook["metadata"][JSON_METADATA]["reproduction"]
    except (KeyError, TypeError):
        raise LookupError(f"{report} has no reproduction record") from None
