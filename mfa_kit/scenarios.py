"""Customers' broken logins rebuilt on a practice portal through the public API, one per verdict.
Owns building a ticket's situation, replaying the customer's attempt, and the fix per verdict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .authenticator import Authenticator, Entry
from .clock import FixedClock, SkewedClock, to_datetime
from .diagnose import Diagnosis, Verdict, diagnose_login
from .errors import PortalError
from .otp import DEFAULT_PROFILE, ISSUER, MalformedCode, Totp, format_code, normalise_code
from .policy import DEFAULT_POLICY, SecurityPolicy
from .portal import Portal, Session
from .ticket import EntryRead, Symptom, Ticket, TicketError, example
from .training import TRAINING_DISPLAY_NAME, TRAINING_LOGIN, TRAINING_PASSWORD, TrainingSecrets

if TYPE_CHECKING:
    from .screens.login import LoginScreen

# When the history before the ticket happened, in seconds before the code was typed. The
# failed attempts come last so a lockout is still in force when the customer types.
SET_UP_BEFORE = 3 * 24 * 3600
OTHER_ACCOUNT_BEFORE = 2 * 24 * 3600
RESET_BEFORE = 24 * 3600
SETTINGS_CHANGED_BEFORE = 3600
RESCAN_BEFORE = 30 * 60
FAILURES_BEFORE = 120
REUSED_BEFORE = 10
"""The earlier, successful use of the same code: one time step before it was typed again."""


@dataclass
class Situation:
    """A ticket rebuilt: the portal (its clock is the real time), the customer's phone (its
    clock may be off), the entry they read and the code they typed."""

    ticket: Ticket
    portal: Portal
    clock: FixedClock
    phone: Authenticator
    entry: Entry | None
    typed_code: str
    steps: list[str] = field(default_factory=list)
    """What happened before the ticket, in order, as sentences."""
    read_at: float | None = None
    """When (real time) the customer read the code off the app; None: when they typed it."""
    reported_code_checked: bool = True
    """False when the ticket's reported code is a real customer's code: it was not typed here
    (it comes from their own key, never the training key); the practice phone's code is."""

    @property
    def login(self) -> str:
        return self.ticket.login

    @property
    def phone_clock(self) -> SkewedClock:
        return self.phone.clock  # type: ignore[return-value]

    @property
    def typed_at(self) -> float:
        return self.ticket.typed_at.timestamp()

    # the customer's attempt and its diagnosis

    def attempt(self, screen: LoginScreen | None = None) -> LoginScreen:
        """Replay what the customer did on the login screen; return the screen (see .text)."""
        from .screens.login import SECURITY_CODE

        screen = screen or _login_screen(self.portal)
        self.clock.set(self.typed_at)
        if self.ticket.symptom is Symptom.GOOGLE_LOGIN:
            screen.log_in_with_google()
            return screen
        screen.log_in(self.login, TRAINING_PASSWORD)
        if screen.stage == SECURITY_CODE:
            screen.submit_security_code(self.typed_code)
        return screen

    def diagnose(self) -> Diagnosis:
        """The diagnosis for the code the customer typed, at the time they typed it."""
        return diagnose_login(
            self.portal,
            self.login,
            self.typed_code,
            self.typed_at,
            symptom=self.ticket.symptom.value,
            # The agent compares the phone's clock with the exact time; in the rebuilt
            # situation that is the ticket's phone offset. It tells a slow phone from a
            # code read late.
            phone_offset_seconds=self.phone_clock.offset_seconds,
        )

    # the fix and the login that proves it

    def apply_fix(self, diagnosis: Diagnosis) -> list[str]:
        """Do what the diagnosis tells the customer (and agent) to do; say what was done."""
        return FIXES[diagnosis.verdict](self)

    def log_in(self, screen: LoginScreen | None = None) -> LoginScreen:
        """Log in the right way: Log In, then the code the customer's own entry shows now."""
        from .screens.login import LOGGED_IN, SECURITY_CODE

        screen = screen or _login_screen(self.portal)
        if screen.stage == LOGGED_IN:
            screen.log_out()
        screen.log_in(self.login, TRAINING_PASSWORD)
        if screen.stage == SECURITY_CODE:
            screen.submit_security_code(self.own_entry().code())
        return screen

    def own_entry(self) -> Entry:
        """The newest entry on the phone for the customer's own Login Name."""
        mine = self.phone.find(self.login)
        if not mine:
            raise LookupError(f"the phone has no entry for {self.login}")
        return mine[-1]

    def wait_for_a_new_code(self) -> int:
        """If the code the app shows now was already used, wait for the next one (seconds)."""
        account = self.portal.store.account(self.login)
        period = self.portal.policy.profile.period
        if account is None or account.last_step is None:
            return 0
        fresh = (account.last_step + 1) * period
        waited = max(0, int(fresh - self.clock.now()))
        self.clock.advance(waited)
        return waited

    def describe_phone(self) -> str:
        """The phone as the customer saw it when they read the code: its clock, then each
        entry and the code it showed at that moment."""
        offset = self.phone_clock.offset_seconds
        read = self.typed_at if self.read_at is None else self.read_at
        # The phone's own time when the code was read: the moment its screen is shown for.
        shown_at = read + offset
        clock = to_datetime(shown_at).strftime("%H:%M:%S UTC")
        line = f"Phone clock: {clock} ({offset:+.0f} s against the real time)"
        if read != self.typed_at:
            line += f", when the code was read, {self.typed_at - read:.0f} s before it was typed"
        lines = [line]
        for entry in self.phone.entries:
            mark = "  <- read this one" if entry is self.entry else ""
            code = Totp(entry.secret, entry.profile).at(shown_at)
            lines.append(f"  {entry.name}: {format_code(code)}{mark}")
        if not self.phone.entries:
            lines.append(f"  (no {ISSUER} entry)")
        return "\n".join(lines)


