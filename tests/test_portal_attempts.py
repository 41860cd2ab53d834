"""The portal keeps the evidence: every Security code and Passcode attempt, as it saw it then.

Each row says when, with what outcome, which secret the typed code matched (active, pending,
previous or none) and at what signed offset in steps; the code itself is never stored.
"""

from __future__ import annotations

import sqlite3

import pytest

from mfa_kit import errors
from mfa_kit.otp import Totp
from mfa_kit.store import SCHEMA_VERSION, Account, Attempt, Store
from mfa_kit.training import TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_SECRET


def start(portal):
    return portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)


def code_at(secret: str, at: float) -> str:
    return Totp(secret).at(at)


def test_an_accepted_save_and_login_are_recorded_as_ok(enrolled, phone, clock):
    enrolled.submit_security_code(start(enrolled), phone.entries[0].code())
    saved, logged_in = enrolled.store.attempts(TRAINING_LOGIN)
    assert saved == Attempt(clock.now() - 30, "security_settings_saved", "ok", "pending", 0)
    assert logged_in == Attempt(clock.now(), "security_code", "ok", "active", 0)


@pytest.mark.parametrize("offset", [-10, -3, 2, 7, 120, -2000])
def test_a_refused_code_records_the_signed_offset_it_matched(enrolled, clock, offset):
    """A phone whose clock is ``offset`` steps off: the portal writes down how far off."""
    now = clock.now()
    typed = code_at(TRAINING_SECRET, now + offset * 30)
    with pytest.raises(errors.CodeRejected) as refused:
        enrolled.submit_security_code(start(enrolled), typed)
    *_, last = enrolled.store.attempts(TRAINING_LOGIN)
    assert last == Attempt(now, "security_code", refused.value.reason, "active", offset)
    assert refused.value.reason in {"expired_code", "invalid_code"}


def test_a_code_that_matches_nothing_is_recorded_as_none(enrolled, clock):
    wrong = next(
        f"{n:06d}"
        for n in range(1_000_000)
        if not _matches_anything(enrolled, f"{n:06d}", clock.now())
    )
    with pytest.raises(errors.InvalidCode):
        enrolled.submit_security_code(start(enrolled), wrong)
    *_, last = enrolled.store.attempts(TRAINING_LOGIN)
    assert last == Attempt(clock.now(), "security_code", "invalid_code", "none", None)


def _matches_anything(portal, code, at):
    from mfa_kit.offsets import find_offsets

    account = portal.store.account(TRAINING_LOGIN)
    secrets = [s for s in (account.secret, account.pending_secret, account.previous_secret) if s]
    steps = portal.policy.attempt_search_steps
    return any(find_offsets(s, code, at, window_steps=steps) for s in secrets)


def test_a_reused_code_is_recorded_with_its_match(enrolled, phone, clock):
    code = phone.entries[0].code()
    enrolled.submit_security_code(start(enrolled), code)
    with pytest.raises(errors.CodeAlreadyUsed):
        enrolled.submit_security_code(start(enrolled), code)
    *_, last = enrolled.store.attempts(TRAINING_LOGIN)
    assert last == Attempt(clock.now(), "security_code", "reused_code", "active", 0)


def test_a_code_from_the_pending_or_previous_secret_says_which(enrolled, phone, clock):
    session = enrolled.submit_security_code(start(enrolled), phone.entries[0].code())
    clock.advance(30)
    setup = enrolled.start_authenticator_setup(TRAINING_LOGIN, session=session)
    # Submit with the code of the QR code still waiting for Save
    with pytest.raises(errors.InvalidCode):
        enrolled.submit_security_code(start(enrolled), code_at(setup.secret, clock.now()))
    assert enrolled.store.attempts(TRAINING_LOGIN)[-1].matched == "pending"
    enrolled.reset_mfa(TRAINING_LOGIN)
    new = enrolled.start_authenticator_setup(TRAINING_LOGIN)
    # Save with a code from the app entry of the secret that was reset
    with pytest.raises(errors.InvalidCode):
        enrolled.save_security_settings(
            TRAINING_LOGIN, code_at(TRAINING_SECRET, clock.now() + 60), TRAINING_PASSWORD
        )
    last = enrolled.store.attempts(TRAINING_LOGIN)[-1]
    assert (last.event, last.outcome, last.matched, last.offset_steps) == (
        "security_settings_saved",
        "invalid_code",
        "previous",
        2,
    )
    assert new.secret != TRAINING_SECRET


