"""The Stratus Web Portal as a state machine, free of any user interface.

Agent actions (enable, reset, unlock), the user's authenticator setup (pending secret → QR →
Passcode + Current Password → Save) and the two-step login (Login Name + Password → Security
code → Submit). Each action checks, in order: lock → password → code → replay, then records
the outcome and the audit event in one transaction.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from . import errors
from .clock import Clock, SystemClock, until_text
from .names import MAX_LOGIN_LENGTH, mixed_scripts, normalise_login
from .offsets import find_offsets
from .otp import ISSUER, MalformedCode, Totp, build_uri, generate_secret, normalise_code
from .passwords import burn_equal_time, hash_password, verify_password
from .policy import DEFAULT_POLICY, SecurityPolicy
from .store import PREVIOUS_SECRET_KEPT_SECONDS, Account, Attempt, AuditEvent, Store, Throttle

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

LOGIN_FAILED_MESSAGE = "The Login Name or Password is not correct."

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
    locks_in_a_row: int = 0

    def summary(self) -> str:
        if not self.mfa_enabled:
            mfa = "MFA not enabled"
        elif self.mfa_active:
            mfa = "MFA active"
        elif self.setup_pending:
            mfa = "MFA enabled, setup started (QR shown, not saved)"
        else:
            mfa = "MFA enabled, not set up yet"
        if self.locked_until is None:
            lock = "not locked"
        elif math.isinf(self.locked_until):
            lock = "locked until a Technical Support Agent unlocks it"
        else:
            lock = f"locked until {until_text(self.locked_until)}"
        return f"{self.login}: {mfa}; {lock}; failed attempts in a row: {self.failures}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Portal:
    """One Stratus portal over a store, a clock and a security policy.

    Every public method accepts only ``str`` where it takes text (TypeError otherwise) and
    refuses anything else with a :class:`~mfa_kit.errors.PortalError` whose message is the
    portal's sentence; a refusal leaves the stored state as it was, except for what the
    refusal itself records (a counted failure, a lock, an attempt, an audit line).
    """

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
            locks_in_a_row=self._locks_in_a_row(account, now),
        )

    def can_set_up_authenticator(self, login: str) -> bool:
        """Whether the Profile page shows Set Up Google Authenticator (an agent enabled MFA)."""
        return self._require(login).mfa_enabled

    def audit_trail(self, login: str | None = None, limit: int | None = None) -> list[AuditEvent]:
        if login is not None:
            login = normalise_login(
                _text(
                    login, "login", MAX_LOGIN_LENGTH * 4, what="Login Name", shown=MAX_LOGIN_LENGTH
                )
            )
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
            raise TypeError(f"limit must be an int or None, not {type(limit).__name__}")
        if limit is not None and not 0 <= limit <= 2**31:
            raise errors.InvalidInput("The number of audit lines to show must be 0 or more.")
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
        raw = _text(login, "login", MAX_LOGIN_LENGTH * 4, what="Login Name", shown=MAX_LOGIN_LENGTH)
        password = _text(password, "password", MAX_PASSWORD_LENGTH)
        if display_name is not None:
            display_name = _text(display_name, "display_name", MAX_DISPLAY_NAME_LENGTH)
        actor = _text(actor, "actor", MAX_DISPLAY_NAME_LENGTH)
        login = normalise_login(raw)
        if not login or any(ch.isspace() or not ch.isprintable() for ch in login):
            raise errors.InvalidAccountDetails(
                "A Login Name needs at least one character and no spaces."
            )
        if len(login) > MAX_LOGIN_LENGTH:
            raise errors.InvalidAccountDetails(
                f"A Login Name has at most {MAX_LOGIN_LENGTH} characters."
            )
        if ":" in login:
            # The colon separates issuer and account in the QR code's label.
            raise errors.InvalidAccountDetails("A Login Name may not contain a colon (:).")
        scripts = mixed_scripts(login)
        if scripts:
            # jоrdan.lee with a Cyrillic о looks exactly like jordan.lee on screen.
            raise errors.InvalidAccountDetails(
                "A Login Name may not mix letters of different alphabets "
                f"({' and '.join(s.title() for s in scripts)}): it would look like another "
                "person's Login Name."
            )
        if not password:
            raise errors.InvalidAccountDetails("A password is required.")
        if display_name is not None and not display_name.isprintable():
            raise errors.InvalidAccountDetails("A display name may hold only printable text.")
        password_hash = hash_password(password)  # slow: outside the write lock
        with self.store.transaction():
            if self.store.account(login) is not None:
                raise errors.AccountExists(f"An account with Login Name {login} already exists.")
            self.store.insert_account(
                Account(
                    login=login,
                    display_name=display_name or login,
                    password_hash=password_hash,
                )
            )
            # Counters kept for this name while it matched no account do not carry over.
            self.store.delete_throttle(self._name_hash(login))
            self._audit(actor, login, "account_created", "ok")
        return self.status(login)

    def enable_mfa(self, login: str, *, actor: str = SUPPORT_AGENT) -> AccountStatus:
        """Enable MFA. On an account that already has it nothing changes and nothing is
        audited (the screen says it was already enabled)."""
        actor = _text(actor, "actor", MAX_DISPLAY_NAME_LENGTH)
        if self._require(login).mfa_enabled:
            return self.status(login)
        with self.store.transaction():
            self._purge()
            account = self._require(login)
            if not account.mfa_enabled:
                self.store.update_account(account.login, mfa_enabled=True)
                self._audit(actor, account.login, "mfa_enabled", "ok")
        return self.status(login)

    def reset_mfa(self, login: str, *, actor: str = SUPPORT_AGENT) -> AccountStatus:
        """Lost or replaced phone: forget the authenticator so the user can set it up again.

        MFA stays enabled; the old secret is kept only as ``previous_secret`` so a diagnosis
        can recognise codes from the stale app entry. Every session of the account ends.
        """
        return self._forget_authenticator(login, actor, "mfa_reset")

    def disable_mfa(self, login: str, *, actor: str = SUPPORT_AGENT) -> AccountStatus:
        """Switch MFA off: the next login needs only the password. Every session ends."""
        return self._forget_authenticator(login, actor, "mfa_disabled", mfa_enabled=False)

    def _forget_authenticator(
        self, login: str, actor: str, event: str, **also: object
    ) -> AccountStatus:
        actor = _text(actor, "actor", MAX_DISPLAY_NAME_LENGTH)
        self._require(login)
        with self.store.transaction():
            self._purge()
            account = self._require(login)
            self.store.update_account(
                account.login,
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
            self.store.delete_challenges(account.login)
            self.store.delete_sessions(account.login)  # a lost phone: log it out everywhere
            self._audit(actor, account.login, event, "ok")
        return self.status(login)

    def unlock(self, login: str, *, actor: str = SUPPORT_AGENT) -> AccountStatus:
        """An agent's Unlock: the lock, the failure count and the locks in a row all end."""
        actor = _text(actor, "actor", MAX_DISPLAY_NAME_LENGTH)
        self._require(login)
        with self.store.transaction():
            self._purge()
            account = self._require(login)
            self.store.update_account(
                account.login, failures=0, locked_until=None, locks=0, last_locked_at=None
            )
            self._audit(actor, account.login, "unlocked", "ok")
        return self.status(login)

    # the user's setup: Profile → Change Account Security

    def start_authenticator_setup(
        self, login: str, *, session: Session | str | None = None
    ) -> AuthenticatorSetup:
        """Set Up Google Authenticator: a new pending secret and the QR code for it.

        Clicking again replaces the pending secret, so an app entry scanned from the earlier
        QR code stops matching: a common support case. Replacing an authenticator that is
        already in force needs ``session``, a login that passed the Security code.
        """
        session_hash = _session_hash(session)
        self._require(login)
        now = self.clock.now()

        def decide() -> AuthenticatorSetup | errors.PortalError:
            self._purge(now)
            account = self._require(login)
            if not account.mfa_enabled:
                raise errors.MfaNotEnabled(MFA_NOT_ENABLED_MESSAGE)
            refused = self._mfa_login_to_replace(account, session_hash, now)
            if refused:
                return refused
            # Made only now: a refused click must not use up the next training secret.
            secret = self.secret_factory()
            self.store.update_account(account.login, pending_secret=secret)
            self._audit(account.login, account.login, "authenticator_setup_started", "ok")
            uri = build_uri(secret, account.login, issuer=ISSUER, profile=self.policy.profile)
            return AuthenticatorSetup(login=account.login, secret=secret, uri=uri)

        return self._decide(decide)

    def save_security_settings(
        self,
        login: str,
        passcode: str,
        current_password: str,
        *,
        session: Session | str | None = None,
    ) -> AccountStatus:
        """Save: the Passcode must come from the QR code just shown, and the Current Password
        must be right; otherwise nothing is saved. Replacing an authenticator already in
        force also needs ``session``, a login that passed the Security code. A successful
        Save ends every other session of the account."""
        name = _login_name(login)
        passcode = _text(passcode, "passcode", MAX_CODE_LENGTH, what="Passcode")
        current_password = _text(
            current_password, "current_password", MAX_PASSWORD_LENGTH, what="Current Password"
        )
        session_hash = _session_hash(session)
        _require_typed_code(passcode, "Type the Passcode that Google Authenticator shows")
        _require_typed(current_password, "Type your Current Password, then click Save.")
        now = self.clock.now()
        event = "security_settings_saved"
        snapshot = self._require(name)
        # scrypt and the evidence search are slow: done outside the write lock, their
        # results used only inside it (and redone there if the account changed meanwhile).
        password_ok = verify_password(current_password, snapshot.password_hash)
        evidence = self._evidence(snapshot, passcode, now)

        def decide() -> AccountStatus | errors.PortalError:
            nonlocal password_ok, evidence
            self._purge(now)
            account = self._require(name)
            if self._is_locked(account, now):
                return self._refuse_locked(account, now, event, passcode, evidence, snapshot)
            if not account.mfa_enabled:
                raise errors.MfaNotEnabled(MFA_NOT_ENABLED_MESSAGE)
            refused = self._mfa_login_to_replace(account, session_hash, now)
            if refused:
                return refused
            if account.pending_secret is None:
                raise errors.NoSetupInProgress(
                    "Click Set Up Google Authenticator first, scan the QR code, then type "
                    "the Passcode."
                )
            if account.password_hash != snapshot.password_hash:
                password_ok = verify_password(current_password, account.password_hash)
            if not password_ok:
                return self._count_failure(
                    account,
                    now,
                    event,
                    errors.WrongCurrentPassword(
                        "The Current Password is not correct. Nothing was saved."
                    ),
                )
            if _secrets(account) != _secrets(snapshot):
                evidence = self._evidence(account, passcode, now)
            # A new secret has never had a code accepted, so there is nothing to replay yet;
            # the same secret issued again keeps the record of the steps already used.
            same_secret = account.pending_secret == account.secret
            checked = self._check_code(
                account, account.pending_secret, passcode, now, event, evidence
            )
            if isinstance(checked, errors.PortalError):
                return checked
            if same_secret:
                claimed = self.store.claim_step(account.login, checked)
            else:
                self.store.update_account(account.login, last_step=None)
                claimed = self.store.claim_step(account.login, checked)
            if not claimed:
                return self._count_failure(
                    account, now, event, _reused_code_error(), evidence=evidence
                )
            self.store.update_account(
                account.login,
                secret=account.pending_secret,
                pending_secret=None,
                failures=0,
                locked_until=None,
            )
            # A new authenticator: every other login of this account ends.
            self.store.delete_other_sessions(account.login, keep=session_hash)
            self.store.delete_challenges(account.login)
            self._record_attempt(account, event, "ok", evidence, now)
            self._audit(account.login, account.login, event, "ok")
            return self.status(account.login)

        return self._decide(decide)

    # the two-step login

    def log_in(self, login: str, password: str) -> Session | SecurityCodeChallenge:
        """Log In with Login Name and Password.

        Returns a Session when the account has no active MFA, else a SecurityCodeChallenge
        that :meth:`submit_security_code` completes. A Login Name that matches no account
        gets the same messages and the same lockout as a real one.
        """
        raw = _text(login, "login", MAX_LOGIN_LENGTH * 4, what="Login Name", shown=MAX_LOGIN_LENGTH)
        password = _text(password, "password", MAX_PASSWORD_LENGTH, what="Password")
        _require_typed(raw.strip(), "Type your Login Name, then click Log In.")
        _require_typed(password, "Type your Password, then click Log In.")
        name = normalise_login(raw)
        now = self.clock.now()
        event = "log_in"
        # scrypt is slow, so it runs outside the write lock; what it decides is used only
        # inside, after the lock has been checked there.
        snapshot = self.store.account(name)
        if snapshot is None:
            burn_equal_time(password)
            password_ok = False
        else:
            password_ok = verify_password(password, snapshot.password_hash)

        def decide() -> Session | SecurityCodeChallenge | errors.PortalError:
            nonlocal password_ok
            self._purge(now)
            account = self.store.account(name)
            if account is None:
                return self._unknown_login_failure(name, now)
            if self._is_locked(account, now):
                return self._refuse_locked(account, now, event)
            if snapshot is None or account.password_hash != snapshot.password_hash:
                password_ok = verify_password(password, account.password_hash)
            if not password_ok:
                return self._count_failure(
                    account, now, event, errors.LoginFailed(LOGIN_FAILED_MESSAGE)
                )
            if not account.mfa_active:
                self.store.update_account(account.login, failures=0, locked_until=None)
                self._audit(account.login, account.login, event, "ok")
                return self._start_session(account, now, used_mfa=False)
            # The password step alone never clears the failure count: that would give
            # someone who knows the password unlimited Security code guesses.
            token = secrets.token_urlsafe(24)
            expires_at = now + self.policy.login_timeout_seconds
            self.store.add_challenge(_token_hash(token), account.login, expires_at)
            self._audit(account.login, account.login, "password_accepted", "ok")
            return SecurityCodeChallenge(account.login, token, expires_at)

        return self._decide(decide)

    def submit_security_code(self, challenge: SecurityCodeChallenge | str, code: str) -> Session:
        """Submit on the Security code screen: lock → code → replay → one session, all
        decided in one write transaction, so a half-finished login gives one session."""
        if isinstance(challenge, SecurityCodeChallenge):
            token = challenge.token
        else:
            token = challenge
        token = _text(token, "challenge", MAX_TOKEN_LENGTH, what="login")
        code = _text(code, "code", MAX_CODE_LENGTH, what="Security code")
        _require_typed_code(code, "Type the Security code that Google Authenticator shows")
        now = self.clock.now()
        event = "security_code"
        token_hash = _token_hash(token)
        found = self.store.challenge(token_hash)
        snapshot = self.store.account(found[0]) if found else None
        evidence = self._evidence(snapshot, code, now) if snapshot else None

        def decide() -> Session | errors.PortalError:
            nonlocal evidence
            found = self.store.challenge(token_hash)
            account = self.store.account(found[0]) if found else None
            if account is not None and (
                snapshot is None or _secrets(account) != _secrets(snapshot)
            ):
                evidence = self._evidence(account, code, now)
            if found is None or account is None or found[1] <= now:
                self._purge(now)  # an expired one is deleted here, on use
                if account is not None:
                    self._record_attempt(account, event, errors.LoginTimedOut.reason, evidence, now)
                return errors.LoginTimedOut(
                    "This login has timed out or was already used. "
                    "Log in again with your Login Name and Password."
                )
            self._purge(now)
            if self._is_locked(account, now):
                return self._refuse_locked(account, now, event, code, evidence, account)
            if not account.mfa_active:
                self.store.consume_challenge(token_hash)
                return errors.LoginTimedOut("MFA was reset on this account. Log in again.")
            checked = self._check_code(account, account.secret, code, now, event, evidence)
            if isinstance(checked, errors.PortalError):
                return checked
            # Check-and-set under the write lock, so two logins racing with the same code
            # cannot both get in (RFC 6238 §5.2).
            if not self.store.claim_step(account.login, checked):
                return self._count_failure(
                    account, now, event, _reused_code_error(), evidence=evidence
                )
            if not self.store.consume_challenge(token_hash):
                # Cannot happen under the write lock; if it ever did, undo the claim too.
                raise errors.LoginTimedOut(
                    "This login was already used. Log in again with your Login Name and Password."
                )
            self.store.update_account(account.login, failures=0, locked_until=None)
            self._record_attempt(account, event, "ok", evidence, now)
            self._audit(account.login, account.login, event, "ok")
            return self._start_session(account, now, used_mfa=True)

        return self._decide(decide)

    def log_out(self, session: Session | str) -> bool:
        """Log Out: the session ends on the portal, so its token no longer works anywhere.
        True if it was still live; logging out twice is harmless."""
        session_hash = _session_hash(session)
        if session_hash is None:
            raise TypeError("session must be a Session or its token, not None")
        now = self.clock.now()
        with self.store.transaction():
            found = self.store.session(session_hash)
            ended = self.store.delete_session(session_hash)
            self._purge(now)
            if ended and found is not None:
                self._audit(found[0], found[0], "logged_out", "ok")
        return ended

    def log_in_with_google(self) -> None:
        """The Log in with Google button: always refused here, with the reason."""
        raise errors.NotTheMfaLogin(GOOGLE_LOGIN_MESSAGE)

    # one decision per transaction

    def _decide(self, decide: Callable[[], T | errors.PortalError]) -> T:
        """Run ``decide`` in one write transaction (BEGIN IMMEDIATE: parallel requests wait
        their turn). A refusal it *returns* is committed with what it recorded (a counted
        failure, a lock) and then raised; one it *raises* rolls everything back."""
        with self.store.transaction():
            outcome = decide()
        if isinstance(outcome, errors.PortalError):
            raise outcome
        return outcome

    def _purge(self, now: float | None = None) -> None:
        """Whatever has run out goes whenever the portal writes: half-finished logins,
        sessions, and previous secrets kept longer than the stated time."""
        now = self.clock.now() if now is None else now
        self.store.purge_expired(now)
        self.store.forget_previous_secrets(now - PREVIOUS_SECRET_KEPT_SECONDS)

    def _start_session(self, account: Account, now: float, *, used_mfa: bool) -> Session:
        token = secrets.token_urlsafe(24)
        self.store.add_session(
            _token_hash(token), account.login, used_mfa, now + self.policy.session_seconds
        )
        return Session(account.login, account.display_name, now, used_mfa, token)

    def _mfa_login_to_replace(
        self, account: Account, session_hash: str | None, now: float
    ) -> errors.PortalError | None:
        """Only someone who passed the Security code may replace an authenticator in force:
        the password alone must never be enough to move MFA to another phone."""
        if not account.mfa_active:
            return None  # first setup: the password is the proof, as on the real portal
        found = self.store.session(session_hash) if session_hash else None
        if found is not None and found[2] <= now:
            self.store.delete_session(session_hash)  # type: ignore[arg-type]
            found = None
        if found is None or found[0] != account.login or not found[1]:
            return errors.MfaLoginRequired(REPLACE_NEEDS_MFA_LOGIN_MESSAGE)
        return None

    # the security story, step by step

    def _check_code(
        self,
        account: Account,
        secret: str,
        typed: str,
        now: float,
        event: str,
        evidence: Evidence | None,
    ) -> int | errors.PortalError:
        """The accepted time step for ``typed``, or a recorded refusal to raise."""
        profile = self.policy.profile
        try:
            code = normalise_code(typed, profile.digits)
        except MalformedCode as problem:
            # A typo is not a guess: it is refused without counting towards the lockout.
            reason = errors.MalformedSecurityCode.reason
            self._record_attempt(account, event, reason, None, now)
            self._audit(account.login, account.login, event, reason)
            return errors.MalformedSecurityCode(str(problem))
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
            return self._count_failure(account, now, event, problem, evidence=evidence)
        return step

    def _recently_valid(self, totp: Totp, code: str, now: float) -> bool:
        centre = totp.step(now)
        oldest = centre - self.policy.expired_lookback_steps
        newest = centre - self.policy.window_steps - 1
        return totp.match(code, range(oldest, newest + 1)) is not None

    def _next_failure(self, state: Account | Throttle, now: float) -> dict[str, object]:
        """The counters after one more failure: a lock when the policy says so, each lock
        in a row longer than the one before."""
        failures = self._failures_in_a_row(state, now) + 1
        if failures < self.policy.max_failures:
            return {"failures": failures, "locked_until": None}
        lock_number = self._locks_in_a_row(state, now) + 1
        return {
            "failures": failures,
            "locked_until": now + self.policy.lock_seconds(lock_number),
            "locks": lock_number,
            "last_locked_at": now,
        }

    def _count_failure(
        self,
        account: Account,
        now: float,
        event: str,
        problem: errors.PortalError,
        *,
        evidence: Evidence | None = None,
    ) -> errors.PortalError:
        """Count a failure (inside the decision's transaction), lock the account when the
        policy says so, and give back the refusal to raise."""
        if evidence is not None:
            self._record_attempt(account, event, problem.reason, evidence, now)
        changes = self._next_failure(account, now)
        self.store.update_account(account.login, **changes)
        self._audit(account.login, account.login, event, problem.reason)
        locked_until = changes["locked_until"]
        if isinstance(locked_until, float):
            self._audit(
                account.login,
                account.login,
                "account_locked",
                "locked",
                self._lock_detail(account.login, changes),
            )
            self.store.delete_challenges(account.login)
            error = self._locked_error(locked_until, now)
            error.__cause__ = problem
            return error
        if not isinstance(problem, errors.LoginFailed):
            # Not on the password step: an unknown Login Name has no counter to show, and a
            # count shown only for real accounts would tell which Login Names exist.
            problem.attempts_left = self.policy.max_failures - int(changes["failures"])  # type: ignore[call-overload]
        return problem

    def _lock_detail(self, login: str, changes: dict[str, object]) -> str:
        """What an agent needs before unlocking: where the failures in a row happened.

        Wrong passwords mean someone without the password (perhaps only the Login Name:
        unlocking is safe); wrong codes mean someone who has the password (change it)."""
        count = self.policy.max_failures
        failures = [
            e
            for e in self.store.audit(login, limit=count * 4)
            if e.outcome in _COUNTED_OUTCOMES and e.event in _COUNTED_EVENTS
        ][-count:]
        at_password = sum(e.outcome in _PASSWORD_OUTCOMES for e in failures)
        lock_number = int(changes["locks"])  # type: ignore[call-overload]
        until = float(changes["locked_until"])  # type: ignore[arg-type]
        lasting = "until an agent unlocks it" if math.isinf(until) else f"until {until_text(until)}"
        return (
            f"lock {lock_number} in a row, {lasting}; failures: {at_password} at the password "
            f"step, {len(failures) - at_password} at the Security code step"
        )

    def _locked_error(self, until: float, now: float | None = None) -> errors.AccountLocked:
        if math.isinf(until):
            return errors.AccountLocked(
                "Too many failed attempts. This account is locked until a Technical Support "
                "Agent unlocks it: ask a Technical Support Agent to check the account and "
                "unlock it.",
                until,
            )
        now = self.clock.now() if now is None else now
        minutes = max(1, math.ceil((until - now) / 60))
        return errors.AccountLocked(
            f"Too many failed attempts. This account is locked until {until_text(until)}: "
            f"try again in {minutes} minute{'s' if minutes != 1 else ''}, or ask a Technical "
            "Support Agent to unlock it sooner.",
            until,
        )

    def _refuse_locked(
        self,
        account: Account,
        now: float,
        event: str,
        code: str | None = None,
        evidence: Evidence | None = None,
        snapshot: Account | None = None,
    ) -> errors.AccountLocked:
        """While locked nothing is checked, not even a right code; a code typed now is still
        kept as evidence of what it matched (a locked phone may also be a drifting one)."""
        if code is not None:
            if snapshot is None or _secrets(account) != _secrets(snapshot) or evidence is None:
                evidence = self._evidence(account, code, now)
            self._record_attempt(account, event, errors.AccountLocked.reason, evidence, now)
        self._audit(account.login, account.login, "attempt_while_locked", "locked")
        return self._locked_error(account.locked_until, now)  # type: ignore[arg-type]

    def _is_locked(self, state: Account | Throttle, now: float) -> bool:
        return state.locked_until is not None and now < state.locked_until

    def _failures_in_a_row(self, state: Account | Throttle, now: float) -> int:
        """The count that decides the next lock: a lock that has run out starts it afresh."""
        expired = state.locked_until is not None and now >= state.locked_until
        return 0 if expired else state.failures

    def _locks_in_a_row(self, state: Account | Throttle, now: float) -> int:
        """Locks in a row so far: forgotten after a quiet spell of ``lock_memory_hours``."""
        if state.last_locked_at is None:
            return 0
        if now - state.last_locked_at >= self.policy.lock_memory_seconds:
            return 0
        return state.locks

    # Login Names that match no account

    def _name_hash(self, name: str) -> str:
        """A keyed hash of a normalised Login Name: the database's own key, so a stolen list
        of hashes cannot be checked against guessed names without the database."""
        key = self.store.login_name_key()
        return hmac.new(key, name.encode("utf-8"), hashlib.sha256).hexdigest()

    def _unknown_login_failure(self, name: str, now: float) -> errors.PortalError:
        """The same lock, counted the same way, as a real account's: nothing a caller sees
        tells an unknown Login Name from a wrong password."""
        name_hash = self._name_hash(name)
        state = self.store.throttle(name_hash) or Throttle()
        if self._is_locked(state, now):
            self._audit(UNKNOWN_LOGIN, UNKNOWN_LOGIN, "attempt_while_locked", "locked")
            return self._locked_error(state.locked_until, now)  # type: ignore[arg-type]
        changes = self._next_failure(state, now)
        self.store.put_throttle(name_hash, dataclasses.replace(state, **changes))  # type: ignore[arg-type]
        self._audit(UNKNOWN_LOGIN, UNKNOWN_LOGIN, "log_in", errors.LoginFailed.reason)
        locked_until = changes["locked_until"]
        if isinstance(locked_until, float):
            self._audit(UNKNOWN_LOGIN, UNKNOWN_LOGIN, "account_locked", "locked")
            return self._locked_error(locked_until, now)
        return errors.LoginFailed(LOGIN_FAILED_MESSAGE)

    # the evidence kept for diagnosis

    def _evidence(self, account: Account, typed: str, now: float) -> Evidence | None:
        """Which secret ``typed`` matches at ``now`` and at what offset, nearest first (ties
        in the order active, pending, previous); None for a malformed code."""
        try:
            code = normalise_code(typed, self.policy.profile.digits)
        except MalformedCode:
            return None
        candidates = []
        for order, (name, secret) in enumerate(zip(_MATCH_NAMES, _secrets(account), strict=True)):
            if secret is None:
                continue
            offsets = find_offsets(
                secret,
                code,
                now,
                profile=self.policy.profile,
                window_steps=self.policy.attempt_search_steps,
            )
            if offsets:
                candidates.append((abs(offsets[0]), order, name, offsets[0]))
        if not candidates:
            return ("none", None)
        _, _, matched, offset = min(candidates)
        return (matched, offset)

    def _record_attempt(
        self,
        account: Account,
        event: str,
        outcome: str,
        evidence: Evidence | None,
        now: float,
    ) -> None:
        matched, offset = evidence or ("none", None)
        self.store.add_attempt(account.login, Attempt(now, event, outcome, matched, offset))

    # lookups and the audit trail

    def _require(self, login: str) -> Account:
        name = _login_name(login)
        account = self.store.account(name)
        if account is None:
            raise errors.AccountNotFound(f"There is no account with the Login Name {login!r}.")
        return account

    def _audit(self, actor: str, login: str, event: str, outcome: str, detail: str = "") -> None:
        self.store.add_audit(AuditEvent(self.clock.now(), actor, login, event, outcome, detail))


