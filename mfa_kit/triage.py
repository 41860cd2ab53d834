"""Triage without the secret: what a customer on the phone can tell, turned into likely causes.

Owns the questions, the rules from answers to causes (each a catalogue verdict with the words
to read out), the check for answers that contradict each other, and the answers file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clock import to_datetime
from .diagnose import (
    TIME_ZONE_UNIT_SECONDS,
    Cause,
    Diagnosis,
    Verdict,
    describe_duration,
    time_zone_multiple,
)
from .otp import DEFAULT_PROFILE, ISSUER
from .policy import DEFAULT_POLICY

UNKNOWN = "unknown"
MAX_ANSWERS_BYTES = 64 * 1024
"""An answers file is a handful of lines; anything bigger is refused before it is read."""

MAX_PHONE_OFFSET_SECONDS = 366 * 86400

_AUTOMATIC_TIME = (
    "iPhone: Settings → General → Date & Time → Set Automatically; Android: Settings → "
    "System → Date & time → Set time automatically"
)


class TriageError(ValueError):
    """Answers that cannot be used (a bad file, an unknown question, a value out of range)."""


@dataclass(frozen=True)
class Question:
    """One thing the agent asks; ``choices`` maps each answer to how it is said (None: a
    number, see ``prompt``)."""

    name: str
    prompt: str
    choices: Mapping[str, str] | None = None


QUESTIONS: tuple[Question, ...] = (
    Question(
        "button",
        "Which button did you click on the login page?",
        {
            "log_in": "Log In (after typing the Login Name and Password)",
            "google": "Log in with Google",
            "save": "Save, while setting up the app (Profile → Change Account Security)",
            UNKNOWN: "not sure",
        },
    ),
    Question(
        "security_code_box",
        "After Log In, did a box asking for a Security code appear?",
        {
            "yes": "yes",
            "no": "no, the portal logged me in (or said something else)",
            UNKNOWN: "not sure",
        },
    ),
    Question(
        "message",
        "What did the screen say when it refused?",
        {
            "expired": "the code has expired",
            "incorrect": "the code is not correct",
            "already_used": "the code was already used",
            "locked": "too many failed attempts, the account is locked",
            "not_enabled": "MFA is not enabled, or there is no Set Up Google Authenticator button",
            "google": "a Google sign-in page, or that Log in with Google does not use the code",
            "not_a_code": "that a code has 6 digits (letters or the wrong length were typed)",
            "nothing": "nothing went wrong this time: the code worked when tried again",
            UNKNOWN: "not sure",
        },
    ),
    Question(
        "phone_offset_seconds",
        "Read the customer the exact time the kit shows and ask what the phone shows, with "
        "seconds and the date: how far is the phone ahead (+) or behind (−), in seconds?",
    ),
    Question(
        "entries",
        f"How many {ISSUER} entries does the Google Authenticator app list?",
    ),
    Question(
        "recent_change",
        "Anything new lately?",
        {
            "none": "nothing new",
            "new_phone": "a new phone",
            "reset": "a Technical Support Agent reset MFA",
            "rescan": "Set Up Google Authenticator was clicked again and the QR code scanned, "
            "without Save",
            UNKNOWN: "not sure",
        },
    ),
    Question(
        "portal_settings",
        "Agent: does the portal issue the standard codes (6 digits, every 30 seconds)? See "
        "the setup's QR code with mfa-kit lint.",
        {
            "standard": "yes, standard",
            "non_standard": "no: 60 seconds or 8 digits",
            UNKNOWN: "not checked",
        },
    ),
)
QUESTION_NAMES = tuple(q.name for q in QUESTIONS)
_BY_NAME = {q.name: q for q in QUESTIONS}


@dataclass(frozen=True)
class Answers:
    """What the customer said; every answer may be ``"unknown"`` (None for the numbers)."""

    button: str = UNKNOWN
    security_code_box: str = UNKNOWN
    message: str = UNKNOWN
    phone_offset_seconds: int | None = None
    entries: int | None = None
    recent_change: str = UNKNOWN
    portal_settings: str = UNKNOWN

    def __post_init__(self) -> None:
        for question in QUESTIONS:
            value = getattr(self, question.name)
            if question.choices is not None and value not in question.choices:
                raise TriageError(
                    f"{question.name}: {value!r} is not one of {', '.join(question.choices)}"
                )
        offset = self.phone_offset_seconds
        if offset is not None and not abs(offset) <= MAX_PHONE_OFFSET_SECONDS:
            raise TriageError("phone_offset_seconds: more than a year either way")
        if self.entries is not None and not 0 <= self.entries <= 50:
            raise TriageError("entries: a count from 0 to 50")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Answers:
        """Answers from plain values (a parsed answers file); unknown questions refused."""
        unknown = sorted(set(data) - set(QUESTION_NAMES))
        if unknown:
            raise TriageError(
                f"no question called {unknown[0]!r}; the questions are {', '.join(QUESTION_NAMES)}"
            )
        values: dict[str, Any] = {}
        for name, raw in data.items():
            text = "" if raw is None else str(raw).strip()
            if name in ("phone_offset_seconds", "entries"):
                values[name] = _whole_number(name, text)
            else:
                values[name] = text.lower().replace(" ", "_").replace("-", "_") or UNKNOWN
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in QUESTION_NAMES}


def _whole_number(name: str, text: str) -> int | None:
    if text.lower() in ("", UNKNOWN):
        return None
    digits = text.lstrip("+-−")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 9:
        raise TriageError(f"{name}: {text[:20]!r} is not a whole number")
    negative = text[0] in "-−"
    return -int(digits) if negative else int(digits)


TIME_ZONE_STEP_SECONDS = 15 * 60
"""Every time zone in use is a whole number of quarter hours from UTC."""


def phone_offset_from_times(phone_time: str, shown_at: float) -> int:
    """The phone clock's offset from what it shows (``HH:MM`` or ``HH:MM:SS``, 24-hour, in the
    customer's own time zone) against the exact time ``shown_at``.

    The customer reads local time and the agent is shown UTC, so whole quarter hours of
    difference are the time zone, not a fault; what is left over (at most 7½ minutes either
    way) is the clock's own error. A clock set by hand in the wrong zone is found from the
    code instead (``mfa-kit diagnose``), or by giving the offset in seconds.
    """
    parts = phone_time.strip().split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isascii() and p.isdigit() for p in parts):
        raise TriageError(f"{phone_time[:20]!r} is not a time like 09:02:30")
    hours, minutes, seconds = (int(p) for p in [*parts, "0"][:3])
    if hours > 23 or minutes > 59 or seconds > 59:
        raise TriageError(f"{phone_time[:20]!r} is not a time like 09:02:30")
    shown = to_datetime(shown_at)
    shown_seconds = shown.hour * 3600 + shown.minute * 60 + shown.second
    difference = hours * 3600 + minutes * 60 + seconds - shown_seconds
    zone = round(difference / TIME_ZONE_STEP_SECONDS) * TIME_ZONE_STEP_SECONDS
    return difference - zone


@dataclass(frozen=True)
class Triage:
    """The likely causes (a Diagnosis: verdict first, read-out for all) and what in the
    answers does not fit together."""

    diagnosis: Diagnosis
    contradictions: list[str] = field(default_factory=list)
    answers: Answers = field(default_factory=Answers)

    @property
    def verdict(self) -> Verdict:
        return self.diagnosis.verdict

    @property
    def read_out(self) -> str:
        return self.diagnosis.read_out

    def as_dict(self) -> dict[str, Any]:
        data = self.diagnosis.as_dict()
        data["contradictions"] = list(self.contradictions)
        data["answers"] = self.answers.as_dict()
        return data

    def text(self) -> str:
        lines = []
        if self.contradictions:
            # First, so the agent asks again before reading anything out.
            lines.append("These answers contradict each other; ask again before reading out:")
            lines += [f"  - {c}" for c in self.contradictions]
        lines.append("Likely causes, in the order to act on them:")
        for number, cause in enumerate(self.diagnosis.causes, 1):
            mark = " (possible)" if cause.possible else ""
            lines.append(f"{number}. {cause.title} ({cause.verdict.name}){mark}")
            lines.append(f"   Why: {cause.explanation}")
            lines.append(f"   What to do: {cause.fix}")
        lines.append(f"Read this to the customer: {self.read_out}")
        return "\n".join(lines)


def contradictions(answers: Answers) -> list[str]:
    """Pairs of answers that cannot both be true, in words for the agent."""
    a = answers
    found = []
    if a.button == "google" and a.security_code_box == "yes":
        found.append(
            "Log in with Google was clicked, but a Security code box appeared: Log in with "
            "Google never asks for a Security code."
        )
    if a.message == "google" and a.button in ("log_in", "save"):
        found.append(
            "The screen talked about Log in with Google, but the button was "
            f"{_BY_NAME['button'].choices[a.button]}."  # type: ignore[index]
        )
    if a.message == "not_enabled" and a.security_code_box == "yes":
        found.append(
            "MFA is said to be off, but a Security code box appeared: the portal asks for a "
            "code only when MFA is on and set up."
        )
    if a.entries == 0 and a.message in ("expired", "already_used", "incorrect", "nothing"):
        found.append(
            f"The app lists no {ISSUER} entry, yet a code from it was typed: ask which app "
            "and which entry the code came from."
        )
    if a.button == "save" and a.security_code_box == "yes":
        found.append(
            "Save was clicked while setting up, but a Security code box appeared: that box "
            "belongs to logging in, not to the setup."
        )
    if a.message in ("already_used", "expired", "incorrect") and a.security_code_box == "no":
        if a.button != "save":
            found.append(
                "The screen refused a code, but no Security code box appeared: ask where the "
                "code was typed."
            )
    if a.recent_change == "rescan" and a.entries == 0:
        found.append(
            "The QR code was scanned again, yet the app lists no entry: a scan adds one, so "
            "ask whether the entry was deleted or the scan was in another app."
        )
    if a.recent_change == "rescan" and a.entries == 1:
        found.append(
            "The QR code was scanned again, yet the app lists only one entry: a scan adds an "
            "entry, so ask whether an old one was deleted."
        )
    return found


def _clock_cause(offset: int) -> Cause:
    """The phone's clock as seen against the exact time."""
    period = DEFAULT_PROFILE.period
    amount = describe_duration(offset)
    direction = "ahead of" if offset > 0 else "behind"
    halves = time_zone_multiple(offset, period)
    if halves is not None:
        return Cause(
            Verdict.TIME_ZONE,
            (
                f"The phone's clock is {describe_duration(halves * TIME_ZONE_UNIT_SECONDS)} "
                f"{direction} the exact time: the size of a time-zone difference, so the phone "
                "has the wrong time zone or its time was set by hand."
            ),
            offset_seconds=offset,
            offset_steps=round(offset / period),
        )
    return Cause(
        Verdict.CLOCK_DRIFT,
        (
            f"The phone's clock is about {amount} {direction} the exact time. The app works "
            "its codes out from that clock, so they no longer line up with the portal's."
        ),
        f"On the phone, turn on automatic date and time ({_AUTOMATIC_TIME}). Then type the "
        "new code the app shows.",
        offset_seconds=offset,
        offset_steps=round(offset / period),
    )