def test_a_malformed_code_is_recorded_without_a_match(enrolled, clock):
    with pytest.raises(errors.MalformedSecurityCode):
        enrolled.submit_security_code(start(enrolled), "12345")
    *_, last = enrolled.store.attempts(TRAINING_LOGIN)
    assert last == Attempt(clock.now(), "security_code", "malformed_code", "none", None)


def test_later_events_do_not_rewrite_the_record(enrolled, phone, clock):
    late = code_at(TRAINING_SECRET, clock.now() - 120)
    with pytest.raises(errors.CodeExpired):
        enrolled.submit_security_code(start(enrolled), late)
    clock.advance(60)
    enrolled.submit_security_code(start(enrolled), phone.entries[0].code())
    enrolled.reset_mfa(TRAINING_LOGIN)
    first = enrolled.store.attempts(TRAINING_LOGIN)[1]
    assert first == Attempt(clock.now() - 60, "security_code", "expired_code", "active", -4)


def test_since_keeps_only_the_recent_attempts_oldest_first(enrolled, clock):
    for _ in range(3):
        with pytest.raises(errors.InvalidCode):
            enrolled.submit_security_code(start(enrolled), "000000")
        clock.advance(60)
    everything = enrolled.store.attempts(TRAINING_LOGIN)
    assert [a.at for a in everything] == sorted(a.at for a in everything)
    recent = enrolled.store.attempts(TRAINING_LOGIN, since=clock.now() - 120)
    assert recent == everything[-2:]
    assert enrolled.store.attempts("nobody") == []


def test_the_record_never_holds_a_typed_code(enrolled, phone):
    typed = [phone.entries[0].code(), "000000", "123456", "654321"]
    for code in typed:
        try:
            enrolled.submit_security_code(start(enrolled), code)
        except errors.CodeRejected:
            pass
    rows = enrolled.store._db.execute("SELECT * FROM attempts").fetchall()
    text = repr([tuple(r) for r in rows])
    assert len(rows) == len(typed) + 1
    for code in typed:
        assert code not in text
    assert TRAINING_SECRET not in text


def test_an_unknown_matched_value_is_refused(tmp_path):
    with Store(":memory:") as store:
        with pytest.raises(ValueError, match="matched must be one of"):
            store.add_attempt("a", Attempt(0.0, "security_code", "ok", "other", 0))
        assert store.attempts("a") == []


def _schema_2_file(path):
    from mfa_kit.store import _MIGRATIONS

    raw = sqlite3.connect(path)
    for version in (1, 2):
        for statement in _MIGRATIONS[version].split(";"):
            if statement.strip():
                raw.execute(statement)
    raw.execute(
        "INSERT INTO accounts (login, display_name, password_hash, mfa_enabled, secret,"
        " last_step, failures) VALUES ('a', 'A', 'x', 1, ?, 7, 2)",
        (TRAINING_SECRET,),
    )
    raw.execute("INSERT INTO sessions VALUES ('h', 'a', 1, 1e12)")
    raw.execute("PRAGMA user_version = 2")
    raw.commit()
    raw.close()


def test_a_schema_2_file_is_migrated_and_keeps_its_accounts(tmp_path):
    path = tmp_path / "v2.sqlite3"
    _schema_2_file(path)
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 3
        assert store.account("a") == Account(
            "a", "A", "x", mfa_enabled=True, secret=TRAINING_SECRET, last_step=7, failures=2
        )
        assert store.session("h") == ("a", True, 1e12)
        assert store.attempts("a") == []
        store.add_attempt("a", Attempt(1.0, "security_code", "ok", "active", 0))
        assert store.attempts("a") == [Attempt(1.0, "security_code", "ok", "active", 0)]


def test_a_migrated_schema_2_account_still_logs_in(tmp_path, clock):
    from mfa_kit.passwords import hash_password
    from mfa_kit.portal import Portal

    path = tmp_path / "v2.sqlite3"
    _schema_2_file(path)
    raw = sqlite3.connect(path)
    raw.execute("UPDATE accounts SET password_hash = ?", (hash_password("pw-a"),))
    raw.commit()
    raw.close()
    portal = Portal(Store(path), clock)
    session = portal.submit_security_code(
        portal.log_in("a", "pw-a"), code_at(TRAINING_SECRET, clock.now())
    )
    assert session.used_mfa
    assert [a.outcome for a in portal.store.attempts("a")] == ["ok"]
    portal.store.close()
