"""mfa-kit diagnose and mfa-kit lint as a script calls them: real processes, exit codes, stderr."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import FixedClock, SkewedClock
from mfa_kit.otp import Totp, TotpProfile, build_uri
from mfa_kit.portal import Portal
from mfa_kit.store import Store
from mfa_kit.training import (
    TRAINING_DISPLAY_NAME,
    TRAINING_INSTANT,
    TRAINING_LOGIN,
    TRAINING_PASSWORD,
    TRAINING_SECRET,
    TrainingSecrets,
)

from .conftest import TRAINING_AT_ISO, diagnose_secret
from .conftest import run_mfa_kit as run

AT = TRAINING_INSTANT.timestamp()


def assert_usage_error(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert words in lines[0]


# --- secret mode ---------------------------------------------------------------------------


def test_secret_mode_json_reports_verdict_and_signed_offset():
    code = Totp(TRAINING_SECRET).at(AT + 600)
    result = diagnose_secret(code, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["verdict"] == "CLOCK_DRIFT"
    assert (data["offset_steps"], data["offset_seconds"]) == (20, 600)
    assert "10 minutes ahead" in data["explanation"]
    assert data["fix"]
    assert TRAINING_SECRET not in result.stdout and code not in result.stdout


def test_secret_mode_text_names_the_verdict_and_the_offset():
    code = Totp(TRAINING_SECRET).at(AT - 3_600)
    result = diagnose_secret(code)
    assert result.returncode == 0, result.stderr
    assert "(TIME_ZONE)" in result.stdout
    assert "Offset: -120 time steps (-3600 s" in result.stdout
    assert "What to do:" in result.stdout


def test_window_limits_the_search():
    code = Totp(TRAINING_SECRET).at(AT + 2 * 3_600)
    found = diagnose_secret(code, "--window", "3h", "--json")
    missed = diagnose_secret(code, "--window", "90m", "--json")
    assert json.loads(found.stdout)["offset_seconds"] == 7_200
    assert json.loads(missed.stdout)["verdict"] == "NO_MATCH"


def test_profile_arguments_find_google_authenticator_ignoring_the_period():
    profile = TotpProfile(period=60)
    uri = build_uri(TRAINING_SECRET, TRAINING_LOGIN, profile=profile)
    code = Authenticator(FixedClock(TRAINING_INSTANT)).add_uri(uri).code()
    result = diagnose_secret(code, "--period", "60", "--json")
    assert json.loads(result.stdout)["verdict"] == "APP_IGNORES_PROFILE"


@pytest.mark.parametrize(
    "code, words",
    [
        ("", "Nothing was typed"),
        ("abcdef", "other than the digits 0 to 9"),
        ("12345", "has 5 digits"),
        ("123456789", "has 9 digits"),
        ("\u0661\u0662\u0663\u0664\u0665\u0666", "another script"),
    ],
)
def test_a_code_that_cannot_be_a_code_is_a_malformed_diagnosis_and_exit_1(code, words):
    result = diagnose_secret(code)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert "(MALFORMED)" in result.stdout and words in result.stdout
    as_json = diagnose_secret(code, "--json")
    assert as_json.returncode == 1
    data = json.loads(as_json.stdout)
    assert data["verdict"] == "MALFORMED" and words in data["explanation"]
    assert [c["verdict"] for c in data["causes"]] == ["MALFORMED"]


@pytest.mark.parametrize(
    "args, words",
    [
        (["--secret", "not base32!", "--code", "123456"], "not valid base32"),
        (
            ["--secret", TRAINING_SECRET, "--code", "123456", "--at", "2026-01-15T09:00:00"],
            "no time zone",
        ),
        (
            ["--secret", TRAINING_SECRET, "--code", "123456", "--at", "yesterday"],
            "cannot read the time",
        ),
        (
            ["--secret", TRAINING_SECRET, "--code", "123456", "--at", "99999999999999"],
            "1970",
        ),
        (
            ["--secret", TRAINING_SECRET, "--code", "123456", "--window", "a day"],
            "cannot read the window",
        ),
        (["--secret", TRAINING_SECRET, "--code", "123456", "--window", "999d"], "too long"),
        (
            ["--secret", TRAINING_SECRET, "--code", "123456", "--window", "9" * 20 + "d"],
            "too long",
        ),
        (["--secret", TRAINING_SECRET, "--code", "123456", "--window", "1" * 5000], "too long"),
        (["--secret", TRAINING_SECRET, "--code", "123456", "--digits", "5"], "digits must"),
        (["--secret", TRAINING_SECRET], "--code"),
        (["--secret", TRAINING_SECRET, "--code", "123456", "--db", "x.sqlite3"], "portal mode"),
        (["--login", TRAINING_LOGIN, "--code", "123456", "--period", "60"], "secret mode"),
        (["--code", "123456"], "--secret"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args, words):
    assert_usage_error(run("diagnose", *args), words)


def test_the_secret_is_never_echoed_in_an_error():
    result = run("diagnose", "--secret", "JBSWY3DP!SECRETISH", "--code", "123456")
    assert_usage_error(result, "base32")
    assert "SECRETISH" not in result.stderr


# --- portal mode ---------------------------------------------------------------------------


@pytest.fixture
def portal_db(tmp_path: Path) -> Path:
    """A practice-portal file with the training user enrolled at the training instant."""
    path = tmp_path / "portal.sqlite3"
    clock = FixedClock(TRAINING_INSTANT)
    with Store(path) as store:
        portal = Portal(store, clock, secret_factory=TrainingSecrets())
        portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_DISPLAY_NAME)
        portal.enable_mfa(TRAINING_LOGIN)
        setup = portal.start_authenticator_setup(TRAINING_LOGIN)
        entry = Authenticator(clock).add_uri(setup.uri)
        portal.save_security_settings(TRAINING_LOGIN, entry.code(), TRAINING_PASSWORD)
    return path


def diagnose_portal(db: Path, code: str, *options: str) -> subprocess.CompletedProcess[str]:
    """``mfa-kit diagnose --login``: the training user in ``db`` and ``code`` at the training
    instant."""
    return run(
        "diagnose",
        "--login",
        TRAINING_LOGIN,
        "--code",
        code,
        "--at",
        TRAINING_AT_ISO,
        "--db",
        str(db),
        *options,
    )


def snapshot(path: Path):
    with Store(path) as store:
        return store.account(TRAINING_LOGIN), store.audit()


def test_portal_mode_reads_the_database_and_changes_nothing(portal_db):
    before = snapshot(portal_db)
    fast = Authenticator(SkewedClock(FixedClock(TRAINING_INSTANT), 7 * 60))
    code = fast.enter_setup_key(TRAINING_LOGIN, TRAINING_SECRET).code()
    result = diagnose_portal(portal_db, code, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["verdict"] == "CLOCK_DRIFT"
    assert (data["offset_steps"], data["offset_seconds"]) == (14, 420)
    assert snapshot(portal_db) == before


def test_portal_mode_sees_the_saved_code_as_reused(portal_db):
    code = Totp(TRAINING_SECRET).at(AT)
    result = diagnose_portal(portal_db, code, "--json")
    assert json.loads(result.stdout)["verdict"] == "REUSED_CODE"


def test_portal_mode_google_symptom(portal_db):
    result = diagnose_portal(portal_db, "123456", "--symptom", "google", "--json")
    assert json.loads(result.stdout)["verdict"] == "GOOGLE_LOGIN"


def test_unknown_login_is_one_line_and_exit_2(portal_db):
    before = snapshot(portal_db)
    result = run("diagnose", "--login", "nobody.here", "--code", "123456", "--db", str(portal_db))
    assert_usage_error(result, "There is no account with the Login Name 'nobody.here'")
    assert snapshot(portal_db) == before


def test_missing_database_is_reported_and_not_created(tmp_path):
    missing = tmp_path / "nowhere" / "portal.sqlite3"
    result = run("diagnose", "--login", TRAINING_LOGIN, "--code", "123456", "--db", str(missing))
    assert_usage_error(result, "no practice-portal database at")
    assert not missing.exists() and not missing.parent.exists()


def test_default_database_comes_from_mfa_kit_db_and_is_not_created(tmp_path):
    missing = tmp_path / "env-portal.sqlite3"
    result = run(
        "diagnose", "--login", TRAINING_LOGIN, "--code", "123456", env={"MFA_KIT_DB": str(missing)}
    )
    assert_usage_error(result, str(missing))
    assert not missing.exists()


@pytest.mark.parametrize("content", [b"", b"this is not a database at all" * 100])
def test_a_file_that_is_not_a_portal_is_one_line_and_exit_2(tmp_path, content):
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(content)
    result = run("diagnose", "--login", TRAINING_LOGIN, "--code", "123456", "--db", str(path))
    assert_usage_error(result, "not a practice-portal database")
    assert path.read_bytes() == content


def test_a_foreign_sqlite_file_is_refused_and_left_exactly_as_it_was(tmp_path):
    path = tmp_path / "notes.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
    db.close()
    before = path.read_bytes()
    result = run("diagnose", "--login", TRAINING_LOGIN, "--code", "123456", "--db", str(path))
    assert_usage_error(result, "is not a practice-portal database of this mfa-kit (schema 0")
    assert path.read_bytes() == before
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master")]
        assert tables == ["notes"]
        assert db.execute("PRAGMA user_version").fetchone()[0] == 0
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    db.close()


# --- arguments that are not text ---------------------------------------------------------


def run_bytes(*args: str | bytes, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``mfa-kit ARGS`` where an argument may be raw bytes, as a shell passes $'al\\xffice'."""
    return subprocess.run(
        [sys.executable, "-m", "mfa_kit", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


@pytest.mark.parametrize(
    "args, words",
    [
        (["uri", "--login", b"al\xffice", "--secret", TRAINING_SECRET], "after --login"),
        (["code", "--secret", b"JBSWY3DP\xff"], "after --secret"),
        (["lint", b"otpauth://totp/a?secret=JBSWY3DP\xff"], "argument 2"),
        (["diagnose", "--secret", TRAINING_SECRET, "--code", b"12345\xff"], "after --code"),
    ],
)
def test_arguments_that_are_not_utf8_are_one_line_and_exit_2(args, words):
    result = run_bytes(*args)
    assert_usage_error(result, f"{words} is not valid text (UTF-8)")
    assert "JBSWY3DP" not in result.stderr  # the value itself (perhaps a secret) is not echoed


def test_a_login_that_is_not_utf8_leaves_the_portal_and_the_disk_unchanged(portal_db, tmp_path):
    before = snapshot(portal_db)
    out = tmp_path / "out"
    out.mkdir()
    result = run_bytes(
        "diagnose", "--login", b"a\xff", "--code", "123456", "--db", str(portal_db), cwd=out
    )
    assert_usage_error(result, "the value after --login is not valid text (UTF-8)")
    assert snapshot(portal_db) == before
    qr = run_bytes("qr", b"otpauth://totp/\xff?secret=JBSWY3DP", "-o", "x.png", cwd=out)
    assert_usage_error(qr, "argument 2 is not valid text (UTF-8)")
    assert list(out.iterdir()) == []


# --- lint ----------------------------------------------------------------------------------


def test_lint_of_a_clean_uri_exits_0():
    result = run("lint", build_uri(TRAINING_SECRET, TRAINING_LOGIN))
    assert result.returncode == 0
    assert result.stdout.startswith("No findings")


def test_lint_with_findings_exits_1_and_lists_them():
    uri = build_uri(TRAINING_SECRET, TRAINING_LOGIN, profile=TotpProfile(period=60))
    result = run("lint", uri + "==")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith("error: period=60")
    as_json = run("lint", uri, "--json")
    assert as_json.returncode == 1
    assert [f["check"] for f in json.loads(as_json.stdout)["findings"]] == ["period-ignored"]


def test_lint_of_a_number_with_thousands_of_digits_is_a_finding_and_exit_1():
    result = run("lint", f"otpauth://totp/A:b?secret={TRAINING_SECRET}&digits={'1' * 5000}")
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines()[0] == (
        f"error: digits={'1' * 20}… (5000 characters) is far too large to be a number of digits."
    )
    assert "Traceback" not in result.stdout


@pytest.mark.parametrize(
    "uri, words",
    [
        ("https://example.com/", "not an otpauth:// URI"),
        ("otpauth://totp/jordan", "no secret"),
        ("", "not an otpauth:// URI"),
    ],
)
def test_lint_of_a_malformed_uri_is_one_line_and_exit_2(uri, words):
    assert_usage_error(run("lint", uri), words)


def test_a_login_name_in_capitals_is_the_same_account(portal_db):
    fast = Authenticator(SkewedClock(FixedClock(TRAINING_INSTANT), 7 * 60))
    code = fast.enter_setup_key(TRAINING_LOGIN, TRAINING_SECRET).code()
    result = run(
        "diagnose", "--login", TRAINING_LOGIN.upper(), "--code", code, "--at", TRAINING_AT_ISO,
        "--db", str(portal_db), "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == "CLOCK_DRIFT"


def test_a_near_miss_login_name_is_named(portal_db):
    before = snapshot(portal_db)
    result = run("diagnose", "--login", "jordan.le", "--code", "123456", "--db", str(portal_db))
    assert_usage_error(result, "There is no account with the Login Name 'jordan.le'")
    assert result.stderr.rstrip().endswith(f"did you mean {TRAINING_LOGIN}?")
    assert snapshot(portal_db) == before


def test_a_malformed_code_in_portal_mode_is_a_diagnosis_and_exit_1(portal_db):
    before = snapshot(portal_db)
    result = diagnose_portal(portal_db, "12 34", "--json")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["verdict"] == "MALFORMED"
    assert snapshot(portal_db) == before


def test_two_consecutive_codes_on_the_command_line_settle_a_week_off(portal_db):
    totp = Totp(TRAINING_SECRET)
    week = 7 * 86_400
    first, second = totp.at(AT + week), totp.at(AT + week + 30)
    result = diagnose_secret(first, "--code", second, "--json")
    data = json.loads(result.stdout)
    assert [c["verdict"] for c in data["causes"]] == ["CLOCK_DRIFT"]
    assert data["offset_seconds"] == week
    three = diagnose_secret(first, "--code", second, "--code", first)
    assert_usage_error(three, "at most twice")


@pytest.mark.parametrize(
    "value, words", [("soon", "cannot read the phone offset"), ("1e9", "more than a year")]
)
def test_a_bad_phone_offset_is_one_line_and_exit_2(value, words):
    assert_usage_error(diagnose_secret("123456", "--phone-offset", value), words)


def test_the_phone_offset_settles_a_late_code(portal_db):
    code = Totp(TRAINING_SECRET).at(AT - 180)
    late = json.loads(diagnose_secret(code, "--phone-offset", "0", "--json").stdout)
    slow = json.loads(diagnose_secret(code, "--phone-offset", "-180", "--json").stdout)
    unknown = json.loads(diagnose_secret(code, "--json").stdout)
    assert [c["verdict"] for c in late["causes"]] == ["EXPIRED"]
    assert [c["verdict"] for c in slow["causes"]] == ["CLOCK_DRIFT"]
    assert [c["verdict"] for c in unknown["causes"]] == ["CLOCK_DRIFT", "EXPIRED"]


@pytest.mark.parametrize(
    "args, words",
    [
        (["--secret", TRAINING_SECRET, "--code", "123456", "--since", "0"], "portal mode"),
        (["--login", TRAINING_LOGIN, "--code", "123456", "--since", "0"], "without --code"),
        (["--login", TRAINING_LOGIN, "--since", "yesterday"], "cannot read the time"),
    ],
)
def test_since_belongs_to_the_record_without_a_code(portal_db, args, words):
    before = snapshot(portal_db)
    assert_usage_error(run("diagnose", *args, "--db", str(portal_db)), words)
    assert snapshot(portal_db) == before
