"""A support ticket as the kit reads it: who, what was typed, when, and what happened before.
Owns loading and checking a ticket YAML file into a frozen Ticket, one sentence per mistake."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from .otp import DEFAULT_PROFILE, TotpProfile
from .policy import DEFAULT_POLICY
from .training import TRAINING_INSTANT, TRAINING_LOGIN


class TicketError(ValueError):
    """The ticket cannot be used; the message says which field and why, in one line."""


_Choice = TypeVar("_Choice", bound=enum.Enum)


def _choice(choices: type[_Choice], field: str, text: str) -> _Choice:
    """The member whose value ``text`` spells, ignoring case and "_"/"-"/space differences."""
    key = " ".join(str(text).replace("_", " ").replace("-", " ").lower().split())
    for member in choices:
        if member.value == key:
            return member
    listed = ", ".join(repr(m.value) for m in choices)
    raise TicketError(f"{field} {text!r} is not one of {listed}")


class Symptom(enum.Enum):
    """Where the customer got stuck, in the words they would use."""

    CODE_REJECTED = "code rejected"
    """Login Name and Password accepted, then the Security code was refused."""
    NO_CODE_ASKED = "no code asked"
    """The portal never asks for a Security code, or offers no authenticator setup."""
    GOOGLE_LOGIN = "log in with google"
    """The customer clicked Log in with Google instead of Log In."""

    @classmethod
    def parse(cls, text: str) -> Symptom:
        return _choice(cls, "symptom", text)


class EntryRead(enum.Enum):
    """Which SpectrumVoIP entry in the app the customer read the code from."""

    NEWEST = "newest"
    OLDEST = "oldest"
    OTHER_ACCOUNT = "other account"

    @classmethod
    def parse(cls, text: str) -> EntryRead:
        return _choice(cls, "read_entry", text)


_TICKET_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_LOGIN = re.compile(r"^[^\s:]+$")
_MAX_OFFSET_SECONDS = 7 * 24 * 3600

# A ticket's history starts days before typed_at (scenarios.SET_UP_BEFORE, 3 days), the phone
# may be up to _MAX_OFFSET_SECONDS off, and the diagnosis searches a day either side: a year
# of margin keeps every one of those instants between 1970 (step 0) and 9999 (the last year
# a datetime can show).
EARLIEST_TYPED_AT = datetime(1971, 1, 1, tzinfo=UTC)
LATEST_TYPED_AT = datetime(9999, 1, 1, tzinfo=UTC)
"""A phone a week off is a different problem; anything larger is surely a typo."""


@dataclass(frozen=True)
class Ticket:
    """One customer's login problem, described well enough to rebuild it on a practice portal.

    id: the ticket reference; the report is named after it.
    login: the customer's Login Name.
    typed_at: when the customer typed the code (timezone-aware).
    symptom: where they got stuck (see Symptom).
    summary: what the customer said, in a sentence.
    reported_code: the code they typed; None means "whatever their app showed".
    phone_clock_offset_seconds: how far the phone's clock is off (positive: ahead).
    seconds_before_typing: how long before typing they read the code off the app.
    read_entry: which SpectrumVoIP entry they read (newest, oldest, other account).
    mfa_enabled_by_agent: an agent switched MFA on for the account.
    setup_saved: the customer finished the setup with Save.
    rescanned_qr: after saving, they clicked Set Up Google Authenticator again and scanned
        the new QR code without saving it.
    agent_reset: an agent reset MFA and the customer set it up again; the old entry stayed.
    other_account: another Login Name whose entry is on the same phone ("" for none).
    code_used_before: the same code had logged them in moments earlier.
    failed_attempts_before: wrong codes in a row just before this attempt.
    portal_period_seconds: seconds per code the portal checks now; a value other than the
        standard means its settings were changed after the customer set up.
    expected_verdict: the verdict name the reproduction should reach (None: unknown).
    """

    id: str
    login: str
    typed_at: datetime
    symptom: Symptom
    summary: str = ""
    reported_code: str | None = None
    phone_clock_offset_seconds: int = 0
    seconds_before_typing: int = 0
    read_entry: EntryRead = EntryRead.NEWEST
    mfa_enabled_by_agent: bool = True
    setup_saved: bool = True
    rescanned_qr: bool = False
    agent_reset: bool = False
    other_account: str = ""
    code_used_before: bool = False
    failed_attempts_before: int = 0
    portal_period_seconds: int = DEFAULT_PROFILE.period
    expected_verdict: str | None = None

    def __post_init__(self) -> None:
        # Checks that need several fields at once; single fields are checked while reading.
        if self.read_entry is EntryRead.OTHER_ACCOUNT and not self.other_account:
            raise TicketError("read_entry 'other account' needs other_account (a Login Name)")
        if self.other_account and self.other_account == self.login:
            raise TicketError("other_account must differ from login")
        if self.rescanned_qr and not self.setup_saved:
            raise TicketError("rescanned_qr means a saved setup was scanned again: set setup_saved")
        if self.code_used_before and not self.setup_saved:
            raise TicketError("code_used_before needs a saved setup: set setup_saved true")
        if not self.mfa_enabled_by_agent and (self.setup_saved or self.rescanned_qr):
            raise TicketError(
                "with mfa_enabled_by_agent false there is no setup: set setup_saved false"
            )

    @property
    def profile(self) -> TotpProfile:
        """The TOTP profile the portal issues in this ticket."""
        return TotpProfile(
            DEFAULT_PROFILE.algorithm, DEFAULT_PROFILE.digits, self.portal_period_seconds
        )

    def parameters(self) -> dict[str, Any]:
        """The ticket as the parameters of the ticket notebook (plain JSON values)."""
        values: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, datetime):
                value = value.isoformat()
            values["ticket_id" if item.name == "id" else item.name] = value
        return values

    @staticmethod
    def parameter_names() -> tuple[str, ...]:
        """The names of the ticket notebook's parameters, in field order."""
        return tuple("ticket_id" if item.name == "id" else item.name for item in fields(Ticket))

    @classmethod
    def from_parameters(cls, values: Mapping[str, Any]) -> Ticket:
        """The inverse of :meth:`parameters` (what the notebook does with its parameters)."""
        data = dict(values)
        if "ticket_id" in data:
            data["id"] = data.pop("ticket_id")
        return from_mapping(data)


