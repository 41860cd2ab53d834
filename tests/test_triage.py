"""Triage without the secret: every verdict reachable from answers, contradictions said,
hostile answer files refused cleanly, and the same questions as a widget."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from mfa_kit.clock import FixedClock
from mfa_kit.diagnose import Verdict
from mfa_kit.screens.triage import TriageScreen
from mfa_kit.training import TRAINING_INSTANT
from mfa_kit.triage import (
    MAX_ANSWERS_BYTES,
    QUESTIONS,
    Answers,
    TriageError,
    load_answers,
    phone_offset_from_times,
    triage,
)

from .conftest import run_mfa_kit as run

RIGHT = {"phone_offset_seconds": 0, "entries": 1, "recent_change": "none"}

EVERY_VERDICT = {
    Verdict.VALID_NOW: Answers(
        button="log_in", security_code_box="yes", message="nothing", **RIGHT
    ),
    Verdict.CLOCK_DRIFT: Answers(message="incorrect", phone_offset_seconds=300, entries=1),
    Verdict.TIME_ZONE: Answers(message="incorrect", phone_offset_seconds=-3_600, entries=1),
    Verdict.REUSED_CODE: Answers(message="already_used", **RIGHT),
    Verdict.PENDING_NOT_SAVED: Answers(
        message="incorrect", entries=2, recent_change="rescan", phone_offset_seconds=0
    ),
    Verdict.PREVIOUS_SECRET: Answers(
        message="incorrect", entries=2, recent_change="reset", phone_offset_seconds=0
    ),
    Verdict.OTHER_ACCOUNT: Answers(message="incorrect", entries=3, phone_offset_seconds=0),
    Verdict.EXPIRED: Answers(message="expired", **RIGHT),
    Verdict.MALFORMED: Answers(message="not_a_code", **RIGHT),
    Verdict.APP_IGNORES_PROFILE: Answers(
        button="save", message="incorrect", portal_settings="non_standard", **RIGHT
    ),
    Verdict.LOCKED: Answers(message="locked"),
    Verdict.MFA_NOT_ENABLED: Answers(
        button="log_in", security_code_box="no", message="not_enabled"
    ),
    Verdict.GOOGLE_LOGIN: Answers(button="google", security_code_box="no", message="google"),
    Verdict.NO_MATCH: Answers(message="incorrect", **RIGHT),
}


def test_the_walk_covers_the_whole_catalogue():
    assert set(EVERY_VERDICT) == set(Verdict)


@pytest.mark.parametrize("verdict", list(Verdict), ids=lambda v: v.name)
def test_every_verdict_is_reachable_by_some_answers(verdict):
    result = triage(EVERY_VERDICT[verdict])
    assert result.verdict is verdict
    assert result.contradictions == []
    assert result.read_out.startswith(result.diagnosis.causes[0].title)
    assert result.as_dict()["verdict"] == verdict.name


@pytest.mark.parametrize("offset", [-95, -180, -270])
def test_a_slow_phone_seen_against_the_exact_time_is_clock_drift_not_type_faster(offset):
    result = triage(Answers(message="expired", phone_offset_seconds=offset, entries=1))
    assert result.diagnosis.verdicts == [Verdict.CLOCK_DRIFT]
    assert "automatic date and time" in result.diagnosis.fix
    assert "behind the exact time" in result.diagnosis.explanation


def test_an_expired_code_with_the_clock_unchecked_says_how_to_tell():
    result = triage(Answers(message="expired", entries=1))
    assert result.diagnosis.verdicts == [Verdict.CLOCK_DRIFT, Verdict.EXPIRED]
    drift = result.diagnosis.causes[0]
    assert drift.possible and "compare the time the phone shows" in drift.explanation
    assert "automatic date and time" in drift.fix


def test_causes_come_in_the_order_to_act_on_them():
    result = triage(Answers(button="google", message="locked", phone_offset_seconds=600, entries=1))
    assert result.diagnosis.verdicts == [Verdict.LOCKED, Verdict.GOOGLE_LOGIN, Verdict.CLOCK_DRIFT]
    assert result.read_out.startswith("There are 3 things to put right")


@pytest.mark.parametrize(
    "answers, words",
    [
        (Answers(button="google", security_code_box="yes"), "never asks for a Security code"),
        (Answers(message="google", button="log_in"), "the button was Log In"),
        (Answers(message="not_enabled", security_code_box="yes"), "MFA is said to be off"),
        (Answers(message="expired", entries=0), "no SpectrumVoIP entry"),
        (Answers(button="save", security_code_box="yes"), "belongs to logging in"),
        (Answers(button="log_in", message="incorrect", security_code_box="no"), "where the code"),
        (Answers(recent_change="rescan", entries=1), "a scan adds an entry"),
    ],
)
def test_contradictory_answers_are_said_to_be_so(answers, words):
    result = triage(answers)
    assert any(words in problem for problem in result.contradictions), result.contradictions
    assert "contradict each other" in result.text()


def test_the_phones_time_is_compared_with_the_exact_time_across_midnight():
    at = TRAINING_INSTANT.timestamp()  # 09:00:00 UTC
    assert phone_offset_from_times("08:58:25", at) == -95
    assert phone_offset_from_times("09:05", at) == 300
    midnight = at + 15 * 3_600 + 60  # 00:01 the next day
    assert phone_offset_from_times("23:59", midnight) == -120
    with pytest.raises(TriageError, match="not a time"):
        phone_offset_from_times("25:00", at)


@pytest.mark.parametrize(
    ("shown", "offset"),
    [
        ("14:28:23", -97),  # Asia/Kolkata (UTC+5:30), phone 97 s slow
        ("03:59:19", -41),  # America/Chicago (UTC-6) in winter, 41 s slow
        ("14:47:13", 133),  # Asia/Kathmandu (UTC+5:45), 133 s fast
        ("09:00:00", 0),
    ],
)
def test_the_phones_own_time_zone_is_not_a_clock_fault(shown, offset):
    # The customer reads local time; the agent is shown UTC (09:00:00 here).
    at = TRAINING_INSTANT.timestamp()
    assert phone_offset_from_times(shown, at) == offset
    verdicts = [c.verdict for c in triage(Answers(phone_offset_seconds=offset)).diagnosis.causes]
    assert (Verdict.CLOCK_DRIFT in verdicts) is (abs(offset) > 30)
    assert Verdict.TIME_ZONE not in verdicts


def test_a_new_phone_that_lists_its_entry_is_not_told_it_has_none():
    result = triage(Answers(message="expired", entries=1, recent_change="new_phone"))
    assert "has no SpectrumVoIP entry" not in result.text()
    assert Verdict.NO_MATCH not in [c.verdict for c in result.diagnosis.causes]


def test_contradictions_come_before_the_words_to_read_out():
    text = triage(Answers(recent_change="rescan", entries=0, message="incorrect")).text()
    assert "scanned again, yet the app lists no entry" in text
    assert text.index("contradict each other") < text.index("Read this to the customer")


@pytest.mark.parametrize(
    "values, words",
    [
        ({"message": "confused"}, "'confused' is not one of"),
        ({"entries": "-1"}, "a count from 0 to 50"),
        ({"entries": "two"}, "not a whole number"),
        ({"phone_offset_seconds": "9" * 5000}, "not a whole number"),
        ({"colour": "blue"}, "no question called 'colour'"),
    ],
)
def test_bad_answers_are_refused_with_the_reason(values, words):
    with pytest.raises(TriageError, match=words):
        Answers.from_mapping(values)


# --- the command line and hostile answer files ---------------------------------------------------


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_triage_from_an_answers_file_as_json(tmp_path):
    path = write(
        tmp_path,
        "button: log_in\nsecurity_code_box: yes\nmessage: expired\n"
        "phone_offset_seconds: -180\nentries: 1\nrecent_change: none\n",
    )
    result = run("triage", "--answers", str(path), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [c["verdict"] for c in data["causes"]] == ["CLOCK_DRIFT"]
    assert data["contradictions"] == [] and data["answers"]["phone_offset_seconds"] == -180
    text = run("triage", "--answers", str(path))
    assert "Read this to the customer:" in text.stdout


def test_triage_asks_the_questions_on_the_terminal():
    answers = "log_in\nyes\nexpired\n-180\n1\nnone\nstandard\n"
    result = run_with_input(["triage", "--json"], answers)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == "CLOCK_DRIFT"
    assert "The exact time now:" in result.stderr
    retry = run_with_input(["triage", "--json"], "sideways\nlog_in\n\n\n\n\n\n\n")
    assert "try again" in retry.stderr and retry.returncode == 0


def run_with_input(args: list[str], text: str):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "mfa_kit", *args],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
    )


HOSTILE = [
    ("message: expired\nmessage: locked\n", "answered twice"),
    ("base: &a expired\nmessage: *a\n", "anchors and aliases"),
    ("message: !!python/object:os.system expired\n", "tags are not allowed"),
    ("message:\n  nested: expired\n", "nesting is not allowed"),
    ("- message\n- expired\n", "lists are not allowed"),
    ("message: expired\n---\nmessage: locked\n", "more than one document"),
    ("message: 'unclosed\n", "not valid YAML"),
    ("just a sentence\n", "not a mapping"),
    ("entries: " + "9" * 5000 + "\n", "not a whole number"),
    (b"message: \xff\xfe\n", "not UTF-8"),
    ("x" * (MAX_ANSWERS_BYTES + 1), "larger than 64 KiB"),
]


@pytest.mark.parametrize("content, words", HOSTILE, ids=[w for _, w in HOSTILE])
def test_a_hostile_answers_file_is_one_line_and_exit_2(tmp_path, content, words):
    path = write(tmp_path, content)
    before = sorted(os.listdir(tmp_path))
    started = time.monotonic()
    result = run("triage", "--answers", str(path), cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert str(path) in lines[0] and words in lines[0]
    assert sorted(os.listdir(tmp_path)) == before  # nothing written
    assert time.monotonic() - started < 10  # the process start dominates; the refusal is instant
    with pytest.raises(TriageError, match=words):
        load_answers(path)


def test_a_fifo_and_a_device_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "answers.fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(TriageError, match="not a regular file"):
        load_answers(fifo)
    with pytest.raises(TriageError, match="not a regular file"):
        load_answers("/dev/zero")
    assert time.monotonic() - started < 1
    with pytest.raises(TriageError, match="cannot open it"):
        load_answers(tmp_path / "missing.yaml")


def test_every_question_has_a_prompt():
    assert [q.name for q in QUESTIONS] == list(Answers().as_dict())
    assert all(q.prompt.endswith(("?", ".", ")")) for q in QUESTIONS)


# --- the widget ---------------------------------------------------------------------------------


def test_the_widget_shows_the_exact_time_and_triages_a_slow_phone():
    clock = FixedClock(TRAINING_INSTANT)
    screen = TriageScreen(clock)
    assert "2026-01-15 09:00:00 UTC" in screen.exact_time.value
    screen.answer(message="expired", phone_offset_seconds="08:58:25", entries=1)
    screen.triage_button.click()
    assert screen.result is not None
    assert screen.result.diagnosis.verdicts == [Verdict.CLOCK_DRIFT]
    assert screen.result.answers.phone_offset_seconds == -95
    assert "Read this to the customer" in screen.result_area.value
    assert screen.text.startswith("Likely causes")


def test_the_widget_says_what_is_wrong_with_an_answer_and_keeps_going():
    screen = TriageScreen(FixedClock(TRAINING_INSTANT))
    screen.answer(entries="lots")
    assert screen.triage() is None
    assert "not a whole number" in screen.message and screen.result_area.value == ""
    screen.answer(entries="2", recent_change="reset")
    assert screen.triage().verdict is Verdict.PREVIOUS_SECRET
    with pytest.raises(TriageError, match="no question called"):
        screen.answer(colour="blue")


def test_the_widget_reaches_every_verdict_too():
    screen = TriageScreen(FixedClock(TRAINING_INSTANT))
    for verdict, answers in EVERY_VERDICT.items():
        values = {k: ("" if v is None else v) for k, v in answers.as_dict().items()}
        screen.answer(**values)
        assert screen.triage().verdict is verdict
