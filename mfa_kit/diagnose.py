"""Why was this code refused? Every cause in order, each a verdict from a fixed catalogue.

Owns the verdict catalogue, the Cause and Diagnosis values, the evidence rule (a match counts
only if chance cannot explain it) and the two entry points: secret mode (:func:`diagnose_code`)
and portal mode (:func:`diagnose_login`, read-only, from the portal's record of attempts).
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .clock import to_datetime, to_unix, until_text
from .errors import AccountNotFound
from .offsets import DEFAULT_WINDOW, find_offsets, find_offsets_near_to_far, window_steps_for
from .otp import (
    ASCII_DIGITS,
    CODE_SEPARATORS,
    DEFAULT_PROFILE,
    ISSUER,
    MalformedCode,
    TotpProfile,
    decode_secret,
    hotp,
    normalise_code,
)
from .policy import DEFAULT_POLICY, SecurityPolicy

if TYPE_CHECKING:
    from .portal import Portal
    from .store import Account

__all__ = [
    "DEFAULT_WINDOW",
    "Cause",
    "Diagnosis",
    "Verdict",
    "diagnose_code",
    "diagnose_login",
    "find_offsets",
]

_PERIOD = DEFAULT_PROFILE.period
_DIGITS = DEFAULT_PROFILE.digits
_SETUP_PATH = "Profile → Change Account Security → Set Up Google Authenticator"
_AUTOMATIC_TIME = (
    "iPhone: Settings → General → Date & Time → Set Automatically; Android: Settings → "
    "System → Date & time → Set time automatically"
)

TIME_ZONE_UNIT_SECONDS = 30 * 60
"""Time zones differ from UTC by whole hours or half hours; an offset that close to such a
multiple points at a wrong time zone (or a clock set by hand) rather than slow drift."""

MAX_TIME_ZONE_GAP_SECONDS = 26 * 3600
"""The widest gap between two time zones (UTC−12 to UTC+14)."""

EVIDENCE_LIMIT = 0.01
"""A match counts as evidence only if chance would produce one at most this often (1 %).

