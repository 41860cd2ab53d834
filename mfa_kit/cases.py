"""Diagnosis exercises: a pool of customer situations rebuilt on a practice portal, to work.

Owns the pool (each case's right cause and fix, and the hints that point at the evidence on
its screens), building a case's screens as snapshots, judging a pick, and the per-trainee
choice of cases. The answer key lives here, in the package, never in a notebook.
"""

from __future__ import annotations

import enum
import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .checks import CheckResult
from .clock import to_datetime
from .otp import format_code
from .policy import DEFAULT_POLICY
from .scenarios import Situation, build
from .ticket import EntryRead, Symptom, Ticket, example
from .training import TRAINING_PASSWORD


class Cause(enum.Enum):
    """What went wrong, in the words a support agent would use (what the trainee picks)."""

    PHONE_CLOCK = "The phone's clock (time or date) is wrong"
    TIME_ZONE = "The phone's time zone is wrong"
    CODE_USED = "The code had already been used"
    EXPIRED = "The code was typed too late"
    NOT_SAVED = "A new QR code was scanned but the setup was never saved"
    OLD_ENTRY = "The code comes from the app entry from before a reset"
    OTHER_ACCOUNT = "The code comes from another account's entry"
    LOCKED = "Too many wrong tries locked the account"
    MFA_OFF = "MFA was never enabled by an agent"
    GOOGLE = "The customer used Log in with Google"


class Fix(enum.Enum):
    """What to tell the customer (and what the agent does)."""

    AUTOMATIC_TIME = "Turn on automatic date and time on the phone, then type the new code"
    WAIT_FOR_NEW_CODE = "Wait for the app to show a new code, then type that one"
    TYPE_STRAIGHT_AWAY = "Type the code the app shows now and click Submit straight away"
    FINISH_SETUP = "Log in with the older entry, then finish the setup with Save"
    DELETE_OLD_ENTRY = "Use the entry added after the reset and delete the old one"
    RIGHT_ENTRY = "Read the entry whose account name is your Login Name"
    UNLOCK = "The agent unlocks the account; then log in with the app's code"
    UNLOCK_AND_TIME = "The agent unlocks the account, and the phone gets automatic date and time"
    ENABLE_MFA = "The agent enables MFA; then set up Google Authenticator on the Profile page"
    USE_LOG_IN = "Type Login Name and Password and click Log In, not Log in with Google"
    RESET_MFA = "The agent resets MFA, and the customer sets up Google Authenticator again"


EVIDENCE = ("ticket", "phone", "Log In page", "agent console", "audit events")
"""The screens (and parts of them) a hint points at."""

FIRST_TICKET_NUMBER = 4101
"""Tickets are numbered from here in pool order; the number tells a trainee nothing."""


@dataclass(frozen=True, eq=False)
class CaseSpec:
    """One situation of the pool and its answer key.

    ticket: the history, rebuilt by :func:`mfa_kit.scenarios.build`.
    says: what the customer says on the phone.
    cause, fix: the right picks.
    look: for a wrong cause, where on the screens the evidence is (a sentence).
    fix_hint: for a wrong fix (with the right cause), why it does not solve this.
    cause_hints, fix_hints: sharper hints for particular wrong picks.
    walked_through: 07's text works this very situation; the others are new to the trainee.
    review: the part of the course to go back to when it is missed.
    more_history: more history after the ticket's own (a lock caused by drift), returning the
        moment the customer typed their last code.
    """

    key: str
    says: str
    ticket: Ticket
    cause: Cause
    fix: Fix
    look: str
    fix_hint: str
    cause_hints: dict[Cause, str] = field(default_factory=dict)
    fix_hints: dict[Fix, str] = field(default_factory=dict)
    walked_through: bool = True
    review: str = "07 Troubleshooting"
    explanation: str = ""
    more_history: Callable[[Situation], float] | None = None


