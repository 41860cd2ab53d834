"""Sessions that end: Log Out ends one on the portal, a new authenticator, a reset or a
disable ends the others, and expired logins and sessions are deleted."""

from __future__ import annotations

import pytest

from mfa_kit import errors
from mfa_kit.authenticator import Authenticator
from mfa_kit.training import TRAINING_LOGIN, TRAINING_PASSWORD

from .portal_helpers import cheap_hash, quick_password_checks  # noqa: F401


def mfa_login(portal, phone):
    challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    return portal.submit_security_code(challenge, phone.entries[-1].code())


def test_after_log_out_the_old_token_is_refused(enrolled, phone):
    session = mfa_login(enrolled, phone)
    assert enrolled.log_out(session) is True
    assert enrolled.store.session_count(TRAINING_LOGIN) == 0
    before = enrolled.store.account(TRAINING_LOGIN)
    with pytest.raises(errors.MfaLoginRequired):
        enrolled.start_authenticator_setup(TRAINING_LOGIN, session=session)
    with pytest.raises(errors.MfaLoginRequired):
        enrolled.start_authenticator_setup(TRAINING_LOGIN, session=session.token)
    assert enrolled.store.account(TRAINING_LOGIN) == before
    assert enrolled.log_out(session) is False  # twice is harmless
    events = [e.event for e in enrolled.audit_trail(TRAINING_LOGIN)]
    assert events.count("logged_out") == 1


def test_log_out_needs_a_session(enrolled):
    with pytest.raises(TypeError, match="session must be a Session or its token"):
        enrolled.log_out(None)
    with pytest.raises(TypeError, match="session must be a str, not int"):
        enrolled.log_out(42)


def test_replacing_the_authenticator_ends_every_other_session(enrolled, phone, clock):
    mover = mfa_login(enrolled, phone)
    clock.advance(30)
    other = mfa_login(enrolled, phone)
    new_phone = Authenticator(clock)
    setup = enrolled.start_authenticator_setup(TRAINING_LOGIN, session=mover)
    entry = new_phone.scan_qr_code(setup.qr_png())
    clock.advance(30)
    enrolled.save_security_settings(TRAINING_LOGIN, entry.code(), TRAINING_PASSWORD, session=mover)
    assert enrolled.store.session_count(TRAINING_LOGIN) == 1
    with pytest.raises(errors.MfaLoginRequired):
        enrolled.start_authenticator_setup(TRAINING_LOGIN, session=other)
    enrolled.start_authenticator_setup(TRAINING_LOGIN, session=mover)  # still works


@pytest.mark.parametrize("action", ["reset_mfa", "disable_mfa"])
def test_reset_and_disable_end_every_session(enrolled, phone, clock, action):
    mfa_login(enrolled, phone)
    clock.advance(30)
    enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)  # a half-finished one too
    getattr(enrolled, action)(TRAINING_LOGIN)
    assert enrolled.store.session_count(TRAINING_LOGIN) == 0
    assert enrolled.store.count_rows("challenges") == 0


def test_an_expired_half_finished_login_is_deleted_when_used(enrolled, phone, clock):
    challenge = enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    clock.advance(enrolled.policy.login_timeout_seconds)
    with pytest.raises(errors.LoginTimedOut):
        enrolled.submit_security_code(challenge, phone.entries[0].code())
    assert enrolled.store.count_rows("challenges") == 0
    assert enrolled.store.attempts(TRAINING_LOGIN)[-1].outcome == "login_timed_out"


def test_an_expired_session_is_deleted_when_used(enrolled, phone, clock):
    session = mfa_login(enrolled, phone)
    clock.advance(enrolled.policy.session_seconds)
    with pytest.raises(errors.MfaLoginRequired):
        enrolled.start_authenticator_setup(TRAINING_LOGIN, session=session)
    assert enrolled.store.session_count(TRAINING_LOGIN) == 0


def test_expired_logins_and_sessions_are_purged_by_the_next_write(enrolled, phone, clock):
    enrolled.store.update_account(TRAINING_LOGIN, password_hash=cheap_hash(TRAINING_PASSWORD))
    for _ in range(200):
        enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    mfa_login(enrolled, phone)
    assert enrolled.store.count_rows("challenges") == 200
    clock.advance(24 * 3600)
    enrolled.status(TRAINING_LOGIN)  # reading writes nothing
    assert enrolled.store.count_rows("challenges") == 200
    enrolled.unlock(TRAINING_LOGIN)  # any write purges
    assert enrolled.store.count_rows("challenges") == 0
    assert enrolled.store.count_rows("sessions") == 0


def test_a_previous_secret_is_dropped_by_the_first_write_after_its_stated_time(enrolled, clock):
    from mfa_kit.store import PREVIOUS_SECRET_KEPT_SECONDS

    enrolled.reset_mfa(TRAINING_LOGIN)
    kept = enrolled.store.account(TRAINING_LOGIN).previous_secret
    clock.advance(PREVIOUS_SECRET_KEPT_SECONDS - 60)
    enrolled.unlock(TRAINING_LOGIN)
    assert enrolled.store.account(TRAINING_LOGIN).previous_secret == kept
    clock.advance(120)
    enrolled.unlock(TRAINING_LOGIN)
    assert enrolled.store.account(TRAINING_LOGIN).previous_secret is None