What was searched decides the chance: a wrong code of d digits matches one of S steps of one
secret by coincidence with expected count S/10**d, and over A secrets A·S/10**d. For the
nearest match on a code's own account, S = 2n+1 for a match n steps away, so this keeps a
valid, expired, minutes-off, time-zone (up to 26 h: 0.6 %) or one-day-off match confident;
from about 1 day 17 hours on a single code's match is reported as a *possible* clock cause
with its odds (a second code settles it). For another account it bounds the accounts
compared (with the portal's 21 recognised steps, at most 476): a customer company, not the
whole portal, where every random wrong code would match someone."""

COINCIDENCE_LIMIT = EVIDENCE_LIMIT
"""The former name of :data:`EVIDENCE_LIMIT`."""

GOOGLE_SYMPTOM = "google"
"""A ticket symptom mentioning this word means the customer used Log in with Google."""


class Verdict(enum.Enum):
    """The fixed catalogue of reasons a code is refused, each with words for the customer.

    ``title`` names the problem, ``explanation`` says what happened and ``fix`` what the
    customer does next; an agent can read both aloud as written.
    """

    VALID_NOW = (
        "The code is correct",
        "The code matches the one the app shows right now, so the portal accepts it. If it was "
        f"refused, it most likely changed while it was being typed: a new code appears every "
        f"{_PERIOD} seconds.",
        "Type the code the app shows now and click Submit straight away. If the timer is "
        "nearly run out, wait for the next code.",
    )
    CLOCK_DRIFT = (
        "The phone's clock is wrong",
        "The code is one the app would show at a different time. The app works its codes out "
        "from the phone's clock, and that clock is off, so its codes no longer line up with "
        "the portal's.",
        f"On the phone, turn on automatic date and time ({_AUTOMATIC_TIME}). Then type the "
        "new code the app shows.",
    )
    TIME_ZONE = (
        "The phone's time zone is set wrong",
        "The code is one the app would show a whole number of hours (or half hours) away "
        "from now: the size of a time-zone difference. The phone has the wrong time zone, or "
        "its time was set by hand with automatic time turned off.",
        f"On the phone, turn on automatic date and time ({_AUTOMATIC_TIME}), and automatic "
        "time zone where the phone offers it; check the time zone is where you are. Then "
        "type the new code the app shows.",
    )
    REUSED_CODE = (
        "The code was already used",
        "This code was already accepted once. For safety each code works only one time, even "
        "while the app still shows it.",
        f"Wait for the app to show a new code (at most {_PERIOD} seconds), then type that one.",
    )
    PENDING_NOT_SAVED = (
        "The new setup was never saved",
        "The code comes from the QR code shown when Set Up Google Authenticator was last "
        "clicked, but that setup was not finished with Save (or the button was clicked again, "
        "which makes a new QR code). The portal still expects codes from the setup it saved.",
        "Log in with the older SpectrumVoIP entry in the app if it is still there, then finish "
        f"the setup: {_SETUP_PATH}, scan the QR code, type the app's code into Passcode and "
        "your password into Current Password, and click Save. Without the older entry, a "
        "Technical Support Agent can reset MFA so you can set it up again.",
    )
    PREVIOUS_SECRET = (
        "The app entry is from before a reset",
        "The code comes from the authenticator setup this account had before MFA was reset. "
        "After a reset that old entry in the app no longer works.",
        "Use the SpectrumVoIP entry that was added after the reset and delete the old one. "
        "If there is no newer entry, a Technical Support Agent resets MFA again; then log in "
        f"with your password, go to {_SETUP_PATH}, scan the QR code, type the app's code "
        "into Passcode and your password into Current Password, and click Save.",
    )
    OTHER_ACCOUNT = (
        "The code is for another account",
        "The code belongs to a different SpectrumVoIP account on the same phone. The app can "
        "hold several SpectrumVoIP entries; the account name under each one tells them apart.",
        "In the app, pick the SpectrumVoIP entry whose account name is your Login Name and "
        "type its code.",
    )
    EXPIRED = (
        "The code had expired",
        "The code was right a little earlier, but it had already been replaced when it "
        f"reached the portal. Each code lasts {_PERIOD} seconds, and the portal accepts one "
        "only for a short moment after the app has moved on.",
        "Type the code as soon as the app shows it and click Submit straight away. If the "
        "timer is nearly run out, wait for the next code.",
    )
    MALFORMED = (
        "That is not a code the app shows",
        f"A code is exactly {_DIGITS} digits from 0 to 9. What was typed is not.",
        f"Type the {_DIGITS} digits the app shows under {ISSUER}. A space in the middle is "
        "fine; letters or other characters are not.",
    )
    APP_IGNORES_PROFILE = (
        "The app ignores the portal's code settings",
        "The portal makes codes with non-standard settings, but Google Authenticator has long "
        f"shown {_DIGITS}-digit codes that change every {_PERIOD} seconds whatever the QR code "
        "asks for (some newer versions may follow it). The code typed is the app's standard "
        "code for the right key, so the two never agree.",
        "We are passing this to the team that runs the portal: its code settings need to go "
        f"back to the standard ones (SHA1, {_DIGITS} digits, {_PERIOD} seconds). After that, "
        "a Technical Support Agent resets MFA and you set up Google Authenticator again.",
    )
    LOCKED = (
        "The account is locked",
        f"After {DEFAULT_POLICY.max_failures} wrong attempts in a row the account locks "
        f"itself for {DEFAULT_POLICY.lockout_minutes} minutes to stop guessing. While it is "
        "locked no code is accepted, even a correct one.",
        "Wait until the lock ends, or ask a Technical Support Agent: the agent can Unlock "
        "the account at once. Then log in with the code the app shows.",
    )
    MFA_NOT_ENABLED = (
        "MFA is not enabled on this account",
        "Multi-factor login must first be switched on by a Technical Support Agent. On this "
        "account it is off, so the portal asks for no code and offers no authenticator setup.",
        "A Technical Support Agent enables MFA on the account; then set up the app: "
        f"{_SETUP_PATH}.",
    )
    GOOGLE_LOGIN = (
        "Log in with Google is a different login",
        "The Log in with Google button signs in with a Google account. It has nothing to do "
        "with the Google Authenticator app and never asks for its code.",
        "Type your Login Name and Password and click Log In; then type the code the app "
        "shows into Security code and click Submit.",
    )
    NO_MATCH = (
        "The code does not match this account",
        "The code does not match this account's authenticator at any time near when it was "
        "typed: it was misread, or it comes from an entry for something else.",
        f"Check the entry in the app says {ISSUER} with your Login Name and read its code "
        "again. If it still fails, a Technical Support Agent can reset MFA so you can set it "
        "up again.",
    )

    def __init__(self, title: str, explanation: str, fix: str) -> None:
        self.title = title
        self.explanation = explanation
        self.fix = fix

    def __repr__(self) -> str:
        return f"<Verdict.{self.name}>"


@dataclass(frozen=True)
class Cause:
    """One reason among those that together explain a refusal, with its own words.

    possible: True when chance could explain the match behind this cause (it is reported
        with its odds and how to confirm it, never as settled).
    odds: the chance that a wrong code would match like this by coincidence, for a cause
        that rests on a code matching somewhere (None when no match is involved).
    offset_steps / offset_seconds: where the code matched for this cause, signed as in
        :class:`Diagnosis`.
    """

    verdict: Verdict
    explanation: str = ""
    fix: str = ""
    possible: bool = False
    odds: float | None = None
    offset_steps: int | None = None
    offset_seconds: int | None = None

    def __post_init__(self) -> None:
        if not self.explanation:
            object.__setattr__(self, "explanation", self.verdict.explanation)
        if not self.fix:
            object.__setattr__(self, "fix", self.verdict.fix)

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
            "offset_steps": self.offset_steps,
            "offset_seconds": self.offset_seconds,
        }


@dataclass(frozen=True)
class Diagnosis:
    """The causes of a refusal, in the order the customer must act on them, with evidence.

    verdict: the first cause's verdict; explanation and fix are the first cause's words.
    causes: every cause, first to act on first (e.g. LOCKED, then CLOCK_DRIFT); built from
        the fields above when not given.
    offset_steps / offset_seconds: where the code matched, signed: positive means the
        phone's clock is ahead of the portal's (None when no time step is involved).
    ambiguous: more than one time step in the window matched; the nearest was chosen.
    until: for LOCKED, the Unix time the lock ends.
    attempts: in a diagnosis from the portal's record, the attempts it rests on.
    consistent_offset_steps: the offset two or more of those refused attempts agree on
        (within one step), the strongest evidence of where the phone's clock is.
    """

    verdict: Verdict
    offset_steps: int | None = None
    offset_seconds: int | None = None
    ambiguous: bool = False
    explanation: str = ""
    fix: str = ""
    until: float | None = None
    causes: list[Cause] = field(default_factory=list)
    attempts: list[dict[str, Any]] | None = None
    consistent_offset_steps: int | None = None
    consistent_offset_seconds: int | None = None

    def __post_init__(self) -> None:
        if not self.causes:
            cause = Cause(
                self.verdict,
                self.explanation,
                self.fix,
                offset_steps=self.offset_steps,
                offset_seconds=self.offset_seconds,
            )
            object.__setattr__(self, "causes", [cause])
        elif self.causes[0].verdict is not self.verdict:
            raise ValueError("the verdict is the first of the causes")
        # The first cause's words unless a caller gave specialised ones.
        if not self.explanation:
            object.__setattr__(self, "explanation", self.causes[0].explanation)
        if not self.fix:
            object.__setattr__(self, "fix", self.causes[0].fix)

    @classmethod
    def of(cls, causes: list[Cause], **evidence: Any) -> Diagnosis:
        """A diagnosis from its causes (first to act on first); offsets default to the
        first cause that has one."""
        if not causes:
            raise ValueError("a diagnosis needs at least one cause")
        timed = next((c for c in causes if c.offset_steps is not None), None)
        if timed is not None:
            evidence.setdefault("offset_steps", timed.offset_steps)
            evidence.setdefault("offset_seconds", timed.offset_seconds)
        return cls(causes[0].verdict, causes=list(causes), **evidence)

    @property
    def title(self) -> str:
        return self.verdict.title

    @property
    def verdicts(self) -> list[Verdict]:
        return [cause.verdict for cause in self.causes]

    @property
    def read_out(self) -> str:
        """Words an agent reads to the customer: every cause, in the order to act on them."""
        if len(self.causes) == 1:
            return self.summary()
        ordinals = ("First", "Second", "Third", "Fourth", "Fifth")
        if self._late_or_slow():
            # One code, two readings of the same lateness: only one of them is true.
            drift, late = self.causes
            return (
                "It is one of two things; the phone's clock tells which. "
                f"If the phone's clock is behind: {drift.title}. {drift.explanation} "
                f"What to do: {drift.fix} "
                f"If the phone's clock is right: {late.title}. {late.explanation} "
                f"What to do: {late.fix}"
            )
        if any(cause.possible for cause in self.causes):
            parts = ["Here is what to put right and what to check, in this order."]
        else:
            parts = [f"There are {len(self.causes)} things to put right, in this order."]
        for number, cause in enumerate(self.causes):
            lead = ordinals[number] if number < len(ordinals) else f"Then ({number + 1})"
            if cause.possible:
                parts.append(
                    f"{lead}, possibly: {cause.title}. {cause.explanation} To confirm: {cause.fix}"
                )
            else:
                parts.append(f"{lead}: {cause.title}. {cause.explanation} What to do: {cause.fix}")
        return " ".join(parts)

    def _late_or_slow(self) -> bool:
        """The two causes are the two readings of one late code: a slow phone or a late read."""
        return self.verdicts == [Verdict.CLOCK_DRIFT, Verdict.EXPIRED] and (
            self.causes[0].offset_seconds == self.causes[1].offset_seconds
            or self.causes[1].offset_seconds is None
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields; ``verdict`` is the catalogue name (e.g. ``"CLOCK_DRIFT"``)."""
        data = {
            "verdict": self.verdict.name,
            "title": self.title,
            "causes": [cause.as_dict() for cause in self.causes],
            "offset_steps": self.offset_steps,
            "offset_seconds": self.offset_seconds,
            "ambiguous": self.ambiguous,
            "explanation": self.explanation,
            "fix": self.fix,
            "read_out": self.read_out,
            # None also for a lock that only an agent ends (infinity): it has no end time.
            "until": (
                to_datetime(self.until).isoformat()
                if self.until is not None and self.until != float("inf")
                else None
            ),
        }
        if self.attempts is not None:
            data["attempts"] = self.attempts
            data["consistent_offset_steps"] = self.consistent_offset_steps
            data["consistent_offset_seconds"] = self.consistent_offset_seconds
        return data

    def summary(self) -> str:
        """One paragraph for the first cause: title, what happened, what to do (the whole
        read-out when there are several causes is :attr:`read_out`)."""
        text = f"{self.title}. {self.explanation} What to do: {self.fix}"
        if self.ambiguous:
            text += " (Other times also match this code; the nearest one was used.)"
        return text


# --- wording helpers -------------------------------------------------------------------


def describe_duration(seconds: int) -> str:
    """``5430`` → ``"1 hour 30 minutes 30 seconds"``; zero is ``"0 seconds"``."""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"), (secs, "second"))
        if n
    ]
    return " ".join(parts) or "0 seconds"


