"""The lockout: each lock in a row longer, the last one only an agent ends, the same for
Login Names that match no account, and an attacker who has the password gets at most the
policy's number of guesses a day."""

from __future__ import annotations

import math
import re
import sqlite3

import pytest

from mfa_kit import errors
from mfa_kit.clock import FixedClock, until_text
from mfa_kit.otp import Totp
from mfa_kit.policy import DEFAULT_POLICY, SecurityPolicy
from mfa_kit.portal import Portal
from mfa_kit.store import Store
from mfa_kit.training import (
    TRAINING_INSTANT,
    TRAINING_LOGIN,
    TRAINING_PASSWORD,
    TRAINING_SECRET,
    TrainingSecrets,
)

from .portal_helpers import cheap_hash, quick_password_checks  # noqa: F401

DAY = 24 * 3600
TOTP = Totp(TRAINING_SECRET)


def lock_by_passwords(portal: Portal, login: str = TRAINING_LOGIN) -> errors.AccountLocked:
    """Wrong passwords until the account locks; the lock that came back."""
    for attempt in range(portal.policy.max_failures):
        try:
            portal.log_in(login, f"wrong-{attempt}")
        except errors.AccountLocked as locked:
            return locked
        except errors.LoginFailed:
            continue
    raise AssertionError("no lock after max_failures wrong passwords")


# the numbers


def test_the_brute_force_figure_from_the_policy_is_below_one_in_ten_thousand_a_day():
    policy = DEFAULT_POLICY
    # per guess: one of the codes of the tolerance window, out of 10^digits
    per_guess = (2 * policy.window_steps + 1) / 10**policy.profile.digits
    guesses = policy.max_failures * policy.locks_until_agent
    assert policy.lock_memory_hours >= 24  # so one day sees one row of locks at most
    assert policy.max_guesses_per_day() == guesses == 25
    odds = 1 - (1 - per_guess) ** guesses
    assert policy.guess_odds_per_day() == pytest.approx(odds)
    assert odds <= 1e-4
    print(f"at most {guesses} guesses a day; odds {odds:.2e} per account per day")


def test_each_lock_in_a_row_lasts_longer_up_to_the_cap_then_until_an_agent_unlocks():
    assert DEFAULT_POLICY.lock_schedule() == [15, 30, 60, 120, math.inf]
    assert SecurityPolicy(locks_until_agent=8).lock_schedule()[4:] == [120, 120, 120, math.inf]
    assert "lock 5 in a row lasts until a Technical Support Agent" in (
        DEFAULT_POLICY.lockout_rule()
    )


def test_a_policy_that_makes_no_sense_is_refused():
    with pytest.raises(ValueError, match="max_failures"):
        SecurityPolicy(max_failures=0)
    with pytest.raises(ValueError, match="cap"):
        SecurityPolicy(lockout_cap_minutes=5)


# escalation, lock by lock


def test_locks_in_a_row_grow_and_the_last_needs_an_agent(enrolled, clock, phone):
    policy = enrolled.policy
    seen = []
    for number, minutes in enumerate(policy.lock_schedule(), start=1):
        locked = lock_by_passwords(enrolled)
        seen.append((locked.until - clock.now()) / 60)
        status = enrolled.status(TRAINING_LOGIN)
        assert status.locks_in_a_row == number
        if math.isinf(minutes):
            break
        assert str(locked) == (
            f"Too many failed attempts. This account is locked until {until_text(locked.until)}:"
            f" try again in {minutes:g} minutes, or ask a Technical Support Agent to unlock it "
            "sooner."
        )
        clock.advance(locked.until - clock.now())
    assert seen == policy.lock_schedule()
    assert str(locked) == (
        "Too many failed attempts. This account is locked until a Technical Support Agent "
        "unlocks it: ask a Technical Support Agent to check the account and unlock it."
    )
    status = enrolled.status(TRAINING_LOGIN)
    assert status.summary().endswith(
        "locked until a Technical Support Agent unlocks it; failed attempts in a row: 5"
    )
    before = enrolled.store.account(TRAINING_LOGIN)
    clock.advance(30 * DAY)  # it never ends by itself
    with pytest.raises(errors.AccountLocked, match="until a Technical Support Agent unlocks"):
        enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    assert enrolled.store.account(TRAINING_LOGIN) == before
    enrolled.unlock(TRAINING_LOGIN)
    assert enrolled.status(TRAINING_LOGIN).locks_in_a_row == 0
    session = enrolled.submit_security_code(
        enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD), phone.entries[0].code()
    )
    assert session.used_mfa
    locked = lock_by_passwords(enrolled)
    assert locked.until - clock.now() == policy.lockout_seconds  # a first lock again


