"""Ticket reproduction: each scenario reaches the verdict it claims and is fixed; the
mfa-kit reproduce command writes a report whose verdict is the ticket's expected one, and
refuses a bad ticket with one line, exit 2 and no report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from mfa_kit.cli import main
from mfa_kit.cli.reproduce import DIAGNOSIS_TAG, read_diagnosis, read_reproduction
from mfa_kit.diagnose import Verdict
from mfa_kit.errors import CodeAlreadyUsed, CodeExpired, InvalidCode
from mfa_kit.otp import ISSUER, format_code
from mfa_kit.report import REPORT_LIMIT_BYTES, html_page, report_notebook, text_summary
from mfa_kit.scenarios import (
    CATALOGUE,
    FIXES,
    NOT_CHECKED,
    situation,
    troubleshoot,
    verdict_line,
)
from mfa_kit.scenarios import reproduce as reproduce_ticket
from mfa_kit.ticket import EntryRead, Symptom, example, load
from mfa_kit.training import TRAINING_INSTANT, TRAINING_LOGIN, TRAINING_SECRET
from tests.test_ticket import HOSTILE

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "tickets" / "examples").glob("*.yaml"))
AT = TRAINING_INSTANT.timestamp()

# The signed offsets the catalogue's situations are built to show (positive: phone ahead).
EXPECTED_OFFSETS = {
    Verdict.CLOCK_DRIFT: (5, 150),
    Verdict.TIME_ZONE: (120, 3600),
    Verdict.REUSED_CODE: (-1, -30),
    Verdict.EXPIRED: (-3, -90),
    Verdict.PENDING_NOT_SAVED: (0, 0),
    Verdict.PREVIOUS_SECRET: (0, 0),
    Verdict.OTHER_ACCOUNT: (0, 0),
    Verdict.APP_IGNORES_PROFILE: (0, 0),
    Verdict.LOCKED: (None, None),
    Verdict.MFA_NOT_ENABLED: (None, None),
    Verdict.GOOGLE_LOGIN: (None, None),
    Verdict.MALFORMED: (None, None),
    Verdict.NO_MATCH: (None, None),
}


# the scenarios


def test_the_catalogue_covers_every_verdict_a_customer_can_hit():
    assert set(CATALOGUE) == set(Verdict) - {Verdict.VALID_NOW}
    assert set(EXPECTED_OFFSETS) == set(CATALOGUE)


@pytest.mark.parametrize("verdict", list(CATALOGUE), ids=lambda v: v.name)
def test_each_scenario_gets_its_verdict_and_is_fixed(verdict):
    case = troubleshoot(verdict)
    assert case.verdict is verdict
    assert (case.diagnosis.offset_steps, case.diagnosis.offset_seconds) == EXPECTED_OFFSETS[verdict]
    assert not case.diagnosis.ambiguous
    # The customer's attempt failed on screen, and the fix made the next login succeed.
    assert "You are logged in" not in case.symptom or verdict is Verdict.MFA_NOT_ENABLED
    assert case.logged_in
    assert case.outcome.startswith(f"Logged in as {TRAINING_LOGIN}")
    session = case.login_screen.session
    assert session is not None and session.used_mfa


def test_clock_drift_shows_the_refusal_and_the_phone_running_ahead():
    s = situation(Verdict.CLOCK_DRIFT)
    assert s.phone_clock.now() - s.clock.now() == 150
    screen = s.attempt()
    assert screen.stage == "security_code"
    assert isinstance(screen.error, InvalidCode)
    assert s.portal.status(TRAINING_LOGIN).failures == 1
    assert s.typed_code == s.entry.code()  # what the app shows on the fast phone


def test_a_phone_running_slow_by_minutes_is_drift_not_expiry():
    s = situation(Verdict.CLOCK_DRIFT, phone_clock_offset_seconds=-600)
    s.attempt()
    diagnosis = s.diagnose()
    assert diagnosis.verdict is Verdict.CLOCK_DRIFT
    assert (diagnosis.offset_steps, diagnosis.offset_seconds) == (-20, -600)


def test_the_reused_code_is_the_one_that_logged_in_moments_before():
    s = situation(Verdict.REUSED_CODE)
    account = s.portal.store.account(TRAINING_LOGIN)
    assert account.last_step == int(AT // 30) - 1
    screen = s.attempt()
    assert isinstance(screen.error, CodeAlreadyUsed)
    s.apply_fix(s.diagnose())
    assert s.clock.now() == AT + 0  # the next step had already begun: no wait needed
    assert s.log_in().stage == "logged_in"


@pytest.mark.parametrize(("verdict", "before"), [(Verdict.REUSED_CODE, 10), (Verdict.EXPIRED, 90)])
def test_the_phone_is_shown_as_it_was_when_the_code_was_read(verdict, before):
    s = situation(verdict)
    shown = s.describe_phone().splitlines()
    assert shown[0].endswith(f", when the code was read, {before} s before it was typed")
    read_line = next(line for line in shown if line.endswith("<- read this one"))
    # The code marked as read is the very code the customer typed.
    assert (
        read_line == f"  {ISSUER} ({TRAINING_LOGIN}): {format_code(s.typed_code)}  <- read this one"
    )


def test_the_phone_is_shown_at_the_typing_moment_when_the_code_was_read_then():
    s = situation(Verdict.CLOCK_DRIFT)
    assert s.describe_phone().splitlines()[0] == (
        "Phone clock: 09:02:30 UTC (+150 s against the real time)"
    )


def test_an_expired_code_is_refused_as_expired():
    screen = situation(Verdict.EXPIRED).attempt()
    assert isinstance(screen.error, CodeExpired)


def test_a_rescanned_qr_leaves_a_pending_secret_and_two_entries():
    s = situation(Verdict.PENDING_NOT_SAVED)
    account = s.portal.store.account(TRAINING_LOGIN)
    assert account.secret == TRAINING_SECRET
    assert account.pending_secret not in (None, TRAINING_SECRET)
    assert [e.secret for e in s.phone.find(TRAINING_LOGIN)] == [
        TRAINING_SECRET,
        account.pending_secret,
    ]
    assert s.entry.secret == account.pending_secret


def test_after_an_agent_reset_the_old_entry_holds_the_previous_secret():
    s = situation(Verdict.PREVIOUS_SECRET)
    account = s.portal.store.account(TRAINING_LOGIN)
    assert account.previous_secret == TRAINING_SECRET == s.entry.secret
    assert account.secret != TRAINING_SECRET
    fix = s.apply_fix(s.diagnose())
    assert [e.secret for e in s.phone.find(TRAINING_LOGIN)] == [account.secret]
    assert "deletes the old SpectrumVoIP entry" in fix[0]


def test_locked_account_refuses_even_the_right_code_until_an_agent_unlocks_it():
    s = situation(Verdict.LOCKED)
    status = s.portal.status(TRAINING_LOGIN)
    assert status.locked_until is not None and status.failures == 5
    assert s.typed_code == s.entry.code()  # the right code, refused all the same
    screen = s.attempt()
    assert screen.stage == "credentials" and "locked until" in screen.message
    fix = s.apply_fix(s.diagnose())
    assert fix == [
        f"Agent console: Find {TRAINING_LOGIN}, Unlock → {TRAINING_LOGIN} is unlocked. "
        f"({TRAINING_LOGIN}: MFA active; not locked; failed attempts in a row: 0)"
    ]
    assert s.portal.status(TRAINING_LOGIN).locked_until is None
    assert s.portal.audit_trail(TRAINING_LOGIN)[-1].event == "unlocked"


def test_the_other_accounts_entry_is_read_and_differs_from_the_customers():
    s = situation(Verdict.OTHER_ACCOUNT)
    assert s.ticket.read_entry is EntryRead.OTHER_ACCOUNT
    assert s.entry.account == "sam.patel"
    assert s.entry.secret != s.portal.store.account(TRAINING_LOGIN).secret


def test_a_training_tickets_reported_code_overrides_what_the_app_shows():
    s = situation(Verdict.CLOCK_DRIFT, reported_code="000 000")
    assert s.ticket.training
    assert s.typed_code == "000 000" and s.reported_code_checked
    assert s.entry.code() != "000000"


def test_a_real_customers_code_is_never_checked_against_the_training_key():
    # A real code comes from the customer's own key: the situation described is rebuilt
    # and the practice phone's code is typed instead, and the report says so plainly.
    s = situation(Verdict.CLOCK_DRIFT, reported_code="000 000", training=False)
    assert not s.reported_code_checked
    assert s.typed_code == s.entry.code() != "000000"
    r = reproduce_ticket(s.ticket)
    assert r.verdict is Verdict.CLOCK_DRIFT and r.logged_in
    assert not r.code_checked and r.as_dict()["reported_code_checked"] is False
    assert f"Note: {NOT_CHECKED}" in text_summary(r)
    assert NOT_CHECKED.replace("'", "&#x27;") in html_page(r)


def test_a_malformed_real_code_is_judged_by_its_shape_alone():
    r = reproduce_ticket(example(id="M", reported_code="12345", training=False))
    assert r.code_checked and r.verdict is Verdict.MALFORMED and r.logged_in


def test_the_diagnosis_only_reads_the_portal():
    s = situation(Verdict.CLOCK_DRIFT)
    s.attempt()
    before = (s.portal.store.account(TRAINING_LOGIN), len(s.portal.audit_trail()))
    s.diagnose()
    assert (s.portal.store.account(TRAINING_LOGIN), len(s.portal.audit_trail())) == before


def test_the_case_transcript_and_picture_are_the_same_on_every_run():
    first, second = troubleshoot(Verdict.TIME_ZONE), troubleshoot(Verdict.TIME_ZONE)
    assert first.transcript() == second.transcript()
    assert first.picture_svg() == second.picture_svg()
    assert "Diagnosis: TIME_ZONE: The phone's time zone is set wrong (+120 steps, +3600 s)" in (
        first.transcript()
    )
    assert ">+120<" in first.picture_svg() and "code typed" in first.picture_svg()


def test_verdict_line_reads_a_diagnosis_or_its_json():
    diagnosis = situation(Verdict.EXPIRED).diagnose()
    line = "EXPIRED: The code had expired (-3 steps, -90 s)"
    assert verdict_line(diagnosis) == line
    assert verdict_line(json.loads(json.dumps(diagnosis.as_dict()))) == line


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_ticket_reproduces_to_its_expected_verdict_and_is_fixed(path):
    ticket = load(path)
    r = reproduce_ticket(ticket)
    assert r.verdict.name == ticket.expected_verdict
    assert r.logged_in and r.ok


def test_a_rescanned_qr_is_fixed_by_finishing_the_setup_on_the_profile_page():
    s = situation(Verdict.PENDING_NOT_SAVED)
    s.attempt()
    fix = s.apply_fix(s.diagnose())
    account = s.portal.store.account(TRAINING_LOGIN)
    assert account.pending_secret is None
    assert [e.secret for e in s.phone.find(TRAINING_LOGIN)] == [account.secret]
    assert fix[0].endswith("Welcome, Jordan Lee. You are logged in.")
    assert fix[2].startswith("Passcode and Current Password → Save → Your security settings")
    assert fix[-1] == "The customer waits 30 s for a new code: Save used the last one."
    assert s.log_in().stage == "logged_in"


def test_a_fix_that_does_not_fit_the_situation_says_which_step_was_refused():
    s = situation(Verdict.MFA_NOT_ENABLED)
    with pytest.raises(RuntimeError, match="^Set Up Google Authenticator was refused: Multi"):
        s.apply_fix(troubleshoot(Verdict.NO_MATCH).diagnosis)  # reset, then set up: MFA is off
    assert s.phone.entries == []
    assert not s.portal.status(TRAINING_LOGIN).mfa_enabled


def test_the_picture_counts_the_portals_steps_as_they_were_when_the_code_was_typed():
    case = troubleshoot(Verdict.APP_IGNORES_PROFILE)
    # Drawn in the portal's 60-second steps of that moment (the fix set 30 s again), and no
    # step is framed: the app's code is not one of the portal's codes.
    assert case.situation.portal.policy.profile.period == 30
    assert "Time steps of 60 s" in case.picture_svg()
    assert "code typed" not in case.picture_svg()
    assert "the portal counts 60-second steps" in case.transcript()


# the command: bad tickets


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: [unclosed\n", "not valid YAML at line 2"),
        ("id: T-9\nlogin: jordan.lee\nsymptom: code rejected\n", "missing field 'typed_at'"),
        (
            "id: T-9\nlogin: jordan.lee\nsymptom: code rejected\ntyped_at: 2026-01-15T09:00:00\n",
            "typed_at 2026-01-15T09:00:00 has no time zone",
        ),
        (
            "id: T-9\nlogin: jordan.lee\nsymptom: code rejected\n"
            "typed_at: '2026-01-15T09:00:00Z'\nreported_code: 012345\n",
            "reported_code must be quoted text like '012345'",
        ),
        (
            "id: T-9\nlogin: jordan.lee\nsymptom: code rejected\n"
            "typed_at: '2026-01-15T09:00:00Z'\nexpected_verdict: MYSTERY\n",
            "expected_verdict 'MYSTERY' is not one of",
        ),
        (
            "id: T-9\nlogin: jordan.lee\nsymptom: code rejected\n"
            "typed_at: '2026-01-15T09:00:00Z'\nfailed_attempts_before: 5\ncode_used_before: true\n",
            "this history cannot happen on the portal: Too many failed attempts.",
        ),
        (
            "id: T-9\nlogin: jordan.lee\nsymptom: code rejected\n"
            "typed_at: 2026-01-15T09:00:00+25:00\n",
            "typed_at 2026-01-15T09:00:00+25:00 is not a real time",
        ),
        (
            "id: T-9\nlogin: jordan.lee\nsymptom: code rejected\ntyped_at: 1970-01-01T00:00:10Z\n",
            "typed_at 1970-01-01T00:00:10+00:00 is out of range",
        ),
    ],
    ids=[
        "bad-yaml",
        "missing-field",
        "no-zone",
        "code-as-number",
        "unknown-verdict",
        "impossible",
        "offset-25h",
        "before-1971",
    ],
)
def test_a_bad_ticket_is_one_line_exit_2_and_no_report(
    tmp_path, monkeypatch, capsys, text, message
):
    monkeypatch.chdir(tmp_path)
    ticket = tmp_path / "ticket.yaml"
    ticket.write_text(text, encoding="utf-8")
    report = tmp_path / "out" / "report.ipynb"
    assert reproduce(str(ticket), "-o", str(report), "--html") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        captured.err
        == f"mfa-kit reproduce: error: {ticket}: {message}" + captured.err.split(message, 1)[1]
    )
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    # Nothing was written: no report, no HTML, not even the folders.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ticket.yaml"]


def test_a_missing_ticket_file_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert reproduce("nowhere.yaml") == 2
    assert capsys.readouterr().err == "mfa-kit reproduce: error: nowhere.yaml: no such file\n"
    assert list(tmp_path.iterdir()) == []


def test_a_report_that_is_not_a_notebook_or_folder_is_refused_before_running(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert reproduce(str(EXAMPLES[0]), "-o", "report.html") == 2
    err = capsys.readouterr().err
    assert err == (
        "mfa-kit reproduce: error: -o report.html: give a folder for the reports, or a .ipynb "
        "file for one ticket\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_one_report_file_for_several_tickets_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert reproduce(str(EXAMPLES[0]), str(EXAMPLES[1]), "-o", "report.ipynb") == 2
    assert capsys.readouterr().err == (
        "mfa-kit reproduce: error: -o report.ipynb: with several tickets, -o names a folder\n"
    )
    assert list(tmp_path.iterdir()) == []


# reproducing: evidence first, every cause, and no crash


def test_a_right_code_is_valid_now_not_already_used():
    r = reproduce_ticket(load(REPO / "tickets" / "examples" / "right-code.yaml"))
    assert r.accepted and r.verdict is Verdict.VALID_NOW
    assert (r.diagnosis.offset_steps, r.diagnosis.offset_seconds) == (0, 0)
    assert r.rounds == [] and r.logged_in and r.ok
    text = text_summary(r)
    assert "No fix: the replayed code was accepted." in text
    assert "click Submit straight away" in text  # what to check instead


def test_what_the_customer_saw_is_the_screen_as_it_was_then():
    r = reproduce_ticket(CATALOGUE[Verdict.CLOCK_DRIFT])
    assert r.logged_in  # after the fix …
    # … but the snapshot is the refusal the customer saw.
    assert r.saw_text.startswith("Security code page: Security code, [Submit]")
    assert "That code is not correct." in r.saw_html
    assert "logged in" not in r.saw_html.lower() and "<script" not in r.saw_html
    assert "Submit" in r.saw_html


@pytest.mark.parametrize(
    ("changes", "first"),
    [
        ({"failed_attempts_before": 5}, Verdict.LOCKED),
        ({"symptom": Symptom.GOOGLE_LOGIN}, Verdict.GOOGLE_LOGIN),
    ],
    ids=["locked", "google"],
)
def test_a_second_cause_behind_the_first_is_found_and_fixed_never_an_assertion(changes, first):
    r = reproduce_ticket(example(id="X", phone_clock_offset_seconds=300, **changes))
    assert [c.verdict for c in r.causes] == [first, Verdict.CLOCK_DRIFT]
    assert r.verdict is first and r.logged_in and r.ok
    finding = r.rounds[0].finding
    assert finding.startswith("After ")
    assert "still refused: CLOCK_DRIFT: The phone's clock is wrong (+10 steps, +300 s)" in finding
    text = text_summary(r)
    assert "1. " + first.name in text and "2. CLOCK_DRIFT" in text
    assert "Read this to the customer:\n  1. " in text and "\n  2. On the phone, turn on" in text


def test_a_fix_the_portal_refuses_is_a_finding_in_the_report(monkeypatch):
    def refused(s):
        raise RuntimeError("Save was refused: That Passcode is not correct.")

    monkeypatch.setitem(FIXES, Verdict.CLOCK_DRIFT, refused)
    r = reproduce_ticket(CATALOGUE[Verdict.CLOCK_DRIFT])
    assert not r.logged_in and not r.ok
    assert r.rounds[0].refused == (
        "The fix (setting the phone's time to automatic) could not be done in full: Save was "
        "refused: That Passcode is not correct."
    )
    assert "the customer still cannot log in" in text_summary(r)


def test_the_report_shows_times_in_utc_and_the_customers_zone():
    r = reproduce_ticket(load(REPO / "tickets" / "examples" / "locked-and-clock-drift.yaml"))
    text = text_summary(r)
    assert "typed_at: 2026-01-15 09:00:00 UTC (14:30:00 IST, Asia/Kolkata)" in text
    assert "the portal accepted codes made from 14:29:30 to 14:30:59" in text
    assert "Phone clock in the customer's time (Asia/Kolkata): 14:35:00 IST" in text
    assert "In the customer's time (Asia/Kolkata) the lock ends at 14:43 IST." in text
    assert "the portal refused before it asked for the Security code" in text
    # No customer_timezone: the ticket's own offset stands in for it.
    offset = datetime.fromisoformat("2026-01-15T10:00:00+01:00")
    plain = text_summary(reproduce_ticket(example(id="P", typed_at=offset)))
    assert "typed_at: 2026-01-15 09:00:00 UTC (10:00:00 UTC+01:00, as in typed_at)" in plain
    utc = text_summary(reproduce_ticket(example(id="U")))
    assert "typed_at: 2026-01-15 09:00:00 UTC\n" in utc  # nothing to convert


def test_the_html_report_is_ticket_ready():
    r = reproduce_ticket(load(REPO / "tickets" / "examples" / "locked-and-clock-drift.yaml"))
    page = html_page(r)
    assert len(page.encode("utf-8")) < REPORT_LIMIT_BYTES
    for heading in (
        "The ticket",
        "What the customer saw",
        "Causes, in order",
        "The time steps",
        "The fix, done on the practice portal",
        "Read this to the customer",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert "<figcaption>Time steps of 30 s around 09:00:00 UTC" in page  # caption in full
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    # No parameters, no defaults of the notebook, no code.
    for stale in ("T-1001", "ticket_id =", "import ", "parameters"):
        assert stale not in page


# the command


def reproduce(*args: str) -> int:
    try:
        return main(["reproduce", *args])
    except SystemExit as leaving:  # argparse's own usage errors
        return int(leaving.code)


def test_reproducing_an_example_ticket_writes_its_reports(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    path = REPO / "tickets" / "examples" / "clock-drift.yaml"
    assert reproduce(str(path), "--html") == 0
    captured = capsys.readouterr()
    reports = Path("reports")
    assert captured.out.splitlines() == [
        f"Report: {reports / 'T-1041.ipynb'}",
        f"HTML report: {reports / 'T-1041.html'}",
        f"Summary: {reports / 'T-1041.txt'}",
        "Verdict: CLOCK_DRIFT: The phone's clock is wrong (+5 steps, +150 s)",
    ]
    assert captured.err == ""
    notebook = json.loads((tmp_path / "reports" / "T-1041.ipynb").read_text(encoding="utf-8"))
    assert {cell["cell_type"] for cell in notebook["cells"]} == {"markdown"}  # nothing to run
    assert read_diagnosis(tmp_path / "reports" / "T-1041.ipynb")["verdict"] == "CLOCK_DRIFT"
    for suffix in (".ipynb", ".html", ".txt"):
        size = (tmp_path / "reports" / f"T-1041{suffix}").stat().st_size
        assert 0 < size < REPORT_LIMIT_BYTES
    page = (tmp_path / "reports" / "T-1041.html").read_text(encoding="utf-8")
    assert "The phone&#x27;s clock is wrong" in page
    assert "<svg" in page and 'src="http' not in page
    text = (tmp_path / "reports" / "T-1041.txt").read_text(encoding="utf-8")
    assert text.startswith("Ticket T-1041: reproduction on a practice portal\n")
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        "T-1041.html",
        "T-1041.ipynb",
        "T-1041.txt",
    ]


def test_a_batch_prints_one_json_object_per_ticket(tmp_path, capsys):
    out = tmp_path / "out"
    assert reproduce(*map(str, EXAMPLES), "-o", str(out), "--json") == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["id"] for line in lines] == [load(path).id for path in EXAMPLES]
    for line, path in zip(lines, EXAMPLES, strict=True):
        assert {"id", "verdict", "causes", "expected_verdict", "ok"} <= set(line)
        assert line["verdict"] == line["expected_verdict"] == load(path).expected_verdict
        assert line["ok"] is True
        assert line["causes"][0]["verdict"] == line["verdict"]
        assert read_reproduction(Path(line["report"])) == {
            k: v for k, v in line.items() if k not in ("report", "summary")
        }
    locked = next(line for line in lines if line["id"] == "T-1048")
    assert [c["verdict"] for c in locked["causes"]] == ["LOCKED", "CLOCK_DRIFT"]
    assert locked["findings"] == [
        "After Unlock, the code is still refused: CLOCK_DRIFT: The phone's clock is wrong (+10 "
        "steps, +300 s). The phone's clock is about 5 minutes ahead of the real time. The app "
        "works its codes out from that clock, so they no longer line up with the portal's."
    ]
    assert captured.err == ""


def test_text_prints_the_summaries(tmp_path, capsys):
    path = REPO / "tickets" / "examples" / "right-code.yaml"
    assert reproduce(str(path), "-o", str(tmp_path), "--text") == 0
    out = capsys.readouterr().out
    assert out == (tmp_path / "T-1047.txt").read_text(encoding="utf-8") + "\n"
    assert "Verdict VALID_NOW, as the ticket expected" in out


def test_a_verdict_other_than_the_expected_one_fails_the_run(tmp_path, capsys):
    ticket = tmp_path / "wrong.yaml"
    ticket.write_text(
        (REPO / "tickets" / "examples" / "clock-drift.yaml")
        .read_text(encoding="utf-8")
        .replace("expected_verdict: CLOCK_DRIFT", "expected_verdict: TIME_ZONE"),
        encoding="utf-8",
    )
    report = tmp_path / "deep" / "report.ipynb"
    assert reproduce(str(ticket), "-o", str(report), "--json") == 1
    captured = capsys.readouterr()
    assert captured.err == (
        f"mfa-kit reproduce: {ticket}: expected TIME_ZONE but the reproduction says CLOCK_DRIFT\n"
    )
    assert json.loads(captured.out)["ok"] is False
    # The report is still written, so the agent can read why.
    assert read_diagnosis(report)["verdict"] == "CLOCK_DRIFT"


def test_one_ticket_that_breaks_is_one_line_and_the_batch_goes_on(tmp_path, monkeypatch, capsys):
    import mfa_kit.scenarios

    real = mfa_kit.scenarios.reproduce

    def breaks(ticket):
        if ticket.id == "T-1041":
            raise ValueError("something unforeseen")
        return real(ticket)

    monkeypatch.setattr(mfa_kit.scenarios, "reproduce", breaks)
    examples = REPO / "tickets" / "examples"
    first, second = examples / "time-zone.yaml", examples / "clock-drift.yaml"
    assert reproduce(str(first), str(second), "-o", str(tmp_path), "--json") == 1
    captured = capsys.readouterr()
    assert captured.err == (
        f"mfa-kit reproduce: {second}: could not reproduce it: ValueError: something unforeseen\n"
    )
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["id"] for line in lines] == [load(first).id, "T-1041"]
    assert lines[1] == {
        "id": "T-1041",
        "verdict": None,
        "causes": [],
        "expected_verdict": "CLOCK_DRIFT",
        "ok": False,
        "error": "could not reproduce it: ValueError: something unforeseen",
    }


def test_read_diagnosis_needs_a_recorded_diagnosis(tmp_path):
    report = tmp_path / "r.ipynb"
    report.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}}]}))
    with pytest.raises(LookupError, match=f"no cell tagged '{DIAGNOSIS_TAG}'"):
        read_diagnosis(report)
    with pytest.raises(LookupError, match="has no reproduction record"):
        read_reproduction(report)


# hostile tickets through the command: one line, exit 2, nothing written, under a second of
# processor time (wall time on a shared machine measures the neighbours; a FIFO is opened
# without blocking, so a refusal never waits)


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_ticket_is_refused_by_the_command(tmp_path, monkeypatch, capsys, kind):
    text, message = HOSTILE[kind]
    monkeypatch.chdir(tmp_path)
    ticket = tmp_path / "ticket.yaml"
    ticket.write_text(text, encoding="utf-8")
    started = time.process_time()
    assert reproduce(str(ticket), "--html") == 2
    assert time.process_time() - started < 1.0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"mfa-kit reproduce: error: {ticket}: {message}")
    assert captured.err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ticket.yaml"]


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "folder"])
def test_a_ticket_that_is_no_regular_file_is_refused_by_the_command(
    tmp_path, monkeypatch, capsys, special
):
    monkeypatch.chdir(tmp_path)
    if special == "fifo":
        path = tmp_path / "ticket.yaml"
        os.mkfifo(path)
    elif special == "folder":
        path = tmp_path / "ticket.yaml"
        path.mkdir()
    else:
        path = Path(special)
        if not path.exists():
            pytest.skip(f"{special} does not exist here")
    before = sorted(p.name for p in tmp_path.iterdir())
    started = time.process_time()
    assert reproduce(str(path)) == 2
    assert time.process_time() - started < 1.0
    err = capsys.readouterr().err
    assert err.startswith(f"mfa-kit reproduce: error: {path}: is ")
    assert err.endswith(", not a ticket file: a ticket must be a regular file\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_one_bad_ticket_in_a_batch_stops_the_batch_before_anything_is_written(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(HOSTILE["duplicate-key"][0], encoding="utf-8")
    twin = tmp_path / "twin.yaml"
    twin.write_text(EXAMPLES[0].read_text(encoding="utf-8"), encoding="utf-8")
    assert reproduce(str(EXAMPLES[0]), str(bad), str(twin), "--json") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"mfa-kit reproduce: error: {bad}: duplicate key 'login' at line 5: each field may "
        "appear only once",
        f"mfa-kit reproduce: error: {twin}: id {load(EXAMPLES[0]).id} is also the id of "
        f"{EXAMPLES[0]}: each report is named after its ticket id",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "twin.yaml"]


def test_the_command_reproduces_one_ticket_in_a_fresh_process(tmp_path):
    # The real entry point, end to end, as a script would call it.
    path = REPO / "tickets" / "examples" / "right-code.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "mfa_kit", "reproduce", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout)
    assert (line["verdict"], line["ok"], line["causes"][0]["verdict"]) == (
        "VALID_NOW",
        True,
        "VALID_NOW",
    )
    assert result.stderr == ""


def test_a_phone_days_off_is_confirmed_by_its_clock_and_the_reset_is_never_tried():
    # One code matching 3 days away could be chance (the diagnosis says possible); the
    # rebuilt phone's clock is that far off, which is what an agent checks to confirm it.
    r = reproduce_ticket(example(id="D", phone_clock_offset_seconds=3 * 86400))
    assert r.diagnosis.verdict is Verdict.NO_MATCH
    assert [c.verdict for c in r.diagnosis.causes][:2] == [Verdict.NO_MATCH, Verdict.CLOCK_DRIFT]
    assert r.diagnosis.causes[1].possible
    assert [c.verdict for c in r.causes] == [Verdict.CLOCK_DRIFT]
    assert r.causes[0].found == "confirmed by the rebuilt phone's clock"
    assert not r.causes[0].possible and "about 3 days ahead of" in r.causes[0].explanation
    assert r.verdict_line() == "CLOCK_DRIFT: The phone's clock is wrong (+8640 steps, +259200 s)"
    assert [round_.cause for round_ in r.rounds] == [Verdict.CLOCK_DRIFT] and r.logged_in


def test_the_portals_record_of_the_attempt_is_in_the_report():
    r = reproduce_ticket(CATALOGUE[Verdict.CLOCK_DRIFT])
    assert (r.record.outcome, r.record.matched, r.record.offset_steps) == (
        "invalid_code",
        "active",
        5,
    )
    assert r.record_line() == (
        "The portal's record of this attempt: refused (invalid code); the code matched the "
        "active setup at +5 steps (+150 s)."
    )
    locked = reproduce_ticket(CATALOGUE[Verdict.LOCKED])
    assert locked.record is None  # the lock refused the password step: no code was asked
    assert "never asked for the code" in text_summary(locked)


def test_the_largest_ticket_allowed_still_makes_a_report_under_100_kb():
    r = reproduce_ticket(
        example(
            id="L" * 64,
            login="a" * 64,
            other_account="b" * 64,
            summary="<&>\"' " * 333,
            reported_code="<&>" * 10,
            training=False,
            customer_timezone="America/Argentina/Buenos_Aires",
        )
    )
    assert r.verdict is Verdict.MALFORMED
    for rendering in (html_page(r), text_summary(r), json.dumps(report_notebook(r))):
        assert len(rendering.encode("utf-8")) < REPORT_LIMIT_BYTES
    assert "<&>" not in html_page(r)  # what the customer typed is shown, never run


def test_after_the_reproduction_a_trainee_can_log_in_once_the_next_code_shows():
    # Notebook 08 ends with live screens on the fixed portal: the code the fix used is
    # refused as used; the next one logs in.
    r = reproduce_ticket(CATALOGUE[Verdict.CLOCK_DRIFT])
    s = r.situation
    assert s.wait_for_a_new_code() == 30
    assert s.log_in().stage == "logged_in"


def test_a_save_refused_during_a_fix_names_the_phones_clock_from_the_portals_record():
    # 60-second codes and a phone 5 minutes fast: the new setup's Save is refused, and the
    # portal's record of that Passcode (it matched the new setup 10 steps on) shows why.
    r = reproduce_ticket(example(id="A", phone_clock_offset_seconds=300, portal_period_seconds=60))
    assert r.verdict is Verdict.APP_IGNORES_PROFILE
    drift = next(c for c in r.causes if c.verdict is Verdict.CLOCK_DRIFT)
    assert drift.found == "found when the standard code settings and a new setup was refused"
    assert "about 5 minutes later (the portal's record of it)" in drift.explanation
    assert r.rounds[0].refused.startswith("The fix (the standard code settings and a new setup)")
    assert r.logged_in