def _direction(offset_seconds: int) -> str:
    return "ahead of" if offset_seconds > 0 else "behind"


def time_zone_multiple(offset_seconds: int, period: int) -> int | None:
    """How many half hours the offset is, if it is within one time step of such a multiple
    and could be a difference between two time zones (whole days are a wrong date)."""
    halves = round(abs(offset_seconds) / TIME_ZONE_UNIT_SECONDS)
    if not halves or halves * TIME_ZONE_UNIT_SECONDS > MAX_TIME_ZONE_GAP_SECONDS:
        return None
    if halves * TIME_ZONE_UNIT_SECONDS % 86400 == 0:
        return None
    if abs(abs(offset_seconds) - halves * TIME_ZONE_UNIT_SECONDS) <= period:
        return halves
    return None


# --- secret mode -----------------------------------------------------------------------


def _what_was_typed(typed: str | None, digits: int) -> str:
    """What is wrong with a typed code, in plain words (never repeating the code itself)."""
    kept = "".join(ch for ch in (typed or "") if ch not in CODE_SEPARATORS)
    if not kept:
        return "Nothing was typed."
    if not set(kept) <= ASCII_DIGITS:
        return (
            "What was typed contains something other than the digits 0 to 9: letters, "
            "symbols, or digits from another script that only look alike."
        )
    return f"What was typed has {len(kept)} digits, but a code has exactly {digits}."


def _malformed(typed: str | None, profile: TotpProfile) -> Diagnosis:
    return Diagnosis(
        Verdict.MALFORMED,
        explanation=(
            f"{_what_was_typed(typed, profile.digits)} The app always shows "
            f"{profile.digits} digits from 0 to 9."
        ),
        fix=(
            f"Type the {profile.digits} digits the app shows under {ISSUER}. A space in the "
            "middle is fine; letters or other characters are not."
        ),
    )


def _from_offsets(verdict: Verdict, offsets: list[int], period: int, **words: str) -> Diagnosis:
    best = offsets[0]
    return Diagnosis(
        verdict,
        offset_steps=best,
        offset_seconds=best * period,
        ambiguous=len(offsets) > 1,
        **words,
    )


_COMPARE_CLOCK = (
    "To tell which, compare the time the phone shows with the exact time (a computer or "
    "another phone whose time is set automatically shows it): if the phone is about that far "
    "behind, its clock is the cause."
)


