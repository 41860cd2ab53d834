"""The portal's security settings, in one place.

Every number the portal enforces (lockout, tolerance window, how long a half-finished login
waits) is read from a SecurityPolicy, so a trainer can show or change each fact once.
"""

from __future__ import annotations

from dataclasses import dataclass

from .otp import DEFAULT_PROFILE, TotpProfile


@dataclass(frozen=True)
class SecurityPolicy:
    """Rules for codes and failed attempts.

    max_failures: wrong passwords or codes in a row that lock the account (RFC 4226 §7.3).
    lockout_minutes: how long a locked account stays locked unless an agent unlocks it.
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
    window_steps: int = 1
    expired_lookback_steps: int = 10
    login_timeout_minutes: int = 5
    session_hours: int = 8
    attempt_search_steps: int = 2880
    profile: TotpProfile = DEFAULT_PROFILE

    @property
    def lockout_seconds(self) -> int:
        return self.lockout_minutes * 60

    @property
    def login_timeout_seconds(self) -> int:
        return self.login_timeout_minutes * 60

    @property
    def session_seconds(self) -> int:
        return self.session_hours * 3600


DEFAULT_POLICY = SecurityPolicy()