def _fail_with_the_phone(s: Situation) -> float:
    """The customer keeps typing the code their (wrong-clocked) phone shows, fresh each time,
    until the portal locks the account; returns when the last, refused, code was typed."""
    from .screens.login import SECURITY_CODE, LoginScreen

    screen = LoginScreen(s.portal)
    for _ in range(s.portal.policy.max_failures):
        screen.log_in(s.login, TRAINING_PASSWORD)
        if screen.stage == SECURITY_CODE:
            screen.submit_security_code(s.own_entry().code())
        s.clock.advance(25)
    return s.clock.now()


_DRIFT = 150
_SLOW = -7 * 60
_DRIFT_LOCK = 4 * 60
_DAY = -24 * 3600

POOL: tuple[CaseSpec, ...] = (
    CaseSpec(
        key="fast-phone",
        says="Since I set my phone's time by hand, every code is refused. I type it at once.",
        ticket=example(id="fast-phone", phone_clock_offset_seconds=_DRIFT),
        cause=Cause.PHONE_CLOCK,
        fix=Fix.AUTOMATIC_TIME,
        look=(
            "Compare the time at the top of the phone with the time the code was typed (on "
            "the ticket and in the agent console's audit events): the phone is minutes out."
        ),
        fix_hint=(
            "The clock at the top of the phone is still minutes out, and the app works every "
            "code out from it: until it is right, each new code fails the same way."
        ),
        cause_hints={
            Cause.TIME_ZONE: "A wrong time zone is whole hours (or half hours) off; this phone "
            "is only a few minutes off its time.",
            Cause.EXPIRED: "The customer typed the code the phone showed at that moment (the "
            "phone and the ticket show the same code): it was not late.",
        },
        review="07 Troubleshooting: 2.1 Clock drift",
        explanation="The phone runs 2 minutes 30 seconds fast, so its codes belong to later.",
    ),
    CaseSpec(
        key="slow-phone",
        says="My phone came back from repair and now every code is refused.",
        ticket=example(id="slow-phone", phone_clock_offset_seconds=_SLOW),
        cause=Cause.PHONE_CLOCK,
        fix=Fix.AUTOMATIC_TIME,
        look=(
            "Read the time at the top of the phone and the time the code was typed (the ticket, "
            "the audit events): the phone is behind the real time."
        ),
        fix_hint=(
            "The clock at the top of the phone is behind, so every code it shows is an old "
            "one: the clock has to be put right before any code works."
        ),
        cause_hints={
            Cause.EXPIRED: "The customer typed the code the phone showed right then, and the "
            "Log In page says 'not correct', not 'expired': the phone itself lives minutes in "
            "the past.",
            Cause.TIME_ZONE: "The phone is 7 minutes off, not whole hours: that is not a time "
            "zone.",
        },
        walked_through=False,
        review="07 Troubleshooting: 2.1 Clock drift (a slow clock works the same way)",
        explanation="The phone runs 7 minutes slow: it shows codes from 7 minutes ago.",
    ),
    CaseSpec(
        key="wrong-date",
        says="The code is refused. The time on my phone is right, I checked!",
        ticket=example(id="wrong-date", phone_clock_offset_seconds=_DAY),
        cause=Cause.PHONE_CLOCK,
        fix=Fix.AUTOMATIC_TIME,
        look=(
            "The phone's time of day matches, but read its date at the top of the phone: it is "
            "a day behind the ticket's date."
        ),
        fix_hint="The date at the top of the phone is a day behind, and the app uses the date "
        "as well as the time: it shows yesterday's codes until date and time are automatic.",
        cause_hints={
            Cause.TIME_ZONE: "The hours and minutes on the phone match; the date does not. A "
            "time zone never moves a clock by a whole day.",
        },
        walked_through=False,
        review="07 Troubleshooting: 2.1 Clock drift (the date counts too)",
        explanation="The phone's date is a day behind: its codes are yesterday's.",
    ),
    CaseSpec(
        key="time-zone",
        says="Since I came back from a trip abroad, the codes fail.",
        ticket=example(id="time-zone", phone_clock_offset_seconds=3600),
        cause=Cause.TIME_ZONE,
        fix=Fix.AUTOMATIC_TIME,
        look="Compare the phone's clock with the time the code was typed: exactly one hour "
        "apart, the size of a time-zone difference.",
        fix_hint="The clock at the top of the phone still keeps the trip's time: automatic date "
        "and time (and time zone) puts it right, then the new code works.",
        cause_hints={
            Cause.PHONE_CLOCK: "Close, but look at how far off the phone's clock is: exactly "
            "one hour is the mark of a time zone, not of a drifting clock.",
        },
        review="07 Troubleshooting: 2.2 Wrong time zone",
        explanation="The phone is exactly one hour ahead: it kept a time zone from the trip.",
    ),
    CaseSpec(
        key="reused-code",
        says="I logged out and straight back in with the same code, and it was refused.",
        ticket=example(id="reused-code", code_used_before=True),
        cause=Cause.CODE_USED,
        fix=Fix.WAIT_FOR_NEW_CODE,
        look="Read the Log In page's message, and the agent console's audit events: the same "
        "login passed its Security code seconds before.",
        fix_hint="The Log In page says the code was already used: each code is accepted once, "
        "so only the next code the app shows will work.",
        review="07 Troubleshooting: 2.3 A code already used",
        explanation="The code had logged the customer in ten seconds earlier; codes work once.",
    ),
    CaseSpec(
        key="rescanned-qr",
        says="I scanned the QR code again to be safe; now the new entry's code fails.",
        ticket=example(id="rescanned-qr", rescanned_qr=True),
        cause=Cause.NOT_SAVED,
        fix=Fix.FINISH_SETUP,
        look="The phone has two SpectrumVoIP entries for this login, and in the audit events "
        "the last authenticator_setup_started has no security_settings_saved after it.",
        fix_hint="The older entry (first on the phone) still logs in: use it, then finish the "
        "new setup with Save.",
        fix_hints={
            Fix.DELETE_OLD_ENTRY: "The older entry (first on the phone) is the only one the "
            "portal accepts now: deleting it leaves the customer with no working code.",
            Fix.RESET_MFA: "No reset is needed: the older entry on the phone still logs in.",
        },
        review="07 Troubleshooting: 2.4 Scanned again without saving; 05 Save",
        explanation="The second scan was never saved, so the portal still expects the first "
        "entry's codes.",
    ),
    CaseSpec(
        key="old-entry",
        says="An agent reset MFA for my new phone; I set it up again, and the code fails.",
        ticket=example(id="old-entry", agent_reset=True, read_entry=EntryRead.OLDEST),
        cause=Cause.OLD_ENTRY,
        fix=Fix.DELETE_OLD_ENTRY,
        look="The audit events show mfa_reset and a new setup saved after it; the phone lists "
        "two entries for this login, and the customer read the first (the older) one.",
        fix_hint="The audit events show the setup after the reset was saved: the customer only "
        "has to use the newer entry on the phone and delete the old one.",
        fix_hints={
            Fix.RESET_MFA: "Another reset is not needed: the entry added after the reset is "
            "on the phone and works.",
        },
        review="07 Troubleshooting: 2.5 The old entry after a reset; 3 Lost or new phone",
        explanation="After the reset only the newer entry works; the customer read the old one.",
    ),
    CaseSpec(
        key="other-account",
        says="Our team shares a phone for the portal; my code is refused.",
        ticket=example(
            id="other-account", other_account="sam.patel", read_entry=EntryRead.OTHER_ACCOUNT
        ),
        cause=Cause.OTHER_ACCOUNT,
        fix=Fix.RIGHT_ENTRY,
        look="Read the account name under each SpectrumVoIP entry on the phone, and which entry "
        "the code the customer typed came from.",
        fix_hint="Both entries on the phone work for their own logins: the customer needs the "
        "code of the entry with their Login Name.",
        review="07 Troubleshooting: 2.6 Another account's entry",
        explanation="The code came from sam.patel's entry, not from the customer's own.",
    ),
    CaseSpec(
        key="expired",
        says="I wrote the code on a note and typed it when the page came up.",
        ticket=example(id="expired", seconds_before_typing=90),
        cause=Cause.EXPIRED,
        fix=Fix.TYPE_STRAIGHT_AWAY,
        look="Compare when the phone was read (its clock, on the phone) with when the code was "
        "typed (the ticket): a minute and a half apart. The Log In page says so too.",
        fix_hint="The phone's clock agrees with the ticket's time: the code only has to be "
        "typed while the phone shows it.",
        cause_hints={
            Cause.PHONE_CLOCK: "The phone's clock agrees with the portal's: the code was read "
            "at the right time, and typed long after.",
        },
        review="07 Troubleshooting: 2.7 Expired",
        explanation="The code was typed 90 seconds after it was read; each code lasts 30 seconds.",
    ),
    CaseSpec(
        key="locked",
        says="I tried a few codes I remembered; now even the one on my phone is refused.",
        ticket=example(id="locked", failed_attempts_before=DEFAULT_POLICY.max_failures),
        cause=Cause.LOCKED,
        fix=Fix.UNLOCK,
        look="Read the Log In page's message and the account line on the agent console.",
        fix_hint="The Log In page and the agent console say locked: while it is locked no code "
        "works, however right, so it must be unlocked (or the lock must run out).",
        cause_hints={
            Cause.PHONE_CLOCK: "The phone's clock agrees with the portal's; the wrong codes "
            "were the ones the customer remembered.",
        },
        fix_hints={
            Fix.AUTOMATIC_TIME: "The phone's clock is right, and no setting on the phone "
            "lifts a lock.",
        },
        review="07 Troubleshooting: 2.10 Locked out",
        explanation=f"{DEFAULT_POLICY.max_failures} wrong codes in a row locked the account; no "
        "code works until it is unlocked.",
    ),
    CaseSpec(
        key="drift-lock",
        says="I typed the code from my phone again and again, fresh each time. Now it says locked.",
        ticket=example(id="drift-lock", phone_clock_offset_seconds=_DRIFT_LOCK),
        cause=Cause.PHONE_CLOCK,
        fix=Fix.UNLOCK_AND_TIME,
        look="The lock is what the wrong codes caused. Ask why they were wrong: compare the "
        "phone's clock with the times of the refused codes in the audit events.",
        fix_hint="Both have to happen: the lock on the Log In page stops every code, and the "
        "clock at the top of the phone makes every code wrong.",
        cause_hints={
            Cause.LOCKED: "The account is locked (the Log In page says so), but a lock only "
            "follows wrong codes. Why were fresh codes from the phone wrong? Compare the "
            "phone's clock with the times in the audit events.",
        },
        fix_hints={
            Fix.UNLOCK: "Unlocking alone is not enough: the phone's clock is still 4 minutes "
            "fast, so the next codes fail too and the account locks again.",
            Fix.AUTOMATIC_TIME: "The clock is half of it: the account stays locked (see the Log "
            "In page), and no code works until an agent unlocks it or the lock runs out.",
        },
        walked_through=False,
        review="07 Troubleshooting: 2.1 Clock drift and 2.10 Locked out",
        explanation="The phone runs 4 minutes fast, so every fresh code from it was wrong, and "
        f"{DEFAULT_POLICY.max_failures} in a row locked the account: unlock it, and fix the "
        "phone's clock, or it locks again.",
        more_history=_fail_with_the_phone,
    ),
    CaseSpec(
        key="mfa-not-enabled",
        says="There is no Set Up Google Authenticator button, and it never asks for a code.",
        ticket=example(
            id="mfa-not-enabled",
            symptom=Symptom.NO_CODE_ASKED,
            mfa_enabled_by_agent=False,
            setup_saved=False,
        ),
        cause=Cause.MFA_OFF,
        fix=Fix.ENABLE_MFA,
        look="Read the account line on the agent console, and what the Log In page did after "
        "the password.",
        fix_hint="The agent console says MFA is not enabled, and nothing on the customer's side "
        "can start it: an agent has to switch it on first.",
        review="02 Agent enables MFA; 07 Troubleshooting: 2.11",
        explanation="MFA is off on the account, so the portal asks for no code and offers no "
        "setup.",
    ),
    CaseSpec(
        key="log-in-with-google",
        says="I clicked the Google button, it is Google Authenticator after all, and it never "
        "asked for the code.",
        ticket=example(id="log-in-with-google", symptom=Symptom.GOOGLE_LOGIN),
        cause=Cause.GOOGLE,
        fix=Fix.USE_LOG_IN,
        look="Read the Log In page's message: which button did the customer click?",
        fix_hint="The Log In page's message says it: Log in with Google never asks for the "
        "app's code; the MFA login is Log In, then the Security code.",
        review="06 Log in with MFA; 07 Troubleshooting: 2.12",
        explanation="Log in with Google is a different login and never uses the app's code.",
    ),
)

