"""The portal's security settings, in one place.

Every number the portal enforces (lockout and its escalation, tolerance window, how long a
half-finished login waits) is read from a SecurityPolicy, so a trainer can show or change
each fact once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .otp import DEFAULT_PROFILE, TotpProfile

DAY_SECONDS = 24 * 3600


@dataclass(frozen=True)
class SecurityPolicy:
    """Rules for codes and failed attempts.

    max_failures: wrong passwords or codes in a row that lock the account (RFC 4226 §7.3).
        Parallel requests cannot beat it: each guess is checked and counted in one write
        transaction, so at most this many guesses are checked per lock.
    lockout_minutes: how long the first lock lasts unless an agent unlocks it.
    lockout_growth: each further lock in a row lasts this many times longer …
    lockout_cap_minutes: … up to this long.
    locks_until_agent: the lock with this number in a row lasts until a Technical Support
        Agent unlocks the account. The trade-off: anyone who knows a Login Name can lock its
        owner out this way with wrong passwords. The audit trail shows an agent whether the
        failures were at the password step (someone without the password) or at the
        Security code step (someone who has the password: change it).
    lock_memory_hours: locks are "in a row" while each began less than this long after the
        one before; after a quiet spell this long the next lock is a first lock again.
    window_steps: time steps either side of now that still count (RFC 6238 §5.2: one).
    expired_lookback_steps: how far back a code is still recognised, to say "expired"
        rather than "wrong" (it is refused either way).
    login_timeout_minutes: how long the Security code screen waits after the password step.
    session_hours: how long a login lasts (it can replace the authenticator meanwhile).
    attempt_search_steps: how many time steps either side of the moment of an attempt the
        portal looks for the secret a refused code matched (2880: ±24 h), for its record.
    profile: the TOTP profile the portal issues (SHA1/6/30 is what Google Authenticator uses).
    """

    max_failures: int = 5
    lockout_minutes: int = 15
    lockout_growth: int = 2
    lockout_cap_minutes: int = 120
    locks_until_agent: int = 5
    lock_memory_hours: int = 24
    window_steps: int = 1
    expired_lookback_steps: int = 10
    login_timeout_minutes: int = 5
    session_hours: int = 8
    attempt_search_steps: int = 2880
    profile: TotpProfile = DEFAULT_PROFILE

    def __post_init__(self) -> None:
        for name in ("max_failures", "lockout_minutes", "lockout_growth", "locks_until_agent"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.lockout_cap_minutes < self.lockout_minutes or self.lock_memory_hours < 1:
            raise ValueError("the lockout cap must be at least the first lock, memory ≥ 1 h")

    @property
    def lockout_seconds(self) -> int:
        """How long the first lock lasts."""
        return self.lockout_minutes * 60

    @property
    def lock_memory_seconds(self) -> int:
        return self.lock_memory_hours * 3600

    @property
    def login_timeout_seconds(self) -> int:
        return self.login_timeout_minutes * 60

    @property
    def session_seconds(self) -> int:
        return self.session_hours * 3600

    def lock_minutes(self, lock_number: int) -> float:
        """How long lock number ``lock_number`` in a row lasts (1: the first), in minutes;
        infinity for the lock that lasts until an agent unlocks the account."""
        if lock_number >= self.locks_until_agent:
            return math.inf
        grown = self.lockout_minutes * self.lockout_growth ** (max(1, lock_number) - 1)
        return float(min(self.lockout_cap_minutes, grown))

    def lock_seconds(self, lock_number: int) -> float:
        return self.lock_minutes(lock_number) * 60

    def lock_schedule(self) -> list[float]:
        """Every lock in a row, in minutes, the last one (infinity) until an agent unlocks."""
        return [self.lock_minutes(n) for n in range(1, self.locks_until_agent + 1)]

    def lockout_rule(self) -> str:
        """The rule in words, for messages and notebooks (never repeated as literals)."""
        timed = ", ".join(f"{m:g}" for m in self.lock_schedule()[:-1])
        return (
            f"{self.max_failures} wrong passwords or codes in a row lock the account. "
            + (f"Each lock in a row lasts longer ({timed} minutes); " if timed else "")
            + f"lock {self.locks_until_agent} in a row lasts until a Technical Support "
            "Agent unlocks the account."
        )

    # the brute-force figure: what a lockout that parallel requests cannot beat still allows

    @property
    def codes_accepted_per_guess(self) -> int:
        """Codes a guess can match at any moment: one per step in the tolerance window."""
        return 2 * self.window_steps + 1

    def max_guesses_per_day(self) -> int:
        """The most guesses the portal checks for one account in any 24 hours without an
        agent's Unlock. Locks in one row are at most ``locks_until_agent`` (the last one never
        ends by itself) and take at most ``max_failures`` checked guesses each; a new row
        begins only after ``lock_memory_hours`` without a lock, so a day sees
        ``ceil(24 h / lock memory)`` rows at most."""
        rows = max(1, math.ceil(DAY_SECONDS / self.lock_memory_seconds))
        return self.max_failures * self.locks_until_agent * rows

    def guess_odds_per_day(self) -> float:
        """The chance that an attacker who knows the password (and sends as many requests in
        parallel as they like) guesses a code of one account within one day."""
        per_guess = self.codes_accepted_per_guess / 10**self.profile.digits
        return 1 - (1 - per_guess) ** self.max_guesses_per_day()


DEFAULT_POLICY = SecurityPolicy()