def _login_screen(portal: Portal) -> LoginScreen:
    from .screens.login import LoginScreen

    return LoginScreen(portal)


# building a situation from a ticket


def build(ticket: Ticket) -> Situation:
    """A fresh in-memory portal and phone in the state the ticket describes.

    Deterministic: the training secrets in their documented order and a hand-moved clock.
    The customer's history is replayed through the portal's own actions, oldest first; a
    history the portal refuses (e.g. a successful login while locked) is a TicketError.
    """
    try:
        return _replay(ticket)
    except PortalError as refusal:
        raise TicketError(f"this history cannot happen on the portal: {refusal}") from None


def _replay(ticket: Ticket) -> Situation:
    at = ticket.typed_at.timestamp()
    clock = FixedClock(at - SET_UP_BEFORE)
    portal = Portal(":memory:", clock, DEFAULT_POLICY, TrainingSecrets())
    # The phone's clock was right while the history happened; the ticket's offset applies now.
    phone_clock = SkewedClock(clock, 0)
    phone = Authenticator(phone_clock)
    steps: list[str] = []
    login = ticket.login
    name = TRAINING_DISPLAY_NAME if login == TRAINING_LOGIN else login
    portal.create_account(login, TRAINING_PASSWORD, name)
    _quick_password(portal, login)
    steps.append(f"An agent created the account {login}.")
    if ticket.mfa_enabled_by_agent:
        portal.enable_mfa(login)
        steps.append("An agent enabled MFA on it.")
        if ticket.setup_saved:
            _set_up(portal, phone, login)
            steps.append("The customer scanned the QR code and saved the setup.")
    if ticket.other_account:
        clock.set(at - OTHER_ACCOUNT_BEFORE)
        portal.create_account(ticket.other_account, TRAINING_PASSWORD)
        _quick_password(portal, ticket.other_account)
        portal.enable_mfa(ticket.other_account)
        _set_up(portal, phone, ticket.other_account)
        steps.append(f"The account {ticket.other_account} was set up on the same phone.")
    if ticket.agent_reset:
        clock.set(at - RESET_BEFORE)
        portal.reset_mfa(login)
        _set_up(portal, phone, login)
        steps.append(
            f"An agent reset MFA; the customer set it up again, a second {ISSUER} entry "
            "for the same login now sits beside the first."
        )
    if ticket.portal_period_seconds != DEFAULT_PROFILE.period:
        clock.set(at - SETTINGS_CHANGED_BEFORE)
        portal.policy = replace(portal.policy, profile=ticket.profile)
        steps.append(
            f"The portal's code settings were changed to {ticket.portal_period_seconds}-second "
            "codes."
        )
    if ticket.rescanned_qr:
        clock.set(at - RESCAN_BEFORE)
        setup = portal.start_authenticator_setup(login, session=_logged_in(portal, phone, login))
        phone.scan_qr_code(setup.qr_png())
        steps.append(
            "The customer clicked Set Up Google Authenticator again and scanned the new QR "
            "code, but did not click Save."
        )
    if ticket.failed_attempts_before:
        clock.set(at - FAILURES_BEFORE)
        _fail_repeatedly(portal, login, ticket.failed_attempts_before)
        steps.append(f"{ticket.failed_attempts_before} wrong attempts in a row just before.")
    reused: str | None = None
    read_at = at - ticket.seconds_before_typing
    if ticket.code_used_before:
        clock.set(at - REUSED_BEFORE)
        # The earlier login used the entry of the setup in force, whichever one is read now.
        active = portal.store.account(login).secret  # type: ignore[union-attr]
        reused = next(e for e in phone.find(login) if e.secret == active).code()
        challenge = portal.log_in(login, TRAINING_PASSWORD)
        portal.submit_security_code(challenge, reused)  # type: ignore[arg-type]
        read_at = at - REUSED_BEFORE
        steps.append(f"{REUSED_BEFORE} seconds earlier the same code logged the customer in.")
    clock.set(at)
    phone_clock.offset_seconds = ticket.phone_clock_offset_seconds
    entry = _entry_for(ticket, phone) if phone.entries else None
    if reused is not None:
        typed = reused
    elif entry is not None:
        typed = Totp(entry.secret, entry.profile).at(read_at + phone_clock.offset_seconds)
    else:
        typed = ""
    checked = True
    if ticket.reported_code is not None:
        # A training ticket's code was made from the training key: it is what was typed. A
        # real customer's code comes from a key the kit never has: checking it against the
        # training key would prove nothing. Only its shape can be judged without a key.
        if ticket.training or _malformed_code(ticket.reported_code, portal.policy):
            typed = ticket.reported_code
        else:
            checked = False
    return Situation(ticket, portal, clock, phone, entry, typed, steps, read_at, checked)


def _malformed_code(code: str, policy: SecurityPolicy) -> bool:
    try:
        normalise_code(code, policy.profile.digits)
    except MalformedCode:
        return True
    return False