def triage(answers: Answers) -> Triage:
    """The likely causes, first to act on first, for what the customer can tell."""
    a = answers
    period = DEFAULT_PROFILE.period
    causes: list[Cause] = []

    def add(cause: Cause) -> None:
        if cause.verdict not in [c.verdict for c in causes]:
            causes.append(cause)

    if a.message == "locked":
        add(Cause(Verdict.LOCKED))
    if a.button == "google" or a.message == "google":
        add(Cause(Verdict.GOOGLE_LOGIN))
    if a.message == "not_enabled" or (
        a.security_code_box == "no" and a.button == "log_in" and a.message == "nothing"
    ):
        add(Cause(Verdict.MFA_NOT_ENABLED))
    if a.message == "not_a_code":
        add(Cause(Verdict.MALFORMED))
    if a.message == "already_used":
        add(Cause(Verdict.REUSED_CODE))
    if a.portal_settings == "non_standard":
        add(Cause(Verdict.APP_IGNORES_PROFILE))

    clock_known = a.phone_offset_seconds is not None
    # Within the portal's window either side the clock is right enough.
    tolerance = DEFAULT_POLICY.window_steps * period
    clock_off = clock_known and abs(a.phone_offset_seconds) > tolerance  # type: ignore[arg-type]
    if clock_off:
        add(_clock_cause(a.phone_offset_seconds))  # type: ignore[arg-type]

    several = a.entries is not None and a.entries >= 2
    if a.recent_change == "rescan":
        add(Cause(Verdict.PENDING_NOT_SAVED))
    if a.recent_change == "reset" and (several or a.entries is None):
        add(Cause(Verdict.PREVIOUS_SECRET))
    if several and a.recent_change in ("none", UNKNOWN):
        add(
            Cause(
                Verdict.OTHER_ACCOUNT,
                (
                    f"The app lists {a.entries} {ISSUER} entries. Unless each is for another "
                    "account, the code may have come from the wrong one: the account name "
                    "under each entry tells them apart."
                ),
                possible=True,
            )
        )
    if a.entries == 0 or (a.recent_change == "new_phone" and a.entries is None):
        add(
            Cause(
                Verdict.NO_MATCH,
                (
                    f"The app on this phone has no {ISSUER} entry for the account"
                    + (
                        " (a new phone has none unless the accounts were transferred)"
                        if a.recent_change == "new_phone"
                        else ""
                    )
                    + ", so no code it shows can be right."
                ),
                "A Technical Support Agent resets MFA; then log in with your password, go to "
                "Profile → Change Account Security → Set Up Google Authenticator, scan the QR "
                "code, type the app's code into Passcode and your password into Current "
                "Password, and click Save.",
            )
        )
    if a.message == "expired":
        if clock_known and not clock_off:
            add(Cause(Verdict.EXPIRED))
        elif not clock_known:
            add(
                Cause(
                    Verdict.CLOCK_DRIFT,
                    (
                        "An expired code is either a code read too late or a phone whose clock "
                        "is behind: the two look the same to the portal. To tell which, "
                        "compare the time the phone shows with the exact time the kit shows "
                        "you: if the phone is behind, its clock is the cause."
                    ),
                    f"On the phone, turn on automatic date and time ({_AUTOMATIC_TIME}). Then "
                    "type the new code the app shows and click Submit straight away.",
                    possible=True,
                )
            )
            add(Cause(Verdict.EXPIRED))
    if a.message == "nothing" and a.security_code_box != "no":
        add(Cause(Verdict.VALID_NOW))
    if not causes:
        explanation = (
            "Nothing the customer can see points at a clock, a lock, another entry or the "
            "wrong button"
            + (", and the phone's clock is right" if clock_known else "")
            + ": the code was most likely misread, or comes from an entry for something else."
        )
        add(Cause(Verdict.NO_MATCH, explanation))
    return Triage(
        Diagnosis.of(causes, offset_steps=None, offset_seconds=None), contradictions(a), a
    )


