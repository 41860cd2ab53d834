"""Moving MFA to another phone: only a login that passed the Security code may do it.

Knowing the password must never be enough to replace the authenticator in force.
"""

from __future__ import annotations

import dataclasses

import pytest

from mfa_kit import errors
from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import FixedClock
from mfa_kit.otp import Totp
from mfa_kit.portal import REPLACE_NEEDS_MFA_LOGIN_MESSAGE, Portal, Session
from mfa_kit.store import Store
from mfa_kit.training import (
    TRAINING_INSTANT,
    TRAINING_LOGIN,
    TRAINING_PASSWORD,
    TRAINING_SECRET,
)


def account(portal):
    return portal.store.account(TRAINING_LOGIN)


def mfa_login(portal, phone) -> Session:
    challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    return portal.submit_security_code(challenge, phone.entries[-1].code())


def test_the_password_alone_cannot_start_a_new_setup(enrolled):
    before = account(enrolled)
    with pytest.raises(errors.MfaLoginRequired) as refused:
        enrolled.start_authenticator_setup(TRAINING_LOGIN)
    assert str(refused.value) == REPLACE_NEEDS_MFA_LOGIN_MESSAGE
    assert account(enrolled) == before  # no pending secret was made


def test_the_password_alone_cannot_save_a_new_authenticator(enrolled, phone, clock):
    session = mfa_login(enrolled, phone)
    attacker = enrolled.start_authenticator_setup(TRAINING_LOGIN, session=session)
    before = account(enrolled)
    code = Totp(attacker.secret).at(clock.now())
    with pytest.raises(errors.MfaLoginRequired):
        enrolled.save_security_settings(TRAINING_LOGIN, code, TRAINING_PASSWORD)
    assert account(enrolled) == before
    assert account(enrolled).secret == TRAINING_SECRET


@pytest.mark.parametrize("kind", ["forged", "password-only", "other-user", "expired"])
def test_only_a_live_mfa_login_of_this_user_counts(portal, phone, clock, kind):
    password_only = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)  # before MFA was active
    portal.enable_mfa(TRAINING_LOGIN)
    entry = phone.scan_qr_code(portal.start_authenticator_setup(TRAINING_LOGIN).qr_png())
    portal.save_security_settings(TRAINING_LOGIN, entry.code(), TRAINING_PASSWORD)
    clock.advance(30)
    portal.create_account("sam.ortiz", "Sam-Password-1")
    sessions = {
        "forged": Session(TRAINING_LOGIN, "Jordan Lee", clock.now(), True, "made-up-token"),
        "password-only": password_only,
        "other-user": dataclasses.replace(
            portal.log_in("sam.ortiz", "Sam-Password-1"), login=TRAINING_LOGIN, used_mfa=True
        ),
        "expired": mfa_login(portal, phone),
    }
    if kind == "expired":
        clock.advance(portal.policy.session_seconds)
    before = account(portal)
    with pytest.raises(errors.MfaLoginRequired):
        portal.start_authenticator_setup(TRAINING_LOGIN, session=sessions[kind])
    assert account(portal) == before


def test_after_an_mfa_login_the_user_can_move_to_a_new_phone(enrolled, phone, clock):
    session = mfa_login(enrolled, phone)
    new_phone = Authenticator(clock)
    setup = enrolled.start_authenticator_setup(TRAINING_LOGIN, session=session)
    entry = new_phone.scan_qr_code(setup.qr_png())
    clock.advance(30)
    enrolled.save_security_settings(
        TRAINING_LOGIN, entry.code(), TRAINING_PASSWORD, session=session
    )
    assert account(enrolled).secret == setup.secret
    assert account(enrolled).secret != TRAINING_SECRET


def test_an_agent_reset_ends_every_session(enrolled, phone):
    session = mfa_login(enrolled, phone)
    enrolled.reset_mfa(TRAINING_LOGIN)
    assert enrolled.store.session_count(TRAINING_LOGIN) == 0
    assert session.token not in repr(session)  # tokens stay out of logs and reprs


def test_the_same_secret_issued_again_keeps_its_used_steps():
    """A secret factory that repeats itself must not open a replay through Save."""
    clock = FixedClock(TRAINING_INSTANT)
    portal = Portal(Store(":memory:"), clock, secret_factory=lambda: TRAINING_SECRET)
    portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD)
    portal.enable_mfa(TRAINING_LOGIN)
    phone = Authenticator(clock)
    phone.add_uri(portal.start_authenticator_setup(TRAINING_LOGIN).uri)
    portal.save_security_settings(TRAINING_LOGIN, phone.entries[0].code(), TRAINING_PASSWORD)
    clock.advance(30)
    session = mfa_login(portal, phone)
    used = phone.entries[0].code()
    portal.start_authenticator_setup(TRAINING_LOGIN, session=session)  # the same secret again
    before = account(portal)
    with pytest.raises(errors.CodeAlreadyUsed):
        portal.save_security_settings(TRAINING_LOGIN, used, TRAINING_PASSWORD, session=session)
    assert account(portal) == dataclasses.replace(before, failures=before.failures + 1)