def _classify(
    offsets: list[int],
    profile: TotpProfile,
    policy: SecurityPolicy,
    *,
    odds: float | None = None,
    settled: str | None = None,
    confirmation: str = "",
) -> Diagnosis:
    """Name the problem from where the code matched on the secret it was checked against.

    Boundaries (in time steps, signed): within ±window_steps the code is valid now; near a
    multiple of half an hour it is a time zone; any other offset is clock drift. From
    −(window_steps+1) down to −expired_lookback_steps (the portal's "expired" band) a slow
    phone and a code read late look the same: CLOCK_DRIFT comes first with the way to tell
    them apart, EXPIRED after it, unless ``settled`` says which ("drift": several attempts
    at that offset, or the phone's clock seen that far off; "late": the phone's clock seen
    right). ``odds``: the chance of such a match by coincidence, kept on the cause.
    """
    best = offsets[0]
    period = profile.period
    seconds = best * period
    where = {"offset_steps": best, "offset_seconds": seconds, "odds": odds}
    ambiguous = len(offsets) > 1
    if abs(best) <= policy.window_steps:
        return Diagnosis.of([Cause(Verdict.VALID_NOW, **where)], ambiguous=ambiguous)
    halves = time_zone_multiple(seconds, period)
    if halves is not None:
        amount = describe_duration(halves * TIME_ZONE_UNIT_SECONDS)
        unit = "hours" if halves % 2 == 0 else "half hours"
        explanation = (
            f"The phone's clock is {amount} {_direction(seconds)} the real time: a whole "
            f"number of {unit}, the size of a time-zone difference. The phone has the wrong "
            "time zone, or automatic time is off and the time was set by hand."
        )
        cause = Cause(Verdict.TIME_ZONE, explanation + confirmation, **where)
        return Diagnosis.of([cause], ambiguous=ambiguous)
    late = describe_duration(seconds)
    if -policy.expired_lookback_steps <= best < -policy.window_steps and settled != "drift":
        expired = Cause(
            Verdict.EXPIRED,
            (
                f"The code was right about {late} before it was typed, but each code lasts "
                f"{period} seconds, so it had already been replaced when it reached the portal."
                if settled == "late"
                else (
                    f"If the phone's clock is right, the code was read about {late} before "
                    f"it was typed: each code lasts {period} seconds, so it had already been "
                    "replaced when it reached the portal."
                )
            ),
            **where,
        )
        if settled == "late":
            return Diagnosis.of([expired], ambiguous=ambiguous)
        drift = Cause(
            Verdict.CLOCK_DRIFT,
            (
                f"The code is the one the app showed about {late} before it was typed. "
                f"Either the phone's clock is about {late} behind the real time, or the code "
                f"was read that long before it was typed. {_COMPARE_CLOCK}"
            ),
            (
                f"On the phone, turn on automatic date and time ({_AUTOMATIC_TIME}). Then "
                "type the new code the app shows and click Submit straight away."
            ),
            **where,
        )
        return Diagnosis.of([drift, expired], ambiguous=ambiguous)
    days = round(abs(seconds) / 86400)
    wrong_date = days and abs(abs(seconds) - days * 86400) <= period
    explanation = (
        f"The phone's clock is about {late} {_direction(seconds)} the real time"
        + (f": its date is {describe_duration(days * 86400)} off" if wrong_date else "")
        + ". The app works its codes out from that clock, so they no longer line up "
        "with the portal's."
    )
    cause = Cause(Verdict.CLOCK_DRIFT, explanation + confirmation, **where)
    return Diagnosis.of([cause], ambiguous=ambiguous)


def chance_of_a_match_within(offset_steps: int, digits: int) -> float:
    """The chance that a wrong code of ``digits`` digits matches at least this near."""
    return expected_chance_matches(1, 2 * abs(offset_steps) + 1, digits)


def expected_chance_matches(secrets: int, steps: int, digits: int) -> float:
    """How many matches a wrong code would find by chance: secrets × steps / 10**digits."""
    return secrets * steps / 10**digits


def one_in(chance: float) -> str:
    """``0.04`` → ``"about one time in 25"``."""
    if chance >= 1:
        return "more often than not"
    return f"about one time in {round(1 / chance):,}"


def _possible_drift(
    offsets: list[int], profile: TotpProfile, policy: SecurityPolicy, chance: float
) -> Diagnosis:
    """A far match chance could explain: NO_MATCH first, the clock as a possible cause."""
    best = offsets[0]
    seconds = best * profile.period
    far = describe_duration(seconds)
    clock = _classify(offsets, profile, policy).causes[0]
    drift = Cause(
        Verdict.CLOCK_DRIFT,
        (
            f"The code would be right on a phone whose clock is about {far} "
            f"{_direction(seconds)} the real time. A wrong code matches that near by chance "
            f"{one_in(chance)}, so this is possible, not proven."
            + (f" {clock.explanation}" if clock.verdict is Verdict.TIME_ZONE else "")
        ),
        (
            "Check the date and time the phone shows against the exact time. If it is about "
            f"{far} {'ahead' if seconds > 0 else 'behind'}, that is the cause: turn on "
            f"automatic date and time ({_AUTOMATIC_TIME}), then type the new code. A second "
            "code settles it: the code the app shows next, given together with this one, "
            "matches one step later only if the clock really is off."
        ),
        possible=True,
        odds=chance,
        offset_steps=best,
        offset_seconds=seconds,
    )
    no_match = Cause(
        Verdict.NO_MATCH,
        (
            "The code does not match this account's authenticator near when it was typed. "
            f"The nearest time it matches is {far} {'later' if seconds > 0 else 'earlier'}, "
            f"but a wrong code matches that near by chance {one_in(chance)}, so that is no "
            "proof of a clock problem: the code may have been misread, or come from an entry "
            "for something else."
        ),
        (
            f"Check the entry in the app says {ISSUER} with your Login Name and read its code "
            "again, and check the phone's date and time as below before asking for a reset."
        ),
    )
    return Diagnosis.of(
        [no_match, drift], offset_steps=None, offset_seconds=None, ambiguous=len(offsets) > 1
    )


def _judge_offsets(
    offsets: list[int],
    profile: TotpProfile,
    policy: SecurityPolicy,
    *,
    codes: int = 1,
    settled: str | None = None,
) -> Diagnosis:
    """A clock verdict if the nearest match is evidence, else NO_MATCH with the clock as a
    possible cause. ``codes``: how many consecutive codes matched together."""
    best = offsets[0]
    chance = expected_chance_matches(1, 2 * abs(best) + 1, profile.digits * codes)
    if chance > EVIDENCE_LIMIT:
        return _possible_drift(offsets, profile, policy, chance)
    confirmation = (
        " Two codes the app showed one after the other both match there, which chance "
        f"would produce {one_in(chance)}."
        if codes > 1
        else ""
    )
    if codes > 1:
        settled = settled or "drift"
    return _classify(
        offsets, profile, policy, odds=chance, settled=settled, confirmation=confirmation
    )


def _app_reading(key: bytes, code: str, at: float, window: timedelta) -> list[int]:
    """Offsets at which ``code`` is the Google Authenticator (default profile) code."""
    try:
        typed = normalise_code(code, DEFAULT_PROFILE.digits)
    except MalformedCode:
        return []
    return find_offsets_near_to_far(
        key, typed, at, profile=DEFAULT_PROFILE, window_steps=window_steps_for(window)
    )[0]


def _app_ignores_profile(offsets: list[int], profile: TotpProfile) -> Diagnosis:
    return _from_offsets(
        Verdict.APP_IGNORES_PROFILE,
        offsets,
        DEFAULT_PROFILE.period,
        explanation=(
            f"The portal makes {profile.digits}-digit {profile.algorithm.name} codes that "
            f"change every {profile.period} seconds, but Google Authenticator has long "
            f"ignored those settings and shown {DEFAULT_PROFILE.digits}-digit codes that "
            f"change every {DEFAULT_PROFILE.period} seconds (some newer versions may follow "
            "them). The code typed is the app's code for the right key, so the two never agree."
        ),
    )


