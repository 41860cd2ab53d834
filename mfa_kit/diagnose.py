"""Why was this code refused? Verdicts from a fixed catalogue, with the signed clock offset.

Owns the verdict catalogue, the Diagnosis value and the two entry points: secret mode
(:func:`diagnose_code`) and portal mode (:func:`diagnose_login`, read-only on the portal).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .clock import to_datetime, to_unix, until_text
from .errors import AccountNotFound
from .offsets import DEFAULT_WINDOW, find_offsets, window_steps_for
from .otp import (
    ASCII_DIGITS,
    CODE_SEPARATORS,
    DEFAULT_PROFILE,
    ISSUER,
    MalformedCode,
    TotpProfile,
    decode_secret,
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

COINCIDENCE_LIMIT = 0.02
"""The largest chance accepted that a wrong code matches as near to the typed time as the
nearest match did. A random code of d digits matches one of the 2n+1 steps within n of the
typed time with chance (2n+1)/10**d, so a search wide enough (days, for six digits) finds
a match somewhere quite often (about one wrong code in six over 30 days). Judging the nearest
match, not the window, keeps every explainable band confident: a valid, expired,
minutes-off or time-zone match (up to 26 h: under 0.7 %) and a date up to three days off
(2 %). Beyond that the match is reported as the likely coincidence it is, as NO_MATCH with
the far match named, rather than as a confident CLOCK_DRIFT that sends the customer to
fix a clock that is right."""

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
        "typed, so it is not a clock problem: it was misread, or it comes from an entry for "
        "something else.",
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
            "until": to_datetime(self.until).isoformat() if self.until is not None else None,
        }
        if self.attempts is not None:
            data["attempts"] = self.attempts
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


def _classify(offsets: list[int], profile: TotpProfile, policy: SecurityPolicy) -> Diagnosis:
    """Name the problem from where the code matched on the secret it was checked against.

    Boundaries (in time steps, signed): within ±window_steps the code is valid now; from
    −(window_steps+1) down to −expired_lookback_steps it was typed too late (EXPIRED, the
    portal's own "expired" band); near a multiple of half an hour it is a time zone; any
    other offset is clock drift. A late code and a slow clock look the same, so the
    portal's band decides: beyond it no one types that slowly.
    """
    best = offsets[0]
    seconds = best * profile.period
    if abs(best) <= policy.window_steps:
        return _from_offsets(Verdict.VALID_NOW, offsets, profile.period)
    halves = time_zone_multiple(seconds, profile.period)
    if halves is not None:
        amount = describe_duration(halves * TIME_ZONE_UNIT_SECONDS)
        unit = "hours" if halves % 2 == 0 else "half hours"
        return _from_offsets(
            Verdict.TIME_ZONE,
            offsets,
            profile.period,
            explanation=(
                f"The phone's clock is {amount} {_direction(seconds)} the real time: a whole "
                f"number of {unit}, the size of a time-zone difference. The phone has the wrong "
                "time zone, or automatic time is off and the time was set by hand."
            ),
        )
    if -policy.expired_lookback_steps <= best < -policy.window_steps:
        return _from_offsets(
            Verdict.EXPIRED,
            offsets,
            profile.period,
            explanation=(
                f"The code was right about {describe_duration(seconds)} before it was typed, "
                f"but each code lasts {profile.period} seconds, so it had already been "
                "replaced when it reached the portal."
            ),
        )
    days = round(abs(seconds) / 86400)
    wrong_date = days and abs(abs(seconds) - days * 86400) <= profile.period
    return _from_offsets(
        Verdict.CLOCK_DRIFT,
        offsets,
        profile.period,
        explanation=(
            f"The phone's clock is about {describe_duration(seconds)} {_direction(seconds)} "
            "the real time"
            + (f": its date is {describe_duration(days * 86400)} off" if wrong_date else "")
            + ". The app works its codes out from that clock, so they no longer line up "
            "with the portal's."
        ),
    )


def chance_of_a_match_within(offset_steps: int, digits: int) -> float:
    """The chance that a wrong code of ``digits`` digits matches at least this near."""
    return (2 * abs(offset_steps) + 1) / 10**digits


def _coincidence(offset_steps: int, profile: TotpProfile) -> Diagnosis | None:
    """NO_MATCH naming the nearest match when it is too far out to be evidence, else None."""
    chance = chance_of_a_match_within(offset_steps, profile.digits)
    if chance <= COINCIDENCE_LIMIT:
        return None
    seconds = offset_steps * profile.period
    return Diagnosis(
        Verdict.NO_MATCH,
        explanation=(
            "The code does not match this account's authenticator near when it was typed. "
            f"The nearest time it matches is {describe_duration(seconds)} "
            f"{'later' if seconds > 0 else 'earlier'}, but a wrong code matches that near by "
            f"chance about one time in {round(1 / chance)}, so that is no evidence of a clock "
            "problem: it was most likely misread, or it comes from an entry for something else."
        ),
        fix=(
            f"{Verdict.NO_MATCH.fix} If the phone's date or time is visibly wrong, turn on "
            "automatic date and time first."
        ),
    )


def _app_reading(key: bytes, code: str, at: float, window: timedelta) -> list[int]:
    """Offsets at which ``code`` is the Google Authenticator (default profile) code."""
    try:
        typed = normalise_code(code, DEFAULT_PROFILE.digits)
    except MalformedCode:
        return []
    return find_offsets(
        key, typed, at, profile=DEFAULT_PROFILE, window_steps=window_steps_for(window)
    )


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


def diagnose_code(
    secret: str,
    code: str,
    at: float,
    *,
    profile: TotpProfile = DEFAULT_PROFILE,
    window: timedelta = DEFAULT_WINDOW,
    policy: SecurityPolicy = DEFAULT_POLICY,
) -> Diagnosis:
    """Why ``code``, typed at ``at``, is or is not right for ``secret`` (secret mode).

    Searches ``window`` either side of ``at``. For a non-default ``profile`` the code is
    also read the way Google Authenticator would show it (SHA1, 6 digits, 30 s).
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
    offsets = find_offsets(
        key, typed, at, profile=profile, window_steps=window_steps_for(window, profile)
    )
    if offsets and abs(offsets[0]) <= policy.window_steps:
        return _classify(offsets, profile, policy)
    if ignores_profile:
        app_offsets = _app_reading(key, typed, at, window)
        # The nearer reading (in seconds) is the likelier story.
        if app_offsets and (
            not offsets
            or abs(app_offsets[0]) * DEFAULT_PROFILE.period < abs(offsets[0]) * profile.period
        ):
            return _coincidence(app_offsets[0], DEFAULT_PROFILE) or _app_ignores_profile(
                app_offsets, profile
            )
    if offsets:
        return _coincidence(offsets[0], profile) or _classify(offsets, profile, policy)
    return Diagnosis(
        Verdict.NO_MATCH,
        explanation=(
            "The code does not match this account's authenticator at any time within "
            f"{describe_duration(int(window.total_seconds()))} of when it was typed, so it "
            "is not a clock problem: it was misread, or it comes from an entry for "
            "something else."
        ),
    )


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


def _other_accounts_match(portal: Portal, login: str, code: str, at: float) -> list[int]:
    for other in portal.store.logins():
        if other == login:
            continue
        account = portal.store.account(other)
        offsets = _near(account.secret if account else None, code, at, portal.policy)
        if offsets:
            return offsets
    return []


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


def diagnose_login(
    portal: Portal,
    login: str,
    code: str,
    at: float | None = None,
    *,
    symptom: str | None = None,
    window: timedelta = DEFAULT_WINDOW,
) -> Diagnosis:
    """Why ``login`` could not log in with ``code`` typed at ``at`` (portal mode).

    Checks in the order an agent would: lock, Log in with Google (``symptom`` mentions
    "google"), MFA not enabled, malformed code, replay on the active secret, the pending
    secret, the previous secret, other accounts' secrets, then the clock analysis of
    :func:`diagnose_code`. A code at or before the last accepted step is a replay even when
    it has also expired; another setup wins over the active one only when it matches nearer
    to now (ties go in the order listed). Only reads the portal: nothing is written, not
    even the audit trail. Raises AccountNotFound for an unknown login.
    """
    account = portal.store.account((login or "").strip())
    if account is None:
        raise AccountNotFound(f"There is no account with the Login Name {login!r}.")
    at = portal.clock.now() if at is None else to_unix(at)
    policy = portal.policy

    # What stands in front of the code comes first: the customer acts on it first.
    front: list[Cause] = []
    locked = _locked(account, at, policy)
    if locked:
        front.append(locked)
    if symptom and GOOGLE_SYMPTOM in symptom.lower():
        front.append(Cause(Verdict.GOOGLE_LOGIN))
    behind = _code_diagnosis(portal, account, code, at, window)
    causes = front + [c for c in behind.causes if not (front and c.verdict is Verdict.VALID_NOW)]
    if not front:
        return behind
    return Diagnosis.of(
        causes, ambiguous=behind.ambiguous, until=account.locked_until if locked else None
    )


def _code_diagnosis(
    portal: Portal, account: Account, code: str, at: float, window: timedelta
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
    if not valid_now:
        # Another setup explains the code only if it matches nearer to now than the active
        # secret does (an active match a few steps back means expired, not a stale entry).
        candidates = [
            (verdict, _near(secret, typed, at, policy))
            for secret, verdict in (
                (account.pending_secret, Verdict.PENDING_NOT_SAVED),
                (account.previous_secret, Verdict.PREVIOUS_SECRET),
            )
        ]
        candidates.append(
            (Verdict.OTHER_ACCOUNT, _other_accounts_match(portal, account.login, typed, at))
        )
        matched = [(verdict, offsets) for verdict, offsets in candidates if offsets]
        if matched:
            verdict, offsets = min(matched, key=lambda pair: abs(pair[1][0]))
            if not active or abs(offsets[0]) < abs(active[0]):
                return _from_offsets(verdict, offsets, profile.period)
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
    return diagnose_code(account.secret, typed, at, profile=profile, window=window, policy=policy)
