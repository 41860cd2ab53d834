"""Every cause in order: a diagnosis lists each reason a login failed, first to act on first."""

from __future__ import annotations

import json

import pytest

from mfa_kit import errors
from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import SkewedClock
from mfa_kit.diagnose import Cause, Diagnosis, Verdict, diagnose_login
from mfa_kit.policy import DEFAULT_POLICY
from mfa_kit.portal import Portal
from mfa_kit.training import TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_SECRET

DICT_KEYS = {
    "verdict",
    "causes",
    "offset_steps",
    "offset_seconds",
    "explanation",
    "fix",
    "read_out",
}
CAUSE_KEYS = {"verdict", "explanation", "fix", "possible", "odds", "offset_steps", "offset_seconds"}


def fast_phone_code(clock, seconds: int = 300) -> str:
    phone = Authenticator(SkewedClock(clock, seconds))
    return phone.enter_setup_key(TRAINING_LOGIN, TRAINING_SECRET).code()


def lock(portal: Portal, code: str) -> None:
    for _ in range(DEFAULT_POLICY.max_failures):
        try:
            challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
            portal.submit_security_code(challenge, code)
        except (errors.CodeRejected, errors.AccountLocked):
            pass
    assert portal.status(TRAINING_LOGIN).locked_until is not None


def test_a_single_cause_is_the_verdict_with_its_words():
    diagnosis = Diagnosis(Verdict.GOOGLE_LOGIN)
    assert diagnosis.causes == [Cause(Verdict.GOOGLE_LOGIN)]
    assert diagnosis.causes[0].explanation == Verdict.GOOGLE_LOGIN.explanation
    assert diagnosis.read_out == diagnosis.summary()
    data = json.loads(json.dumps(diagnosis.as_dict()))
    assert DICT_KEYS <= set(data)
    assert CAUSE_KEYS <= set(data["causes"][0])
    assert data["causes"][0]["possible"] is False and data["causes"][0]["odds"] is None


def test_the_verdict_must_be_the_first_cause():
    with pytest.raises(ValueError, match="first of the causes"):
        Diagnosis(Verdict.LOCKED, causes=[Cause(Verdict.CLOCK_DRIFT)])
    with pytest.raises(ValueError, match="at least one cause"):
        Diagnosis.of([])


def test_a_phone_300_s_fast_refused_until_locked_is_locked_then_clock_drift(enrolled, clock):
    code = fast_phone_code(clock)
    lock(enrolled, code)
    diagnosis = diagnose_login(enrolled, TRAINING_LOGIN, code)
    assert diagnosis.verdicts == [Verdict.LOCKED, Verdict.CLOCK_DRIFT]
    assert diagnosis.verdict is Verdict.LOCKED
    assert diagnosis.offset_seconds == 300
    assert diagnosis.until == enrolled.status(TRAINING_LOGIN).locked_until
    drift = diagnosis.causes[1]
    assert drift.offset_steps == 10 and "5 minutes ahead" in drift.explanation
    read_out = diagnosis.read_out
    assert read_out.index("Unlock") < read_out.index("automatic date and time")
    assert read_out.startswith("There are 2 things to put right, in this order. First:")
    data = diagnosis.as_dict()
    assert [c["verdict"] for c in data["causes"]] == ["LOCKED", "CLOCK_DRIFT"]
    assert data["explanation"] == diagnosis.causes[0].explanation
    assert code not in json.dumps(data) and TRAINING_SECRET not in json.dumps(data)


def test_log_in_with_google_and_a_drifting_phone_is_google_login_then_clock_drift(enrolled, clock):
    code = fast_phone_code(clock, -600)
    diagnosis = diagnose_login(enrolled, TRAINING_LOGIN, code, symptom="Log in with Google")
    assert diagnosis.verdicts == [Verdict.GOOGLE_LOGIN, Verdict.CLOCK_DRIFT]
    assert diagnosis.read_out.index("Log In") < diagnosis.read_out.index("automatic date")


def test_a_right_code_behind_a_lock_adds_no_cause(enrolled, clock, phone):
    lock(enrolled, "000000")
    diagnosis = diagnose_login(enrolled, TRAINING_LOGIN, phone.entries[0].code())
    assert diagnosis.verdicts == [Verdict.LOCKED]