def _quick_password(portal: Portal, login: str) -> None:
    """Store the public training password with the cheapest scrypt cost: this in-memory
    practice portal guards nothing, and every login of a reproduction would otherwise spend
    a fifth of a second stretching a password everyone knows. Checked, so a change in the
    hash format keeps the portal's own hash instead."""
    import base64
    import hashlib

    from .passwords import verify_password

    salt = b"practice-portal!"
    key = hashlib.scrypt(TRAINING_PASSWORD.encode("utf-8"), salt=salt, n=2, r=1, p=1, dklen=32)
    quick = "$".join(
        ["scrypt", "2", "1", "1", base64.b64encode(salt).decode(), base64.b64encode(key).decode()]
    )
    if verify_password(TRAINING_PASSWORD, quick) and not verify_password("", quick):
        portal.store.update_account(login, password_hash=quick)


def _logged_in(portal: Portal, phone: Authenticator, login: str) -> Session:
    """The customer logs in (with the newest entry's code when MFA is in force): the portal
    lets only such a login replace an authenticator."""
    attempt = portal.log_in(login, TRAINING_PASSWORD)
    if isinstance(attempt, Session):
        return attempt
    return portal.submit_security_code(attempt, phone.find(login)[-1].code())


def _set_up(portal: Portal, phone: Authenticator, login: str) -> Entry:
    """Profile → Set Up Google Authenticator → scan the QR code → Passcode, Current Password,
    Save: the whole procedure, with a real decode of the QR picture."""
    setup = portal.start_authenticator_setup(login)
    entry = phone.scan_qr_code(setup.qr_png())
    portal.save_security_settings(login, entry.code(), TRAINING_PASSWORD)
    return entry


def _fail_repeatedly(portal: Portal, login: str, times: int) -> None:
    """``times`` wrong Security codes in a row (wrong passwords if no code is asked)."""
    from .errors import AccountLocked, CodeRejected, LoginFailed

    refused = 0
    for _ in range(times):
        try:
            result = portal.log_in(login, TRAINING_PASSWORD)
            if isinstance(result, Session):
                portal.log_in(login, TRAINING_PASSWORD + "?")
            else:
                portal.submit_security_code(result, _wrong_code(portal, login))
        except (CodeRejected, LoginFailed, AccountLocked):
            refused += 1
    if refused != times:
        raise RuntimeError(f"only {refused} of {times} wrong attempts were refused")


def _wrong_code(portal: Portal, login: str) -> str:
    """A well-formed code that is not valid anywhere near now (checked, not assumed)."""
    account = portal.store.account(login)
    profile = portal.policy.profile
    totp = Totp(account.secret, profile)  # type: ignore[union-attr,arg-type]
    centre = totp.step(portal.clock.now())
    near = {totp.code_for_step(s) for s in range(centre - 20, centre + 21)}
    return next(c for c in (str(d) * profile.digits for d in range(10)) if c not in near)


def _entry_for(ticket: Ticket, phone: Authenticator) -> Entry:
    if ticket.read_entry is EntryRead.OTHER_ACCOUNT:
        return phone.find(ticket.other_account)[-1]
    mine = phone.find(ticket.login) or phone.entries
    return mine[0] if ticket.read_entry is EntryRead.OLDEST else mine[-1]


# the fixes, one per verdict: what the diagnosis's fix sentence asks for, done for real on
# the screens an agent and a customer use (agent console, profile page, phone, login page)


def _type_the_current_code(s: Situation) -> list[str]:
    return ["The customer types the code the app shows now, straight away."]


def _set_the_phone_clock(s: Situation) -> list[str]:
    before = s.phone_clock.offset_seconds
    s.phone_clock.offset_seconds = 0
    return [
        f"Phone: Settings → Date & time → automatic date and time on (it was {before:+.0f} s).",
        "The customer types the new code the app shows.",
    ]


def _wait_for_a_new_code(s: Situation) -> list[str]:
    waited = s.wait_for_a_new_code()
    if not waited:
        return ["The app already shows a new code; the customer types that one."]
    return [f"The customer waits {waited} s for the app to show a new code, then types it."]


def _finish_the_setup(s: Situation) -> list[str]:
    account = s.portal.store.account(s.login)
    if account is not None and account.secret is None:
        # No setup in force (a reset came first): the setup is simply done again, then saved.
        return _set_up_again(s)
    older = s.phone.find(s.login)[0]
    screen = _login_screen(s.portal)
    screen.log_in(s.login, TRAINING_PASSWORD)
    screen.submit_security_code(older.code())
    _require(screen, "logging in with the older entry")
    return [
        f"Log In with the older {ISSUER} entry's code → {screen.message}",
        *_set_up_again(s, screen.session),
    ]


def _set_up_again(s: Situation, session: Session | None = None) -> list[str]:
    """Profile → Set Up Google Authenticator → the phone scans → Passcode, Current Password,
    Save, on the screens; then the stale entries are deleted from the app."""
    from .screens.phone import PhoneScreen
    from .screens.profile import ProfileScreen

    stale = list(s.phone.find(s.login))
    profile = ProfileScreen(s.portal, s.login, session)
    phone = PhoneScreen(s.phone, camera=lambda: profile.qr_png)
    profile.open_profile()
    profile.set_up_google_authenticator()
    _require(profile, "Set Up Google Authenticator")
    entry = phone.scan_qr_code()
    _require(phone, "Scan a QR code")
    profile.save(entry.code(), TRAINING_PASSWORD)  # type: ignore[union-attr]
    _require(profile, "Save")
    for old in stale:
        s.phone.remove(old)
    done = [
        "Profile → Change Account Security → Set Up Google Authenticator; phone: Add → Scan a "
        f"QR code → {phone.message}",
        f"Passcode and Current Password → Save → {profile.message}",
        f"The customer deletes the {len(stale)} older {ISSUER} entr"
        f"{'y' if len(stale) == 1 else 'ies'} for {s.login} from the app."
        if stale
        else f"The app now holds one {ISSUER} entry for this login.",
    ]
    # Save used the code on screen, and a code is accepted only once.
    waited = s.wait_for_a_new_code()
    if waited:
        done.append(f"The customer waits {waited} s for a new code: Save used the last one.")
    return done