BY_KEY: dict[str, CaseSpec] = {spec.key: spec for spec in POOL}
NEW_TO_THE_TRAINEE = tuple(spec for spec in POOL if not spec.walked_through)
"""Cases 07's text does not walk through; every trainee gets at least one."""


def number_of(spec: CaseSpec) -> int:
    return FIRST_TICKET_NUMBER + POOL.index(spec)


# ------------------------------------------------------------------------------------------
# a case built: its screens and its judge


@dataclass
class Case:
    """One situation of the pool rebuilt, with the screens a support agent would read."""

    spec: CaseSpec
    situation: Situation
    typed_code: str
    typed_at: float
    screens: list[Any]
    """Snapshots, in reading order: the ticket, the phone, the Log In page, the console."""

    @property
    def number(self) -> int:
        return number_of(self.spec)

    @property
    def text(self) -> str:
        """Every screen as text, in reading order."""
        return "\n\n".join(str(shot) for shot in self.screens)

    def judge(self, cause: Cause | None, fix: Fix | None) -> CheckResult:
        """✔ when both picks are right; otherwise ✘ with a hint pointing at the evidence."""
        spec = self.spec
        if cause is None:
            return CheckResult(False, "Pick a cause first.", f"Read the screens above. {spec.look}")
        if cause is not spec.cause:
            if cause in spec.cause_hints:
                # A pick the screens do show, but that is not why it went wrong (a lock that
                # wrong codes caused, say): never tell the trainee the screens lack it.
                said = f"Not the cause: “{cause.value}” does not explain why it went wrong."
            else:
                said = f"Not this one: the screens do not show “{cause.value}”."
            return CheckResult(False, said, spec.cause_hints.get(cause, spec.look))
        if fix is None:
            return CheckResult(False, "The cause is right. Now pick what you tell them.", "")
        if fix is not spec.fix:
            return CheckResult(
                False,
                f"The cause is right, but “{fix.value}” does not solve it.",
                spec.fix_hints.get(fix, spec.fix_hint),
            )
        return CheckResult(True, f"Right: {spec.cause.value}. {spec.explanation}", "")

    def diagnose(self) -> Any:
        """The kit's own diagnosis of this case (for trainers and tests)."""
        from .diagnose import diagnose_login

        return diagnose_login(
            self.situation.portal,
            self.situation.login,
            self.typed_code,
            self.typed_at,
            symptom=self.spec.ticket.symptom.value,
            phone_offset_seconds=self.situation.phone_clock.offset_seconds,
        )


