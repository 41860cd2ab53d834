"""The final assessment (09): a trainee's Run All scores nothing; answered through its widgets
it passes or fails by the pass mark, names what to review, can be retaken, records the result
and leads to the certificate. The answer key never reaches the notebook."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from typing import Any

import nbformat
import pytest

from mfa_kit import cases, progress
from mfa_kit.assessment import (
    LOCKED_USER,
    NEW_USER,
    PASS_MARK,
    QUESTIONS,
    SETUP_USER,
    Assessment,
    Section,
    items_needed,
)
from mfa_kit.cases import Cause, Fix
from mfa_kit.certificate import CERTIFICATE_NAME
from mfa_kit.cli import main
from mfa_kit.training import TRAINING_PASSWORD
from mfa_kit.workspace import SOLVED_ENV, init_workspace

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "09_assessment.ipynb"
TRAINEE = "Ada Lovelace"


def workspace_for(tmp_path: Path, trainee: str | None = TRAINEE) -> Path:
    """A trainee's course folder with 09 and a progress record naming them."""
    return init_workspace(tmp_path / "course", trainee=trainee)


def run_notebook(folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Every code cell of the trainee's 09, top to bottom, in this process (Run All)."""
    monkeypatch.chdir(folder)
    monkeypatch.delenv(SOLVED_ENV, raising=False)
    nb = nbformat.read(folder / NOTEBOOK.name, as_version=4)
    namespace: dict[str, Any] = {"display": lambda *a, **k: None}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for cell in nb.cells:
            if cell.cell_type == "code":
                exec(compile(cell.source, f"09:{cell.id}", "exec"), namespace)  # noqa: S102
    namespace["printed"] = printed.getvalue()
    return namespace


# ------------------------------------------------------------------------------------------
# the trainee acting on the widgets


def enable_on_the_console(exam: Assessment) -> None:
    console = exam.practice.enable_console
    console.login_name.value = NEW_USER
    console.find_button.click()
    console.enable_button.click()


def set_up_on_profile_and_phone(exam: Assessment) -> None:
    p = exam.practice
    p.profile.open_profile()
    p.profile.set_up_google_authenticator()
    p.phone_screen.add_button.click()
    p.phone_screen.scan_button.click()
    code = p.phone_screen.codes[-1][1]
    p.profile.save(code, TRAINING_PASSWORD)


def log_in_with_the_phone(exam: Assessment) -> None:
    p = exam.practice
    p.phone_screen.wait_button.click()  # Save used the code on screen
    p.login.login_name.value = SETUP_USER
    p.login.password.value = TRAINING_PASSWORD
    p.login.log_in_button.click()
    p.login.security_code.value = p.phone_screen.codes[-1][1]
    p.login.submit_button.click()


def unlock_on_the_console(exam: Assessment) -> None:
    console = exam.practice.unlock_console
    console.login_name.value = LOCKED_USER
    console.find_button.click()
    console.unlock_button.click()


def pick_answers(exam: Assessment, wrong: set[int] = frozenset()) -> None:
    """Every pick right, except the item numbers in ``wrong``."""
    for number, question in enumerate(QUESTIONS, start=5):
        choice = question.right if number not in wrong else (question.right + 1) % 4
        exam.item(number).controls[-1].value = choice
    for index, case in enumerate(exam.cases):
        cause_item, fix_item = 7 + 2 * index, 8 + 2 * index
        cause = case.spec.cause
        if cause_item in wrong:
            cause = next(c for c in Cause if c is not case.spec.cause)
        fix = case.spec.fix
        if fix_item in wrong:
            fix = next(f for f in Fix if f is not case.spec.fix)
        exam.item(cause_item).controls[-1].value = cause
        exam.item(fix_item).controls[-1].value = fix


def do_everything_right(exam: Assessment) -> None:
    enable_on_the_console(exam)
    set_up_on_profile_and_phone(exam)
    log_in_with_the_phone(exam)
    unlock_on_the_console(exam)
    pick_answers(exam)


def shown(exam: Assessment) -> str:
    return exam.status_area.value


# ------------------------------------------------------------------------------------------
# the notebook as a trainee runs it


def test_run_all_in_a_fresh_workspace_scores_and_passes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = workspace_for(tmp_path)
    ran = run_notebook(folder, monkeypatch)
    exam = ran["exam"]
    assert exam.trainee == TRAINEE and exam.progress is not None
    assert exam.result is None and exam.attempts == 0
    assert "Not submitted: 10 of 14 items still need an answer" in ran["printed"]
    for result_words in ("Passed", "Not passed", "right (", "Review"):
        assert result_words not in ran["printed"]
    assert progress.read_report(folder)["assessment"] is None
    assert not (folder / CERTIFICATE_NAME).exists()
    # Nothing on the screens was done for the trainee.
    assert not exam.practice.mfa_enabled_for_the_new_user()
    assert not exam.practice.set_up_and_saved()
    assert not exam.practice.unlocked_without_a_reset()


def test_answered_right_through_the_widgets_it_passes_and_the_certificate_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = workspace_for(tmp_path)
    exam = run_notebook(folder, monkeypatch)["exam"]
    do_everything_right(exam)
    exam.submit_button.click()
    assert exam.result is not None and exam.result.passed
    assert exam.result.score == 100.0 and exam.result.right == 14
    assert "Passed: 14 of 14 right (100 %; the pass mark is 80 %)" in shown(exam)
    assert exam.certificate_button.layout.display is None, "the certificate button shows"
    capsys.readouterr()
    assert main(["progress", "--workspace", str(folder), "--json"]) == 0
    recorded = json.loads(capsys.readouterr().out)["assessment"]
    assert recorded["passed"] is True and recorded["score"] == 100.0
    assert recorded["sections"] == {section.value: 100.0 for section in Section}
    assert recorded["at"]

    exam.certificate_button.click()
    page = (folder / CERTIFICATE_NAME).read_text(encoding="utf-8")
    assert TRAINEE in page and "100 %" in page
    assert "Certificate written: certificate.html" in shown(exam)

    out = tmp_path / "printed" / "ada.html"
    out.parent.mkdir()
    capsys.readouterr()
    assert main(["certificate", "--workspace", str(folder), "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"Certificate written: {out}\n"
    html = out.read_text(encoding="utf-8")
    assert TRAINEE in html
    for section in Section:
        assert section.value in html


def test_three_wrong_it_fails_names_the_sections_and_can_be_retaken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = workspace_for(tmp_path)
    exam = run_notebook(folder, monkeypatch)["exam"]
    enable_on_the_console(exam)
    set_up_on_profile_and_phone(exam)
    log_in_with_the_phone(exam)
    # Item 4 wrong: Reset MFA also ends the lock, but Sam's phone no longer works.
    console = exam.practice.unlock_console
    console.login_name.value = LOCKED_USER
    console.find_button.click()
    console.reset_button.click()
    pick_answers(exam, wrong={7, 10})
    exam.submit_button.click()
    result = exam.result
    assert result is not None and not result.passed
    assert result.right == 11 and result.score == 78.6
    assert result.sections == {
        Section.PROCEDURE.value: 83.3,
        Section.CAUSE.value: 75.0,
        Section.CUSTOMER.value: 75.0,
    }
    text = shown(exam)
    assert "Not passed yet: 11 of 14 right (78.6 %; the pass mark is 80 %)" in text
    assert "Review, then take it again" in text
    for section in Section:
        assert f"{section.value}: " in text
    assert "07 Troubleshooting: 2.10 Locked out" in text
    assert exam.cases[0].spec.review in text and exam.cases[1].spec.review in text
    assert exam.certificate_button.layout.display == "none"
    recorded = progress.read_report(folder)["assessment"]
    assert recorded["passed"] is False and recorded["score"] == 78.6

    # No pass: one line, exit 1, nothing written.
    capsys.readouterr()
    assert main(["certificate", "--workspace", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not passed (78.6 %)" in err
    assert not (folder / CERTIFICATE_NAME).exists()

    # The retake: fresh screens, nothing picked, then a pass.
    exam.again_button.click()
    assert exam.result is None and exam.unanswered() == list(range(5, 15))
    assert not exam.practice.mfa_enabled_for_the_new_user()
    do_everything_right(exam)
    exam.submit_button.click()
    assert exam.result.passed and exam.attempts == 2
    assert progress.read_report(folder)["assessment"]["passed"] is True


def test_two_wrong_still_passes_three_wrong_does_not() -> None:
    assert items_needed(14) == 12 and PASS_MARK == 0.8
    exam = Assessment(TRAINEE)
    exam.panel()
    do_everything_right(exam)
    pick_answers(exam, wrong={5, 12})
    assert exam.submit().passed
    pick_answers(exam, wrong={5, 12, 14})
    assert not exam.submit().passed


def test_submit_with_an_open_pick_records_nothing_and_says_which(tmp_path: Path) -> None:
    record = progress.Progress(tmp_path / "progress.sqlite3")
    exam = Assessment(TRAINEE, record)
    exam.panel()
    do_everything_right(exam)
    exam.item(9).controls[-1].value = None
    assert exam.submit() is None
    assert "1 of 14 items still need an answer (items 9)" in shown(exam)
    assert progress.read_report(tmp_path)["assessment"] is None
    assert exam.attempts == 0


def test_a_new_set_up_after_the_scan_fails_the_set_up_item() -> None:
    exam = Assessment(TRAINEE)
    p = exam.practice
    p.profile.open_profile()
    p.profile.set_up_google_authenticator()
    p.phone_screen.scan_button.click()
    # Set Up again after the scan: the phone's entry is from the older QR code.
    p.profile.set_up_google_authenticator()
    p.profile.save(p.phone_screen.codes[-1][1], TRAINING_PASSWORD)
    assert p.profile.error is not None
    assert not p.set_up_and_saved()
    # Scanning the QR code on screen now and saving puts it right.
    p.phone_screen.scan_button.click()
    p.profile.save(p.phone_screen.codes[-1][1], TRAINING_PASSWORD)
    assert p.set_up_and_saved()


def test_logging_in_without_mfa_does_not_pass_the_log_in_item() -> None:
    exam = Assessment(TRAINEE)
    p = exam.practice
    p.login.log_in(SETUP_USER, TRAINING_PASSWORD)  # MFA enabled but not set up: no code asked
    assert p.login.session is not None and not p.login.session.used_mfa
    assert not p.logged_in_with_mfa()


def test_each_trainee_gets_tickets_not_seen_in_07() -> None:
    exam = Assessment(TRAINEE)
    seen = cases.pick(TRAINEE)
    assert len(exam.cases) == 4
    assert not {case.spec for case in exam.cases} & set(seen)


# ------------------------------------------------------------------------------------------
# the key stays in the package


def key_texts() -> set[str]:
    """What only the key knows: each case's explanation and hints (the options themselves are
    on every dropdown, right and wrong alike)."""
    texts: set[str] = set()
    for spec in cases.POOL:
        texts |= {spec.explanation, spec.look, spec.fix_hint}
        texts |= set(spec.cause_hints.values()) | set(spec.fix_hints.values())
    return {text for text in texts if text}


def saved_dropdowns(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """Dropdowns stored in the notebook's widget state (a trainee's save keeps it)."""
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    models = state.get("state", {}).values()
    return [model["state"] for model in models if model.get("model_name") == "DropdownModel"]


def notebook_texts(nb: nbformat.NotebookNode) -> list[str]:
    found = []
    for cell in nb.cells:
        found.append(cell.source)
        for output in cell.get("outputs", []):
            found.append(output.get("text", ""))
            for value in output.get("data", {}).values():
                found.append(value if isinstance(value, str) else json.dumps(value))
    found.append(json.dumps(dict(nb.metadata)))
    return found


def test_no_answer_key_in_the_notebooks_sources_or_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbclient import NotebookClient

    key = key_texts()
    committed = nbformat.read(NOTEBOOK, as_version=4)
    folder = workspace_for(tmp_path)
    trainee_copy = nbformat.read(folder / NOTEBOOK.name, as_version=4)
    for cell in trainee_copy.cells:
        cell.outputs = [] if cell.cell_type == "code" else None
        if cell.cell_type != "code":
            cell.pop("outputs", None)
    env = {k: v for k, v in os.environ.items() if k != SOLVED_ENV}
    monkeypatch.setattr(os, "environ", env)
    NotebookClient(
        trainee_copy, timeout=120, resources={"metadata": {"path": str(folder)}}
    ).execute()
    for name, nb in (("committed", committed), ("trainee run", trainee_copy)):
        texts = notebook_texts(nb)
        for answer in key:
            assert not any(answer in text for text in texts), f"{name} shows {answer!r}"
        for word in ("right", ".cause", ".fix", "spec", "QUESTIONS", "judge"):
            code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
            assert not any(word in source for source in code), f"{name}: {word}"
        picked = [d["index"] for d in saved_dropdowns(nb) if d.get("index") not in (None, 0)]
        assert picked == [], f"{name}: an answer is picked"
    assert len(saved_dropdowns(trainee_copy)) == 10, "the trainee's copy keeps its 10 picks"
    assert "widgets" not in committed.metadata
    # The trainee's run saw the trainee's own tickets and still scored nothing.
    printed = "".join(notebook_texts(trainee_copy))
    assert "Not submitted: 10 of 14 items" in printed


def test_the_pass_mark_in_the_text_is_the_packages() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert f"Pass mark: {round(PASS_MARK * 100)} %" in nb.cells[0].source
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert f"Pass mark: {round(PASS_MARK * 100)} % (12 of 14 right)" in first.outputs[0]["text"]


def test_every_code_cell_of_09_is_hidden_plumbing() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, cell.source
