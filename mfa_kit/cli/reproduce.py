"""mfa-kit reproduce: rebuild a customer's ticket on a practice portal and write the report.
Runs notebooks/08_reproduce_a_ticket.ipynb through papermill with the ticket as parameters."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..ticket import TicketError, load
from ._common import UsageError

TICKET_NOTEBOOK = "08_reproduce_a_ticket.ipynb"
REPORTS = Path("reports")
"""Where reports go by default, relative to the current folder (git ignores it)."""
DIAGNOSIS_TAG = "diagnosis"
"""The ticket notebook's cell whose JSON output is the diagnosis (read back from the report)."""
KERNEL = "python3"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
EXIT_FAILED = 1


def register(commands: argparse._SubParsersAction) -> None:
    reproduce = commands.add_parser(
        "reproduce",
        help="rebuild a ticket on a practice portal and write the diagnosis report",
        description=(
            "Checks the ticket, runs the ticket notebook with its fields as parameters and "
            "writes the executed notebook (default: reports/<ticket id>.ipynb). Exit status 1 "
            "when the verdict differs from the ticket's expected_verdict."
        ),
    )
    reproduce.add_argument("ticket", metavar="TICKET.yaml", help="the ticket file")
    reproduce.add_argument(
        "-o", "--output", metavar="REPORT.ipynb", default=None, help="where to write the report"
    )
    reproduce.add_argument(
        "--html", action="store_true", help="also write the report as HTML beside it"
    )
    reproduce.set_defaults(handler=_reproduce)


def _reproduce(args: argparse.Namespace) -> int:
    from ..scenarios import build, verdict_line

    try:
        ticket = load(args.ticket)
    except TicketError as problem:
        raise UsageError(str(problem)) from None
    try:
        # A dry run of the history (a fraction of a second) catches a ticket that cannot
        # happen before a kernel is started or any file is written.
        build(ticket)
    except TicketError as problem:
        raise UsageError(f"{args.ticket}: {problem}") from None
    output = Path(args.output) if args.output else REPORTS / f"{ticket.id}.ipynb"
    if output.suffix != ".ipynb":
        raise UsageError(f"the report must be a .ipynb file, not {output}")
    if output.is_dir():
        raise UsageError(f"{output} is a folder; give a file name ending in .ipynb")
    from .servers import notebook_path

    notebook = notebook_path(TICKET_NOTEBOOK)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        raise UsageError(f"cannot create {output.parent}: {problem.strerror}") from None

    # papermill pulls in nbclient and a kernel manager: loaded only for this command.
    import papermill
    from papermill.exceptions import PapermillExecutionError

    if sys.stderr.isatty():
        # A kernel start plus the run takes a few seconds: say so to a person at a terminal
        # (scripts reading the output get only the result lines).
        sys.stderr.write(f"Reproducing ticket {ticket.id} on a practice portal…\n")
        sys.stderr.flush()
    with _kernel_chatter() as chatter:
        try:
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=ticket.parameters(),
                kernel_name=KERNEL,
                progress_bar=False,
                cwd=str(notebook.parent),
            )
        except PapermillExecutionError as failure:
            problem = (
                f"the ticket notebook stopped at cell {failure.exec_count}: "
                f"{failure.ename}: {failure.evalue} (partial report: {output})"
            )
        except Exception as failure:  # no kernel, a full disk…: still one line, no traceback
            problem = f"could not run the ticket notebook: {type(failure).__name__}: {failure}"
        else:
            problem = ""
        held = chatter.read_text(errors="replace") if problem else ""
    if problem:
        sys.stderr.write(held)
        sys.stderr.write(f"mfa-kit reproduce: {problem}\n")
        return EXIT_FAILED
    try:
        diagnosis = read_diagnosis(output)
    except (LookupError, ValueError) as failure:
        sys.stderr.write(f"mfa-kit reproduce: {failure}\n")
        return EXIT_FAILED
    print(f"Report: {output}")
    if args.html:
        page = output.with_suffix(".html")
        write_html(output, page)
        print(f"HTML report: {page}")
    print(f"Verdict: {verdict_line(diagnosis)}")
    expected = ticket.expected_verdict
    if expected and expected != diagnosis.get("verdict"):
        sys.stderr.write(
            f"mfa-kit reproduce: expected {expected} but the reproduction says "
            f"{diagnosis.get('verdict')}\n"
        )
        return EXIT_FAILED
    return 0


@contextmanager
def _kernel_chatter() -> Iterator[Path]:
    """Hold back what the kernel and papermill write to stderr (start-up warnings) while the
    notebook runs; the caller shows it only when the run failed."""
    with tempfile.TemporaryDirectory(prefix="mfa-kit-reproduce-") as folder:
        log = Path(folder) / "stderr.txt"
        sys.stderr.flush()
        saved = os.dup(2)
        with log.open("wb") as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield log
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)


def read_diagnosis(report: Path) -> dict[str, Any]:
    """The diagnosis as the report recorded it: the JSON output of the cell tagged
    ``diagnosis``. Raises LookupError if the report has none."""
    cells = json.loads(report.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if DIAGNOSIS_TAG in cell.get("metadata", {}).get("tags", []):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "application/json" in data:
                    return data["application/json"]
    raise LookupError(f"{report} has no diagnosis (no cell tagged {DIAGNOSIS_TAG!r})")


def write_html(report: Path, page: Path) -> None:
    """The executed report as one HTML page that opens offline: text, pictures and tables
    inline; no live widgets (their scripts would be fetched from the web)."""
    import warnings

    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(report, as_version=4)
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    exporter = HTMLExporter(template_name="lab")
    with warnings.catch_warnings():
        # The diagnosis's JSON twin has no HTML form; its text is printed beside it.
        warnings.filterwarnings("ignore", message=".*is not able to be represented")
        body, _ = exporter.from_notebook_node(
            notebook, resources={"metadata": {"name": f"Report {report.stem}"}}
        )
    page.write_text(_REMOTE_SCRIPT.sub("", body), encoding="utf-8")


# The page needs no formulas and no require.js: the template's CDN script tags for them go.
_REMOTE_SCRIPT = re.compile(
    r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.IGNORECASE
)
