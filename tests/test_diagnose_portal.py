"""Portal-mode diagnosis: each support case built through the portal and a simulated phone.

Every test also checks that the diagnosis wrote nothing: same account row, same audit trail.
"""

from __future__ import annotations

import pytest

from mfa_kit import errors
from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import FixedClock, SkewedClock
from mfa_kit.diagnose import Diagnosis, Verdict, diagnose_login
from mfa_kit.otp import DEFAULT_PROFILE, TotpProfile
from mfa_kit.policy import DEFAULT_POLICY, SecurityPolicy
from mfa_kit.portal import Portal
from mfa_kit.store import Store
from mfa_kit.training import (
    TRAINING_DISPLAY_NAME,
    TRAINING_INSTANT,
    TRAINING_LOGIN,
    TRAINING_PASSWORD,
    TRAINING_SECRET,
    TrainingSecrets,
)

PERIOD = DEFAULT_PROFILE.period
OTHER_LOGIN = "sam.ortiz"


def diagnose(portal: Portal, code: str, **kwargs) -> Diagnosis:
    """Diagnose and prove that nothing in the portal changed."""
    account_before = portal.store.account(TRAINING_LOGIN)
    audit_before = portal.audit_trail()
    diagnosis = diagnose_login(portal, TRAINING_LOGIN, code, **kwargs)
    assert portal.store.account(TRAINING_LOGIN) == account_before
    assert portal.audit_trail() == audit_before
    for text in (diagnosis.explanation, diagnosis.fix, diagnosis.summary()):
        assert not code or code not in text
        for secret in (
            account_before.secret,
            account_before.pending_secret,
            account_before.previous_secret,
        ):
            assert not secret or secret not in text
    return diagnosis


def log_in_with(portal: Portal, code: str) -> None:
    challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    portal.submit_security_code(challenge, code)


def test_current_code_on_an_enrolled_account_is_valid_now(enrolled, phone):
    diagnosis = diagnose(enrolled, phone.entries[0].code())
    assert diagnosis.verdict is Verdict.VALID_NOW
    assert diagnosis.offset_steps == 0


def test_locked_account_is_locked_with_the_time_it_ends(enrolled, clock):
    for _ in range(DEFAULT_POLICY.max_failures):
        with pytest.raises((errors.LoginFailed, errors.AccountLocked)):
            enrolled.log_in(TRAINING_LOGIN, "wrong password")
    until = enrolled.status(TRAINING_LOGIN).locked_until
    assert until == clock.now() + DEFAULT_POLICY.lockout_seconds
    diagnosis = diagnose(enrolled, "123456")
    assert diagnosis.verdict is Verdict.LOCKED
    assert diagnosis.until == until
    assert diagnosis.offset_steps is None
    assert "Unlock" in diagnosis.fix
    assert "09:16 UTC" in diagnosis.explanation  # 09:15:30, rounded up to the minute
    assert f"After {DEFAULT_POLICY.max_failures} wrong attempts" in diagnosis.explanation
    # Once the lock has run out, the same account is diagnosed on its code again.
    later = diagnose(enrolled, "123456", at=until + 1)
    assert later.verdict is not Verdict.LOCKED


def test_mfa_not_enabled_by_an_agent(portal):
    diagnosis = diagnose(portal, "123456")
    assert diagnosis.verdict is Verdict.MFA_NOT_ENABLED
    assert diagnosis.offset_steps is None
    assert "Technical Support Agent" in diagnosis.fix


def test_log_in_with_google_symptom(enrolled, phone):
    with pytest.raises(errors.NotTheMfaLogin):
        enrolled.log_in_with_google()
    diagnosis = diagnose(enrolled, phone.entries[0].code(), symptom="clicked Log in with Google")
    assert diagnosis.verdict is Verdict.GOOGLE_LOGIN
    assert "Log In" in diagnosis.fix


def test_code_used_for_a_login_is_reused_code(enrolled, phone):
    code = phone.entries[0].code()
    log_in_with(enrolled, code)
    challenge = enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    with pytest.raises(errors.CodeAlreadyUsed):
        enrolled.submit_security_code(challenge, code)
    diagnosis = diagnose(enrolled, code)
    assert diagnosis.verdict is Verdict.REUSED_CODE
    assert diagnosis.offset_steps == 0 and diagnosis.offset_seconds == 0


def test_code_from_the_saved_setup_step_is_reused_code_a_step_later(portal, phone, clock):
    # The Passcode typed at Save is used too: the same code at login, a step later, is a replay.
    portal.enable_mfa(TRAINING_LOGIN)
    entry = phone.scan_qr_code(portal.start_authenticator_setup(TRAINING_LOGIN).qr_png())
    code = entry.code()
    portal.save_security_settings(TRAINING_LOGIN, code, TRAINING_PASSWORD)
    clock.advance(PERIOD)
    diagnosis = diagnose(portal, code)
    assert diagnosis.verdict is Verdict.REUSED_CODE
    assert diagnosis.offset_steps == -1


def test_code_from_a_rescanned_qr_never_saved_is_pending_not_saved(enrolled, phone, clock):
    challenge = enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    session = enrolled.submit_security_code(challenge, phone.entries[0].code())
    clock.advance(PERIOD)
    setup = enrolled.start_authenticator_setup(TRAINING_LOGIN, session=session)
    new_entry = phone.scan_qr_code(setup.qr_png())  # the user stops before Save
    assert len(phone.entries) == 2
    code = new_entry.code()
    diagnosis = diagnose(enrolled, code)
    assert diagnosis.verdict is Verdict.PENDING_NOT_SAVED
    assert diagnosis.offset_steps == 0
    challenge = enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    with pytest.raises(errors.InvalidCode):
        enrolled.submit_security_code(challenge, code)