def _settled_by_the_phone(offset_steps: int, phone_offset: float | None, period: int) -> str | None:
    """What the agent saw on the phone's clock decides between a slow phone and a late read."""
    if phone_offset is None:
        return None
    if abs(phone_offset - offset_steps * period) <= period:
        return "drift"
    if abs(phone_offset) <= period:
        return "late"
    return None


def _pair_offsets(
    key: bytes, offsets: list[int], next_code: str, at: float, profile: TotpProfile
) -> list[int]:
    """The offsets of the first code at which the second is the code of the following step."""
    try:
        following = normalise_code(next_code, profile.digits)
    except MalformedCode:
        return []
    centre = int(at // profile.period)
    return [
        o for o in offsets if hmac.compare_digest(hotp(key, centre + o + 1, profile), following)
    ]


def diagnose_code(
    secret: str,
    code: str,
    at: float,
    *,
    profile: TotpProfile = DEFAULT_PROFILE,
    window: timedelta = DEFAULT_WINDOW,
    policy: SecurityPolicy = DEFAULT_POLICY,
    next_code: str | None = None,
    phone_offset_seconds: float | None = None,
) -> Diagnosis:
    """Why ``code``, typed at ``at``, is or is not right for ``secret`` (secret mode).

    Searches ``window`` either side of ``at``, nearest steps first. For a non-default
    ``profile`` the code is also read the way Google Authenticator would show it (SHA1, 6
    digits, 30 s). ``next_code``: the code the app showed right after ``code``; two
    consecutive codes at one offset are evidence even days away. ``phone_offset_seconds``:
    how far the phone's clock was seen off when compared with the exact time (positive:
    ahead), which tells a slow phone from a code read late.
    Raises InvalidSecret when the secret is not usable base32: that is the caller's input
    error, not the customer's.
    """
    key = decode_secret(secret)
    at = to_unix(at)
    ignores_profile = profile != DEFAULT_PROFILE
    try:
        typed = normalise_code(code, profile.digits)
    except MalformedCode:
        app_offsets = _app_reading(key, code, at, window) if ignores_profile else []
        if app_offsets:
            return _app_ignores_profile(app_offsets, profile)
        return _malformed(code, profile)
    reach_steps = window_steps_for(window, profile)
    if next_code is not None:
        # Both codes must match together: search the whole window for the pair.
        everywhere = find_offsets(key, typed, at, profile=profile, window_steps=reach_steps)
        pairs = _pair_offsets(key, everywhere, next_code, at, profile)
        if pairs:
            settled = _settled_by_the_phone(pairs[0], phone_offset_seconds, profile.period)
            return _judge_offsets(pairs, profile, policy, codes=2, settled=settled)
    offsets, _ = find_offsets_near_to_far(key, typed, at, profile=profile, window_steps=reach_steps)
    if offsets and abs(offsets[0]) <= policy.window_steps:
        return _classify(offsets, profile, policy, odds=None)
    if ignores_profile:
        app_offsets = _app_reading(key, typed, at, window)
        # The nearer reading (in seconds) is the likelier story.
        if app_offsets and (
            not offsets
            or abs(app_offsets[0]) * DEFAULT_PROFILE.period < abs(offsets[0]) * profile.period
        ):
            chance = chance_of_a_match_within(app_offsets[0], DEFAULT_PROFILE.digits)
            if chance > EVIDENCE_LIMIT:
                return _possible_drift(app_offsets, DEFAULT_PROFILE, policy, chance)
            return _app_ignores_profile(app_offsets, profile)
    searched = describe_duration(int(window.total_seconds()))
    if offsets:
        settled = _settled_by_the_phone(offsets[0], phone_offset_seconds, profile.period)
        diagnosis = _judge_offsets(offsets, profile, policy, settled=settled)
    else:
        diagnosis = Diagnosis(
            Verdict.NO_MATCH,
            explanation=(
                "The code does not match this account's authenticator at any time within "
                f"{searched} of when it was typed, so the phone's clock is not off by "
                f"{searched} or less: the code was misread, or it comes from an entry for "
                "something else."
            ),
            fix=(
                f"{Verdict.NO_MATCH.fix} If the phone's date is visibly wrong by more than "
                f"{searched}, turn on automatic date and time first ({_AUTOMATIC_TIME})."
            ),
        )
    if next_code is not None:
        diagnosis = _with_note(
            diagnosis,
            " The second code given is not the one the app shows right after the first, so "
            "the two do not confirm each other.",
        )
    return diagnosis


def _with_note(diagnosis: Diagnosis, note: str) -> Diagnosis:
    """The same diagnosis with a sentence added to its first cause's explanation."""
    first, *rest = diagnosis.causes
    first = replace(first, explanation=first.explanation + note)
    return replace(diagnosis, explanation=first.explanation, causes=[first, *rest])


# --- portal mode -----------------------------------------------------------------------


def _near(secret: str | None, code: str, at: float, policy: SecurityPolicy) -> list[int]:
    """Offsets within the portal's expired band either side: a match this close on another
    secret is no coincidence (about one in 50,000 for six digits)."""
    if not secret:
        return []
    return find_offsets(
        secret, code, at, profile=policy.profile, window_steps=policy.expired_lookback_steps
    )


def _near_app_reading(
    secret: str | None, code: str, at: float, policy: SecurityPolicy
) -> list[int]:
    """Like :func:`_near`, for the code Google Authenticator shows (default profile)."""
    try:
        typed = normalise_code(code, DEFAULT_PROFILE.digits)
    except MalformedCode:
        return []
    if not secret:
        return []
    return find_offsets(
        secret, typed, at, profile=DEFAULT_PROFILE, window_steps=policy.expired_lookback_steps
    )


def tenant_of(login: str) -> str:
    """The customer company a Login Name belongs to: its domain, after the last ``@``
    (Stratus Login Names are ``user@domain``); ``""`` for a name without one, as on the
    practice portal. Another account's entry is looked for only among the same company's
    accounts: those are the ones that share a phone."""
    head, at, domain = login.rpartition("@")
    return domain.casefold() if at and head else ""


@dataclass(frozen=True)
class _OtherAccounts:
    """What comparing the code with the same company's other accounts found."""

    offsets: list[int]
    compared: int
    expected: float
    """The chance matches expected over what was (or would have been) compared."""
    skipped: bool


def _other_accounts_match(portal: Portal, account: Account, code: str, at: float) -> _OtherAccounts:
    """The nearest match among the company's other accounts, if comparing them is evidence.

    With A accounts and the portal's S recognised steps a wrong code matches one of them by
    chance A·S/10**digits times; above EVIDENCE_LIMIT a match proves nothing, so they are
    not even compared (which also keeps a portal of 100,000 accounts fast).
    """
    policy = portal.policy
    steps = 2 * policy.expired_lookback_steps + 1
    digits = policy.profile.digits
    # The most accounts whose comparison is still evidence: one more says "too many".
    most = int(EVIDENCE_LIMIT * 10**digits / steps)
    tenant = tenant_of(account.login)
    if tenant:
        listed = portal.store.logins_like(f"%@{_like_escape(tenant)}")
    else:
        listed = portal.store.logins_like("%@%", exclude=True, limit=most + 2)
    others = [login for login in listed if login != account.login and tenant_of(login) == tenant]
    expected = expected_chance_matches(len(others), steps, digits)
    if len(others) > most or expected > EVIDENCE_LIMIT:
        if not tenant:  # only the first few were listed: the chance is at least this
            expected = max(expected, expected_chance_matches(most + 1, steps, digits))
        return _OtherAccounts([], 0, expected, True)
    for other in others:
        found = portal.store.account(other)
        offsets = _near(found.secret if found else None, code, at, policy)
        if offsets:
            return _OtherAccounts(offsets, len(others), expected, False)
    return _OtherAccounts([], len(others), expected, False)


def _login_rule() -> Callable[[str], str]:
    """The portal's rule for comparing Login Names, once it has one; the same steps
    (NFKC, case folded, outer spaces dropped) meanwhile."""
    try:
        from .names import normalise_login as portal_rule
    except ImportError:
        import unicodedata

        def portal_rule(text: str) -> str:
            return unicodedata.normalize("NFKC", text).casefold().strip()

    return portal_rule


_LOGIN_RULE: list[Callable[[str], str]] = []


def normalise_login(text: str) -> str:
    """A Login Name as the portal compares it."""
    if not _LOGIN_RULE:
        _LOGIN_RULE.append(_login_rule())
    return _LOGIN_RULE[0](text or "")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


NEAR_MISS_SCAN = 20_000
"""Up to this many accounts every Login Name is compared for a near miss; beyond it, only
those of the same company or with the same name before the ``@`` (a fast query each)."""


def _near_miss(store: Any, wanted: str) -> str | None:
    """The Login Name closest to ``wanted`` (normalised), if one is close enough."""
    import difflib

    local, at, domain = wanted.rpartition("@")
    candidates: list[str] = []
    if at and local:
        candidates += store.logins_like(f"%@{_like_escape(domain)}", limit=NEAR_MISS_SCAN)
        candidates += store.logins_like(f"{_like_escape(local)}@%", limit=NEAR_MISS_SCAN)
    if not candidates:
        listed = store.logins_like("%", limit=NEAR_MISS_SCAN + 1)
        if len(listed) <= NEAR_MISS_SCAN:
            candidates = listed
    names = {normalise_login(name): name for name in candidates}
    similar = [name for name in names if abs(len(name) - len(wanted)) <= 2]
    near = difflib.get_close_matches(wanted, similar, n=1, cutoff=0.8)
    return names[near[0]] if near else None


def find_account(portal: Portal, login: str) -> Account:
    """The account for a Login Name as a customer types it, whatever its case.

    Raises AccountNotFound naming the nearest Login Name when one is close
    ("did you mean ivy.drift?").
    """
    typed = (login or "").strip()
    store = portal.store
    account = store.account(typed)
    if account is not None:
        return account
    wanted = normalise_login(typed)
    # Other capitals (ASCII) through the database's own LIKE, then the full rule in Python.
    for name in [*store.logins_like(_like_escape(typed), limit=10), *store.logins()]:
        if normalise_login(name) == wanted:
            found = store.account(name)
            if found is not None:
                return found
    near = _near_miss(store, wanted)
    hint = f"; did you mean {near}?" if near else "."
    raise AccountNotFound(f"There is no account with the Login Name {login!r}{hint}")


def _locked(account: Account, at: float, policy: SecurityPolicy) -> Cause | None:
    until = account.locked_until
    if until is None or at >= until:
        return None
    return Cause(
        Verdict.LOCKED,
        explanation=(
            f"After {policy.max_failures} wrong attempts in a row the account locked itself "
            f"to stop guessing. It stays locked until {until_text(until)}, and "
            "until then no code is accepted, even a correct one."
        ),
    )


RECENT = timedelta(hours=24)
"""How far back ``diagnose --login`` without a code reads the portal's record by default."""

SAME_ATTEMPT_SECONDS = 60
"""A recorded attempt this close to the time given with a code is taken to be that attempt."""


def diagnose_login(
    portal: Portal,
    login: str,
    code: str | None,
    at: float | None = None,
    *,
    symptom: str | None = None,
    window: timedelta = DEFAULT_WINDOW,
    next_code: str | None = None,
    phone_offset_seconds: float | None = None,
    since: float | None = None,
) -> Diagnosis:
    """Why ``login`` could not log in with ``code`` typed at ``at`` (portal mode).

    Checks in the order an agent would: lock, Log in with Google (``symptom`` mentions
    "google"), MFA not enabled, malformed code, replay on the active secret, the pending
    secret, the previous secret, the company's other accounts, then the clock analysis of
    :func:`diagnose_code`. A code at or before the last accepted step is a replay even when
    it has also expired; another setup wins over the active one only when it matches nearer
    to now (ties go in the order listed). A lock and Log in with Google come first among
    the causes, the code's own cause after them. ``next_code`` and ``phone_offset_seconds``
    are as for :func:`diagnose_code`.

    The portal's record of attempts (``Store.attempts``) is the evidence: the attempt is
    judged against the state of that moment (the steps accepted before it, a lock in force
    then), never against what happened later, and several refusals at one offset settle a
    clock. Without a ``code``, the attempts since ``since`` (default: the day before ``at``)
    are explained, and ``Diagnosis.attempts`` lists them.

    The Login Name is matched whatever its case. Only reads the portal: nothing is written,
    not even the audit trail. Raises AccountNotFound for an unknown login (naming a near
    miss).
    """
    account = find_account(portal, login)
    at = portal.clock.now() if at is None else to_unix(at)
    policy = portal.policy
    record = portal.store.attempts(
        account.login, since if since is not None else at - RECENT.total_seconds()
    )
    if code is None:
        return _from_the_record(portal, account, at, record, symptom=symptom)
    if record:
        # The state when the code was typed: steps accepted before it, not after.
        account = replace(account, last_step=_last_step_before(record, at, policy))
    same = _recorded_attempt(record, at, account, code, policy)

    # What stands in front of the code comes first: the customer acts on it first.
    front = _front_causes(portal, account, at, symptom)
    if same is not None and same.matched != "none":
        settled = _settled(record, same, policy, phone_offset_seconds)
        behind = _judge_attempt(same, account, policy, settled=settled, typed=code)
    else:
        behind = _code_diagnosis(
            portal,
            account,
            code,
            at,
            window,
            next_code=next_code,
            phone_offset=phone_offset_seconds,
        )
    return _behind(front, behind, account)


def _behind(front: list[Cause], behind: Diagnosis, account: Account) -> Diagnosis:
    """The front causes (lock, Log in with Google), then the code's own."""
    if not front:
        return behind
    causes = front + [c for c in behind.causes if c.verdict is not Verdict.VALID_NOW]
    locked = front[0].verdict is Verdict.LOCKED
    return Diagnosis.of(
        causes,
        ambiguous=behind.ambiguous,
        until=account.locked_until if locked else None,
        attempts=behind.attempts,
    )


def _front_causes(portal: Portal, account: Account, at: float, symptom: str | None) -> list[Cause]:
    front: list[Cause] = []
    locked = _locked(account, at, portal.policy)
    if locked and _lock_began_by(portal, account, at):
        front.append(locked)
    if symptom and GOOGLE_SYMPTOM in symptom.lower():
        front.append(Cause(Verdict.GOOGLE_LOGIN))
    return front


def _lock_began_by(portal: Portal, account: Account, at: float) -> bool:
    """The lock in force now had already begun at ``at`` (a later lock says nothing about an
    earlier attempt). Without any lock in the audit trail the stored lock is taken as is."""
    began = [e.at for e in portal.store.audit(account.login) if e.event == "account_locked"]
    return not began or max(began) <= at


def _last_step_before(record: list[Any], at: float, policy: SecurityPolicy) -> int | None:
    """The newest time step the portal had accepted before ``at``, from its record."""
    period = policy.profile.period
    steps = [
        int(a.at // period) + a.offset_steps
        for a in record
        if a.outcome == "ok" and a.offset_steps is not None and a.at <= at
    ]
    return max(steps) if steps else None


def _recorded_attempt(
    record: list[Any], at: float, account: Account, code: str, policy: SecurityPolicy
) -> Any | None:
    """The refused attempt the portal recorded for this code at about ``at``, if any: one
    within SAME_ATTEMPT_SECONDS whose recorded match the code really has (on a secret the
    account still knows, at the recorded offset), or a malformed one for a malformed code."""
    profile = policy.profile
    try:
        typed: str | None = normalise_code(code, profile.digits)
    except MalformedCode:
        typed = None
    near = sorted(
        (a for a in record if a.outcome != "ok" and abs(a.at - at) <= SAME_ATTEMPT_SECONDS),
        key=lambda a: abs(a.at - at),
    )
    secrets = [s for s in (account.secret, account.pending_secret, account.previous_secret) if s]
    for attempt in near:
        if typed is None:
            if attempt.outcome == "malformed_code":
                return attempt
            continue
        if attempt.offset_steps is None:
            continue
        step = int(attempt.at // profile.period) + attempt.offset_steps
        key_codes = (hotp(decode_secret(secret), step, profile) for secret in secrets)
        if any(hmac.compare_digest(made, typed) for made in key_codes):
            return attempt
    return None


def _own_secret(attempt: Any) -> str:
    """The secret an attempt was meant for: the pending one at Save, else the active one."""
    return "pending" if attempt.event == "security_settings_saved" else "active"


def _settled(
    record: list[Any], attempt: Any, policy: SecurityPolicy, phone_offset: float | None
) -> str | None:
    """Slow phone or late read, from the evidence: several refusals at one offset settle a
    clock; an accepted code near offset 0 within the hour around it says the clock is right."""
    period = policy.profile.period
    if attempt.offset_steps is None:
        return None
    by_phone = _settled_by_the_phone(attempt.offset_steps, phone_offset, period)
    if by_phone:
        return by_phone
    same = [
        a
        for a in record
        if a.outcome != "ok"
        and a.matched == attempt.matched
        and a.offset_steps is not None
        and abs(a.offset_steps - attempt.offset_steps) <= 1
    ]
    if len(same) >= 2:
        return "drift"
    right = [
        a
        for a in record
        if a.outcome == "ok"
        and a.offset_steps is not None
        and abs(a.offset_steps) <= policy.window_steps
        and abs(a.at - attempt.at) <= 3600
    ]
    return "late" if right else None


def _judge_attempt(
    attempt: Any,
    account: Account,
    policy: SecurityPolicy,
    *,
    settled: str | None,
    typed: str | None = None,
) -> Diagnosis:
    """One recorded attempt's causes, from what the portal saw then."""
    profile = policy.profile
    if attempt.outcome == "malformed_code":
        return _malformed(typed, profile)
    offset = attempt.offset_steps
    if attempt.outcome == "reused_code" and offset is not None:
        return _from_offsets(Verdict.REUSED_CODE, [offset], profile.period)
    if attempt.matched == "none" or offset is None:
        return Diagnosis(
            Verdict.NO_MATCH,
            explanation=(
                "The portal's record shows the code matched none of this account's setups "
                "within a day either side of when it was typed: it was misread, or it comes "
                "from an entry for something else (another account's, perhaps)."
            ),
        )
    if attempt.matched == _own_secret(attempt):
        return _classify([offset], profile, policy, settled=settled)
    verdict = {
        "pending": Verdict.PENDING_NOT_SAVED,
        "previous": Verdict.PREVIOUS_SECRET,
        "active": Verdict.REUSED_CODE,  # a Save with the code of the setup already in force
    }[attempt.matched]
    chance = expected_chance_matches(1, 2 * policy.attempt_search_steps + 1, profile.digits)
    return _another_setup(verdict, [offset], chance, profile, policy)


def attempt_as_dict(attempt: Any, period: int) -> dict[str, Any]:
    """A recorded attempt for JSON: ``at`` (ISO 8601), ``event``, ``outcome``, ``matched``,
    ``offset_steps`` and ``offset_seconds`` (never a code: the portal keeps none)."""
    return {
        "at": to_datetime(attempt.at).isoformat(),
        "event": attempt.event,
        "outcome": attempt.outcome,
        "matched": attempt.matched,
        "offset_steps": attempt.offset_steps,
        "offset_seconds": None if attempt.offset_steps is None else attempt.offset_steps * period,
    }


def consistent_offset(record: list[Any], policy: SecurityPolicy) -> int | None:
    """The offset (steps) most refused attempts agree on within one step, if two or more do."""
    offsets = [
        a.offset_steps
        for a in record
        if a.outcome != "ok"
        and a.matched == _own_secret(a)
        and a.offset_steps is not None
        and abs(a.offset_steps) > policy.window_steps
    ]
    best: list[int] = []
    for centre in offsets:
        near = [o for o in offsets if abs(o - centre) <= 1]
        if len(near) > len(best):
            best = near
    if len(best) < 2:
        return None
    return sorted(best)[len(best) // 2]


def _from_the_record(
    portal: Portal, account: Account, at: float, record: list[Any], *, symptom: str | None
) -> Diagnosis:
    """The recent attempts explained: the latest refusal's causes, settled by the others."""
    policy = portal.policy
    period = policy.profile.period
    listed = [attempt_as_dict(a, period) for a in record]
    front = _front_causes(portal, account, at, symptom)
    refused = [a for a in record if a.outcome != "ok"]
    if not account.mfa_enabled:
        behind = Diagnosis(Verdict.MFA_NOT_ENABLED)
    elif not record:
        behind = Diagnosis(
            Verdict.NO_MATCH,
            explanation=(
                "The portal has recorded no Security code or Passcode attempt for this "
                "account in the time looked at, so there is nothing to explain yet."
            ),
            fix=(
                "Ask the customer to type the code the app shows now and click Submit, then "
                "diagnose again (or give the code they typed)."
            ),
        )
    elif not refused:
        behind = Diagnosis(
            Verdict.VALID_NOW,
            explanation="Every attempt recorded in the time looked at was accepted.",
        )
    else:
        last = refused[-1]
        settled = _settled(record, last, policy, None)
        behind = _judge_attempt(last, account, policy, settled=settled)
    agreed = consistent_offset(record, policy)
    diagnosis = _behind(front, behind, account)
    evidence: dict[str, Any] = {"attempts": listed}
    if agreed is not None:
        evidence.update(
            consistent_offset_steps=agreed,
            consistent_offset_seconds=agreed * period,
            offset_steps=agreed,
            offset_seconds=agreed * period,
        )
    return replace(diagnosis, **evidence)


def _code_diagnosis(
    portal: Portal,
    account: Account,
    code: str,
    at: float,
    window: timedelta,
    *,
    next_code: str | None = None,
    phone_offset: float | None = None,
) -> Diagnosis:
    """What the typed code itself says, once nothing stands in front of it."""
    policy = portal.policy
    profile = policy.profile
    if not account.mfa_enabled:
        return Diagnosis(Verdict.MFA_NOT_ENABLED)
    try:
        typed: str | None = normalise_code(code, profile.digits)
    except MalformedCode:
        typed = None
    active = _near(account.secret, typed, at, policy) if typed else []
    valid_now = [o for o in active if abs(o) <= policy.window_steps]
    if account.last_step is not None:
        centre = int(at // profile.period)
        used = [o for o in active if centre + o <= account.last_step and o <= policy.window_steps]
        if used:
            return _from_offsets(Verdict.REUSED_CODE, used, profile.period)
    if profile != DEFAULT_PROFILE and not valid_now:
        # The app shows its standard code for the saved or the pending setup: the Save of a
        # non-standard setup fails the same way as the login after it.
        for secret in (account.secret, account.pending_secret):
            offsets = _near_app_reading(secret, code, at, policy)
            if offsets:
                return _app_ignores_profile(offsets, profile)
    if typed is None:
        return _malformed(code, profile)
    others: _OtherAccounts | None = None
    if not valid_now:
        # Another setup explains the code only if it matches nearer to now than the active
        # secret does (an active match a few steps back means expired, not a stale entry).
        one_secret = expected_chance_matches(
            1, 2 * policy.expired_lookback_steps + 1, profile.digits
        )
        candidates = [
            (verdict, _near(secret, typed, at, policy), one_secret)
            for secret, verdict in (
                (account.pending_secret, Verdict.PENDING_NOT_SAVED),
                (account.previous_secret, Verdict.PREVIOUS_SECRET),
            )
        ]
        others = _other_accounts_match(portal, account, typed, at)
        candidates.append((Verdict.OTHER_ACCOUNT, others.offsets, others.expected))
        matched = [candidate for candidate in candidates if candidate[1]]
        if matched:
            verdict, offsets, chance = min(matched, key=lambda c: abs(c[1][0]))
            if not active or abs(offsets[0]) < abs(active[0]):
                return _another_setup(verdict, offsets, chance, profile, policy)
    if account.secret is None:
        return Diagnosis(
            Verdict.NO_MATCH,
            explanation=(
                "No authenticator setup has been saved on this account yet, and the code "
                "matches none of the setups the portal knows about."
            ),
            fix=(
                f"Set up the app: {_SETUP_PATH}, scan the QR code, type the app's code into "
                "Passcode and your password into Current Password, and click Save."
            ),
        )
    diagnosis = diagnose_code(
        account.secret,
        typed,
        at,
        profile=profile,
        window=window,
        policy=policy,
        next_code=next_code,
        phone_offset_seconds=phone_offset,
    )
    if diagnosis.verdict is Verdict.NO_MATCH and others is not None and others.skipped:
        diagnosis = _with_note(
            diagnosis,
            " The company's other accounts were not compared: there are so many that a wrong "
            f"code would match one of them by chance ({others.expected:.2g} matches expected), "
            "so a match would prove nothing.",
        )
    return diagnosis


def _another_setup(
    verdict: Verdict,
    offsets: list[int],
    chance: float,
    profile: TotpProfile,
    policy: SecurityPolicy,
) -> Diagnosis:
    """The code is from another setup (pending, previous, another account); if it matched
    outside the portal's window there, the clock is a second cause."""
    best = offsets[0]
    first = Cause(
        verdict,
        offset_steps=best,
        offset_seconds=best * profile.period,
        odds=chance,
        possible=chance > EVIDENCE_LIMIT,  # never so for the portal's own setups and window
    )
    clock = _classify(offsets, profile, policy, odds=chance).causes
    after = [c for c in clock if c.verdict is not Verdict.VALID_NOW]
    return Diagnosis.of([first, *after], ambiguous=len(offsets) > 1)
