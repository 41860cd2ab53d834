"""The Stratus Web Portal as a state machine, free of any user interface.

Agent actions (enable, reset, unlock), the user's authenticator setup (pending secret → QR →
Passcode + Current Password → Save) and the two-step login (Login Name + Password → Security
code → Submit). Each action checks, in order: lock → password → code → replay, then records
the outcome and the audit event in one transaction.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from . import errors
from .clock import Clock, SystemClock, until_text
from .otp import ISSUER, MalformedCode, Totp, build_uri, generate_secret, normalise_code
from .passwords import burn_equal_time, hash_password, verify_password
from .policy import DEFAULT_POLICY, SecurityPolicy
from .store import Account, AuditEvent, Store

SUPPORT_AGENT = "Technical Support Agent"
"""The actor recorded for agent actions when no agent name is given."""

UNKNOWN_LOGIN = "(unknown login)"
# A mistyped Login Name is often the password typed into the wrong box, so the audit trail
# never records the text of a Login Name that matches no account.

MFA_NOT_ENABLED_MESSAGE = (
    "Multi-factor authentication is not enabled for this account. "
    "Ask a Technical Support Agent to enable it first."
)

REPLACE_NEEDS_MFA_LOGIN_MESSAGE = (
    "Google Authenticator is already set up on this account. To replace it, log in with your "
    "current Security code first; if the phone is lost, ask a Technical Support Agent to reset MFA."
)

GOOGLE_LOGIN_MESSAGE = (
    "Log in with Google signs you in with a Google account; it does not use your "
    "authenticator code. To log in with MFA, type your Login Name and Password and click Log In."
)


@dataclass(frozen=True)
class Session:
    """A user who is fully logged in.

    ``token`` stands for this login on the portal (only its hash is stored); showing it to
    the portal again proves the login happened, e.g. before replacing an authenticator.
    """

    login: str
    display_name: str
    at: float
    used_mfa: bool
    token: str = field(default="", repr=False)

    @property
    def message(self) -> str:
        return f"Welcome, {self.display_name}. You are logged in."


@dataclass(frozen=True)
class SecurityCodeChallenge:
    """Password accepted; the portal now asks for the Security code.

    ``token`` stands for this half-finished login (only its hash is stored).
    """

    login: str
    token: str = field(repr=False)
    expires_at: float = 0.0

    @property
    def message(self) -> str:
        return "Type the Security code from Google Authenticator, then click Submit."


@dataclass(frozen=True)
class AuthenticatorSetup:
    """What Set Up Google Authenticator produces: the QR code's contents."""

    login: str
    secret: str
    uri: str

    def qr_png(self) -> bytes:
        from .qr import png_bytes

        return png_bytes(self.uri)