def build_case(spec: CaseSpec) -> Case:
    """Rebuild ``spec`` on a fresh practice portal and take its screens, in the order a support
    agent reads them: the ticket, the customer's phone, their Log In page, the agent console."""
    from .screens.agent import AgentConsole
    from .screens.login import LoginScreen
    from .screens.phone import PhoneScreen
    from .screens.quiz import card, snapshot

    s = build(spec.ticket)
    typed_at = s.typed_at
    if spec.more_history is not None:
        typed_at = spec.more_history(s)
        s.read_at = typed_at
    typed_code = s.typed_code
    if spec.more_history is not None and s.entry is not None:
        typed_code = s.own_entry().code()

    # The phone as the customer saw it when they read the code.
    read_at = typed_at if s.read_at is None else s.read_at
    s.clock.set(read_at)
    phone_screen = PhoneScreen(s.phone, auto_refresh=False)
    phone_time = to_datetime(s.phone_clock.now())
    bar_text = f"Phone's clock: {phone_time:%a %d %b %Y, %H:%M:%S}"
    bar_html = (
        '<div style="font-family: sans-serif; background: #202124; color: white; '
        f'width: 320px; padding: 2px 8px; font-size: 85%">{phone_time:%a %d %b %Y · %H:%M:%S}'
        "</div>"
    )
    read = [e for e in s.phone.entries if e is s.entry]
    marks = (
        [f"The customer read the {_ordinal(s.phone.entries.index(read[0]))} entry."]
        if read and len(s.phone.entries) > 1
        else []
    )
    phone_shot = snapshot(
        phone_screen, "The customer's phone", header_html=bar_html, header_text=bar_text
    )
    s.clock.set(typed_at)

    # The customer's attempt on their Log In page.
    login = LoginScreen(s.portal)
    if spec.ticket.symptom is Symptom.GOOGLE_LOGIN:
        login.log_in_with_google()
    else:
        login.log_in(s.login, TRAINING_PASSWORD)
        from .screens.login import SECURITY_CODE

        if login.stage == SECURITY_CODE:
            login.submit_security_code(typed_code)
    login_shot = snapshot(login, "The customer's Log In page, just after")

    console = AgentConsole(s.portal)
    console.find(s.login)
    console_shot = snapshot(console, "The agent console, as you open the ticket")

    when = to_datetime(typed_at)
    typed = format_code(typed_code) if typed_code.isdigit() and len(typed_code) == 6 else typed_code
    lines = [
        f"Login Name: {s.login}",
        f"The customer says: “{spec.says}”",
        f"Typed at: {when:%a %d %b %Y, %H:%M:%S} UTC (the portal's clock)",
    ]
    if spec.ticket.symptom is Symptom.CODE_REJECTED:
        lines.append(f"Code typed: {typed}")
    lines += marks
    ticket_shot = card(f"Ticket {number_of(spec)}", lines)
    return Case(spec, s, typed_code, typed_at, [ticket_shot, phone_shot, login_shot, console_shot])


def _ordinal(index: int) -> str:
    return ("first", "second", "third", "fourth")[index] if index < 4 else f"#{index + 1}"


# ------------------------------------------------------------------------------------------
# choosing a trainee's cases


def _rng(trainee: str | None, salt: str) -> random.Random:
    name = " ".join((trainee or "").casefold().split())
    seed = hashlib.sha256(f"{salt}/{name}".encode()).digest()
    return random.Random(int.from_bytes(seed[:8], "big"))  # noqa: S311 - a shuffle, not a secret


def pick(
    trainee: str | None,
    count: int = 4,
    *,
    salt: str = "07",
    exclude: Sequence[CaseSpec] = (),
) -> list[CaseSpec]:
    """``count`` cases for this trainee, the same on every run (seeded by the name), at least
    one of them new to the trainee (a case 07's text does not walk through)."""
    rng = _rng(trainee, salt)
    left = [spec for spec in POOL if spec not in exclude]
    new = [spec for spec in left if not spec.walked_through] or list(NEW_TO_THE_TRAINEE)
    first = rng.choice(new)
    rest = [spec for spec in left if spec is not first]
    rng.shuffle(rest)
    chosen = [first, *rest[: count - 1]]
    rng.shuffle(chosen)
    return chosen