def test_after_a_quiet_day_the_next_lock_is_a_first_lock_again(enrolled, clock):
    first = lock_by_passwords(enrolled)
    clock.advance(first.until - clock.now())
    second = lock_by_passwords(enrolled)
    assert second.until - clock.now() == 2 * enrolled.policy.lockout_seconds
    clock.advance(enrolled.policy.lock_memory_seconds)
    third = lock_by_passwords(enrolled)
    assert third.until - clock.now() == enrolled.policy.lockout_seconds


def test_a_successful_login_does_not_forget_the_locks_in_a_row(enrolled, clock, phone):
    """Otherwise someone with the password could wait for the owner's next login and start
    a fresh row of guesses."""
    first = lock_by_passwords(enrolled)
    clock.advance(first.until - clock.now())
    enrolled.submit_security_code(
        enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD), phone.entries[0].code()
    )
    assert enrolled.status(TRAINING_LOGIN).failures == 0
    second = lock_by_passwords(enrolled)
    assert second.until - clock.now() == 2 * enrolled.policy.lockout_seconds


def test_the_audit_shows_whether_the_failures_were_at_the_password_or_the_code(enrolled):
    lock_by_passwords(enrolled)
    (lock,) = [e for e in enrolled.audit_trail(TRAINING_LOGIN) if e.event == "account_locked"]
    assert lock.detail == (
        "lock 1 in a row, until 2026-01-15 09:16 UTC; failures: 5 at the password step, "
        "0 at the Security code step"
    )
    enrolled.unlock(TRAINING_LOGIN)
    challenge = enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    with pytest.raises(errors.LoginFailed):
        enrolled.log_in(TRAINING_LOGIN, "wrong")  # one at the password step
    for _ in range(enrolled.policy.max_failures):
        try:
            enrolled.submit_security_code(challenge, "000000")
        except errors.InvalidCode:
            continue
        except errors.AccountLocked:
            break
    last = [e for e in enrolled.audit_trail(TRAINING_LOGIN) if e.event == "account_locked"][-1]
    assert last.detail.endswith("failures: 1 at the password step, 4 at the Security code step")
    failures = [
        (e.event, e.outcome)
        for e in enrolled.audit_trail(TRAINING_LOGIN)
        if e.outcome in {"wrong_password", "invalid_code"}
    ]
    assert failures[-5:] == [("log_in", "wrong_password")] + [("security_code", "invalid_code")] * 4


# the attacker who has the password, counted with the clock


def attack(portal: Portal, clock: FixedClock, days: int, *, pause_before: int | None) -> list:
    """Guess codes as fast as the portal lets a script (one a second), for ``days``.

    ``pause_before``: stop before lock number ``pause_before`` in a row and wait until the
    locks are forgotten (the patient attacker); None: never pause (the greedy one).
    Returns the times of the guesses the portal checked.
    """
    end = clock.now() + days * DAY
    while clock.now() < end:
        status = portal.status(TRAINING_LOGIN)
        if status.locked_until is not None:
            if math.isinf(status.locked_until):
                break
            clock.advance(status.locked_until - clock.now())
            continue
        if (
            pause_before is not None
            and status.locks_in_a_row == pause_before - 1
            and status.failures == portal.policy.max_failures - 1
        ):
            clock.advance(portal.policy.lock_memory_seconds)
            continue
        near = {TOTP.at(clock.now() + 30 * step) for step in (-1, 0, 1)}
        guess = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)
        try:
            challenge = portal.log_in(TRAINING_LOGIN, "pw")
            portal.submit_security_code(challenge, guess)
        except errors.PortalError:
            pass
        clock.advance(1)
    return [
        a.at
        for a in portal.store.attempts(TRAINING_LOGIN)
        if a.event == "security_code" and a.outcome != "locked"
    ]


def most_in_one_day(times: list[float]) -> int:
    times = sorted(times)
    best = start = 0
    for end, at in enumerate(times):
        while at - times[start] >= DAY:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.mark.parametrize("pause_before", [None, 2, 3, 5])
