"""A support ticket as the kit reads it: who, what was typed, when, and what happened before.
Owns loading and checking a ticket YAML file into a frozen Ticket, one sentence per mistake."""

from __future__ import annotations

import enum
import functools
import os
import re
import stat
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
    customer_timezone: the customer's time zone, an IANA name such as "Asia/Kolkata"; the
        report shows its times in UTC and in this zone (None: the zone of typed_at).
    training: a training exercise on the practice portal, so reported_code was made from the
        training key and is checked. False (a real customer): a reported code comes from the
        customer's own key, which the kit never has, so it is never checked against the
        training key; the situation described is rebuilt instead.
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
    customer_timezone: str | None = None
    training: bool = False

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
        if len(values["summary"]) > MAX_SUMMARY_CHARACTERS:
            raise TicketError(
                f"summary must be at most {MAX_SUMMARY_CHARACTERS} characters, "
                f"not {len(values['summary']):,}"
            )
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
        "training",
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
    if data.get("customer_timezone") is not None:
        values["customer_timezone"] = _time_zone(data["customer_timezone"])
    return Ticket(**values)


MAX_TICKET_BYTES = 1024 * 1024
"""A ticket is a few lines; a file larger than 1 MiB is refused before it is read."""
MAX_DEPTH = 20
"""Lists and mappings inside each other: a ticket needs one level; deeper is refused."""
MAX_INTEGER_DIGITS = 20
"""A whole number longer than this is no ticket value (and converting it costs time)."""
MAX_VALUES = 1000
"""Keys and values in all: a ticket has a few dozen; a file of thousands is refused early."""
MAX_SUMMARY_CHARACTERS = 2000
"""The customer's words, in a sentence or a paragraph; the report shows them in full."""