def test_old_entry_after_an_agent_reset_is_previous_secret(enrolled, phone, clock):
    old_entry = phone.entries[0]
    enrolled.reset_mfa(TRAINING_LOGIN)
    new_entry = phone.scan_qr_code(enrolled.start_authenticator_setup(TRAINING_LOGIN).qr_png())
    enrolled.save_security_settings(TRAINING_LOGIN, new_entry.code(), TRAINING_PASSWORD)
    clock.advance(PERIOD)
    diagnosis = diagnose(enrolled, old_entry.code())
    assert diagnosis.verdict is Verdict.PREVIOUS_SECRET
    assert diagnosis.offset_steps == 0
    assert "reset" in diagnosis.explanation


def test_code_from_another_accounts_entry_is_other_account(enrolled, phone, clock):
    enrolled.create_account(OTHER_LOGIN, TRAINING_PASSWORD, "Sam Ortiz")
    enrolled.enable_mfa(OTHER_LOGIN)
    other = phone.scan_qr_code(enrolled.start_authenticator_setup(OTHER_LOGIN).qr_png())
    enrolled.save_security_settings(OTHER_LOGIN, other.code(), TRAINING_PASSWORD)
    clock.advance(PERIOD)
    assert [e.issuer for e in phone.entries] == ["SpectrumVoIP", "SpectrumVoIP"]
    diagnosis = diagnose(enrolled, other.code())
    assert diagnosis.verdict is Verdict.OTHER_ACCOUNT
    assert diagnosis.offset_steps == 0
    assert OTHER_LOGIN not in diagnosis.summary()


def test_code_typed_late_is_a_slow_phone_or_expired(enrolled, phone, clock):
    code = phone.entries[0].code()
    clock.advance(4 * PERIOD)
    diagnosis = diagnose(enrolled, code)
    assert diagnosis.verdicts == [Verdict.CLOCK_DRIFT, Verdict.EXPIRED]
    assert diagnosis.offset_steps == -4 and diagnosis.offset_seconds == -4 * PERIOD


def test_phone_minutes_ahead_is_clock_drift(enrolled, clock):
    fast_phone = Authenticator(SkewedClock(clock, 7 * 60))
    code = fast_phone.enter_setup_key(TRAINING_LOGIN, TRAINING_SECRET).code()
    diagnosis = diagnose(enrolled, code)
    assert diagnosis.verdict is Verdict.CLOCK_DRIFT
    assert diagnosis.offset_steps == 14 and diagnosis.offset_seconds == 7 * 60


def test_phone_an_hour_behind_is_time_zone(enrolled, clock):
    phone = Authenticator(SkewedClock(clock, -3_600))
    code = phone.enter_setup_key(TRAINING_LOGIN, TRAINING_SECRET).code()
    diagnosis = diagnose(enrolled, code)
    assert diagnosis.verdict is Verdict.TIME_ZONE
    assert diagnosis.offset_steps == -120 and diagnosis.offset_seconds == -3_600
    assert "1 hour behind" in diagnosis.explanation


@pytest.mark.parametrize("typed", ["", "12345", "123456789", "abcdef", "\u0661" * 6])
def test_malformed_code_is_malformed(enrolled, typed):
    diagnosis = diagnose(enrolled, typed)
    assert diagnosis.verdict is Verdict.MALFORMED
    assert diagnosis.offset_steps is None


@pytest.mark.parametrize("profile", [TotpProfile(period=60), TotpProfile(digits=8)])
def test_save_with_google_authenticator_on_a_non_default_profile_is_app_ignores_profile(profile):
    clock = FixedClock(TRAINING_INSTANT)
    portal = Portal(
        Store(":memory:"), clock, SecurityPolicy(profile=profile), secret_factory=TrainingSecrets()
    )
    portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_DISPLAY_NAME)
    portal.enable_mfa(TRAINING_LOGIN)
    phone = Authenticator(clock)
    entry = phone.scan_qr_code(portal.start_authenticator_setup(TRAINING_LOGIN).qr_png())
    assert entry.profile == DEFAULT_PROFILE  # the app ignored the URI's settings
    with pytest.raises(errors.CodeRejected):
        portal.save_security_settings(TRAINING_LOGIN, entry.code(), TRAINING_PASSWORD)
    diagnosis = diagnose(portal, entry.code())
    assert diagnosis.verdict is Verdict.APP_IGNORES_PROFILE
    assert diagnosis.offset_steps == 0


def test_a_code_matching_nothing_is_no_match(enrolled):
    secrets = TrainingSecrets()
    for _ in range(5):
        unrelated = secrets()
    stranger = Authenticator(FixedClock(TRAINING_INSTANT)).enter_setup_key("x", unrelated)
    diagnosis = diagnose(enrolled, stranger.code())
    assert diagnosis.verdict is Verdict.NO_MATCH
    assert diagnosis.offset_steps is None


def test_unknown_login_is_an_error(enrolled):
    audit_before = enrolled.audit_trail()
    with pytest.raises(errors.AccountNotFound, match="nobody.here"):
        diagnose_login(enrolled, "nobody.here", "123456")
    assert enrolled.audit_trail() == audit_before