# --- the answers file ------------------------------------------------------------------------


def load_answers(path: str | os.PathLike[str]) -> Answers:
    """Answers from a YAML file of ``question: answer`` lines.

    Refused (TriageError, one line naming the file and the rule): not a regular file (no
    FIFO or device), more than MAX_ANSWERS_BYTES, not UTF-8, anything but one flat mapping
    of plain scalars (no nesting, anchors, aliases or tags), a question given twice.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise TriageError(f"{path}: cannot open it ({error.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TriageError(f"{path}: not a regular file")
        if info.st_size > MAX_ANSWERS_BYTES:
            raise TriageError(f"{path}: larger than {MAX_ANSWERS_BYTES // 1024} KiB")
        raw = os.read(fd, MAX_ANSWERS_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > MAX_ANSWERS_BYTES:
        raise TriageError(f"{path}: larger than {MAX_ANSWERS_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TriageError(f"{path}: not UTF-8 text") from None
    try:
        return Answers.from_mapping(_flat_mapping(text))
    except TriageError as problem:
        raise TriageError(f"{path}: {problem}") from None


def _flat_mapping(text: str) -> dict[str, str | None]:
    """One YAML mapping of plain scalars, read event by event (never constructed)."""
    import yaml

    allowed = "one mapping of question: answer lines"
    data: dict[str, str | None] = {}
    key: str | None = None
    depth = 0
    documents = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise TriageError("anchors and aliases are not allowed")
            if isinstance(event, yaml.NodeEvent) and getattr(event, "tag", None) not in (
                None,
                "!",
            ):
                raise TriageError("tags are not allowed")
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise TriageError(f"more than one document: use {allowed}")
            elif isinstance(event, yaml.MappingStartEvent):
                depth += 1
                if depth > 1:
                    raise TriageError(f"nesting is not allowed: use {allowed}")
            elif isinstance(event, yaml.SequenceStartEvent):
                raise TriageError(f"lists are not allowed: use {allowed}")
            elif isinstance(event, yaml.ScalarEvent):
                if depth != 1:
                    raise TriageError(f"not a mapping: use {allowed}")
                if key is None:
                    key = event.value
                    if key in data:
                        raise TriageError(f"the question {key!r} is answered twice")
                else:
                    plain = event.value if event.value or event.style else None
                    data[key] = plain
                    key = None
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise TriageError(f"not valid YAML{where}") from None
    if documents and depth == 0 and not data:
        raise TriageError(f"not a mapping: use {allowed}")
    return data


__all__ = [
    "QUESTIONS",
    "Answers",
    "Question",
    "Triage",
    "TriageError",
    "contradictions",
    "load_answers",
    "phone_offset_from_times",
    "triage",
]
