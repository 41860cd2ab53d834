"""Diagnosis from the portal's record: each attempt judged as the portal saw it then.

Every test builds the history through the portal itself, then diagnoses it, with and without
the code, and checks the diagnosis wrote nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mfa_kit import errors
from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import SkewedClock
from mfa_kit.diagnose import Diagnosis, Verdict, diagnose_login
from mfa_kit.policy import DEFAULT_POLICY
from mfa_kit.portal import Portal
from mfa_kit.store import Store
from mfa_kit.training import TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_SECRET, TrainingSecrets

from .conftest import run_mfa_kit as run

PERIOD = DEFAULT_POLICY.profile.period


def diagnose(portal: Portal, code: str | None, **kwargs) -> Diagnosis:
    """Diagnose and prove that nothing in the portal changed (account, audit, record)."""
    before = (
        portal.store.account(TRAINING_LOGIN),
        portal.audit_trail(),
        portal.store.attempts(TRAINING_LOGIN),
    )
    diagnosis = diagnose_login(portal, TRAINING_LOGIN, code, **kwargs)
    after = (
        portal.store.account(TRAINING_LOGIN),
        portal.audit_trail(),
        portal.store.attempts(TRAINING_LOGIN),
    )
    assert after == before
    return diagnosis


def submit(portal: Portal, code: str) -> None:
    challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    portal.submit_security_code(challenge, code)


def refused(portal: Portal, code: str) -> None:
    with pytest.raises((errors.CodeRejected, errors.AccountLocked)):
        submit(portal, code)


def skewed_code(clock, seconds: int) -> str:
    phone = Authenticator(SkewedClock(clock, seconds))
    return phone.enter_setup_key(TRAINING_LOGIN, TRAINING_SECRET).code()


def test_a_late_code_then_a_good_login_stays_expired(enrolled, phone, clock):
    code = phone.entries[0].code()
    clock.advance(4 * PERIOD)  # read, then typed two minutes later
    typed_at = clock.now()
    refused(enrolled, code)
    clock.advance(60)
    submit(enrolled, phone.entries[0].code())  # the phone's clock was right all along
    with_code = diagnose(enrolled, code, at=typed_at)
    assert with_code.verdicts == [Verdict.EXPIRED]
    assert with_code.offset_steps == -4
    from_record = diagnose(enrolled, None)
    assert from_record.verdicts == [Verdict.EXPIRED]
    outcomes = [a["outcome"] for a in from_record.attempts]
    assert outcomes == ["ok", "expired_code", "ok"]  # the Save, the late code, the login


def test_drift_then_a_lock_is_locked_then_clock_drift(enrolled, clock):
    code = skewed_code(clock, 300)
    for _ in range(DEFAULT_POLICY.max_failures):
        refused(enrolled, code)
    diagnosis = diagnose(enrolled, None)
    assert diagnosis.verdicts == [Verdict.LOCKED, Verdict.CLOCK_DRIFT]
    assert diagnosis.offset_steps == 10 and diagnosis.offset_seconds == 300
    assert diagnosis.as_dict()["consistent_offset_seconds"] == 300
    refusals = [a for a in diagnosis.attempts if a["outcome"] != "ok"]
    assert len(refusals) == DEFAULT_POLICY.max_failures
    assert {(a["matched"], a["offset_seconds"]) for a in refusals} == {("active", 300)}
    assert diagnosis.read_out.index("Unlock") < diagnosis.read_out.index("automatic date")


def test_a_lock_that_came_later_does_not_lock_an_earlier_attempt(enrolled, clock):
    code = skewed_code(clock, 300)
    typed_at = clock.now()
    refused(enrolled, code)
    clock.advance(120)
    for _ in range(DEFAULT_POLICY.max_failures):
        refused(enrolled, "000000")
    assert enrolled.status(TRAINING_LOGIN).locked_until is not None
    earlier = diagnose(enrolled, code, at=typed_at)
    assert earlier.verdicts == [Verdict.CLOCK_DRIFT]
    now = diagnose(enrolled, code)
    assert now.verdict is Verdict.LOCKED


def test_several_refusals_at_one_late_offset_settle_a_slow_phone(enrolled, clock):
    refused(enrolled, skewed_code(clock, -120))
    clock.advance(PERIOD)
    refused(enrolled, skewed_code(clock, -120))
    diagnosis = diagnose(enrolled, None)
    assert diagnosis.verdicts == [Verdict.CLOCK_DRIFT]
    assert diagnosis.offset_seconds == -120
    one = diagnose(enrolled, skewed_code(clock, -120))
    assert one.verdicts == [Verdict.CLOCK_DRIFT]


def test_a_single_late_refusal_in_the_record_says_how_to_tell(enrolled, clock):
    clock.advance(2 * 3_600)  # the Save's good code is too long ago to vouch for the clock
    refused(enrolled, skewed_code(clock, -120))
    diagnosis = diagnose(enrolled, None)
    assert diagnosis.verdicts == [Verdict.CLOCK_DRIFT, Verdict.EXPIRED]
    assert diagnosis.consistent_offset_steps is None  # one refusal agrees with nothing
    assert diagnosis.offset_steps == diagnosis.causes[0].offset_steps == -4


def test_a_good_code_within_the_hour_vouches_for_the_clock(enrolled, clock):
    refused(enrolled, skewed_code(clock, -120))  # 30 s after the Save's good code
    assert diagnose(enrolled, None).verdicts == [Verdict.EXPIRED]


def test_an_old_entry_after_a_reset_is_judged_as_it_was_then(enrolled, phone, clock):
    old_entry = phone.entries[0]
    enrolled.reset_mfa(TRAINING_LOGIN)
    new_entry = phone.scan_qr_code(enrolled.start_authenticator_setup(TRAINING_LOGIN).qr_png())
    enrolled.save_security_settings(TRAINING_LOGIN, new_entry.code(), TRAINING_PASSWORD)
    clock.advance(PERIOD)
    refused(enrolled, old_entry.code())
    diagnosis = diagnose(enrolled, None)
    assert diagnosis.verdicts == [Verdict.PREVIOUS_SECRET]
    assert diagnosis.attempts[-1]["matched"] == "previous"


def test_no_attempts_is_said_plainly(enrolled, clock):
    clock.advance(2 * 86_400)
    diagnosis = diagnose(enrolled, None)
    assert diagnosis.verdict is Verdict.NO_MATCH
    assert "no Security code or Passcode attempt" in diagnosis.explanation
    assert diagnosis.attempts == []


def test_cli_explains_the_record_without_a_code(tmp_path: Path, clock):
    path = tmp_path / "portal.sqlite3"
    with Store(path) as store:
        portal = Portal(store, clock, secret_factory=TrainingSecrets())
        portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD, "Jordan Lee")
        portal.enable_mfa(TRAINING_LOGIN)
        entry = Authenticator(clock).add_uri(portal.start_authenticator_setup(TRAINING_LOGIN).uri)
        portal.save_security_settings(TRAINING_LOGIN, entry.code(), TRAINING_PASSWORD)
        clock.advance(PERIOD)
        for _ in range(2):
            refused(portal, skewed_code(clock, 600))
            clock.advance(PERIOD)
        now = clock.now()
    at = f"{now:.0f}"
    result = run("diagnose", "--login", TRAINING_LOGIN, "--db", str(path), "--at", at, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [c["verdict"] for c in data["causes"]] == ["CLOCK_DRIFT"]
    assert data["offset_seconds"] == 600
    assert [(a["outcome"], a["matched"], a["offset_seconds"]) for a in data["attempts"]] == [
        ("ok", "pending", 0),
        ("invalid_code", "active", 600),
        ("invalid_code", "active", 600),
    ]
    assert all(a["at"].startswith("2026-01-15T09:0") for a in data["attempts"])
    since = run(
        "diagnose", "--login", TRAINING_LOGIN, "--db", str(path), "--at", at,
        "--since", f"{now - 45:.0f}", "--json",
    )  # fmt: skip
    assert len(json.loads(since.stdout)["attempts"]) == 1
    text = run("diagnose", "--login", TRAINING_LOGIN, "--db", str(path), "--at", at)
    assert "Attempts the portal recorded: 3" in text.stdout
    assert TRAINING_SECRET not in result.stdout + text.stdout