def _delete_the_old_entry(s: Situation) -> list[str]:
    mine = s.phone.find(s.login)
    for entry in mine[:-1]:
        s.phone.remove(entry)
    return [
        f"The customer deletes the old {ISSUER} entry for {s.login} and reads the one "
        "added after the reset."
    ]


def _read_the_right_entry(s: Situation) -> list[str]:
    return [f"The customer reads the {ISSUER} entry whose account is {s.login}."]


def _restore_standard_settings(s: Situation) -> list[str]:
    s.portal.policy = replace(s.portal.policy, profile=DEFAULT_PROFILE)
    return [
        "The portal's code settings go back to the standard "
        f"({DEFAULT_PROFILE.algorithm.name}, {DEFAULT_PROFILE.digits} digits, "
        f"{DEFAULT_PROFILE.period} s).",
        *_agent_does(s, "reset_mfa", "Reset MFA"),
        *_set_up_again(s),
    ]


def _unlock(s: Situation) -> list[str]:
    return _agent_does(s, "unlock", "Unlock")


def _enable_and_set_up(s: Situation) -> list[str]:
    return [*_agent_does(s, "enable_mfa", "Enable MFA"), *_set_up_again(s)]


def _reset_and_set_up(s: Situation) -> list[str]:
    return [*_agent_does(s, "reset_mfa", "Reset MFA"), *_set_up_again(s)]


def _use_log_in(s: Situation) -> list[str]:
    return ["The customer types Login Name and Password and clicks Log In (not Google)."]


def _agent_does(s: Situation, action: str, button: str) -> list[str]:
    """An agent finds the login on the agent console and clicks ``button``."""
    from .screens.agent import AgentConsole

    console = AgentConsole(s.portal)
    console.find(s.login)
    getattr(console, action)()
    _require(console, button)
    return [f"Agent console: Find {s.login}, {button} → {console.message} ({console.status_text})"]


def _require(screen: Any, what: str) -> None:
    """A fix step the portal refused means the fix does not fit the situation: say so."""
    if screen.error is not None:
        raise RuntimeError(f"{what} was refused: {screen.message}")


FIXES: dict[Verdict, Callable[[Situation], list[str]]] = {
    Verdict.VALID_NOW: _type_the_current_code,
    Verdict.CLOCK_DRIFT: _set_the_phone_clock,
    Verdict.TIME_ZONE: _set_the_phone_clock,
    Verdict.REUSED_CODE: _wait_for_a_new_code,
    Verdict.PENDING_NOT_SAVED: _finish_the_setup,
    Verdict.PREVIOUS_SECRET: _delete_the_old_entry,
    Verdict.OTHER_ACCOUNT: _read_the_right_entry,
    Verdict.EXPIRED: _type_the_current_code,
    Verdict.MALFORMED: _type_the_current_code,
    Verdict.APP_IGNORES_PROFILE: _restore_standard_settings,
    Verdict.LOCKED: _unlock,
    Verdict.MFA_NOT_ENABLED: _enable_and_set_up,
    Verdict.GOOGLE_LOGIN: _use_log_in,
    Verdict.NO_MATCH: _reset_and_set_up,
}


# the catalogue: one ticket per verdict, each built only from facts a customer would report

_CASES = (
    example(
        expected_verdict="CLOCK_DRIFT",
        id="clock-drift",
        summary="Every code is refused since the phone's time was set by hand.",
        phone_clock_offset_seconds=150,
    ),
    example(
        expected_verdict="TIME_ZONE",
        id="time-zone",
        summary="Codes refused since coming back from a trip abroad.",
        phone_clock_offset_seconds=3600,
    ),
    example(
        expected_verdict="REUSED_CODE",
        id="reused-code",
        summary="Logged out and straight back in with the same code: refused.",
        code_used_before=True,
    ),
    example(
        expected_verdict="PENDING_NOT_SAVED",
        id="rescanned-qr",
        summary="Scanned the QR code again to be safe; now the new entry's codes fail.",
        rescanned_qr=True,
    ),
    example(
        expected_verdict="PREVIOUS_SECRET",
        id="old-entry-after-reset",
        summary="New phone set up after an agent reset; still using the old entry.",
        agent_reset=True,
        read_entry=EntryRead.OLDEST,
    ),
    example(
        expected_verdict="OTHER_ACCOUNT",
        id="other-account",
        summary=f"Two {ISSUER} entries on a shared phone; typed the wrong one's code.",
        other_account="sam.patel",
        read_entry=EntryRead.OTHER_ACCOUNT,
    ),
    example(
        expected_verdict="EXPIRED",
        id="expired",
        summary="Wrote the code down, then typed it a minute and a half later.",
        seconds_before_typing=90,
    ),
    example(
        expected_verdict="MALFORMED",
        id="malformed",
        summary="Typed the code; the portal says it is not a code.",
        reported_code="12345",
    ),
    example(
        expected_verdict="APP_IGNORES_PROFILE",
        id="sixty-second-codes",
        summary="Codes refused since the portal was switched to 60-second codes.",
        portal_period_seconds=60,
    ),
    example(
        expected_verdict="LOCKED",
        id="locked",
        summary="After several tries even the right code is refused.",
        failed_attempts_before=DEFAULT_POLICY.max_failures,
    ),
    example(
        expected_verdict="MFA_NOT_ENABLED",
        id="mfa-not-enabled",
        summary="There is no Set Up Google Authenticator button on the Profile page.",
        symptom=Symptom.NO_CODE_ASKED,
        mfa_enabled_by_agent=False,
        setup_saved=False,
    ),
    example(
        expected_verdict="GOOGLE_LOGIN",
        id="log-in-with-google",
        summary="Clicked Log in with Google and was never asked for the code.",
        symptom=Symptom.GOOGLE_LOGIN,
    ),
    example(
        expected_verdict="NO_MATCH",
        id="no-match",
        summary="Read the code to us over the phone; it fits nothing.",
        reported_code="314 159",
    ),
)

