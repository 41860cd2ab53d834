"""Many portal processes on one SQLite file: the lockout, single-use codes and single-use
logins hold however many requests arrive at once (RFC 4226 §7.3, RFC 6238 §5.2).

Each racer is a separate process (``multiprocessing``, not threads) with its own connection,
released at the same instant by a barrier. One pool of processes serves every trial, so the
suite stays fast. The account's password hash is made with a small scrypt cost here (the
stored hash carries its own parameters), because 64 real scrypt checks per trial would only
measure scrypt; the portal's logic is the same.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter

import pytest

from mfa_kit import errors
from mfa_kit.clock import FixedClock
from mfa_kit.otp import Totp
from mfa_kit.policy import SecurityPolicy
from mfa_kit.portal import Portal
from mfa_kit.store import Store
from mfa_kit.training import TRAINING_INSTANT, TRAINING_LOGIN, TRAINING_PASSWORD

from .portal_helpers import cheap_hash

# The evidence search (±24 h by default) is not what these tests are about; a narrow one
# keeps 64 racers per trial quick on a small machine. Everything else is the default policy.
RACE_POLICY = SecurityPolicy(attempt_search_steps=10)
POOL_SIZE = 64
SIZES = (8, 32, 64)

_barriers: dict[int, object] = {}


def fast_store(path: str) -> Store:
    """The store as the portal opens it, without waiting for the disk at each commit: what
    these tests check is the order of decisions, not durability after a power cut."""
    store = Store(path)
    store._db.execute("PRAGMA synchronous = OFF")
    return store


def _init(barriers: dict[int, object]) -> None:
    _barriers.update(barriers)


def _race(task: tuple) -> tuple[str, str]:
    """One racer: open the file, wait for the others, act once, report what came back."""
    action, path, now, size, args = task
    portal = Portal(fast_store(path), FixedClock(now), RACE_POLICY)
    try:
        _barriers[size].wait(timeout=60)  # type: ignore[attr-defined]
        try:
            result = getattr(portal, action)(*args)
        except errors.PortalError as refused:
            return ("refused", type(refused).__name__)
        return ("accepted", type(result).__name__)
    finally:
        portal.store.close()


@pytest.fixture(scope="module")
def pool():
    context = multiprocessing.get_context("fork")
    barriers = {size: context.Barrier(size) for size in SIZES}
    with context.Pool(POOL_SIZE, initializer=_init, initargs=(barriers,)) as workers:
        yield workers


class Racecourse:
    """One enrolled account on a file, a portal for the organiser, and the racers' pool."""

    def __init__(self, path, pool) -> None:
        self.path = str(path)
        self.pool = pool
        self.clock = FixedClock(TRAINING_INSTANT)
        self.portal = Portal(fast_store(self.path), self.clock, RACE_POLICY)
        self.portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD)
        self.portal.store.update_account(TRAINING_LOGIN, password_hash=cheap_hash("pw"))
        self.portal.enable_mfa(TRAINING_LOGIN)
        setup = self.portal.start_authenticator_setup(TRAINING_LOGIN)
        self.totp = Totp(setup.secret)
        self.portal.save_security_settings(TRAINING_LOGIN, self.code(), "pw")
        self.clock.advance(30)

    def code(self, steps: int = 0) -> str:
        return self.totp.at(self.clock.now() + steps * 30)

    def wrong_codes(self, count: int) -> list[str]:
        """Codes that match no step near now (so none is an accidental right guess)."""
        near = {self.code(s) for s in range(-12, 13)}
        return [c for c in (f"{n:06d}" for n in range(100_000, 200_000)) if c not in near][:count]

    def run(self, action: str, arguments: list[tuple]) -> list[tuple[str, str]]:
        size = len(arguments)
        tasks = [(action, self.path, self.clock.now(), size, a) for a in arguments]
        return self.pool.map(_race, tasks, chunksize=1)

    def trail_since(self, mark: int):
        return self.portal.audit_trail(TRAINING_LOGIN)[mark:]

    def mark(self) -> int:
        return len(self.portal.audit_trail(TRAINING_LOGIN))


@pytest.fixture
def course(tmp_path, pool):
    racecourse = Racecourse(tmp_path / "shared.sqlite3", pool)
    yield racecourse
    racecourse.portal.store.close()


LOCKED_OUT = {"AccountLocked", "LoginTimedOut"}
COUNTED = {"invalid_code", "expired_code", "reused_code", "wrong_password"}


def checked_guesses(trail) -> int:
    return sum(e.outcome in COUNTED for e in trail)


