"""The portal as a state machine explored by hypothesis: any sequence of agent actions,
setups, Saves, logins, Submits, log-outs, clock moves and replays keeps its promises.

Invariants checked after every step:
- never two acceptances of one time step of one secret, nor of one half-finished login;
- never a session for an account whose MFA is active without a Security code;
- never more checked guesses in a row than the policy allows;
- a pending secret is never active without a Save;
- every stored secret is encrypted (once the kit encrypts secrets at rest).
"""

from __future__ import annotations

import importlib.util
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
)

from mfa_kit import errors
from mfa_kit.clock import FixedClock
from mfa_kit.otp import Totp
from mfa_kit.policy import SecurityPolicy
from mfa_kit.portal import Portal, SecurityCodeChallenge, Session
from mfa_kit.store import Store
from mfa_kit.training import TRAINING_INSTANT, TRAINING_LOGIN

from .portal_helpers import cheap_hash

PASSWORD = "Right-Password-1"
# A narrow evidence search: hypothesis runs thousands of steps; the record is tested elsewhere.
POLICY = SecurityPolicy(attempt_search_steps=2)
COUNTED = {"wrong_password", "wrong_current_password", "invalid_code", "expired_code"}
COUNTED |= {"reused_code"}
RESETS = {("log_in", "ok"), ("security_code", "ok"), ("security_settings_saved", "ok")}
MOSTLY_TRUE = st.sampled_from([True, True, True, False])
ENCRYPTION_LANDED = importlib.util.find_spec("mfa_kit.vault") is not None