def load(path: str | Path) -> Ticket:
    """Read and check a ticket YAML file; any problem is a one-line TicketError.

    The file is looked at before it is opened: it must be a regular file (a FIFO, a device
    or a folder is refused) of at most MAX_TICKET_BYTES, and it is opened without blocking,
    so a FIFO swapped in meanwhile cannot hang the reader. The YAML must be plain: no tags,
    anchors, aliases or merge keys, no key twice in a mapping, nesting at most MAX_DEPTH
    deep and whole numbers of at most MAX_INTEGER_DIGITS digits. Each rule is checked on
    the parser's event stream before anything is built, so a hostile file is refused fast.
    """
    import yaml

    source = Path(path)
    text = _read_ticket_text(source)
    try:
        _check_plain_yaml(text)
        data = yaml.load(text, Loader=_ticket_loader())  # noqa: S506 - a SafeLoader subclass
    except _Refused as refusal:
        raise TicketError(f"{source}: {refusal}") from None
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


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_a_regular_file(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"is {kind}, not a ticket file: a ticket must be a regular file"


def _too_large(size: int) -> str:
    return (
        f"is too large ({size:,} bytes): a ticket file is at most {MAX_TICKET_BYTES:,} bytes "
        "(1 MiB)"
    )


def _read_ticket_text(source: Path) -> str:
    try:
        facts = os.stat(source)
    except FileNotFoundError:
        raise TicketError(f"{source}: no such file") from None
    except (OSError, ValueError) as problem:
        raise TicketError(f"{source}: cannot read it ({problem.__class__.__name__})") from None
    refusal = _not_a_regular_file(facts.st_mode)
    if refusal is None and facts.st_size > MAX_TICKET_BYTES:
        refusal = _too_large(facts.st_size)
    if refusal:
        raise TicketError(f"{source}: {refusal}")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        handle = os.open(source, flags)
    except FileNotFoundError:
        raise TicketError(f"{source}: no such file") from None
    except OSError as problem:
        raise TicketError(f"{source}: cannot read it ({problem.__class__.__name__})") from None
    try:
        # The file may have been swapped since the look: judge what was opened.
        opened = os.fstat(handle)
        refusal = _not_a_regular_file(opened.st_mode)
        if refusal:
            raise TicketError(f"{source}: {refusal}")
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_TICKET_BYTES:
            chunk = os.read(handle, MAX_TICKET_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_TICKET_BYTES:
            raise TicketError(f"{source}: {_too_large(max(size, opened.st_size))}")
    except OSError as problem:
        raise TicketError(f"{source}: cannot read it ({problem.__class__.__name__})") from None
    finally:
        os.close(handle)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise TicketError(f"{source}: cannot read it (not UTF-8 text)") from None


class _Refused(Exception):
    """A YAML construct a ticket may not use; the message names the rule and the line."""


_INT_TAG = "tag:yaml.org,2002:int"


def _check_plain_yaml(text: str) -> None:
    """Walk the parser's events (libyaml when available) and refuse what a ticket must not use.

    Raises _Refused naming the rule; leaves syntax errors to the loader's own message.
    """
    import yaml

    parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolver = yaml.resolver.Resolver()
    # One frame per open mapping or list: the keys seen so far (None for a list) and
    # whether the next node is a key.
    frames: list[list[Any]] = []
    values = 0

    def line(event: Any) -> str:
        mark = getattr(event, "start_mark", None) or getattr(event, "problem_mark", None)
        return f" at line {mark.line + 1}" if mark is not None else ""

    try:
        for event in yaml.parse(text, Loader=parser):
            if isinstance(event, yaml.AliasEvent):
                raise _Refused(
                    f"YAML alias *{event.anchor}{line(event)}: anchors and aliases are not "
                    "allowed in a ticket"
                )
            if not isinstance(event, yaml.NodeEvent):
                if isinstance(event, yaml.CollectionEndEvent) and frames:
                    frames.pop()
                    if frames and frames[-1][0] is not None:
                        frames[-1][1] = not frames[-1][1]
                continue
            if event.anchor is not None:
                raise _Refused(
                    f"YAML anchor &{event.anchor}{line(event)}: anchors and aliases are not "
                    "allowed in a ticket"
                )
            tag = getattr(event, "tag", None)
            if tag is not None:
                raise _Refused(f"YAML tag {tag}{line(event)}: tags are not allowed in a ticket")
            values += 1
            if values > MAX_VALUES:
                raise _Refused(
                    f"more than {MAX_VALUES:,} keys and values{line(event)}: a ticket is a "
                    "few 'field: value' lines"
                )
            frame = frames[-1] if frames else None
            if isinstance(event, yaml.ScalarEvent):
                plain = event.implicit[0] and event.style in (None, "")
                if frame is not None and frame[0] is not None and frame[1]:
                    key = event.value
                    if plain and key == "<<":
                        raise _Refused(
                            f"YAML merge key <<{line(event)}: merge keys are not allowed in "
                            "a ticket"
                        )
                    if key in frame[0]:
                        shown = key if len(key) <= 40 else key[:40] + "…"
                        raise _Refused(
                            f"duplicate key {shown!r}{line(event)}: each field may appear only once"
                        )
                    frame[0].add(key)
                if plain and len(event.value) > MAX_INTEGER_DIGITS:
                    node_tag = resolver.resolve(yaml.ScalarNode, event.value, (True, False))
                    if node_tag == _INT_TAG:
                        digits = sum(ch.isalnum() for ch in event.value) - (
                            2 if event.value.lstrip("+-")[:2].lower() in ("0x", "0b") else 0
                        )
                        if digits > MAX_INTEGER_DIGITS:
                            raise _Refused(
                                f"a whole number of {digits:,} digits{line(event)}: numbers "
                                f"in a ticket have at most {MAX_INTEGER_DIGITS} digits"
                            )
                if frame is not None and frame[0] is not None:
                    frame[1] = not frame[1]
                continue
            # the start of a mapping or a list
            if frame is not None and frame[0] is not None and frame[1]:
                frame[0].add(object())  # a key that is a list or mapping: the loader refuses it
            if len(frames) >= MAX_DEPTH:
                raise _Refused(
                    f"nested deeper than {MAX_DEPTH} levels{line(event)}: a ticket is one "
                    "level of 'field: value' lines"
                )
            if isinstance(event, yaml.MappingStartEvent):
                frames.append([set(), True])
            else:
                frames.append([None, False])
    except yaml.YAMLError as problem:
        if "nesting depth" in str(getattr(problem, "problem", "")):  # libyaml's own limit
            raise _Refused(
                f"nested deeper than {MAX_DEPTH} levels{line(problem)}: a ticket is one "
                "level of 'field: value' lines"
            ) from None
        return  # the loader reports it, with its line


@dataclass(frozen=True)
class _UnreadableTime:
    """An unquoted YAML timestamp that is no real time (offset +25:00, February 30), kept so
    the field reader can name its field; PyYAML itself would raise a bare ValueError."""

    text: str


@functools.cache
def _ticket_loader() -> type:
    import yaml

    # libyaml's parser when PyYAML has it (the wheels do): the same YAML, read faster.
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class TicketLoader(base):  # type: ignore[misc,valid-type]
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
        "training": True,
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
    from .names import MAX_LOGIN_LENGTH  # the portal's own rule

    if len(text) > MAX_LOGIN_LENGTH:
        raise TicketError(f"{field} must be at most {MAX_LOGIN_LENGTH} characters")
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


_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]{0,30}(/[A-Za-z0-9_+-]{1,30}){0,3}$")


def _time_zone(value: Any) -> str:
    """An IANA time zone name the system's time zone database knows, e.g. Asia/Kolkata."""
    text = _text("customer_timezone", value)
    if _ZONE_NAME.match(text) and text not in _NOT_ZONES:
        try:
            zone(text)
        except (LookupError, ValueError, OSError):
            pass
        else:
            return text
    shown = text if len(text) <= 60 else text[:60] + "…"
    raise TicketError(
        f"customer_timezone {shown!r} is not a time zone name: use an IANA name such as "
        "Europe/Paris, Asia/Kolkata or UTC"
    )


_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
"""Files in the zone database that are not places (the machine's own zone, a template)."""


@functools.cache
def zone(name: str) -> Any:
    """The ZoneInfo for an IANA name (raises ZoneInfoNotFoundError, a LookupError)."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _kind(value: Any) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)