CATALOGUE: dict[Verdict, Ticket] = {Verdict[case.expected_verdict]: case for case in _CASES}  # type: ignore[index]
"""The situations the troubleshooting notebook walks through, keyed by the verdict they show."""


def situation(verdict: Verdict, **changes: Any) -> Situation:
    """The catalogue's situation for ``verdict`` (with optional ticket changes), built."""
    return build(replace(CATALOGUE[verdict], **changes))


# the whole walk-through for one situation, as a record the notebooks display


@dataclass
class Case:
    """One ticket worked end to end: the symptom on screen, the diagnosis, the fix, the login."""

    situation: Situation
    phone_before: str
    symptom: str
    diagnosis: Diagnosis
    fix_steps: list[str]
    outcome: str
    login_screen: Any = field(repr=False)
    policy: SecurityPolicy = DEFAULT_POLICY
    """The portal's policy when the code was typed (a fix may change it)."""

    @property
    def verdict(self) -> Verdict:
        return self.diagnosis.verdict

    @property
    def logged_in(self) -> bool:
        from .screens.login import LOGGED_IN

        return self.login_screen.stage == LOGGED_IN

    def picture_svg(self) -> str:
        return time_steps(self.diagnosis, self.situation.typed_at, self.policy)[0]

    def transcript(self) -> str:
        """Everything that happened, as plain text (what nbval compares)."""
        s, d = self.situation, self.diagnosis
        typed_at = to_datetime(s.typed_at).strftime("%Y-%m-%d %H:%M:%S UTC")
        lines = [f"Ticket {s.ticket.id}: {s.ticket.summary}", "Before the ticket:"]
        lines += [f"  - {step}" for step in s.steps]
        lines.append(self.phone_before)
        shown = repr(s.typed_code) if s.typed_code else "(nothing)"
        lines.append(f"Customer typed {shown} at {typed_at} ({s.ticket.symptom.value}).")
        lines.append(f"Login screen: {self.symptom}")
        lines.append(f"Diagnosis: {verdict_line(d)}")
        lines.append(f"  What happened: {d.explanation}")
        lines.append(f"  Fix to read out: {d.fix}")
        lines.append("Time steps: " + time_steps(d, s.typed_at, self.policy)[1])
        lines.append("Fix applied:")
        lines += [f"  - {step}" for step in self.fix_steps]
        lines.append(f"After the fix: {self.outcome}")
        return "\n".join(lines)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from html import escape

        text = self.transcript()
        page = f'<pre style="white-space: pre-wrap">{escape(text)}</pre>{self.picture_svg()}'
        return {"text/plain": text, "text/html": page}


TIMED_VERDICTS = frozenset(FIXES) - {
    Verdict.LOCKED,
    Verdict.MFA_NOT_ENABLED,
    Verdict.GOOGLE_LOGIN,
    Verdict.MALFORMED,
}
"""Verdicts about when a code was made; the others are decided before any time step counts."""


def time_steps(diagnosis: Diagnosis, at: float, policy: SecurityPolicy) -> tuple[str, str]:
    """The time-step picture (SVG) and its sentence for a diagnosis of a code typed at ``at``
    under the portal's ``policy`` of that moment."""
    from .timeline import step_window_svg, step_window_text

    d = diagnosis
    if d.verdict is Verdict.APP_IGNORES_PROFILE:
        # The offset is counted in the app's steps: none of the portal's steps has this code.
        words = (
            f"the code is the app's {DEFAULT_PROFILE.period}-second code for "
            f"{d.offset_seconds:+d} s, but the portal counts {policy.profile.period}-second "
            "steps, so none of its steps has this code."
        )
        return step_window_svg(None, at, policy=policy), words
    svg = step_window_svg(d.offset_steps, at, policy=policy)
    if d.offset_steps is None and d.verdict not in TIMED_VERDICTS:
        return svg, "not the problem; this verdict does not depend on them."
    return svg, step_window_text(d.offset_steps, at, policy=policy)


def verdict_line(diagnosis: Diagnosis | dict[str, Any]) -> str:
    """``CLOCK_DRIFT: The phone's clock is wrong (+5 steps, +150 s)``: one line for a ticket.

    Takes a Diagnosis or its ``as_dict()`` (as read back from a report)."""
    d = diagnosis.as_dict() if isinstance(diagnosis, Diagnosis) else diagnosis
    line = f"{d['verdict']}: {d['title']}"
    if d.get("offset_steps") is not None:
        line += f" ({d['offset_steps']:+d} steps, {d['offset_seconds']:+d} s"
        line += ", ambiguous)" if d.get("ambiguous") else ")"
    return line


def screen_line(screen: Any) -> str:
    """What a login screen shows, on one line: the page, then its message."""
    return " | ".join(screen.text.splitlines())


