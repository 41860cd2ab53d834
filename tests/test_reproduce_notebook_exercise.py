"""Notebook 08's exercise as a trainee takes it: Run All works no ticket, the ticket is one
of the pool but not one of the trainee's four in 07, and it is worked through its widgets
(✘ with a hint, then ✔, each recorded under 08's check)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import nbformat
import pytest

from mfa_kit.cases import Cause, pick
from mfa_kit.workspace import checks_in

from .progress_spy import Spy, run_trainee_copy

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "08_reproduce_a_ticket.ipynb"
NAME = "08_reproduce_a_ticket"
CHECK = "work-a-ticket"


@pytest.fixture(scope="module")
def trainee_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run All of the trainee's copy of 08 (not the solved run), in this process."""
    return run_trainee_copy(NOTEBOOK, tmp_path_factory.mktemp("course"))


def test_run_all_works_no_ticket_for_the_trainee(trainee_run: dict[str, Any]) -> None:
    ticket = trainee_run["your_ticket"]
    assert ticket.cause.value is None and ticket.fix.value is None
    assert ticket.check.last is None
    assert "Your ticket is not worked yet" in trainee_run["printed"]
    assert trainee_run["spy"].calls == []


def test_the_ticket_is_not_one_of_the_four_in_07(trainee_run: dict[str, Any]) -> None:
    spec = trainee_run["your_ticket"].case.spec
    assert spec not in pick(Spy.trainee)
    assert spec == pick(Spy.trainee, 1, salt="08", exclude=pick(Spy.trainee))[0]


def test_the_ticket_worked_through_its_widgets(trainee_run: dict[str, Any]) -> None:
    ticket = trainee_run["your_ticket"]
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
    assert spy.calls == [("check", NAME, CHECK, False), ("check", NAME, CHECK, True)]
    ticket.check.solution_button.click()
    assert spec.cause.value in html.unescape(ticket.check.solution_area.value)
    assert spy.calls[-1] == ("solution", NAME, CHECK)


def test_the_exercise_follows_07s_pattern() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert checks_in(nb) == [CHECK]
    start = next(i for i, c in enumerate(nb.cells) if c.source.startswith("## Your turn"))
    code = [c for c in nb.cells[start:] if c.cell_type == "code"]
    assert all(c.metadata["jupyter"]["source_hidden"] is True for c in code)
    assert all("plumbing" in c.metadata["tags"] for c in code)
    solved_only = [c for c in nb.cells if "solved-only" in c.metadata.get("tags", [])]
    assert len(solved_only) == 1 and solved_only[0].source.startswith("if solved_run():")
    shown = "".join(o.get("text", "") for o in solved_only[0].outputs)
    assert shown.startswith("✔"), "the solved run works the ticket"
