"""Ticket reproduction: each scenario reaches the verdict it claims and is fixed; the
mfa-kit reproduce command writes a report whose verdict is the ticket's expected one, and
refuses a bad ticket with one line, exit 2 and no report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mfa_kit.cli import main
from mfa_kit.cli.reproduce import DIAGNOSIS_TAG, read_diagnosis
from mfa_kit.diagnose import Verdict
from mfa_kit.errors import CodeAlreadyUsed, CodeExpired, InvalidCode
from mfa_kit.otp import ISSUER, format_code
from mfa_kit.scenarios import CATALOGUE, build, situation, troubleshoot, verdict_line
from mfa_kit.ticket import EntryRead, load
from mfa_kit.training import TRAINING_INSTANT, TRAINING_LOGIN, TRAINING_SECRET

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


def test_a_reported_code_overrides_what_the_app_shows():
    s = situation(Verdict.CLOCK_DRIFT, reported_code="000 000")
    assert s.typed_code == "000 000"
    assert s.entry.code() != "000000"


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
def test_each_example_ticket_rebuilds_to_its_expected_verdict(path):
    ticket = load(path)
    s = build(ticket)
    s.attempt()
    assert s.diagnose().verdict.name == ticket.expected_verdict


# the command: bad tickets


def reproduce(*args: str) -> int:
    try:
        return main(["reproduce", *args])
    except SystemExit as leaving:  # argparse's own usage errors
        return int(leaving.code)


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


def test_a_report_that_is_not_a_notebook_is_refused_before_running(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert reproduce(str(EXAMPLES[0]), "-o", "report.html") == 2
    err = capsys.readouterr().err
    assert err == "mfa-kit reproduce: error: the report must be a .ipynb file, not report.html\n"
    assert list(tmp_path.iterdir()) == []


# the command: real runs (each starts a kernel, a few seconds)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mfa_kit", "reproduce", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_reproducing_an_example_ticket_writes_a_report_with_its_verdict(tmp_path, path):
    ticket = load(path)
    html = path.stem == "clock-drift"  # one run also checks the HTML export
    args = [str(path)] + (["--html"] if html else [])
    result = run_cli(*args, cwd=tmp_path)  # default report path: reports/<id>.ipynb here
    assert result.returncode == 0, result.stderr
    report = tmp_path / "reports" / f"{ticket.id}.ipynb"
    diagnosis = read_diagnosis(report)
    assert diagnosis["verdict"] == ticket.expected_verdict
    lines = result.stdout.splitlines()
    assert lines[0] == f"Report: {Path('reports') / f'{ticket.id}.ipynb'}"
    assert lines[-1] == f"Verdict: {verdict_line(diagnosis)}"
    assert result.stderr == ""
    notebook = json.loads(report.read_text(encoding="utf-8"))
    assert notebook["metadata"]["papermill"]["parameters"] == ticket.parameters()
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in code_cells)
    assert not any(o.get("output_type") == "error" for c in code_cells for o in c["outputs"])
    if html:
        page = (tmp_path / "reports" / f"{ticket.id}.html").read_text(encoding="utf-8")
        assert lines[1] == f"HTML report: {Path('reports') / f'{ticket.id}.html'}"
        assert "The phone&#39;s clock is wrong" in page or "The phone's clock is wrong" in page
        assert 'src="data:image/svg+xml;base64,' in page  # the picture travels inline
        assert 'src="http' not in page


def test_a_verdict_other_than_the_expected_one_fails_the_run(tmp_path):
    ticket = tmp_path / "wrong.yaml"
    ticket.write_text(
        (REPO / "tickets" / "examples" / "clock-drift.yaml")
        .read_text(encoding="utf-8")
        .replace("expected_verdict: CLOCK_DRIFT", "expected_verdict: TIME_ZONE"),
        encoding="utf-8",
    )
    report = tmp_path / "deep" / "report.ipynb"
    result = run_cli(str(ticket), "-o", str(report), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "mfa-kit reproduce: expected TIME_ZONE but the reproduction says CLOCK_DRIFT\n"
    )
    # The report is still written, so the agent can read why.
    assert read_diagnosis(report)["verdict"] == "CLOCK_DRIFT"
    assert result.stdout.splitlines()[0] == f"Report: {report}"


def test_read_diagnosis_needs_the_tagged_cell(tmp_path):
    report = tmp_path / "r.ipynb"
    report.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}}]}))
    with pytest.raises(LookupError, match=f"no cell tagged '{DIAGNOSIS_TAG}'"):
        read_diagnosis(report)


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


def test_a_notebook_that_stops_is_one_line_and_exit_1(tmp_path, monkeypatch, capsys):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    def stops(source, output, **_):
        Path(output).write_text("{}", encoding="utf-8")  # papermill keeps the partial report
        raise PapermillExecutionError(
            9, 7, "assert ...", "AssertionError", "the fix did not work", []
        )

    monkeypatch.setattr(papermill, "execute_notebook", stops)
    report = tmp_path / "report.ipynb"
    assert reproduce(str(EXAMPLES[0]), "-o", str(report)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "mfa-kit reproduce: the ticket notebook stopped at cell 7: AssertionError: "
        f"the fix did not work (partial report: {report})\n"
    )


def test_a_kernel_that_cannot_start_is_one_line_and_exit_1(tmp_path, monkeypatch, capsys):
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel

    def no_kernel(*_, **__):
        raise NoSuchKernel("python3")

    monkeypatch.setattr(papermill, "execute_notebook", no_kernel)
    report = tmp_path / "report.ipynb"
    assert reproduce(str(EXAMPLES[0]), "-o", str(report)) == 1
    err = capsys.readouterr().err
    assert err.startswith("mfa-kit reproduce: could not run the ticket notebook: NoSuchKernel")
    assert err.count("\n") == 1
    assert not report.exists()