def troubleshoot(case: Verdict | Ticket, login_screen: Any = None) -> Case:
    """Rebuild the situation, replay the customer's attempt on the login screen, diagnose it,
    apply the fix and log in: the support procedure for one ticket, start to finish."""
    ticket = CATALOGUE[case] if isinstance(case, Verdict) else case
    s = build(ticket)
    phone_before = s.describe_phone()
    # Evidence first: the portal as it was when the code was typed, before the replay can
    # use the code up or count a failure.
    diagnosis = s.diagnose()
    screen = s.attempt(login_screen)
    symptom = screen_line(screen)
    policy = s.portal.policy
    fix_steps = s.apply_fix(diagnosis)
    s.log_in(screen)
    return Case(s, phone_before, symptom, diagnosis, fix_steps, screen_line(screen), screen, policy)


# reproducing a ticket: evidence first, every cause, and a fix that fails is a finding


@dataclass(frozen=True)
class Finding:
    """One cause of the refusal, as the reproduction found it."""

    verdict: Verdict
    explanation: str
    fix: str
    possible: bool = False
    """A match that chance could explain: to be confirmed (see ``odds``)."""
    odds: float | None = None
    found: str = ""
    """"" for a cause of the customer's own attempt; else the fix after which it showed."""
    offset_seconds: int | None = None

    @property
    def title(self) -> str:
        return self.verdict.title

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.name,
            "title": self.title,
            "explanation": self.explanation,
            "fix": self.fix,
            "possible": self.possible,
            "odds": self.odds,
            "found": self.found or "found in the customer's attempt",
        }


def causes_of(diagnosis: Diagnosis, found: str = "") -> list[Finding]:
    """The diagnosis's causes in order, each as a finding."""
    return [
        Finding(
            cause.verdict,
            cause.explanation,
            cause.fix,
            cause.possible,
            cause.odds,
            found,
            cause.offset_seconds,
        )
        for cause in diagnosis.causes
    ]


FIX_NAMES: dict[Verdict, str] = {
    Verdict.VALID_NOW: "typing the code the app shows now",
    Verdict.CLOCK_DRIFT: "setting the phone's time to automatic",
    Verdict.TIME_ZONE: "setting the phone's time to automatic",
    Verdict.REUSED_CODE: "waiting for a new code",
    Verdict.PENDING_NOT_SAVED: "finishing the setup",
    Verdict.PREVIOUS_SECRET: "deleting the old entry",
    Verdict.OTHER_ACCOUNT: "reading the right entry",
    Verdict.EXPIRED: "typing the code as soon as the app shows it",
    Verdict.MALFORMED: "typing the digits the app shows",
    Verdict.APP_IGNORES_PROFILE: "the standard code settings and a new setup",
    Verdict.LOCKED: "Unlock",
    Verdict.MFA_NOT_ENABLED: "Enable MFA and the setup",
    Verdict.GOOGLE_LOGIN: "using Log In instead of Log in with Google",
    Verdict.NO_MATCH: "Reset MFA and a new setup",
}
"""Each fix in a few words, for a finding: "After Unlock, the code is still refused: …"."""

ACCEPTED_EXPLANATION = (
    "The portal accepted this code when the customer's attempt was replayed: in the "
    "situation described, the code is right."
)
ACCEPTED_FIX = (
    "Your code itself is right, so let us check how it reaches the portal. Please read me "
    f"the code under {ISSUER} digit by digit as the app shows it now (1 and 7, 6 and 8 are "
    "easily mixed up), check the Login Name, then type the code and click Submit straight "
    "away: a code left on the screen until the app shows the next one is refused."
)
NOT_CHECKED = (
    "The customer's real code was not checked: it comes from their own authenticator key, "
    "which the kit never asks for. This reproduction rebuilds the situation the ticket "
    "describes and uses the code the practice phone shows in it."
)
MAX_FIX_ROUNDS = 5
"""A fix per cause, each followed by a login; more causes than this is no ticket."""


@dataclass
class FixRound:
    """One fix done on the practice portal and phone, and the login that tests it."""

    cause: Verdict
    steps: list[str]
    refused: str = ""
    """The step the portal refused, when the fix could not be done in full."""
    outcome: str = ""
    logged_in: bool = False
    finding: str = ""
    """When the login after the fix was still refused: what the diagnosis of it says."""
    evidence: Diagnosis | None = None
    saved_clock: Finding | None = None
    """When the fix's Save was refused: the phone's clock as the portal's record of that
    Passcode shows it (the Passcode matched the new setup some steps away)."""
    """The diagnosis of that refused login (taken before the code was typed)."""


