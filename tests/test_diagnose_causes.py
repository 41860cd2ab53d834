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
from mfa_kit.training import TRAINING_INSTANT, TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_SECRET

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


# --- every pair of causes ------------------------------------------------------------------------

OTHER_LOGIN = "sam.ortiz"


def _drift(portal, phone, clock):
    return fast_phone_code(clock, 600)


def _time_zone(portal, phone, clock):
    return fast_phone_code(clock, -3_600)


def _reused(portal, phone, clock):
    code = phone.entries[0].code()
    challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    portal.submit_security_code(challenge, code)
    return code


def _pending(portal, phone, clock, skew: int = 0):
    challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    session = portal.submit_security_code(challenge, phone.entries[0].code())
    clock.advance(30)
    setup = portal.start_authenticator_setup(TRAINING_LOGIN, session=session)
    entry = Authenticator(SkewedClock(clock, skew)).add_uri(setup.uri)
    return entry.code()


def _previous(portal, phone, clock, skew: int = 0):
    old_secret = phone.entries[0].secret
    portal.reset_mfa(TRAINING_LOGIN)
    new_entry = phone.scan_qr_code(portal.start_authenticator_setup(TRAINING_LOGIN).qr_png())
    portal.save_security_settings(TRAINING_LOGIN, new_entry.code(), TRAINING_PASSWORD)
    clock.advance(30)
    return Authenticator(SkewedClock(clock, skew)).enter_setup_key("old", old_secret).code()


def _other_account(portal, phone, clock, skew: int = 0):
    portal.create_account(OTHER_LOGIN, TRAINING_PASSWORD, "Sam Ortiz")
    portal.enable_mfa(OTHER_LOGIN)
    other = phone.scan_qr_code(portal.start_authenticator_setup(OTHER_LOGIN).qr_png())
    portal.save_security_settings(OTHER_LOGIN, other.code(), TRAINING_PASSWORD)
    clock.advance(30)
    return Authenticator(SkewedClock(clock, skew)).enter_setup_key("o", other.secret).code()


def _malformed(portal, phone, clock):
    return "12ab56"


def _no_match(portal, phone, clock):
    from mfa_kit.training import TrainingSecrets

    secrets = TrainingSecrets()
    for _ in range(5):
        unrelated = secrets()
    return Authenticator(clock).enter_setup_key("x", unrelated).code()


def _mfa_not_enabled(portal, phone, clock):
    portal.disable_mfa(TRAINING_LOGIN)
    return phone.entries[0].code()


CODE_CAUSES = {
    Verdict.CLOCK_DRIFT: _drift,
    Verdict.TIME_ZONE: _time_zone,
    Verdict.REUSED_CODE: _reused,
    Verdict.PENDING_NOT_SAVED: _pending,
    Verdict.PREVIOUS_SECRET: _previous,
    Verdict.OTHER_ACCOUNT: _other_account,
    Verdict.MALFORMED: _malformed,
    Verdict.NO_MATCH: _no_match,
    Verdict.MFA_NOT_ENABLED: _mfa_not_enabled,
}


def lock_with_passwords(portal: Portal) -> None:
    for _ in range(DEFAULT_POLICY.max_failures):
        with pytest.raises((errors.LoginFailed, errors.AccountLocked)):
            portal.log_in(TRAINING_LOGIN, "not the password")


@pytest.mark.parametrize("second", list(CODE_CAUSES), ids=lambda v: v.name)
@pytest.mark.parametrize(
    "front",
    [[Verdict.LOCKED], [Verdict.GOOGLE_LOGIN], [Verdict.LOCKED, Verdict.GOOGLE_LOGIN]],
    ids=lambda f: "+".join(v.name for v in f),
)
def test_what_stands_in_front_comes_first_then_the_codes_own_cause(
    enrolled, phone, clock, front, second
):
    code = CODE_CAUSES[second](enrolled, phone, clock)
    if Verdict.LOCKED in front:
        lock_with_passwords(enrolled)
    symptom = "Log in with Google" if Verdict.GOOGLE_LOGIN in front else None
    diagnosis = diagnose_login(enrolled, TRAINING_LOGIN, code, symptom=symptom)
    assert diagnosis.verdicts == [*front, second]
    assert diagnosis.read_out.startswith(f"There are {len(front) + 1} things to put right")
    for cause in diagnosis.causes:
        assert cause.title in diagnosis.read_out and cause.fix in diagnosis.read_out


@pytest.mark.parametrize(
    "situation, first",
    [
        (_pending, Verdict.PENDING_NOT_SAVED),
        (_previous, Verdict.PREVIOUS_SECRET),
        (_other_account, Verdict.OTHER_ACCOUNT),
    ],
    ids=lambda x: getattr(x, "name", getattr(x, "__name__", "")),
)
def test_another_setup_read_on_a_drifting_phone_is_that_setup_then_the_clock(
    enrolled, phone, clock, situation, first
):
    code = situation(enrolled, phone, clock, skew=240)
    diagnosis = diagnose_login(enrolled, TRAINING_LOGIN, code)
    assert diagnosis.verdicts == [first, Verdict.CLOCK_DRIFT]
    assert diagnosis.causes[1].offset_seconds == 240
    assert diagnosis.causes[0].odds is not None and diagnosis.causes[0].odds < 0.01


def test_a_late_code_settled_by_the_phones_clock_behind_a_lock_is_locked_then_expired(
    enrolled, phone, clock
):
    code = phone.entries[0].code()
    clock.advance(120)
    lock_with_passwords(enrolled)
    diagnosis = diagnose_login(enrolled, TRAINING_LOGIN, code, phone_offset_seconds=0)
    assert diagnosis.verdicts == [Verdict.LOCKED, Verdict.EXPIRED]


def test_a_late_code_reads_out_as_one_of_two_things_not_two_to_put_right():
    # A phone 97 s slow, as oathtool-style arithmetic gives it: the code of 08:58:23.
    from mfa_kit.diagnose import diagnose_code
    from mfa_kit.otp import Totp

    at = TRAINING_INSTANT.timestamp()
    code = Totp(TRAINING_SECRET).at(at - 97)
    diagnosis = diagnose_code(TRAINING_SECRET, code, at)
    assert diagnosis.verdicts == [Verdict.CLOCK_DRIFT, Verdict.EXPIRED]
    read_out = diagnosis.read_out
    assert read_out.startswith("It is one of two things; the phone's clock tells which.")
    assert "things to put right" not in read_out
    assert read_out.index("If the phone's clock is behind") < read_out.index(
        "If the phone's clock is right"
    )
    assert "automatic date and time" in read_out
    assert "the kit shows it to you" not in read_out