def test_counted_with_the_clock_no_day_sees_more_guesses_than_the_policy_allows(
    tmp_path, pause_before
):
    clock = FixedClock(TRAINING_INSTANT)
    policy = SecurityPolicy(attempt_search_steps=0)
    portal = Portal(Store(":memory:"), clock, policy, secret_factory=TrainingSecrets())
    portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD)
    portal.store.update_account(TRAINING_LOGIN, password_hash=cheap_hash("pw"))
    portal.enable_mfa(TRAINING_LOGIN)
    portal.start_authenticator_setup(TRAINING_LOGIN)
    portal.save_security_settings(TRAINING_LOGIN, Totp(TRAINING_SECRET).at(clock.now()), "pw")
    checked = attack(portal, clock, days=5, pause_before=pause_before)
    logins = [a for a in portal.store.attempts(TRAINING_LOGIN) if a.event == "security_code"]
    assert logins and all(a.outcome != "ok" for a in logins)
    worst = most_in_one_day(checked)
    assert worst <= policy.max_guesses_per_day()
    odds = 1 - (1 - policy.codes_accepted_per_guess / 10**6) ** worst
    assert odds <= 1e-4
    print(
        f"pause_before={pause_before}: {len(checked)} guesses in 5 days, {worst} in the "
        f"worst 24 h, odds {odds:.2e}"
    )


# Login Names that match no account


def twin_portals(clock):
    """A portal where ``jordan.lee`` exists and ``ghost.user`` does not."""
    portal = Portal(Store(":memory:"), clock, secret_factory=TrainingSecrets())
    portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD)
    return portal


def test_an_unknown_login_name_locks_exactly_like_a_real_one(clock):
    portal = twin_portals(clock)
    seen = {TRAINING_LOGIN: [], "ghost.user": []}
    for _ in range(3):  # three locks in a row, every refusal compared
        for _attempt in range(portal.policy.max_failures + 1):
            for login, answers in seen.items():
                try:
                    portal.log_in(login, "not-the-password")
                except errors.PortalError as refused:
                    answers.append((type(refused).__name__, str(refused), refused.attempts_left))
        clock.advance(portal.policy.lock_seconds(3))
    assert seen[TRAINING_LOGIN] == seen["ghost.user"]
    kinds = [kind for kind, _, _ in seen["ghost.user"]]
    assert kinds.count("AccountLocked") == 6 and kinds.count("LoginFailed") == 12
    assert "try again in 30 minutes" in seen["ghost.user"][11][1]


def test_an_unknown_login_name_is_kept_only_as_a_keyed_hash(tmp_path, clock):
    path = tmp_path / "p.sqlite3"
    portal = Portal(Store(path), clock)
    lock_by_passwords(portal, "Ghost.User")
    portal.store.close()
    raw = sqlite3.connect(path)
    dump = "\n".join(raw.iterdump())
    raw.close()
    assert "ghost" not in dump.lower()
    other = Portal(Store(tmp_path / "q.sqlite3"), clock)
    assert other._name_hash("ghost.user") != Portal(Store(path), clock)._name_hash("ghost.user")
    with pytest.raises(errors.AccountLocked):  # the same name in another spelling
        Portal(Store(path), clock).log_in("GHOST.USER", "x")


def test_creating_an_account_drops_the_counters_of_its_name(portal, clock):
    lock_by_passwords(portal, "new.user")
    portal.create_account("new.user", "New-Password-1")
    assert portal.status("new.user").locked_until is None
    assert isinstance(portal.log_in("new.user", "New-Password-1").message, str)


def test_lock_messages_always_say_until_when_and_what_to_do(enrolled, clock):
    locked = lock_by_passwords(enrolled)
    assert re.search(r"locked until \d{4}-\d\d-\d\d \d\d:\d\d UTC", str(locked))
    assert "try again in" in str(locked) and "Technical Support Agent" in str(locked)


def test_a_lock_only_an_agent_ends_is_diagnosed_as_locked(enrolled, clock):
    import json

    from mfa_kit.diagnose import Verdict, diagnose_login

    for _ in range(enrolled.policy.locks_until_agent):
        locked = lock_by_passwords(enrolled)
        if not math.isinf(locked.until):
            clock.advance(locked.until - clock.now())
    diagnosis = diagnose_login(enrolled, TRAINING_LOGIN, "123456")
    assert diagnosis.verdict == Verdict.LOCKED
    assert "locked until a Technical Support Agent unlocks it" in diagnosis.explanation
    assert json.loads(json.dumps(diagnosis.as_dict(), allow_nan=False))["until"] is None


def test_the_readme_states_the_policys_lockout_numbers():
    from .conftest import REPO

    readme = " ".join((REPO / "README.md").read_text().split())
    policy = DEFAULT_POLICY
    timed = ", ".join(f"{m:g}" for m in policy.lock_schedule()[:-1])
    assert f"{policy.max_failures} wrong passwords or codes in a row lock the account" in readme
    assert f"({timed} minutes) and the {policy.locks_until_agent}th lasts until" in readme
    assert f"{policy.lock_memory_hours} hours pass without one" in readme
    assert f"at most {policy.max_guesses_per_day()} guesses a day" in readme
    odds = policy.guess_odds_per_day() * 100_000
    assert f"a chance of {odds:.2g} in 100,000 a day" in readme