@dataclass
class Reproduction:
    """A ticket worked end to end, as the report shows it."""

    ticket: Ticket
    situation: Situation
    phone_before: str
    saw_text: str
    saw_html: str
    accepted: bool
    diagnosis: Diagnosis
    causes: list[Finding]
    rounds: list[FixRound]
    logged_in: bool
    outcome: str
    policy: SecurityPolicy
    picture_svg: str
    picture_text: str
    phone_shown_at: float
    """The phone's own time when the customer read the code (a fix may set it right)."""
    record: Any = None
    """The portal's own record of the customer's Security code attempt (a store Attempt:
    outcome, which secret the code matched, signed offset; never the code), or None when
    no code was asked for."""

    def record_line(self) -> str:
        """The portal's record of the attempt, in a sentence."""
        a = self.record
        if a is None:
            return (
                "The portal recorded no Security code attempt: it never asked for the code "
                "(see what the customer saw)."
            )
        outcome = "accepted" if a.outcome == "ok" else f"refused ({a.outcome.replace('_', ' ')})"
        if a.matched == "none" or a.offset_steps is None:
            matched = "the code matched none of the account's setups near that time"
        else:
            seconds = a.offset_steps * self.policy.profile.period
            matched = (
                f"the code matched the {a.matched} setup at {a.offset_steps:+d} steps "
                f"({seconds:+d} s)"
            )
        return f"The portal's record of this attempt: {outcome}; {matched}."

    @property
    def verdict(self) -> Verdict:
        return self.causes[0].verdict

    def verdict_line(self) -> str:
        """The reproduction's verdict on one line (the diagnosis's, unless the rebuilt
        situation confirmed a cause the diagnosis could only call possible)."""
        first = self.causes[0]
        if first.verdict is self.diagnosis.verdict:
            return verdict_line(self.diagnosis)
        line = f"{first.verdict.name}: {first.title}"
        if first.offset_seconds is not None:
            steps = first.offset_seconds // self.policy.profile.period
            line += f" ({steps:+d} steps, {first.offset_seconds:+d} s)"
        return line

    @property
    def code_checked(self) -> bool:
        return self.situation.reported_code_checked

    @property
    def expected_matches(self) -> bool | None:
        expected = self.ticket.expected_verdict
        return None if expected is None else expected == self.verdict.name

    @property
    def ok(self) -> bool:
        """The verdict is the one the ticket expected (if any), and the customer got in."""
        return self.expected_matches is not False and self.logged_in

    @property
    def findings(self) -> list[str]:
        """What the fixes showed: each step the portal refused, each login still refused."""
        return [text for r in self.rounds for text in (r.refused, r.finding) if text]

    def as_dict(self) -> dict[str, Any]:
        """The ticket's line of ``mfa-kit reproduce --json``."""
        d = self.diagnosis
        return {
            "id": self.ticket.id,
            "verdict": self.verdict.name,
            "causes": [cause.as_dict() for cause in self.causes],
            "expected_verdict": self.ticket.expected_verdict,
            "ok": self.ok,
            "offset_steps": d.offset_steps,
            "offset_seconds": d.offset_seconds,
            "logged_in_after_fix": self.logged_in,
            "reported_code_checked": self.code_checked
            if self.ticket.reported_code is not None
            else None,
            "findings": self.findings,
        }


def reproduce(ticket: Ticket) -> Reproduction:
    """Work ``ticket`` end to end on a practice portal; never raises for what the portal does.

    Evidence first: the diagnosis is taken of the portal as it was when the customer typed
    the code (it only reads), then their attempt is replayed and the screen kept as they saw
    it. A code the replay accepts is VALID_NOW. Then the fix of each cause is done, in order,
    each followed by a login with the customer's own entry; a login still refused is
    diagnosed in turn (a finding, and a cause if new), and a fix step the portal refuses is
    a finding too. A history the portal cannot have raises TicketError (from :func:`build`).
    """
    from .report import snapshot_html
    from .screens.login import LOGGED_IN

    s = build(ticket)
    phone_before = s.describe_phone()
    read_at = s.typed_at if s.read_at is None else s.read_at
    phone_shown_at = read_at + s.phone_clock.offset_seconds
    policy = s.portal.policy
    s.clock.set(s.typed_at)
    diagnosis = s.diagnose()
    screen = s.attempt()
    saw_text, saw_html = screen.text, snapshot_html(screen.widget)
    record = _attempt_record(s)
    accepted = record.outcome == "ok" if record is not None else _with_mfa(screen)
    if accepted:
        diagnosis = Diagnosis(
            Verdict.VALID_NOW,
            offset_steps=diagnosis.offset_steps,
            offset_seconds=diagnosis.offset_seconds,
            explanation=ACCEPTED_EXPLANATION,
            fix=ACCEPTED_FIX,
        )
    picture_svg, picture_text = time_steps(diagnosis, s.typed_at, policy)
    causes = _confirmed_first(causes_of(diagnosis), s.phone_clock.offset_seconds, policy)
    rounds: list[FixRound] = []
    logged_in = accepted
    if not accepted:
        done: set[Verdict] = set()
        for _ in range(MAX_FIX_ROUNDS):
            pending = [c.verdict for c in causes if c.verdict not in done]
            pending.sort(key=_fix_order)
            cause = pending[0] if pending else None
            if cause is None:
                break
            done.add(cause)
            round_ = _fix_and_log_in(s, screen, cause)
            rounds.append(round_)
            if round_.logged_in:
                logged_in = True
                break
            known = {c.verdict for c in causes}
            if round_.saved_clock is not None and round_.saved_clock.verdict not in known:
                causes.append(round_.saved_clock)
                known.add(round_.saved_clock.verdict)
            later = round_.evidence
            if later is not None:
                found = f"found after {FIX_NAMES.get(cause, cause.name)}"
                causes += [c for c in causes_of(later, found) if c.verdict not in known]
    outcome = screen.text if not accepted else saw_text
    return Reproduction(
        ticket,
        s,
        phone_before,
        saw_text,
        saw_html,
        accepted,
        diagnosis,
        causes,
        rounds,
        logged_in and screen.stage == LOGGED_IN,
        outcome,
        policy,
        picture_svg,
        picture_text,
        phone_shown_at,
        record,
    )


CONFIRMED_BY_THE_PHONE = "confirmed by the rebuilt phone's clock"
CONFIRM_BY_EYE_SECONDS = 10 * 60
"""How near the phone's clock must be to a possible far match to confirm it."""