# input checks shared by every public method

MAX_PASSWORD_LENGTH = 1024
MAX_CODE_LENGTH = 64
MAX_DISPLAY_NAME_LENGTH = 128
MAX_TOKEN_LENGTH = 256

_MATCH_NAMES = ("active", "pending", "previous")
_PASSWORD_OUTCOMES = {errors.LoginFailed.reason, errors.WrongCurrentPassword.reason}
_COUNTED_OUTCOMES = _PASSWORD_OUTCOMES | {
    errors.InvalidCode.reason,
    errors.CodeExpired.reason,
    errors.CodeAlreadyUsed.reason,
}
_COUNTED_EVENTS = {"log_in", "security_code", "security_settings_saved"}

Evidence = tuple[str, int | None]
T = TypeVar("T")


def _secrets(account: Account) -> tuple[str | None, str | None, str | None]:
    return (account.secret, account.pending_secret, account.previous_secret)


def _reused_code_error() -> errors.CodeAlreadyUsed:
    return errors.CodeAlreadyUsed(
        "That code was already used. Wait for the app to show a new code, then type it."
    )


def _text(
    value: object, parameter: str, limit: int, *, what: str | None = None, shown: int = 0
) -> str:
    """``value`` as text the portal can store: TypeError for a non-string (a programming
    error), InvalidInput for text no person could have typed into that box (longer than
    ``limit``; ``shown`` is the limit the message names, if different)."""
    if not isinstance(value, str):
        raise TypeError(f"{parameter} must be a str, not {type(value).__name__}")
    what = what or parameter.replace("_", " ")
    if len(value) > limit:
        raise errors.InvalidInput(f"The {what} is too long: at most {shown or limit} characters.")
    if "\x00" in value:
        # No keyboard types NUL, and scrypt's HMAC pads keys with NUL bytes, so "pw" and
        # "pw\0" would be the same password.
        raise errors.InvalidInput(
            f"The {what} contains a character that cannot be typed. Type it again."
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates: not text any keyboard produces, and SQLite cannot store them.
        raise errors.InvalidInput(
            f"The {what} contains a character that cannot be typed. Type it again."
        ) from None
    return value


def _login_name(login: object) -> str:
    name = normalise_login(
        _text(login, "login", MAX_LOGIN_LENGTH * 4, what="Login Name", shown=MAX_LOGIN_LENGTH)
    )
    if len(name) > MAX_LOGIN_LENGTH:
        raise errors.InvalidInput(
            f"The Login Name is too long: at most {MAX_LOGIN_LENGTH} characters."
        )
    return name


def _session_hash(session: object) -> str | None:
    if session is None:
        return None
    token = session.token if isinstance(session, Session) else session
    return _token_hash(_text(token, "session", MAX_TOKEN_LENGTH, what="login"))


def _require_typed(text: str, message: str) -> None:
    """An empty field is a request to type it, never a counted failure."""
    if not text:
        raise errors.MissingInput(message)


def _require_typed_code(code: str, prompt: str) -> None:
    if not code.strip():
        action = "Save" if "Passcode" in prompt else "Submit"
        raise errors.MissingInput(f"{prompt}, then click {action}.")
