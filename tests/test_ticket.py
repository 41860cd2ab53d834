"""The ticket model: example tickets load; every mistake in a ticket is one sentence naming
the field, and nothing half-read gets through."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mfa_kit.ticket import (
    MAX_TICKET_BYTES,
    REQUIRED,
    EntryRead,
    Symptom,
    Ticket,
    TicketError,
    example,
    from_mapping,
    load,
)
from mfa_kit.training import TRAINING_INSTANT, TRAINING_LOGIN

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "tickets" / "examples").glob("*.yaml"))

VALID = {
    "id": "T-1",
    "login": "jordan.lee",
    "typed_at": "2026-01-15T09:00:00Z",
    "symptom": "code rejected",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ticket.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_there_is_an_example_ticket_for_each_common_verdict():
    verdicts = {load(path).expected_verdict for path in EXAMPLES}
    assert verdicts >= {
        "CLOCK_DRIFT",
        "TIME_ZONE",
        "REUSED_CODE",
        "PENDING_NOT_SAVED",
        "PREVIOUS_SECRET",
        "LOCKED",
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_tickets_load_with_an_aware_time_and_an_expected_verdict(path):
    ticket = load(path)
    assert ticket.typed_at.utcoffset() is not None
    assert ticket.expected_verdict
    assert ticket.login == TRAINING_LOGIN


def test_a_minimal_ticket_gets_the_documented_defaults():
    ticket = from_mapping(VALID)
    assert ticket == Ticket(
        id="T-1",
        login="jordan.lee",
        typed_at=TRAINING_INSTANT,
        symptom=Symptom.CODE_REJECTED,
    )
    assert ticket.reported_code is None
    assert ticket.read_entry is EntryRead.NEWEST
    assert ticket.mfa_enabled_by_agent and ticket.setup_saved
    assert ticket.profile.period == 30


def test_a_local_time_with_an_offset_is_the_same_instant():
    ticket = from_mapping({**VALID, "typed_at": "2026-01-15T10:00:00+01:00"})
    assert ticket.typed_at == TRAINING_INSTANT
    assert ticket.typed_at.utcoffset() == timedelta(hours=1)


def test_yaml_timestamps_and_quoted_codes_are_read_as_written(tmp_path):
    ticket = load(
        write(
            tmp_path,
            "id: T-2\nlogin: jordan.lee\ntyped_at: 2026-01-15T09:00:00Z\n"
            "symptom: Log in with Google\nreported_code: '012 345'\nread_entry: other_account\n"
            "other_account: sam.patel\nexpected_verdict: google_login\n",
        )
    )
    assert ticket.typed_at == TRAINING_INSTANT
    assert ticket.symptom is Symptom.GOOGLE_LOGIN
    assert ticket.reported_code == "012 345"  # kept as typed: the diagnosis judges it
    assert ticket.read_entry is EntryRead.OTHER_ACCOUNT
    assert ticket.expected_verdict == "GOOGLE_LOGIN"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_parameters_round_trip_through_the_notebook(path):
    ticket = load(path)
    parameters = ticket.parameters()
    assert tuple(parameters) == Ticket.parameter_names()
    assert isinstance(parameters["typed_at"], str) and isinstance(parameters["symptom"], str)
    assert Ticket.from_parameters(parameters) == ticket


def test_tickets_are_frozen():
    ticket = example()
    with pytest.raises(AttributeError):
        ticket.login = "someone.else"  # type: ignore[misc]


# every mistake: one line naming the field


@pytest.mark.parametrize("name", REQUIRED)
def test_each_missing_required_field_is_named(name):
    data = {key: value for key, value in VALID.items() if key != name}
    with pytest.raises(TicketError, match=rf"^missing field '{name}' \(required: id, login"):
        from_mapping(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"typed_at": "2026-01-15T09:00:00"},
            "typed_at 2026-01-15T09:00:00 has no time zone: add Z",
        ),
        ({"typed_at": datetime(2026, 1, 15, 9)}, "typed_at 2026-01-15T09:00:00 has no time zone"),
        ({"typed_at": TRAINING_INSTANT.date()}, "typed_at 2026-01-15 is a date: add the time"),
        ({"typed_at": "yesterday"}, "typed_at 'yesterday' is not an ISO 8601 time"),
        ({"typed_at": 1768467600}, "typed_at must be an ISO 8601 time with a zone, not a number"),
        (
            {"typed_at": "1970-01-01T00:00:10Z"},
            "typed_at 1970-01-01T00:00:10+00:00 is out of range: it must be in the years 1971 "
            "to 9998",
        ),
        (
            {"typed_at": "9999-12-31T23:59:59Z"},
            "typed_at 9999-12-31T23:59:59+00:00 is out of range",
        ),
        ({"typed_at": "0001-01-01T00:00:00+01:00"}, "typed_at 0001-01-01T00:00:00+01:00 is out"),
        ({"reported_code": 12345}, "reported_code must be quoted text like '012345'"),
        ({"reported_code": True}, "reported_code must be quoted text"),
        ({"reported_code": "1" * 40}, "reported_code must be at most 32 printable characters"),
        ({"symptom": "it broke"}, "symptom 'it broke' is not one of 'code rejected'"),
        ({"symptom": 3}, "symptom must be text, not a number"),
        ({"read_entry": "middle"}, "read_entry 'middle' is not one of 'newest'"),
        (
            {"phone_clock_offset_seconds": "150"},
            "phone_clock_offset_seconds must be a whole number",
        ),
        ({"phone_clock_offset_seconds": 1.5}, "phone_clock_offset_seconds must be a whole number"),
        ({"phone_clock_offset_seconds": True}, "phone_clock_offset_seconds must be a whole number"),
        ({"phone_clock_offset_seconds": 10**9}, "phone_clock_offset_seconds must be between"),
        ({"seconds_before_typing": -5}, "seconds_before_typing cannot be negative"),
        ({"failed_attempts_before": 6}, "failed_attempts_before must be between 0 and 5"),
        ({"portal_period_seconds": 0}, "portal_period_seconds must be between 1 and 3600"),
        ({"agent_reset": "yes please"}, "agent_reset must be true or false"),
        ({"login": "jordan lee"}, "login 'jordan lee' must be a Login Name without spaces"),
        ({"login": "a:b"}, "login 'a:b' must be a Login Name without spaces or colons"),
        ({"login": "a" * 65}, "login must be at most 64 characters"),
        ({"id": "../etc/passwd"}, "id '../etc/passwd' must be 1-64 letters, digits"),
        ({"id": True}, "id True must be 1-64 letters"),
        ({"expected_verdict": "BROKEN"}, "expected_verdict 'BROKEN' is not one of VALID_NOW"),
        ({"phone_offset": 5}, "unknown field 'phone_offset'; the fields are: id, login"),
        ({"read_entry": "other account"}, "read_entry 'other account' needs other_account"),
        ({"other_account": "jordan.lee"}, "other_account must differ from login"),
        ({"setup_saved": False, "rescanned_qr": True}, "rescanned_qr means a saved setup"),
        ({"mfa_enabled_by_agent": False}, "with mfa_enabled_by_agent false there is no setup"),
        (
            {"setup_saved": False, "code_used_before": True},
            "code_used_before needs a saved setup",
        ),
    ],
)
def test_each_invalid_field_gets_one_sentence_naming_it(change, message):
    with pytest.raises(TicketError) as problem:
        from_mapping({**VALID, **change})
    text = str(problem.value)
    assert text.startswith(message)
    assert "\n" not in text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: [unclosed\n", "not valid YAML at line 2"),
        ("", "the file is empty"),
        ("- just\n- a list\n", "a ticket is a set of 'field: value' lines"),
        ("id: T-1\nlogin: jordan.lee\nsymptom: code rejected\n", "missing field 'typed_at'"),
        (
            "id: T-1\nlogin: jordan.lee\nsymptom: code rejected\ntyped_at: 2026-01-15T09:00:00\n",
            "typed_at 2026-01-15T09:00:00 has no time zone",
        ),
        (
            "id: T-1\nlogin: jordan.lee\nsymptom: code rejected\n"
            "typed_at: 2026-01-15T09:00:00+25:00\n",
            "typed_at 2026-01-15T09:00:00+25:00 is not a real time: check the date, and that the "
            "zone offset is under 24 hours",
        ),
        (
            "id: T-1\nlogin: jordan.lee\nsymptom: code rejected\ntyped_at: 2026-02-30T09:00:00Z\n",
            "typed_at 2026-02-30T09:00:00Z is not a real time",
        ),
        (
            "id: T-1\nlogin: jordan.lee\nsymptom: code rejected\ntyped_at: 1970-01-01T00:00:10Z\n",
            "typed_at 1970-01-01T00:00:10+00:00 is out of range",
        ),
    ],
)
def test_file_problems_name_the_file(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(TicketError) as problem:
        load(path)
    assert str(problem.value).startswith(f"{path}: {message}")
    assert "\n" not in str(problem.value)


def test_a_missing_or_unreadable_file_is_a_ticket_error(tmp_path):
    with pytest.raises(TicketError, match="no such file"):
        load(tmp_path / "nope.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00id")
    with pytest.raises(TicketError, match="cannot read it"):
        load(binary)


def test_a_time_in_another_zone_keeps_its_zone():
    ticket = from_mapping({**VALID, "typed_at": "2026-01-15T04:00:00-05:00"})
    assert ticket.typed_at == datetime(2026, 1, 15, 9, tzinfo=UTC)
    assert ticket.parameters()["typed_at"] == "2026-01-15T04:00:00-05:00"


# hostile ticket files: each refused fast, with one line naming the file and the rule

HEADER = "id: T-9\nlogin: jordan.lee\nsymptom: code rejected\ntyped_at: '2026-01-15T09:00:00Z'\n"

HOSTILE = {
    "too-large": (
        HEADER + "summary: '" + "x" * MAX_TICKET_BYTES + "'\n",
        "is too large (1,048,",
    ),
    "duplicate-key": (HEADER + "login: sam.patel\n", "duplicate key 'login' at line 5: each field"),
    "duplicate-quoted-key": (HEADER + "'id': T-10\n", "duplicate key 'id' at line 5"),
    "long-integer": (
        HEADER + "failed_attempts_before: " + "9" * 5000 + "\n",
        "a whole number of 5,000 digits at line 5: numbers in a ticket have at most 20 digits",
    ),
    "long-hex-integer": (
        HEADER + "failed_attempts_before: 0x" + "f" * 30 + "\n",
        "a whole number of 30 digits at line 5",
    ),
    "deep-flow": (
        HEADER + "summary: " + "[" * 5000 + "]" * 5000 + "\n",
        "nested deeper than 20 levels at line 5",
    ),
    "deep-block": (
        HEADER + "summary:\n" + "".join("  " * i + "-\n" for i in range(1, 30)),
        "nested deeper than 20 levels at line 25",
    ),
    "tag": (
        HEADER + "summary: !!python/object/apply:os.system ['true']\n",
        "YAML tag tag:yaml.org,2002:python/object/apply:os.system at line 5: tags are not",
    ),
    "plain-tag": (HEADER + "summary: !!str words\n", "YAML tag tag:yaml.org,2002:str at line 5"),
    "anchor-and-alias": (
        "x: &words 'refused'\n" + HEADER + "summary: *words\n",
        "YAML anchor &words at line 1: anchors and aliases are not allowed in a ticket",
    ),
    "alias-bomb": (
        'a: &a ["lol", "lol"]\nb: [*a, *a, *a]\n',
        "YAML anchor &a at line 1: anchors and aliases",
    ),
    "merge-key": (HEADER + "<<: {summary: merged}\n", "YAML merge key << at line 5"),
    "many-values": (
        HEADER + "summary: [" + ", ".join(["1"] * 200_000) + "]\n",
        "more than 1,000 keys and values at line 5",
    ),
    "many-keys": (
        HEADER + "".join(f"k{i}: 1\n" for i in range(100_000)),
        "more than 1,000 keys and values at line 500",
    ),
    "long-summary": (HEADER + "summary: '" + "x" * 5000 + "'\n", "summary must be at most 2000"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_ticket_is_refused_fast_with_one_line(tmp_path, kind):
    text, message = HOSTILE[kind]
    path = write(tmp_path, text)
    started = time.process_time()
    with pytest.raises(TicketError) as problem:
        load(path)
    assert time.process_time() - started < 1.0
    assert str(problem.value).startswith(f"{path}: {message}")
    assert "\n" not in str(problem.value)


def test_a_ticket_of_exactly_the_limit_is_read_and_one_byte_more_is_not(tmp_path):
    padding = MAX_TICKET_BYTES - len(HEADER.encode()) - 1
    path = write(tmp_path, HEADER + "#" * padding + "\n")
    assert path.stat().st_size == MAX_TICKET_BYTES
    assert load(path).id == "T-9"
    path.write_text(HEADER + "#" * (padding + 1) + "\n", encoding="utf-8")
    with pytest.raises(TicketError, match=r"is too large \(1,048,577 bytes\)"):
        load(path)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "ticket.yaml"
    os.mkfifo(fifo)
    started = time.process_time()
    with pytest.raises(TicketError) as problem:
        load(fifo)
    assert time.process_time() - started < 1.0
    assert str(problem.value) == (
        f"{fifo}: is a FIFO (named pipe), not a ticket file: a ticket must be a regular file"
    )


def test_a_fifo_swapped_in_after_the_look_is_refused_without_blocking(tmp_path, monkeypatch):
    # The look (os.stat) sees a regular file; what is opened is a FIFO with no writer.
    fifo = tmp_path / "ticket.yaml"
    os.mkfifo(fifo)
    regular = os.stat(__file__)
    real_stat = os.stat
    monkeypatch.setattr(
        "mfa_kit.ticket.os.stat", lambda p, *a, **k: regular if p == fifo else real_stat(p)
    )
    started = time.process_time()
    with pytest.raises(TicketError, match="is a FIFO"):
        load(fifo)
    assert time.process_time() - started < 1.0


@pytest.mark.parametrize(
    ("path", "kind"), [("/dev/zero", "a character device"), ("/dev/null", "a character device")]
)
def test_a_device_is_refused_before_it_is_read(path, kind):
    if not Path(path).exists():
        pytest.skip(f"{path} does not exist here")
    with pytest.raises(TicketError) as problem:
        load(path)
    assert str(problem.value) == (
        f"{path}: is {kind}, not a ticket file: a ticket must be a regular file"
    )


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(TicketError, match=r"is a folder, not a ticket file"):
        load(tmp_path)


def test_short_numbers_and_plain_keys_still_load(tmp_path):
    ticket = load(
        write(
            tmp_path,
            HEADER
            + "failed_attempts_before: 00000000000000000003\n"  # 20 digits: allowed
            + "phone_clock_offset_seconds: -150\n",
        )
    )
    assert (ticket.failed_attempts_before, ticket.phone_clock_offset_seconds) == (3, -150)


# the customer's time zone


@pytest.mark.parametrize("name", ["Asia/Kolkata", "UTC", "America/Argentina/Buenos_Aires"])
def test_a_customer_timezone_is_an_iana_name(name):
    assert from_mapping({**VALID, "customer_timezone": name}).customer_timezone == name


@pytest.mark.parametrize(
    "name", ["Mars/Olympus", "asia/kolkata", "../../etc/passwd", "/etc/localtime", "Europe", ""]
)
def test_a_customer_timezone_that_is_no_zone_is_refused(name):
    with pytest.raises(TicketError) as problem:
        from_mapping({**VALID, "customer_timezone": name})
    assert str(problem.value) == (
        f"customer_timezone {name!r} is not a time zone name: use an IANA name such as "
        "Europe/Paris, Asia/Kolkata or UTC"
    )


def test_a_customer_timezone_must_be_text():
    with pytest.raises(TicketError, match="^customer_timezone must be text, not a number$"):
        from_mapping({**VALID, "customer_timezone": 5})
