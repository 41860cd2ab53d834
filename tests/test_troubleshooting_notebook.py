"""Notebook 07 as a trainee takes it: Run All works no ticket, the tickets are worked through
their widgets (✘ with a hint, then ✔, each recorded), pictures keep their moment, and the
lockout numbers come from the portal's SecurityPolicy."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from mfa_kit.cases import Cause
from mfa_kit.policy import DEFAULT_POLICY

from .progress_spy import Spy, run_trainee_copy

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07_troubleshooting.ipynb"
NAME = "07_troubleshooting"


@pytest.fixture(scope="module")
def trainee_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run All of 07 as a trainee (not the solved run), in this process."""
    return run_trainee_copy(NOTEBOOK, tmp_path_factory.mktemp("course"))


def test_run_all_works_no_ticket_for_the_trainee(trainee_run: dict[str, Any]) -> None:
    tickets = trainee_run["tickets"]
    assert len(tickets) == 4
    assert all(t.cause.value is None and t.fix.value is None for t in tickets)
    assert all(t.check.last is None for t in tickets)
    assert "Your tickets: 0 of 4 worked" in trainee_run["printed"]
    assert trainee_run["spy"].calls == []
    assert any(not t.case.spec.walked_through for t in tickets)


def test_a_ticket_worked_through_its_widgets(trainee_run: dict[str, Any]) -> None:
    ticket = trainee_run["tickets"][0]
    spy: Spy = trainee_run["spy"]
    spec = ticket.case.spec
    wrong = next(c for c in Cause if c is not spec.cause)
    ticket.cause.widget.value = wrong
    ticket.fix.widget.value = spec.fix
    ticket.check.check_button.click()
    shown = html.unescape(ticket.check.result_area.value)
    assert shown.count("✘") == 1
    assert ticket.check.last.hint in shown
    ticket.cause.widget.value = spec.cause
    ticket.check.check_button.click()
    assert "✔" in ticket.check.result_area.value
    assert spy.calls == [("check", NAME, "ticket-1", False), ("check", NAME, "ticket-1", True)]
    assert ticket.check.solution_area.layout.display == "none"
    ticket.check.solution_button.click()
    assert ticket.check.solution_area.layout.display != "none"
    assert spec.cause.value in html.unescape(ticket.check.solution_area.value)
    assert spy.calls[-1] == ("solution", NAME, "ticket-1")


def test_each_ticket_is_a_check_the_progress_record_can_list() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    tags = [tag for cell in nb.cells for tag in cell.metadata.get("tags", [])]
    assert [t for t in tags if t.startswith("check:")] == [f"check:ticket-{n}" for n in range(1, 5)]
    solved_only = [cell for cell in nb.cells if "solved-only" in cell.metadata.get("tags", [])]
    assert len(solved_only) == 4
    assert all(cell.source.startswith("if solved_run():") for cell in solved_only)


def test_a_picture_keeps_its_moment_after_the_screen_moved_on(
    trainee_run: dict[str, Any],
) -> None:
    before, phone = trainee_run["before"], trainee_run["phone"]
    assert "250 619" in before.text and "250 619" in before.html
    assert "250 619" not in phone.text, "the live phone moved on after the fix"
    assert "462 625" in phone.text and "462 625" not in before.html


def test_the_lockout_numbers_come_from_the_security_policy() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    policy = DEFAULT_POLICY
    stated = re.compile(
        rf"\b({policy.max_failures}|five)\s+(wrong\s+)?(attempts|tries)|"
        rf"\b({policy.lockout_minutes}|fifteen)\s+minutes",
        re.IGNORECASE,
    )
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert not stated.search(cell.source), cell.source
        else:
            assert not re.search(r"\b(max_failures|lockout_minutes)\s*=", cell.source)
    printed = [
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    ]
    expected = (
        f"On this practice portal: {policy.max_failures} wrong attempts in a row lock the "
        f"account for {policy.lockout_minutes} minutes."
    )
    assert any(expected in text for text in printed)
    sources = "".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    assert "policy.max_failures" in sources and "policy.lockout_minutes" in sources


def test_every_code_cell_of_07_is_hidden_plumbing() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, cell.source