def _confirmed_first(
    causes: list[Finding], phone_offset: float, policy: SecurityPolicy
) -> list[Finding]:
    """A possible clock cause that the phone's clock confirms (what the agent checks: the
    phone's date and time against the exact time) is a cause, and the one to act on first:
    the rest of the list is what it would be if the clock were right."""
    # Comparing two clocks by eye settles "about two days ahead", not the second.
    tolerance = max(policy.profile.period, CONFIRM_BY_EYE_SECONDS)
    for index, cause in enumerate(causes):
        if (
            cause.possible
            and cause.verdict in (Verdict.CLOCK_DRIFT, Verdict.TIME_ZONE)
            and cause.offset_seconds is not None
            and phone_offset
            and abs(phone_offset - cause.offset_seconds) <= tolerance
        ):
            from .diagnose import describe_duration

            direction = "ahead of" if cause.offset_seconds > 0 else "behind"
            explanation = (
                f"The phone's clock is about {describe_duration(cause.offset_seconds)} "
                f"{direction} the real time (the rebuilt phone shows it), and the code is the "
                "account's code at exactly that offset. The app works its codes out from the "
                "phone's clock, so they no longer line up with the portal's."
            )
            confirmed = replace(
                cause,
                explanation=explanation,
                fix=cause.verdict.fix,
                possible=False,
                odds=None,
                found=CONFIRMED_BY_THE_PHONE,
            )
            rest = [
                c for c in causes[:index] + causes[index + 1 :] if c.verdict is not Verdict.NO_MATCH
            ]
            return [confirmed, *rest]
    return causes


def _attempt_record(s: Situation) -> Any:
    """The portal's record of the Security code attempt just replayed, if it made one."""
    account = s.portal.store.account(s.login)
    if account is None:
        return None
    attempts = s.portal.store.attempts(account.login, since=s.typed_at)
    return next((a for a in reversed(attempts) if a.event == "security_code"), None)


def _clock_behind_a_refused_save(s: Situation, since: float, name: str) -> Finding | None:
    """A Passcode refused during a fix that the portal's record shows matching the new
    setup some steps away: the phone's clock is off, and no setup saves until it is right."""
    from .diagnose import describe_duration

    account = s.portal.store.account(s.login)
    if account is None:
        return None
    period = s.portal.policy.profile.period
    for attempt in reversed(s.portal.store.attempts(account.login, since=since)):
        if attempt.event == "security_code":
            continue
        steps = attempt.offset_steps
        if attempt.outcome == "ok" or attempt.matched != "pending" or not steps:
            return None
        seconds = steps * period
        direction = "ahead of" if seconds > 0 else "behind"
        return Finding(
            Verdict.CLOCK_DRIFT,
            (
                f"The Passcode typed during {name} was the new setup's code from about "
                f"{describe_duration(seconds)} {'later' if seconds > 0 else 'earlier'} (the "
                f"portal's record of it): the phone's clock is that far {direction} the real "
                "time, so no setup can be saved until it is set right."
            ),
            Verdict.CLOCK_DRIFT.fix,
            found=f"found when {name} was refused",
            offset_seconds=seconds,
        )
    return None


_IN_FRONT = (Verdict.LOCKED, Verdict.GOOGLE_LOGIN)
_CLOCKS = (Verdict.CLOCK_DRIFT, Verdict.TIME_ZONE)


def _fix_order(verdict: Verdict) -> int:
    """The order the fixes are done in: what stands in front of the code (a lock, the Google
    button), then the phone's clock (harmless, and every new setup's Save needs it right),
    then the rest; a reset and a new setup (NO_MATCH's fix, which undoes what the others
    need and itself says to check the phone first) last. Stable within each group."""
    if verdict in _IN_FRONT:
        return 0
    if verdict in _CLOCKS:
        return 1
    return 3 if verdict is Verdict.NO_MATCH else 2


def _with_mfa(screen: Any) -> bool:
    """Logged in through the Security code (not past a portal that never asked for one)."""
    from .screens.login import LOGGED_IN

    return screen.stage == LOGGED_IN and bool(screen.session and screen.session.used_mfa)


def _fix_and_log_in(s: Situation, screen: Any, cause: Verdict) -> FixRound:
    from .errors import PortalError
    from .screens.login import LOGGED_IN, SECURITY_CODE

    name = FIX_NAMES.get(cause, cause.name)
    round_ = FixRound(cause, [])
    fix = FIXES.get(cause)
    started = s.clock.now()
    try:
        round_.steps = fix(s) if fix else [f"No fix is known for {cause.name}."]
    except (RuntimeError, LookupError, PortalError) as refusal:
        round_.refused = f"The fix ({name}) could not be done in full: {refusal}"
        round_.saved_clock = _clock_behind_a_refused_save(s, started, name)
    if screen.stage == LOGGED_IN:
        screen.log_out()
    try:
        code = s.own_entry().code()
    except LookupError as missing:
        round_.finding = f"After {name}, the customer cannot log in: {missing}."
        round_.outcome = screen.text
        return round_
    # Evidence first again: what the portal makes of this code before it is typed.
    evidence = diagnose_login(
        s.portal, s.login, code, s.clock.now(), phone_offset_seconds=s.phone_clock.offset_seconds
    )
    screen.log_in(s.login, TRAINING_PASSWORD)
    asked = screen.stage == SECURITY_CODE
    if asked:
        screen.submit_security_code(code)
    round_.outcome = screen.text
    round_.logged_in = _with_mfa(screen)
    if not round_.logged_in:
        what = "the code is" if asked else "the login is"
        round_.finding = (
            f"After {name}, {what} still refused: {verdict_line(evidence)}. {evidence.explanation}"
        )
        round_.evidence = evidence
    return round_
