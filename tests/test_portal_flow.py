"""The whole KB procedure end to end on a database file that is closed and reopened between
steps: what the portal knows must survive a restart."""

from __future__ import annotations

import pytest

from mfa_kit.authenticator import Authenticator
from mfa_kit.errors import PortalError
from mfa_kit.portal import SecurityCodeChallenge, Session
from mfa_kit.store import SCHEMA_VERSION
from mfa_kit.training import (
    TRAINING_DISPLAY_NAME,
    TRAINING_LOGIN,
    TRAINING_PASSWORD,
    TRAINING_SECRET,
)


def test_enable_set_up_save_and_log_in_across_restarts(reopen, clock):
    phone = Authenticator(clock)

    portal = reopen()
    portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_DISPLAY_NAME)
    assert not portal.can_set_up_authenticator(TRAINING_LOGIN)

    portal = reopen()  # the agent enables MFA
    portal.enable_mfa(TRAINING_LOGIN)

    portal = reopen()  # before setup, a login needs only the password
    session = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    assert isinstance(session, Session) and not session.used_mfa

    portal = reopen()  # Profile → Change Account Security → Set Up Google Authenticator
    assert portal.can_set_up_authenticator(TRAINING_LOGIN)
    setup = portal.start_authenticator_setup(TRAINING_LOGIN)
    assert setup.secret == TRAINING_SECRET
    entry = phone.scan_qr_code(setup.qr_png())  # Add → Scan a QR code
    assert entry.name == f"SpectrumVoIP ({TRAINING_LOGIN})"

    portal = reopen()
    assert portal.status(TRAINING_LOGIN).setup_pending
    portal.save_security_settings(TRAINING_LOGIN, entry.code(), TRAINING_PASSWORD)

    portal = reopen()
    status = portal.status(TRAINING_LOGIN)
    assert status.mfa_active and not status.setup_pending
    assert portal.store.schema_version == SCHEMA_VERSION

    clock.advance(30)
    challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    assert isinstance(challenge, SecurityCodeChallenge)

    portal = reopen()  # the half-finished login survives a restart too
    session = portal.submit_security_code(challenge, entry.code())
    assert session.used_mfa and session.display_name == TRAINING_DISPLAY_NAME
    assert session.message == f"Welcome, {TRAINING_DISPLAY_NAME}. You are logged in."

    portal = reopen()
    events = [(e.event, e.outcome) for e in portal.audit_trail(TRAINING_LOGIN)]
    assert events == [
        ("account_created", "ok"),
        ("mfa_enabled", "ok"),
        ("log_in", "ok"),
        ("authenticator_setup_started", "ok"),
        ("security_settings_saved", "ok"),
        ("password_accepted", "ok"),
        ("security_code", "ok"),
    ]


def test_each_login_needs_a_fresh_code(enrolled, phone, clock):
    (entry,) = phone.entries
    for _ in range(3):
        challenge = enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
        assert enrolled.submit_security_code(challenge, entry.code()).used_mfa
        clock.advance(30)


def test_a_code_one_step_late_is_still_accepted(enrolled, phone, clock):
    (entry,) = phone.entries
    code = entry.code()
    challenge = enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    clock.advance(30)  # network and typing delay: RFC 6238 allows one step
    assert enrolled.submit_security_code(challenge, code).used_mfa


def test_agent_reset_lets_the_user_set_up_a_new_phone(enrolled, clock):
    enrolled.reset_mfa(TRAINING_LOGIN)
    status = enrolled.status(TRAINING_LOGIN)
    assert status.mfa_enabled and not status.mfa_active
    assert enrolled.store.account(TRAINING_LOGIN).previous_secret == TRAINING_SECRET

    new_phone = Authenticator(clock)
    setup = enrolled.start_authenticator_setup(TRAINING_LOGIN)
    assert setup.secret != TRAINING_SECRET
    entry = new_phone.scan_qr_code(setup.qr_png())
    enrolled.save_security_settings(TRAINING_LOGIN, entry.code(), TRAINING_PASSWORD)
    clock.advance(30)
    challenge = enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    assert enrolled.submit_security_code(challenge, entry.code()).used_mfa


def test_a_lock_ends_by_itself_after_the_lockout_period(enrolled, phone, clock):
    for _ in range(enrolled.policy.max_failures):
        with pytest.raises(PortalError):
            enrolled.log_in(TRAINING_LOGIN, "wrong")
    assert enrolled.status(TRAINING_LOGIN).locked_until is not None
    clock.advance(enrolled.policy.lockout_seconds)
    assert enrolled.status(TRAINING_LOGIN).locked_until is None
    challenge = enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    assert enrolled.submit_security_code(challenge, phone.entries[0].code()).used_mfa
    assert enrolled.status(TRAINING_LOGIN).failures == 0