REQUIRED = ("id", "login", "typed_at", "symptom")
_FIELD_NAMES = tuple(item.name for item in fields(Ticket))


def from_mapping(data: Mapping[str, Any]) -> Ticket:
    """Check every field of a parsed ticket and build the Ticket, or raise TicketError."""
    if not isinstance(data, Mapping):
        raise TicketError("a ticket is a set of 'field: value' lines (a YAML mapping)")
    unknown = sorted(str(key) for key in data if key not in _FIELD_NAMES)
    if unknown:
        raise TicketError(
            f"unknown field {unknown[0]!r}; the fields are: {', '.join(_FIELD_NAMES)}"
        )
    missing = [name for name in REQUIRED if data.get(name) in (None, "")]
    if missing:
        raise TicketError(f"missing field {missing[0]!r} (required: {', '.join(REQUIRED)})")
    values: dict[str, Any] = {
        "id": _ticket_id(data["id"]),
        "login": _login("login", data["login"]),
        "typed_at": _aware_time("typed_at", data["typed_at"]),
        "symptom": Symptom.parse(_text("symptom", data["symptom"])),
    }
    if "summary" in data:
        values["summary"] = "" if data["summary"] is None else _text("summary", data["summary"])
    if data.get("reported_code") is not None:
        values["reported_code"] = _code(data["reported_code"])
    for name in ("phone_clock_offset_seconds", "seconds_before_typing"):
        if name in data:
            values[name] = _whole(name, data[name], -_MAX_OFFSET_SECONDS, _MAX_OFFSET_SECONDS)
    if values.get("seconds_before_typing", 0) < 0:
        raise TicketError("seconds_before_typing cannot be negative")
    if "read_entry" in data:
        values["read_entry"] = EntryRead.parse(_text("read_entry", data["read_entry"]))
    for name in (
        "mfa_enabled_by_agent",
        "setup_saved",
        "rescanned_qr",
        "agent_reset",
        "code_used_before",
    ):
        if name in data:
            values[name] = _flag(name, data[name])
    if data.get("other_account"):
        values["other_account"] = _login("other_account", data["other_account"])
    if "failed_attempts_before" in data:
        values["failed_attempts_before"] = _whole(
            "failed_attempts_before", data["failed_attempts_before"], 0, DEFAULT_POLICY.max_failures
        )
    if "portal_period_seconds" in data:
        values["portal_period_seconds"] = _whole(
            "portal_period_seconds", data["portal_period_seconds"], 1, 3600
        )
    if data.get("expected_verdict") is not None:
        values["expected_verdict"] = _verdict_name(data["expected_verdict"])
    return Ticket(**values)


