"""The trainee's progress record: results per check, the name, the assessment, and bad files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mfa_kit.progress import (
    PROGRESS_FILE,
    Progress,
    ProgressError,
    next_step,
    read_report,
)

COURSE = [
    ("02_agent_enables_mfa", "enable-mfa"),
    ("03_set_up_google_authenticator", "show-qr-code"),
    ("04_add_account_in_authenticator", "scan-qr-code"),
]
AT = 1768467600.0  # 2026-01-15T09:00:00Z


@pytest.fixture
def record(tmp_path: Path) -> Progress:
    progress = Progress(tmp_path / PROGRESS_FILE, COURSE)
    yield progress
    progress.close()


def checks_of(report: dict, notebook: str) -> list[dict]:
    return next(n for n in report["notebooks"] if n["name"] == notebook)["checks"]


def test_a_new_record_lists_every_check_of_the_course_as_not_tried(record: Progress) -> None:
    report = record.report()
    assert report["trainee"] == ""
    assert report["assessment"] is None
    assert [n["name"] for n in report["notebooks"]] == [nb for nb, _ in COURSE]
    for notebook in report["notebooks"]:
        assert notebook["complete"] is False
        assert notebook["checks"] == [
            {
                "name": dict(COURSE)[notebook["name"]],
                "status": "not tried",
                "attempts": 0,
                "last_at": None,
                "solution_opened": False,
            }
        ]


def test_attempts_add_up_and_the_latest_result_counts(record: Progress) -> None:
    record.record_check("02_agent_enables_mfa", "enable-mfa", False, at=AT)
    record.record_check("02_agent_enables_mfa", "enable-mfa", True, at=AT + 75)

    (check,) = checks_of(record.report(), "02_agent_enables_mfa")
    assert check["status"] == "passed"
    assert check["attempts"] == 2
    assert check["last_at"] == "2026-01-15T09:01:15Z"
    assert record.report()["notebooks"][0]["complete"] is True
    assert record.report()["notebooks"][1]["complete"] is False

    record.record_check("02_agent_enables_mfa", "enable-mfa", False, at=AT + 90)
    (check,) = checks_of(record.report(), "02_agent_enables_mfa")
    assert (check["status"], check["attempts"]) == ("failed", 3)


def test_opening_a_solution_is_recorded_without_counting_an_attempt(record: Progress) -> None:
    record.solution_opened("03_set_up_google_authenticator", "show-qr-code")
    (check,) = checks_of(record.report(), "03_set_up_google_authenticator")
    assert check == {
        "name": "show-qr-code",
        "status": "not tried",
        "attempts": 0,
        "last_at": None,
        "solution_opened": True,
    }
    record.record_check("03_set_up_google_authenticator", "show-qr-code", True, at=AT)
    (check,) = checks_of(record.report(), "03_set_up_google_authenticator")
    assert check["solution_opened"] and check["status"] == "passed"


def test_a_check_outside_the_catalogue_is_added_after_it(record: Progress) -> None:
    record.record_check("05_save_security_settings", "saved", True, at=AT)
    assert [n["name"] for n in record.report()["notebooks"]][-1] == "05_save_security_settings"


def test_the_trainees_name_and_the_assessment_are_on_the_record(tmp_path: Path) -> None:
    path = tmp_path / PROGRESS_FILE
    first = Progress(path, COURSE)
    first.set_trainee("  Alex   Morgan ")
    first.record_assessment(0.85, True, {"diagnosis": 0.8, "procedure": 0.9}, at=AT)
    first.close()

    again = Progress(path)
    assert again.trainee == "Alex Morgan"
    assert again.report()["assessment"] == {
        "score": 0.85,
        "passed": True,
        "sections": {"diagnosis": 0.8, "procedure": 0.9},
        "at": "2026-01-15T09:00:00Z",
    }
    again.close()
    assert read_report(tmp_path)["trainee"] == "Alex Morgan"


def test_a_name_is_kept_with_single_spaces(record: Progress) -> None:
    record.set_trainee("Alex \t  Morgan")
    assert record.trainee == "Alex Morgan"
    assert record.report()["trainee"] == "Alex Morgan"


def test_read_report_never_creates_a_record(tmp_path: Path) -> None:
    with pytest.raises(ProgressError) as raised:
        read_report(tmp_path)
    message = str(raised.value)
    assert str(tmp_path / PROGRESS_FILE) in message and "does not exist" in message
    assert "\n" not in message
    assert not (tmp_path / PROGRESS_FILE).exists()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"not a database at all, just text\n" * 10, "not an SQLite database"),
        (b"SQLite format 3\x00" + b"\xff" * 200, "is not an mfa-kit progress record"),
    ],
    ids=["text", "corrupt-sqlite"],
)
def test_a_corrupt_file_is_one_line_naming_it_and_left_as_it_is(
    tmp_path: Path, content: bytes, why: str
) -> None:
    path = tmp_path / PROGRESS_FILE
    path.write_bytes(content)
    for attempt in (lambda: read_report(tmp_path), lambda: Progress(path, COURSE)):
        with pytest.raises(ProgressError) as raised:
            attempt()
        assert str(path) in str(raised.value) and why in str(raised.value)
        assert "\n" not in str(raised.value)
        assert path.read_bytes() == content


def test_another_programs_database_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / PROGRESS_FILE
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE accounts (login TEXT)")
    other.execute("INSERT INTO accounts VALUES ('someone')")
    other.commit()
    other.close()
    before = path.read_bytes()
    for attempt in (lambda: read_report(tmp_path), lambda: Progress(path, COURSE)):
        with pytest.raises(ProgressError, match="another program's database") as raised:
            attempt()
        assert str(path) in str(raised.value)
        assert path.read_bytes() == before


def test_a_record_from_a_newer_kit_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / PROGRESS_FILE
    Progress(path, COURSE).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    before = path.read_bytes()
    with pytest.raises(ProgressError, match="newer mfa-kit"):
        read_report(tmp_path)
    assert path.read_bytes() == before


def test_the_next_step_is_the_next_notebook_then_the_assessment_then_the_certificate(
    record: Progress,
) -> None:
    assert next_step(record.report()) == (
        "Next: open 02_agent_enables_mfa.ipynb and finish its exercise (enable-mfa)."
    )
    for notebook, check in COURSE:
        record.record_check(notebook, check, True, at=AT)
    assert next_step(record.report(), "09_assessment") == (
        "Next: take the assessment in 09_assessment.ipynb."
    )
    record.record_assessment(0.4, False, {}, at=AT)
    assert next_step(record.report(), "09_assessment") == (
        "Next: take the assessment again in 09_assessment.ipynb."
    )
    record.record_assessment(0.9, True, {}, at=AT)
    assert "certificate" in next_step(record.report(), "09_assessment")
