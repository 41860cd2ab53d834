"""The trainee's workspace: the copy of the course, course init / reset, and mfa-kit progress."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from mfa_kit.cli import servers
from mfa_kit.clock import SystemClock
from mfa_kit.portal import Portal
from mfa_kit.progress import PROGRESS_FILE, Progress, next_step
from mfa_kit.store import Store
from mfa_kit.training import TRAINING_DISPLAY_NAME, TRAINING_LOGIN, TRAINING_PASSWORD
from mfa_kit.workspace import (
    BACKUPS,
    PRACTICE_PORTAL,
    WorkspaceError,
    assessment_notebook,
    catalogue,
    course_notebooks,
    default_workspace,
    init_workspace,
    kernel_progress,
    open_workspace,
    reset_notebook,
    trainee_copy,
)
from tests.conftest import run_mfa_kit

NOTEBOOK_02 = "02_agent_enables_mfa.ipynb"


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_default_workspace_is_mfa_kit_home_else_a_folder_in_home(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("MFA_KIT_HOME", raising=False)
    assert default_workspace() == Path.home() / "mfa-kit-course"
    monkeypatch.setenv("MFA_KIT_HOME", str(tmp_path / "mine"))
    assert default_workspace() == tmp_path / "mine"


def test_the_trainees_copy_has_no_outputs_nothing_solved_and_plumbing_hidden() -> None:
    committed = nbformat.read(servers.notebooks_dir() / NOTEBOOK_02, as_version=4)
    assert any("solved-only" in c.metadata.get("tags", []) for c in committed.cells)
    copy = trainee_copy(committed)
    nbformat.validate(copy)
    assert copy.metadata["mfa_kit"] == {"trainee_copy": True}
    assert not any("solved-only" in c.metadata.get("tags", []) for c in copy.cells)
    assert not any("course.solved" in c.source for c in copy.cells)
    code = [c for c in copy.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    visible = [c for c in code if not c.metadata.get("jupyter", {}).get("source_hidden")]
    assert [c.source for c in visible] == ["MODE = Mode.SIMULATED_PHONE  # or Mode.OWN_PHONE"]
    # The committed notebook itself is untouched by making a copy.
    assert any(c.get("outputs") for c in committed.cells if c.cell_type == "code")


def test_init_copies_the_course_with_a_progress_record_and_the_name(tmp_path: Path) -> None:
    folder = init_workspace(tmp_path / "course", trainee="Alex Morgan")
    names = sorted(p.name for p in course_notebooks(folder))
    assert names == sorted(p.name for p in course_notebooks())
    assert "customer_demo.ipynb" not in names
    progress = Progress(folder / PROGRESS_FILE)
    report = progress.report()
    assert report["trainee"] == "Alex Morgan"
    listed = [(n["name"], c["name"]) for n in report["notebooks"] for c in n["checks"]]
    assert listed == catalogue() and ("02_agent_enables_mfa", "enable-mfa") in listed
    assert all(c["status"] == "not tried" for n in report["notebooks"] for c in n["checks"])


def test_init_refuses_a_folder_that_holds_a_course_and_changes_nothing(tmp_path: Path) -> None:
    folder = init_workspace(tmp_path / "course")
    (folder / NOTEBOOK_02).write_text("my work")
    before = files_in(folder)
    with pytest.raises(WorkspaceError, match="already holds a course") as raised:
        init_workspace(folder, trainee="Someone Else")
    assert "nothing was overwritten" in str(raised.value)
    assert files_in(folder) == before


def test_init_refuses_a_file_in_place_of_the_folder(tmp_path: Path) -> None:
    path = tmp_path / "course"
    path.write_text("a file")
    with pytest.raises(WorkspaceError, match="is a file, not a folder"):
        init_workspace(path)
    assert path.read_text() == "a file"


def test_later_runs_keep_the_trainees_work_and_add_only_new_notebooks(tmp_path: Path) -> None:
    folder, added = open_workspace(tmp_path / "course")
    assert NOTEBOOK_02 in added
    (folder / NOTEBOOK_02).write_text("my work")
    (folder / "03_set_up_google_authenticator.ipynb").unlink()
    again, added = open_workspace(folder, trainee="Alex Morgan")
    assert added == ["03_set_up_google_authenticator.ipynb"]
    assert (folder / NOTEBOOK_02).read_text() == "my work"
    assert Progress(folder / PROGRESS_FILE).trainee == "Alex Morgan"


def test_reset_restores_one_notebook_and_keeps_the_replaced_copy(tmp_path: Path) -> None:
    folder = init_workspace(tmp_path / "course")
    (folder / NOTEBOOK_02).write_text("my work")
    other = (folder / "03_set_up_google_authenticator.ipynb").read_bytes()
    notebook, kept, portal = reset_notebook(folder, "02")
    assert notebook == folder / NOTEBOOK_02
    assert kept is not None and kept.parent == folder / BACKUPS and kept.read_text() == "my work"
    assert nbformat.read(notebook, as_version=4).metadata["mfa_kit"]["trainee_copy"]
    assert (folder / "03_set_up_google_authenticator.ipynb").read_bytes() == other
    assert "no practice portal yet" in portal


def test_reset_puts_the_practice_portal_back_where_the_notebook_starts(tmp_path: Path) -> None:
    folder = init_workspace(tmp_path / "course")
    store = Store(folder / PRACTICE_PORTAL)
    portal = Portal(store, SystemClock())
    portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_DISPLAY_NAME)
    portal.enable_mfa(TRAINING_LOGIN)
    portal.start_authenticator_setup(TRAINING_LOGIN)
    store.close()

    _, _, said = reset_notebook(folder, "04_add_account_in_authenticator")
    assert said == (
        "practice portal: jordan.lee: MFA enabled, not set up yet; not locked; "
        "failed attempts in a row: 0"
    )
    _, _, said = reset_notebook(folder, "02_agent_enables_mfa.ipynb")
    assert "jordan.lee: MFA not enabled" in said


def test_reset_refusals_change_nothing(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="is not a course workspace"):
        reset_notebook(tmp_path, "02")
    assert list(tmp_path.iterdir()) == []
    folder = init_workspace(tmp_path / "course")
    before = files_in(folder)
    with pytest.raises(WorkspaceError, match="no course notebook called '42'"):
        reset_notebook(folder, "42")
    assert files_in(folder) == before


def test_check_results_go_to_the_workspace_or_in_the_solved_run_nowhere(
    tmp_path: Path, monkeypatch
) -> None:
    folder = init_workspace(tmp_path / "course")
    monkeypatch.delenv("MFA_KIT_HOME", raising=False)
    monkeypatch.delenv("MFA_KIT_SOLVED", raising=False)
    monkeypatch.chdir(tmp_path)
    assert kernel_progress()[0] is None
    monkeypatch.chdir(folder)
    progress, note = kernel_progress()
    assert progress is not None and progress.path == folder / PROGRESS_FILE
    assert note == f"Your results are recorded in {folder}."
    monkeypatch.setenv("MFA_KIT_SOLVED", "1")
    progress, note = kernel_progress()
    assert progress is not None and progress.path is None
    assert note == "Solved run: results go to a throwaway record."


def test_a_broken_progress_record_is_named_and_not_replaced_in_the_kernel(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("MFA_KIT_SOLVED", raising=False)
    (tmp_path / PROGRESS_FILE).write_bytes(b"garbage" * 10)
    monkeypatch.chdir(tmp_path)
    progress, note = kernel_progress()
    assert progress is None
    assert str(tmp_path / PROGRESS_FILE) in note and "not an SQLite database" in note
    assert (tmp_path / PROGRESS_FILE).read_bytes() == b"garbage" * 10


# --- the command line -------------------------------------------------------------------------


def test_cli_course_init_then_progress_json(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    made = run_mfa_kit("course", "init", str(folder), "--trainee", "Alex Morgan")
    assert made.returncode == 0, made.stderr
    assert f"Made the course workspace {folder}" in made.stdout
    Progress(folder / PROGRESS_FILE).record_check(
        "02_agent_enables_mfa", "enable-mfa", True, at=1768467600
    )
    shown = run_mfa_kit("progress", "--workspace", str(folder), "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["trainee"] == "Alex Morgan" and report["assessment"] is None
    first = report["notebooks"][0]
    assert first == {
        "name": "02_agent_enables_mfa",
        "complete": True,
        "checks": [
            {
                "name": "enable-mfa",
                "status": "passed",
                "attempts": 1,
                "last_at": "2026-01-15T09:00:00Z",
                "solution_opened": False,
            }
        ],
    }
    table = run_mfa_kit("progress", env={"MFA_KIT_HOME": str(folder)})
    assert table.returncode == 0, table.stderr
    assert "Trainee: Alex Morgan" in table.stdout
    assert "02_agent_enables_mfa" in table.stdout and "passed" in table.stdout
    assert next_step(report, assessment_notebook(folder)) in table.stdout


def test_cli_course_init_twice_is_one_line_and_exit_2(tmp_path: Path) -> None:
    folder = init_workspace(tmp_path / "course")
    before = files_in(folder)
    again = run_mfa_kit("course", "init", str(folder))
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1 and "already holds a course" in again.stderr
    assert files_in(folder) == before


def test_cli_progress_on_a_corrupt_record_is_one_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / PROGRESS_FILE).write_bytes(b"\x00garbage" * 30)
    shown = run_mfa_kit("progress", "--workspace", str(tmp_path), "--json")
    assert shown.returncode == 2 and shown.stdout == ""
    assert shown.stderr.count("\n") == 1
    assert str(tmp_path / PROGRESS_FILE) in shown.stderr
    assert (tmp_path / PROGRESS_FILE).read_bytes() == b"\x00garbage" * 30


def test_cli_course_reset(tmp_path: Path) -> None:
    folder = init_workspace(tmp_path / "course")
    (folder / NOTEBOOK_02).write_text("my work")
    done = run_mfa_kit("course", "reset", "02", "--workspace", str(folder))
    assert done.returncode == 0, done.stderr
    assert f"{NOTEBOOK_02} starts over." in done.stdout
    assert "Your previous copy is kept as" in done.stdout
    assert list((folder / BACKUPS).iterdir())[0].read_text() == "my work"


def test_lab_makes_the_workspace_on_first_use_and_keeps_it_later(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    workspace, added = servers.prepare_workspace(folder, "Alex Morgan", ask=False)
    assert workspace == folder and NOTEBOOK_02 in added
    (folder / NOTEBOOK_02).write_text("my work")
    _, added = servers.prepare_workspace(folder, None, ask=False)
    assert added == [] and (folder / NOTEBOOK_02).read_text() == "my work"
    env = servers.lab_environment(folder)
    assert env == {
        "MFA_KIT_HOME": str(folder),
        "MFA_KIT_DB": str(folder / PRACTICE_PORTAL),
    }
    argv = servers.lab_argv(9000, open_browser=False, workspace=folder)
    assert f"--ServerApp.root_dir={folder}" in argv


def test_lab_asks_the_trainees_name_once(tmp_path: Path, monkeypatch) -> None:
    asked: list[str] = []

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return "  Alex Morgan  "

    monkeypatch.setattr("builtins.input", answer)
    folder = tmp_path / "course"
    servers.prepare_workspace(folder, None, ask=True)
    assert asked == ["Your name, for your progress record and certificate: "]
    assert Progress(folder / PROGRESS_FILE).trainee == "Alex Morgan"
    servers.prepare_workspace(folder, None, ask=True)
    assert len(asked) == 1, "the name is asked once"


def test_the_optional_part_starts_folded_in_the_trainees_copy() -> None:
    committed = nbformat.read(servers.notebooks_dir() / "01_what_is_mfa.ipynb", as_version=4)
    copy = trainee_copy(committed)
    folded = [c for c in copy.cells if c.metadata.get("jp-MarkdownHeadingCollapsed")]
    assert len(folded) == 1
    assert folded[0].source.startswith("## For the curious (optional)")


def test_own_phone_in_a_workspace_uses_its_practice_portal(tmp_path: Path, monkeypatch) -> None:
    from mfa_kit.course import Course, Mode

    folder = init_workspace(tmp_path / "course")
    monkeypatch.chdir(folder)
    course = Course(Mode.OWN_PHONE).with_user()
    assert Path(course.portal.store.path) == folder / PRACTICE_PORTAL
    course.portal.store.close()


def test_progress_table_asks_the_name_once_and_shows_the_next_step(tmp_path: Path) -> None:
    from mfa_kit.screens.check import ProgressTable

    progress = Progress(tmp_path / PROGRESS_FILE)
    table = ProgressTable(progress, catalogue=catalogue(), assessment="09_assessment")
    assert table._name_row.layout.display is None, "no name yet: the field is shown"
    assert "Next: open 02_agent_enables_mfa.ipynb" in table.text
    table.save_name("   ")
    assert "Type your name first." in table.name_message.value and progress.trainee == ""
    table.name_field.value = "Alex Morgan"
    table.save_name_button.click()
    assert progress.trainee == "Alex Morgan"
    assert table._name_row.layout.display == "none", "asked once"
    progress.record_check("02_agent_enables_mfa", "enable-mfa", True)
    table.refresh_button.click()
    assert "✔ passed" in table.table_area.value
    assert "Next: open 03_set_up_google_authenticator.ipynb" in table.text


def test_progress_table_outside_a_workspace_says_so() -> None:
    from mfa_kit.screens.check import ProgressTable

    table = ProgressTable(None, note="This copy is outside a course workspace")
    assert table.text == "This copy is outside a course workspace"
    assert table.refresh_button.layout.display == "none"


@pytest.mark.parametrize("command", [["course", "init", "DIR"], ["lab", "--workspace", "DIR"]])
def test_an_empty_trainee_name_is_one_line_and_makes_nothing(tmp_path: Path, command) -> None:
    folder = tmp_path / "course"
    args = [str(folder) if part == "DIR" else part for part in command]
    if "lab" in args:
        args.append("--no-browser")
    refused = run_mfa_kit(*args, "--trainee", "   ")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "--trainee needs a name" in refused.stderr
    assert not folder.exists()


def test_lab_on_a_corrupt_progress_record_is_one_line_and_leaves_it(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / PROGRESS_FILE).write_bytes(b"not a database" * 20)
    refused = run_mfa_kit("lab", "--workspace", str(folder), "--no-browser")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and str(folder / PROGRESS_FILE) in refused.stderr
    assert (folder / PROGRESS_FILE).read_bytes() == b"not a database" * 20
    assert [p.name for p in folder.iterdir()] == [PROGRESS_FILE], "no course copied over it"