def load(path: str | Path) -> Ticket:
    """Read and check a ticket YAML file; any problem is a one-line TicketError."""
    import yaml

    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TicketError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise TicketError(f"{source}: cannot read it ({problem.__class__.__name__})") from None
    try:
        data = yaml.load(text, Loader=_ticket_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        reason = getattr(problem, "problem", None) or "not valid YAML"
        raise TicketError(f"{source}: not valid YAML{where}: {reason}") from None
    if data is None:
        raise TicketError(f"{source}: the file is empty")
    try:
        return from_mapping(data)
    except TicketError as problem:
        raise TicketError(f"{source}: {problem}") from None


@dataclass(frozen=True)
class _UnreadableTime:
    """An unquoted YAML timestamp that is no real time (offset +25:00, February 30), kept so
    the field reader can name its field; PyYAML itself would raise a bare ValueError."""

    text: str


@functools.cache
def _ticket_loader() -> type:
    import yaml

    class TicketLoader(yaml.SafeLoader):
        def timestamp(self, node: Any) -> Any:
            try:
                return self.construct_yaml_timestamp(node)
            except (ValueError, OverflowError):
                return _UnreadableTime(node.value)

    TicketLoader.add_constructor("tag:yaml.org,2002:timestamp", TicketLoader.timestamp)
    return TicketLoader


def example(**changes: Any) -> Ticket:
    """A training ticket: the practice user at the training instant, with ``changes``."""
    base: dict[str, Any] = {
        "id": "TRAINING",
        "login": TRAINING_LOGIN,
        "typed_at": TRAINING_INSTANT,
        "symptom": Symptom.CODE_REJECTED,
    }
    base.update(changes)
    return Ticket(**base)


# field readers: each returns the checked value or raises TicketError naming the field


def _text(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TicketError(f"{field} must be text, not {_kind(value)}")
    return value.strip()


def _ticket_id(value: Any) -> str:
    text = (
        str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
    )
    if text is None or not _TICKET_ID.match(text):
        raise TicketError(
            f"id {value!r} must be 1-64 letters, digits, '.', '_' or '-' (it names the report file)"
        )
    return text


def _login(field: str, value: Any) -> str:
    text = _text(field, value)
    if not _LOGIN.match(text):
        raise TicketError(f"{field} {value!r} must be a Login Name without spaces or colons")
    return text


def _aware_time(field: str, value: Any) -> datetime:
    # YAML turns an unquoted timestamp into a datetime (naive when it has no zone) and a bare
    # date into a date: both are accepted only when the zone is known.
    if isinstance(value, _UnreadableTime):
        raise TicketError(
            f"{field} {value.text} is not a real time: check the date, and that the zone "
            "offset is under 24 hours"
        )
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, date):
        raise TicketError(f"{field} {value.isoformat()} is a date: add the time and a zone")
    elif isinstance(value, str):
        text = value.strip()
        try:
            when = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)
        except ValueError:
            raise TicketError(
                f"{field} {value!r} is not an ISO 8601 time like 2026-01-15T09:00:00Z"
            ) from None
    else:
        raise TicketError(f"{field} must be an ISO 8601 time with a zone, not {_kind(value)}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise TicketError(
            f"{field} {when.isoformat()} has no time zone: add Z for UTC or an offset like +02:00"
        )
    if not EARLIEST_TYPED_AT <= when < LATEST_TYPED_AT:
        raise TicketError(
            f"{field} {when.isoformat()} is out of range: it must be in the years "
            f"{EARLIEST_TYPED_AT.year} to {LATEST_TYPED_AT.year - 1}"
        )
    return when


def _code(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str):
        # YAML reads 012345 as a number and drops the 0, so a code must be quoted.
        raise TicketError(
            f"reported_code must be quoted text like '012345' "
            f"(YAML read {value!r} as {_kind(value)})"
        )
    if not value.isprintable() or len(value) > 32:
        raise TicketError("reported_code must be at most 32 printable characters")
    # Not normalised here: a malformed code is something the diagnosis explains.
    return value


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TicketError(f"{name} must be a whole number, not {_kind(value)}")
    if not low <= value <= high:
        raise TicketError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TicketError(f"{name} must be true or false, not {value!r}")
    return value


def _verdict_name(value: Any) -> str:
    from .diagnose import Verdict

    name = _text("expected_verdict", value).upper().replace(" ", "_").replace("-", "_")
    if name not in Verdict.__members__:
        raise TicketError(
            f"expected_verdict {value!r} is not one of {', '.join(Verdict.__members__)}"
        )
    return name


def _kind(value: Any) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)