class PortalMachine(RuleBasedStateMachine):
    challenges = Bundle("challenges")
    sessions = Bundle("sessions")

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.path = Path(self.folder.name) / "portal.sqlite3"
        self.clock = FixedClock(TRAINING_INSTANT)
        self.portal = Portal(Store(self.path), self.clock, POLICY)
        # a second portal process on the same file, for parallel replays
        self.twin = Portal(Store(self.path), self.clock, POLICY)
        for portal in (self.portal, self.twin):
            portal.store._db.execute("PRAGMA synchronous = OFF")
        self.portal.create_account(TRAINING_LOGIN, "set-below")
        self.portal.store.update_account(TRAINING_LOGIN, password_hash=cheap_hash(PASSWORD))
        self.phone: list[str] = []  # secrets scanned into the phone, newest last
        self.saved: set[str] = set()  # secrets that a successful Save made active
        self.accepted_steps: set[tuple[str, int]] = set()
        self.accepted_challenges: set[str] = set()

    def teardown(self) -> None:
        self.portal.store.close()
        self.twin.store.close()
        self.folder.cleanup()

    # helpers

    def account(self):
        return self.portal.store.account(TRAINING_LOGIN)

    def code(self, secret: str, steps: int = 0) -> tuple[str, int]:
        at = self.clock.now() + steps * 30
        return Totp(secret).at(at), int(at // 30)

    def accept_step(self, secret: str, step: int) -> None:
        assert (secret, step) not in self.accepted_steps, "one step accepted twice"
        self.accepted_steps.add((secret, step))

    @initialize(enrolled=MOSTLY_TRUE)
    def start(self, enrolled: bool) -> None:
        """Most runs start from an account with MFA in force, the rest from scratch."""
        if enrolled:
            self.portal.enable_mfa(TRAINING_LOGIN)
            secret = self.portal.start_authenticator_setup(TRAINING_LOGIN).secret
            self.phone.append(secret)
            passcode, step = self.code(secret)
            self.portal.save_security_settings(TRAINING_LOGIN, passcode, PASSWORD)
            self.saved.add(secret)
            self.accept_step(secret, step)

    # agent

    @rule(action=st.sampled_from(["enable_mfa", "reset_mfa", "unlock", "disable_mfa"]))
    def agent(self, action: str) -> None:
        getattr(self.portal, action)(TRAINING_LOGIN)

    # setup and Save

    @rule(session=st.none() | sessions)
    def set_up(self, session: Session | None) -> None:
        try:
            setup = self.portal.start_authenticator_setup(TRAINING_LOGIN, session=session)
        except (errors.MfaNotEnabled, errors.MfaLoginRequired):
            return
        self.phone.append(setup.secret)

    @rule(
        which=st.sampled_from([-1, -1, -1, -2]),
        steps=st.sampled_from([0, 0, 1, -1, 2, -2]),
        right_password=MOSTLY_TRUE,
        session=st.none() | sessions,
    )
    def save(self, which: int, steps: int, right_password: bool, session) -> None:
        if len(self.phone) < -which:
            return
        secret = self.phone[which]
        before = self.account()
        passcode, step = self.code(secret, steps)
        password = PASSWORD if right_password else "wrong"
        try:
            self.portal.save_security_settings(TRAINING_LOGIN, passcode, password, session=session)
        except errors.PortalError:
            return
        assert before.pending_secret == secret and right_password and abs(steps) <= 1
        event("Save accepted")
        self.saved.add(secret)
        self.accept_step(secret, step)

    # the two-step login

    @rule(target=challenges, right_password=MOSTLY_TRUE)
    def log_in(self, right_password: bool):
        mfa_active = self.account().mfa_active
        try:
            result = self.portal.log_in(TRAINING_LOGIN, PASSWORD if right_password else "nope")
        except errors.AccountLocked:
            event("log in refused: locked")
            return multiple()
        except errors.PortalError:
            return multiple()
        assert right_password
        if isinstance(result, Session):
            assert not mfa_active, "a session without a Security code on an MFA account"
            return multiple()
        assert isinstance(result, SecurityCodeChallenge) and mfa_active
        return result

    @rule(
        target=sessions,
        challenge=challenges,
        steps=st.sampled_from([0, 0, 1, -1, 2, -3]),
        wrong=st.sampled_from([False, False, True]),
    )
    def submit(self, challenge: SecurityCodeChallenge, steps: int, wrong: bool):
        account = self.account()
        secret = account.secret or (self.phone[-1] if self.phone else "A" * 32)
        code, step = self.code(secret, steps)
        if wrong:
            code = f"{(int(code) + 1) % 10**6:06d}"
        try:
            session = self.portal.submit_security_code(challenge, code)
        except errors.CodeRejected:
            event("Security code refused")
            return multiple()
        except errors.PortalError:
            return multiple()
        assert not wrong and abs(steps) <= 1 and secret == account.secret
        assert challenge.token not in self.accepted_challenges, "one login accepted twice"
        self.accepted_challenges.add(challenge.token)
        self.accept_step(secret, step)
        event("Security code accepted")
        return session

    @rule(target=sessions, wait=st.sampled_from([0, 30, 30, 60]), steps=st.sampled_from([0, 1]))
    def full_login(self, wait: int, steps: int):
        """Log In and Submit the app's code in one go, as most users do."""
        self.clock.advance(wait)
        challenge = self.log_in(True)
        if not isinstance(challenge, SecurityCodeChallenge):
            return multiple()
        return self.submit(challenge, steps, False)

    @rule(target=sessions, wait=st.sampled_from([0, 30]), reuse=st.booleans())
    def parallel_replay(self, wait: int, reuse: bool):
        """The same right code through two portal processes (two connections on one file),
        on two logins or on one."""
        self.clock.advance(wait)
        account = self.account()
        if not account.mfa_active:
            return multiple()
        first = self.log_in(True)
        second = first if reuse else self.twin_log_in()
        if not isinstance(first, SecurityCodeChallenge) or second is None:
            return multiple()
        code, step = self.code(account.secret)
        won = []
        for portal, challenge in ((self.portal, first), (self.twin, second)):
            try:
                won.append((challenge, portal.submit_security_code(challenge, code)))
            except errors.PortalError:
                pass
        assert len(won) <= 1, "one code accepted twice"
        if not won:
            return multiple()
        ((challenge, session),) = won
        assert challenge.token not in self.accepted_challenges, "one login accepted twice"
        self.accepted_challenges.add(challenge.token)
        self.accept_step(account.secret, step)
        return session

    def twin_log_in(self) -> SecurityCodeChallenge | None:
        try:
            result = self.twin.log_in(TRAINING_LOGIN, PASSWORD)
        except errors.PortalError:
            return None
        return result if isinstance(result, SecurityCodeChallenge) else None

    @rule(session=consumes(sessions))
    def log_out(self, session: Session) -> None:
        self.portal.log_out(session)
        assert self.portal.store.session(_hash(session.token)) is None

    @rule(seconds=st.sampled_from([1, 29, 30, 31, 90, 300, 901, 3600, 86_400]))
    def clock_moves(self, seconds: int) -> None:
        self.clock.advance(seconds)

    # invariants

    @invariant()
    def mfa_sessions_only(self) -> None:
        if self.account().mfa_active:
            rows = self.portal.store._db.execute(
                "SELECT count(*) FROM sessions WHERE login = ? AND used_mfa = 0",
                (TRAINING_LOGIN,),
            ).fetchone()[0]
            assert rows == 0, "a password-only session survives on an MFA account"

    @invariant()
    def active_secret_was_saved(self) -> None:
        secret = self.account().secret
        assert secret is None or secret in self.saved, "a secret active without a Save"

    @invariant()
    def guesses_within_the_policy(self) -> None:
        account = self.account()
        assert 0 <= account.failures <= POLICY.max_failures
        run = 0
        for line in self.portal.audit_trail(TRAINING_LOGIN):
            if (line.event, line.outcome) in RESETS or line.event in {
                "unlocked",
                "account_locked",
            }:
                run = 0
            elif line.outcome in COUNTED:
                run += 1
                assert run <= POLICY.max_failures, "more checked guesses than the policy allows"

    @invariant()
    def secrets_encrypted_at_rest(self) -> None:
        if not ENCRYPTION_LANDED:
            return
        raw = sqlite3.connect(self.path)
        try:
            rows = raw.execute(
                "SELECT secret, pending_secret, previous_secret FROM accounts"
            ).fetchall()
        finally:
            raw.close()
        known = set(self.phone)
        for row in rows:
            for value in row:
                assert value is None or value not in known, "a secret stored in plain text"


def _hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


PortalMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_portal_state_machine = PortalMachine.TestCase
