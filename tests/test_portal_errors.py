"""Every way the portal says no: the message a person reads, and that nothing else changed.

Counted failures (wrong password or code) change exactly one thing: the failure counter goes
up by one. Everything else about the account stays as it was.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from mfa_kit import errors
from mfa_kit.portal import GOOGLE_LOGIN_MESSAGE
from mfa_kit.store import Account
from mfa_kit.training import TRAINING_LOGIN, TRAINING_PASSWORD

LOGIN_FAILED = "The Login Name or Password is not correct."


def account(portal) -> Account:
    return portal.store.account(TRAINING_LOGIN)


def one_more_failure(before: Account) -> Account:
    return dataclasses.replace(before, failures=before.failures + 1)


def challenges(portal) -> int:
    return portal.store._db.execute("SELECT count(*) FROM challenges").fetchone()[0]


# the password step


def test_wrong_password_is_refused_and_counted(enrolled):
    before = account(enrolled)
    with pytest.raises(errors.LoginFailed, match=re.escape(LOGIN_FAILED)) as refused:
        enrolled.log_in(TRAINING_LOGIN, "not-the-password")
    # counted, but not announced: an unknown Login Name has no counter to show
    assert refused.value.attempts_left is None
    assert account(enrolled) == one_more_failure(before)
    assert challenges(enrolled) == 0


def test_unknown_login_gets_the_same_message_and_changes_nothing(enrolled):
    before = account(enrolled)
    logins = enrolled.store.logins()
    with pytest.raises(errors.LoginFailed) as refused:
        enrolled.log_in("nobody.here", TRAINING_PASSWORD)
    assert str(refused.value) == LOGIN_FAILED
    assert account(enrolled) == before
    assert enrolled.store.logins() == logins
    # the audit trail does not keep what was typed as a Login Name
    assert "nobody.here" not in repr(enrolled.audit_trail())


def test_log_in_with_google_is_explained_not_followed(enrolled):
    before = account(enrolled)
    with pytest.raises(errors.NotTheMfaLogin) as refused:
        enrolled.log_in_with_google()
    assert str(refused.value) == GOOGLE_LOGIN_MESSAGE
    assert "Log In" in str(refused.value)
    assert account(enrolled) == before


# the Security code step


def start(portal):
    return portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)


def test_wrong_code_is_refused_and_counted(enrolled, phone):
    challenge = start(enrolled)
    before = account(enrolled)
    wrong = f"{(int(phone.entries[0].code()) + 1) % 1_000_000:06d}"
    with pytest.raises(errors.InvalidCode, match="That code is not correct"):
        enrolled.submit_security_code(challenge, wrong)
    assert account(enrolled) == one_more_failure(before)
    assert challenges(enrolled) == 1  # the user may try again on the same screen


def test_reused_code_is_rejected(enrolled, phone):
    code = phone.entries[0].code()
    enrolled.submit_security_code(start(enrolled), code)
    challenge = start(enrolled)
    before = account(enrolled)
    with pytest.raises(errors.CodeAlreadyUsed, match="already used"):
        enrolled.submit_security_code(challenge, code)
    assert account(enrolled) == one_more_failure(before)


def test_a_code_older_than_the_accepted_step_is_rejected_as_used(enrolled, phone, clock):
    older = phone.entries[0].code()
    clock.advance(30)
    enrolled.submit_security_code(start(enrolled), phone.entries[0].code())
    challenge = start(enrolled)
    before = account(enrolled)
    with pytest.raises(errors.CodeAlreadyUsed):
        enrolled.submit_security_code(challenge, older)  # inside the window, but not newer
    assert account(enrolled) == one_more_failure(before)


def test_expired_code_is_named_as_expired(enrolled, phone, clock):
    code = phone.entries[0].code()
    challenge = start(enrolled)
    clock.advance(90)  # three steps later: outside the one-step tolerance
    before = account(enrolled)
    with pytest.raises(errors.CodeExpired, match="expired.*every 30 seconds"):
        enrolled.submit_security_code(challenge, code)
    assert account(enrolled) == one_more_failure(before)


@pytest.mark.parametrize("typed", ["12345", "1234567", "abcdef", "١٢٣٤٥٦"])
def test_malformed_code_is_refused_without_counting(enrolled, typed):
    challenge = start(enrolled)
    before = account(enrolled)
    with pytest.raises(errors.MalformedSecurityCode, match="6"):
        enrolled.submit_security_code(challenge, typed)
    assert account(enrolled) == before
    assert challenges(enrolled) == 1


def test_timed_out_login_must_start_again(enrolled, phone, clock):
    challenge = start(enrolled)
    clock.advance(enrolled.policy.login_timeout_seconds)
    before = account(enrolled)
    with pytest.raises(errors.LoginTimedOut, match="Log in again"):
        enrolled.submit_security_code(challenge, phone.entries[0].code())
    assert account(enrolled) == before


def test_a_made_up_login_token_is_refused(enrolled, phone):
    before = account(enrolled)
    with pytest.raises(errors.LoginTimedOut):
        enrolled.submit_security_code("forged-token", phone.entries[0].code())
    assert account(enrolled) == before


# lockout


def test_five_failures_in_a_row_lock_the_account_and_say_until_when(enrolled, phone):
    policy = enrolled.policy
    for attempt in range(policy.max_failures - 1):
        with pytest.raises(errors.LoginFailed):
            enrolled.log_in(TRAINING_LOGIN, f"guess-{attempt}")
    before = account(enrolled)
    with pytest.raises(errors.AccountLocked) as locked:
        enrolled.log_in(TRAINING_LOGIN, "last-guess")
    assert str(locked.value) == (
        "Too many failed attempts. This account is locked until 2026-01-15 09:16 UTC: "
        "try again in 15 minutes, or ask a Technical Support Agent to unlock it sooner."
    )
    after = account(enrolled)
    assert after.locked_until == enrolled.clock.now() + policy.lockout_seconds
    assert (after.locks, after.last_locked_at) == (1, enrolled.clock.now())
    unlocked = dataclasses.replace(after, locked_until=None, locks=0, last_locked_at=None)
    assert unlocked == one_more_failure(before)

    # while locked, even the right password and code are refused, and nothing changes
    locked_state = account(enrolled)
    with pytest.raises(
        errors.AccountLocked, match="locked until 2026-01-15 09:16 UTC: try again in 15 minutes"
    ):
        enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    assert account(enrolled) == locked_state


def test_wrong_codes_and_passwords_count_together(enrolled):
    challenge = start(enrolled)
    for _ in range(2):
        with pytest.raises(errors.InvalidCode):
            enrolled.submit_security_code(challenge, "000000")
    for _ in range(2):
        with pytest.raises(errors.LoginFailed):
            enrolled.log_in(TRAINING_LOGIN, "wrong")
    with pytest.raises(errors.AccountLocked):
        enrolled.submit_security_code(challenge, "000000")
    assert challenges(enrolled) == 0  # a lock also ends the half-finished login


def test_agent_unlock_clears_the_lock(enrolled, phone):
    for _ in range(enrolled.policy.max_failures):
        with pytest.raises((errors.LoginFailed, errors.AccountLocked)):
            enrolled.log_in(TRAINING_LOGIN, "wrong")
    status = enrolled.unlock(TRAINING_LOGIN)
    assert status.locked_until is None and status.failures == 0
    assert enrolled.submit_security_code(start(enrolled), phone.entries[0].code()).used_mfa


# setup and Save


def test_setup_without_mfa_enabled_is_refused(portal):
    before = account(portal)
    with pytest.raises(errors.MfaNotEnabled, match="Ask a Technical Support Agent"):
        portal.start_authenticator_setup(TRAINING_LOGIN)
    assert account(portal) == before


def test_save_without_mfa_enabled_is_refused(portal):
    before = account(portal)
    with pytest.raises(errors.MfaNotEnabled):
        portal.save_security_settings(TRAINING_LOGIN, "123456", TRAINING_PASSWORD)
    assert account(portal) == before


def test_save_before_set_up_is_refused(portal):
    portal.enable_mfa(TRAINING_LOGIN)
    before = account(portal)
    with pytest.raises(errors.NoSetupInProgress, match="Set Up Google Authenticator"):
        portal.save_security_settings(TRAINING_LOGIN, "123456", TRAINING_PASSWORD)
    assert account(portal) == before


@pytest.fixture
def pending(portal, phone):
    portal.enable_mfa(TRAINING_LOGIN)
    setup = portal.start_authenticator_setup(TRAINING_LOGIN)
    phone.scan_qr_code(setup.qr_png())
    return portal


def test_save_with_wrong_current_password_saves_nothing(pending, phone):
    before = account(pending)
    with pytest.raises(errors.WrongCurrentPassword, match="Current Password is not correct"):
        pending.save_security_settings(TRAINING_LOGIN, phone.entries[0].code(), "wrong")
    assert account(pending) == one_more_failure(before)
    assert not pending.status(TRAINING_LOGIN).mfa_active


def test_save_with_wrong_passcode_saves_nothing(pending):
    before = account(pending)
    with pytest.raises(errors.InvalidCode):
        pending.save_security_settings(TRAINING_LOGIN, "000000", TRAINING_PASSWORD)
    assert account(pending) == one_more_failure(before)
    assert not pending.status(TRAINING_LOGIN).mfa_active


def test_save_too_late_says_the_code_expired(pending, phone, clock):
    code = phone.entries[0].code()
    clock.advance(120)
    before = account(pending)
    with pytest.raises(errors.CodeExpired):
        pending.save_security_settings(TRAINING_LOGIN, code, TRAINING_PASSWORD)
    assert account(pending) == one_more_failure(before)


def test_save_with_a_code_from_an_earlier_qr_code_is_refused(pending, phone):
    pending.start_authenticator_setup(TRAINING_LOGIN)  # clicked Set Up again: a new QR code
    before = account(pending)
    with pytest.raises(errors.InvalidCode):
        pending.save_security_settings(TRAINING_LOGIN, phone.entries[0].code(), TRAINING_PASSWORD)
    assert account(pending) == one_more_failure(before)


# agent actions


@pytest.mark.parametrize("action", ["enable_mfa", "reset_mfa", "unlock", "disable_mfa", "status"])
def test_agent_actions_on_an_unknown_login_are_refused(portal, action):
    before = account(portal)
    with pytest.raises(errors.AccountNotFound, match="no account with the Login Name 'ghost'"):
        getattr(portal, action)("ghost")
    assert account(portal) == before
    assert portal.store.logins() == [TRAINING_LOGIN]


@pytest.mark.parametrize(
    ("login", "password", "error", "message"),
    [
        ("", "pw", errors.InvalidAccountDetails, "at least one character"),
        ("two words", "pw", errors.InvalidAccountDetails, "no spaces"),
        ("a:b", "pw", errors.InvalidAccountDetails, "colon"),
        ("new.user", "", errors.InvalidAccountDetails, "password is required"),
        (TRAINING_LOGIN, "pw", errors.AccountExists, "already exists"),
    ],
)
def test_bad_new_accounts_are_refused(portal, login, password, error, message):
    before = account(portal)
    with pytest.raises(error, match=message):
        portal.create_account(login, password)
    assert portal.store.logins() == [TRAINING_LOGIN]
    assert account(portal) == before


# empty fields: the portal asks for them, counts nothing and writes nothing


def everything(portal) -> tuple:
    db = portal.store._db
    return tuple(
        tuple(tuple(r) for r in db.execute(f"SELECT * FROM {table}"))  # noqa: S608
        for table in ("accounts", "challenges", "sessions", "audit", "attempts")
    )


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_security_code_asks_for_it(enrolled, typed):
    challenge = start(enrolled)
    before = everything(enrolled)
    with pytest.raises(errors.MissingInput) as refused:
        enrolled.submit_security_code(challenge, typed)
    assert str(refused.value) == (
        "Type the Security code that Google Authenticator shows, then click Submit."
    )
    assert refused.value.attempts_left is None
    assert everything(enrolled) == before


@pytest.mark.parametrize(
    ("passcode", "password", "message"),
    [
        ("", "", "Type the Passcode that Google Authenticator shows, then click Save."),
        (" ", TRAINING_PASSWORD, "Type the Passcode that Google Authenticator shows"),
        ("123456", "", "Type your Current Password, then click Save."),
    ],
)
def test_an_empty_passcode_or_current_password_asks_for_it(pending, passcode, password, message):
    before = everything(pending)
    with pytest.raises(errors.MissingInput, match=re.escape(message)):
        pending.save_security_settings(TRAINING_LOGIN, passcode, password)
    assert everything(pending) == before


@pytest.mark.parametrize(
    ("login", "password", "message"),
    [
        (TRAINING_LOGIN, "", "Type your Password, then click Log In."),
        ("", TRAINING_PASSWORD, "Type your Login Name, then click Log In."),
        ("", "", "Type your Login Name, then click Log In."),
    ],
)
def test_an_empty_login_name_or_password_asks_for_it(enrolled, login, password, message):
    before = everything(enrolled)
    with pytest.raises(errors.MissingInput) as refused:
        enrolled.log_in(login, password)
    assert str(refused.value) == message
    assert everything(enrolled) == before


def test_empty_fields_never_lock_the_account(enrolled):
    for _ in range(enrolled.policy.max_failures * 2):
        with pytest.raises(errors.MissingInput):
            enrolled.log_in(TRAINING_LOGIN, "")
    assert enrolled.status(TRAINING_LOGIN).failures == 0


def test_enable_mfa_twice_changes_nothing_and_audits_once(portal):
    portal.enable_mfa(TRAINING_LOGIN)
    before = everything(portal)
    status = portal.enable_mfa(TRAINING_LOGIN)
    assert status.mfa_enabled
    assert everything(portal) == before
    events = [e.event for e in portal.audit_trail(TRAINING_LOGIN)]
    assert events.count("mfa_enabled") == 1