@pytest.mark.parametrize("racers", [32, 64])
def test_parallel_wrong_codes_never_get_more_than_max_failures_checked(course, racers):
    limit = course.portal.policy.max_failures
    wrong = course.wrong_codes(racers)
    checked = []
    started = time.perf_counter()
    for _ in range(30):
        course.portal.unlock(TRAINING_LOGIN)
        mark = course.mark()
        recorded = len(course.portal.store.attempts(TRAINING_LOGIN))
        tokens = [course.portal.log_in(TRAINING_LOGIN, "pw").token for _ in range(racers)]
        outcomes = course.run("submit_security_code", list(zip(tokens, wrong, strict=True)))
        trail = course.trail_since(mark)
        checked.append(checked_guesses(trail))
        kinds = Counter(kind for _, kind in outcomes)
        # the last counted guess is answered with the lock; a lock also ends the other
        # half-finished logins, so the racers after it are told to log in again
        assert kinds["InvalidCode"] == limit - 1, kinds
        assert kinds["AccountLocked"] >= 1, kinds
        assert sum(kinds.values()) == racers and set(kinds) <= LOCKED_OUT | {"InvalidCode"}
        assert [e.event for e in trail].count("account_locked") == 1
        attempts = course.portal.store.attempts(TRAINING_LOGIN)[recorded:]
        assert [a.outcome for a in attempts[:limit]] == ["invalid_code"] * limit
        assert {a.outcome for a in attempts[limit:]} <= {"locked"}
    assert max(checked) == limit, checked
    print(
        f"{racers} racers x 30: checked per lock max {max(checked)}, "
        f"{time.perf_counter() - started:.1f} s"
    )


def test_parallel_wrong_passwords_never_get_more_than_max_failures_checked(course):
    limit = course.portal.policy.max_failures
    racers = 32
    checked = []
    for trial in range(30):
        course.portal.unlock(TRAINING_LOGIN)
        mark = course.mark()
        outcomes = course.run(
            "log_in", [(TRAINING_LOGIN, f"guess-{trial}-{i}") for i in range(racers)]
        )
        trail = course.trail_since(mark)
        checked.append(checked_guesses(trail))
        kinds = Counter(kind for _, kind in outcomes)
        assert kinds == {"LoginFailed": limit - 1, "AccountLocked": racers - limit + 1}, kinds
        assert sum(e.event == "attempt_while_locked" for e in trail) == racers - limit
    assert max(checked) == limit == min(checked), checked


def test_one_half_finished_login_raced_by_eight_gives_one_session(course):
    wins = Counter()
    for _ in range(300):
        course.clock.advance(90)  # three steps on: every code below is fresh
        token = course.portal.log_in(TRAINING_LOGIN, "pw").token
        codes = [course.code(step) for step in (-1, 0, 1)] * 3
        outcomes = course.run("submit_security_code", [(token, c) for c in codes[:8]])
        accepted = [kind for result, kind in outcomes if result == "accepted"]
        assert accepted == ["Session"], outcomes
        assert {kind for result, kind in outcomes if result == "refused"} <= {
            "LoginTimedOut",
            "CodeAlreadyUsed",
        }, outcomes
        wins[len(accepted)] += 1
    assert wins == {1: 300}
    assert course.portal.status(TRAINING_LOGIN).failures == 0


def test_eight_parallel_saves_with_one_passcode_give_one_success(course):
    for _ in range(200):
        course.clock.advance(30)
        course.portal.reset_mfa(TRAINING_LOGIN)
        setup = course.portal.start_authenticator_setup(TRAINING_LOGIN)
        passcode = Totp(setup.secret).at(course.clock.now())
        outcomes = course.run("save_security_settings", [(TRAINING_LOGIN, passcode, "pw")] * 8)
        accepted = [kind for result, kind in outcomes if result == "accepted"]
        assert accepted == ["AccountStatus"], outcomes
        refused = {kind for result, kind in outcomes if result == "refused"}
        assert refused <= {"NoSetupInProgress", "MfaLoginRequired"}, outcomes
        saved = [
            e
            for e in course.portal.audit_trail(TRAINING_LOGIN, limit=20)
            if e.event == "security_settings_saved" and e.outcome == "ok"
        ]
        assert (
            saved[-1].at == course.clock.now()
            and len([e for e in saved if e.at == course.clock.now()]) == 1
        )
        assert course.portal.store.account(TRAINING_LOGIN).secret == setup.secret


def test_a_right_code_racing_the_lock_is_never_accepted_after_it(course):
    racers = 32
    wrong = course.wrong_codes(racers - 1)
    accepted_before_lock = refused_by_lock = 0
    for _ in range(30):
        course.clock.advance(30)
        course.portal.unlock(TRAINING_LOGIN)
        mark = course.mark()
        tokens = [course.portal.log_in(TRAINING_LOGIN, "pw").token for _ in range(racers)]
        right = racers // 2  # in the middle of the crowd
        codes = [*wrong[:right], course.code(), *wrong[right:]]
        outcomes = course.run("submit_security_code", list(zip(tokens, codes, strict=True)))
        events = [(e.event, e.outcome) for e in course.trail_since(mark)]
        if ("security_code", "ok") in events:
            accepted_before_lock += 1
            assert outcomes[right] == ("accepted", "Session")
            lock = (
                events.index(("account_locked", "locked"))
                if (
                    "account_locked",
                    "locked",
                )
                in events
                else len(events)
            )
            assert events.index(("security_code", "ok")) < lock
        else:
            refused_by_lock += 1
            assert outcomes[right][0] == "refused" and outcomes[right][1] in LOCKED_OUT
    assert accepted_before_lock + refused_by_lock == 30
    print(
        f"right code: accepted before the lock {accepted_before_lock}, refused after it "
        f"{refused_by_lock}"
    )