@dataclass(frozen=True)
class AccountStatus:
    """What an agent may see of an account: no secrets."""

    login: str
    display_name: str
    mfa_enabled: bool
    mfa_active: bool
    setup_pending: bool
    failures: int
    locked_until: float | None

    def summary(self) -> str:
        if not self.mfa_enabled:
            mfa = "MFA not enabled"
        elif self.mfa_active:
            mfa = "MFA active"
        elif self.setup_pending:
            mfa = "MFA enabled, setup started (QR shown, not saved)"
        else:
            mfa = "MFA enabled, not set up yet"
        lock = (
            f"locked until {until_text(self.locked_until)}" if self.locked_until else "not locked"
        )
        return f"{self.login}: {mfa}; {lock}; failed attempts in a row: {self.failures}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Portal:
    """One Stratus portal over a store, a clock and a security policy."""

    def __init__(
        self,
        store: Store | str | None = None,
        clock: Clock | None = None,
        policy: SecurityPolicy = DEFAULT_POLICY,
        secret_factory: Callable[[], str] = generate_secret,
    ) -> None:
        """``secret_factory`` makes each new authenticator secret; training passes a
        documented sequence so every run shows the same QR codes."""
        self.store = store if isinstance(store, Store) else Store(store)
        self.clock = clock or SystemClock()
        self.policy = policy
        self.secret_factory = secret_factory

    # reading

    def status(self, login: str) -> AccountStatus:
        account = self._require(login)
        now = self.clock.now()
        locked = account.locked_until if self._is_locked(account, now) else None
        return AccountStatus(
            login=account.login,
            display_name=account.display_name,
            mfa_enabled=account.mfa_enabled,
            mfa_active=account.mfa_active,
            setup_pending=account.pending_secret is not None,
            failures=self._failures_in_a_row(account, now),
            locked_until=locked,
        )

    def can_set_up_authenticator(self, login: str) -> bool:
        """Whether the Profile page shows Set Up Google Authenticator (an agent enabled MFA)."""
        return self._require(login).mfa_enabled

    def audit_trail(self, login: str | None = None, limit: int | None = None) -> list[AuditEvent]:
        return self.store.audit(login, limit)

    # agent actions

    def create_account(
        self,
        login: str,
        password: str,
        display_name: str | None = None,
        *,
        actor: str = SUPPORT_AGENT,
    ) -> AccountStatus:
        login = (login or "").strip()
        if not login or any(ch.isspace() or not ch.isprintable() for ch in login):
            raise errors.InvalidAccountDetails(
                "A Login Name needs at least one character and no spaces."
            )
        if ":" in login:
            # The colon separates issuer and account in the QR code's label.
            raise errors.InvalidAccountDetails("A Login Name may not contain a colon (:).")
        if not password:
            raise errors.InvalidAccountDetails("A password is required.")
        if self.store.account(login) is not None:
            raise errors.AccountExists(f"An account with Login Name {login} already exists.")
        with self.store.transaction():
            self.store.insert_account(
                Account(
                    login=login,
                    display_name=display_name or login,
                    password_hash=hash_password(password),
                )
            )
            self._audit(actor, login, "account_created", "ok")
        return self.status(login)

    def enable_mfa(self, login: str, *, actor: str = SUPPORT_AGENT) -> AccountStatus:
        self._require(login)
        with self.store.transaction():
            self.store.update_account(login, mfa_enabled=True)
            self._audit(actor, login, "mfa_enabled", "ok")
        return self.status(login)

    def reset_mfa(self, login: str, *, actor: str = SUPPORT_AGENT) -> AccountStatus:
        """Lost or replaced phone: forget the authenticator so the user can set it up again.

        MFA stays enabled; the old secret is kept only as ``previous_secret`` so a diagnosis
        can recognise codes from the stale app entry.
        """
        return self._forget_authenticator(login, actor, "mfa_reset")

    def disable_mfa(self, login: str, *, actor: str = SUPPORT_AGENT) -> AccountStatus:
        """Switch MFA off: the next login needs only the password."""
        return self._forget_authenticator(login, actor, "mfa_disabled", mfa_enabled=False)

    def _forget_authenticator(
        self, login: str, actor: str, event: str, **also: object
    ) -> AccountStatus:
        account = self._require(login)
        with self.store.transaction():
            self.store.update_account(
                login,
                previous_secret=account.secret or account.previous_secret,
                # Kept for a stated time from when it stopped being in force (store).
                previous_secret_at=(
                    self.clock.now() if account.secret else account.previous_secret_at
                ),
                secret=None,
                pending_secret=None,
                last_step=None,
                **also,
            )
            self.store.delete_challenges(login)
            self.store.delete_sessions(login)  # a lost phone: log it out everywhere
            self._audit(actor, login, event, "ok")
        return self.status(login)

    def unlock(self, login: str, *, actor: str = SUPPORT_AGENT) -> AccountStatus:
        self._require(login)
        with self.store.transaction():
            self.store.update_account(login, failures=0, locked_until=None)
            self._audit(actor, login, "unlocked", "ok")
        return self.status(login)

    # the user's setup: Profile → Change Account Security

    def start_authenticator_setup(
        self, login: str, *, session: Session | None = None
    ) -> AuthenticatorSetup:
        """Set Up Google Authenticator: a new pending secret and the QR code for it.

        Clicking again replaces the pending secret, so an app entry scanned from the earlier
        QR code stops matching: a common support case. Replacing an authenticator that is
        already in force needs ``session``, a login that passed the Security code.
        """
        account = self._require(login)
        if not account.mfa_enabled:
            raise errors.MfaNotEnabled(MFA_NOT_ENABLED_MESSAGE)
        self._require_mfa_login_to_replace(account, session, self.clock.now())
        secret = self.secret_factory()
        with self.store.transaction():
            self.store.update_account(account.login, pending_secret=secret)
            self._audit(account.login, account.login, "authenticator_setup_started", "ok")
        uri = build_uri(secret, account.login, issuer=ISSUER, profile=self.policy.profile)
        return AuthenticatorSetup(login=account.login, secret=secret, uri=uri)

    def save_security_settings(
        self,
        login: str,
        passcode: str,
        current_password: str,
        *,
        session: Session | None = None,
    ) -> AccountStatus:
        """Save: the Passcode must come from the QR code just shown, and the Current Password
        must be right; otherwise nothing is saved. Replacing an authenticator already in
        force also needs ``session``, a login that passed the Security code."""
        now = self.clock.now()
        event = "security_settings_saved"
        account = self._require(login)
        self._refuse_if_locked(account, now)
        if not account.mfa_enabled:
            raise errors.MfaNotEnabled(MFA_NOT_ENABLED_MESSAGE)
        self._require_mfa_login_to_replace(account, session, now)
        if account.pending_secret is None:
            raise errors.NoSetupInProgress(
                "Click Set Up Google Authenticator first, scan the QR code, then type the Passcode."
            )
        if not verify_password(current_password or "", account.password_hash):
            self._fail(
                account,
                now,
                event,
                errors.WrongCurrentPassword(
                    "The Current Password is not correct. Nothing was saved."
                ),
            )
        # A new secret has never had a code accepted, so there is nothing to replay yet;
        # the same secret issued again keeps the record of the steps already used.
        same_secret = account.pending_secret == account.secret
        step = self._check_code(
            account,
            account.pending_secret,
            passcode,
            now,
            event,
            last_step=account.last_step if same_secret else None,
        )
        with self.store.transaction():
            self.store.update_account(
                login,
                secret=account.pending_secret,
                pending_secret=None,
                last_step=step,
                failures=0,
                locked_until=None,
            )
            self._audit(login, login, event, "ok")
        return self.status(login)

    # the two-step login

    def log_in(self, login: str, password: str) -> Session | SecurityCodeChallenge:
        """Log In with Login Name and Password.

        Returns a Session when the account has no active MFA, else a SecurityCodeChallenge
        that :meth:`submit_security_code` completes.
        """
        now = self.clock.now()
        event = "log_in"
        account = self.store.account((login or "").strip())
        if account is None:
            burn_equal_time(password or "")
            self._audit(UNKNOWN_LOGIN, UNKNOWN_LOGIN, event, errors.LoginFailed.reason)
            raise errors.LoginFailed(self._login_failed_message())
        self._refuse_if_locked(account, now)
        if not verify_password(password or "", account.password_hash):
            self._fail(account, now, event, errors.LoginFailed(self._login_failed_message()))
        if not account.mfa_active:
            with self.store.transaction():
                self.store.update_account(account.login, failures=0, locked_until=None)
                self._audit(account.login, account.login, event, "ok")
                return self._start_session(account, now, used_mfa=False)
        token = secrets.token_urlsafe(24)
        expires_at = now + self.policy.login_timeout_seconds
        with self.store.transaction():
            self.store.add_challenge(_token_hash(token), account.login, expires_at)
            self._audit(account.login, account.login, "password_accepted", "ok")
        return SecurityCodeChallenge(account.login, token, expires_at)

    def submit_security_code(self, challenge: SecurityCodeChallenge | str, code: str) -> Session:
        """Submit on the Security code screen."""
        now = self.clock.now()
        event = "security_code"
        token = challenge.token if isinstance(challenge, SecurityCodeChallenge) else challenge
        found = self.store.challenge(_token_hash(token or ""))
        if found is None or found[1] <= now:
            raise errors.LoginTimedOut(
                "This login has timed out or was already used. "
                "Log in again with your Login Name and Password."
            )
        account = self._require(found[0])
        self._refuse_if_locked(account, now)
        if not account.mfa_active:
            raise errors.LoginTimedOut("MFA was reset on this account. Log in again.")
        step = self._check_code(
            account, account.secret, code, now, event, last_step=account.last_step
        )
        with self.store.transaction():
            # Check-and-set under the write lock, so two logins racing with the same code
            # cannot both get in (RFC 6238 §5.2).
            if self.store.claim_step(account.login, step):
                self.store.update_account(account.login, failures=0, locked_until=None)
                self.store.delete_challenge(_token_hash(token))
                self._audit(account.login, account.login, event, "ok")
                return self._start_session(account, now, used_mfa=True)
        self._fail(account, now, event, self._reused_code_error())

    def _start_session(self, account: Account, now: float, *, used_mfa: bool) -> Session:
        token = secrets.token_urlsafe(24)
        self.store.add_session(
            _token_hash(token), account.login, used_mfa, now + self.policy.session_seconds
        )
        return Session(account.login, account.display_name, now, used_mfa, token)

    def _require_mfa_login_to_replace(
        self, account: Account, session: Session | None, now: float
    ) -> None:
        """Only someone who passed the Security code may replace an authenticator in force:
        the password alone must never be enough to move MFA to another phone."""
        if not account.mfa_active:
            return  # first setup: the password is the proof, as on the real portal
        found = self.store.session(_token_hash(session.token)) if session else None
        if found is None or found[0] != account.login or not found[1] or found[2] <= now:
            raise errors.MfaLoginRequired(REPLACE_NEEDS_MFA_LOGIN_MESSAGE)

    def log_in_with_google(self) -> None:
        """The Log in with Google button: always refused here, with the reason."""
        raise errors.NotTheMfaLogin(GOOGLE_LOGIN_MESSAGE)

    # the security story, step by step

    def _check_code(
        self,
        account: Account,
        secret: str,
        typed: str,
        now: float,
        event: str,
        *,
        last_step: int | None,
    ) -> int:
        """The accepted time step for ``typed``, or a recorded failure raised as an error."""
        profile = self.policy.profile
        try:
            code = normalise_code(typed, profile.digits)
        except MalformedCode as problem:
            # A typo is not a guess: it is refused without counting towards the lockout.
            self._audit(account.login, account.login, event, errors.MalformedSecurityCode.reason)
            raise errors.MalformedSecurityCode(str(problem)) from None
        totp = Totp(secret, profile)
        step = totp.verify(code, now, window=self.policy.window_steps)
        if step is None:
            if self._recently_valid(totp, code, now):
                problem: errors.PortalError = errors.CodeExpired(
                    "That code has expired. Codes change every "
                    f"{profile.period} seconds: type the code the app shows now. If this "
                    "keeps happening, set the phone's date and time to automatic."
                )
            else:
                problem = errors.InvalidCode(
                    "That code is not correct. Type the code the app shows now for SpectrumVoIP."
                )
            self._fail(account, now, event, problem)
        if last_step is not None and step <= last_step:
            self._fail(account, now, event, self._reused_code_error())
        return step

    def _reused_code_error(self) -> errors.CodeAlreadyUsed:
        return errors.CodeAlreadyUsed(
            "That code was already used. Wait for the app to show a new code, then type it."
        )

    def _recently_valid(self, totp: Totp, code: str, now: float) -> bool:
        centre = totp.step(now)
        oldest = centre - self.policy.expired_lookback_steps
        newest = centre - self.policy.window_steps - 1
        return totp.match(code, range(oldest, newest + 1)) is not None

    def _fail(
        self, account: Account, now: float, event: str, problem: errors.PortalError
    ) -> NoReturn:
        """Count a failure, lock the account when the policy says so, and raise."""
        with self.store.transaction():
            # Re-read under the write lock: parallel wrong guesses must each be counted.
            current = self.store.account(account.login) or account
            failures = self._failures_in_a_row(current, now) + 1
            locked_until = None
            if failures >= self.policy.max_failures:
                locked_until = now + self.policy.lockout_seconds
            self.store.update_account(account.login, failures=failures, locked_until=locked_until)
            self._audit(account.login, account.login, event, problem.reason)
            if locked_until is not None:
                self._audit(account.login, account.login, "account_locked", "locked")
                self.store.delete_challenges(account.login)
        if locked_until is not None:
            raise self._locked_error(locked_until) from problem
        if not isinstance(problem, errors.LoginFailed):
            # Not on the password step: an unknown Login Name has no counter, and a count
            # shown only for real accounts would tell which Login Names exist.
            problem.attempts_left = self.policy.max_failures - failures
        raise problem

    def _locked_error(self, until: float) -> errors.AccountLocked:
        minutes = max(1, math.ceil((until - self.clock.now()) / 60))
        return errors.AccountLocked(
            f"Too many failed attempts. This account is locked until {until_text(until)}: "
            f"try again in {minutes} minute{'s' if minutes != 1 else ''}, or ask a Technical "
            "Support Agent to unlock it sooner.",
            until,
        )

    def _is_locked(self, account: Account, now: float) -> bool:
        return account.locked_until is not None and now < account.locked_until

    def _failures_in_a_row(self, account: Account, now: float) -> int:
        """The count that decides the next lock: a lock that has run out starts it afresh."""
        expired = account.locked_until is not None and now >= account.locked_until
        return 0 if expired else account.failures

    def _refuse_if_locked(self, account: Account, now: float) -> None:
        if self._is_locked(account, now):
            self._audit(account.login, account.login, "attempt_while_locked", "locked")
            raise self._locked_error(account.locked_until)  # type: ignore[arg-type]

    def _login_failed_message(self) -> str:
        return "The Login Name or Password is not correct."

    def _require(self, login: str) -> Account:
        account = self.store.account((login or "").strip())
        if account is None:
            raise errors.AccountNotFound(f"There is no account with the Login Name {login!r}.")
        return account

    def _audit(self, actor: str, login: str, event: str, outcome: str, detail: str = "") -> None:
        self.store.add_audit(AuditEvent(self.clock.now(), actor, login, event, outcome, detail))
