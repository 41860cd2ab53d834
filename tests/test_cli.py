"""The mfa-kit command contract: exact outputs; bad input is one line on stderr and exit 2."""

from __future__ import annotations

import pytest

from mfa_kit.otp import ISSUER, Totp, parse_uri
from mfa_kit.training import TRAINING_INSTANT, TRAINING_SECRET

from .conftest import TRAINING_AT_ISO
from .conftest import run_mfa_kit as run

AT = TRAINING_INSTANT.timestamp()


def test_code_prints_the_code_and_nothing_else():
    result = run("code", "--secret", TRAINING_SECRET, "--at", TRAINING_AT_ISO)
    assert result.returncode == 0, result.stderr
    assert result.stdout == Totp(TRAINING_SECRET).at(AT) + "\n"
    assert result.stderr == ""


def test_code_accepts_unix_seconds_and_other_profiles():
    result = run(
        "code", "--secret", TRAINING_SECRET, "--at", "59", "--algorithm", "SHA512", "--digits", "8"
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip()) == 8


def test_uri_for_a_login_follows_the_key_uri_format():
    result = run("uri", "--login", "jordan.lee", "--secret", TRAINING_SECRET)
    assert result.returncode == 0
    assert result.stdout.strip() == (
        f"otpauth://totp/{ISSUER}:jordan.lee?secret={TRAINING_SECRET}&issuer={ISSUER}"
    )


def test_uri_without_a_secret_makes_a_fresh_160_bit_one():
    first = parse_uri(run("uri", "--login", "jordan.lee").stdout)
    second = parse_uri(run("uri", "--login", "jordan.lee").stdout)
    assert len(first.secret) == 32 and first.secret != second.secret


def test_qr_then_scan_round_trips(tmp_path):
    uri = Totp(TRAINING_SECRET).uri("jordan.lee")
    target = tmp_path / "code.png"
    assert run("qr", uri, "-o", str(target)).returncode == 0
    scanned = run("scan", str(target))
    assert scanned.returncode == 0 and scanned.stdout.strip() == uri


def test_scan_of_a_picture_without_a_qr_code_fails_cleanly(tmp_path):
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (120, 120), "white").save(blank)
    result = run("scan", str(blank))
    assert result.returncode == 1
    assert result.stderr.strip().endswith("no QR code found in the picture")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["code", "--secret", "not base32!"], "not valid base32"),
        (["code", "--secret", TRAINING_SECRET, "--at", "2026-01-15T09:00:00"], "no time zone"),
        (["code", "--secret", TRAINING_SECRET, "--at", "yesterday"], "cannot read the time"),
        (["code", "--secret", TRAINING_SECRET, "--at", "-1"], "between 1970 and 9999"),
        (["code", "--secret", TRAINING_SECRET, "--at", "9" * 30], "between 1970 and 9999"),
        (["code", "--secret", TRAINING_SECRET, "--at", "1" * 400], "between 1970 and 9999"),
        (
            ["code", "--secret", TRAINING_SECRET, "--at", "0001-01-01T00:00:00+01:00"],
            "between 1970 and 9999",
        ),
        (["uri", "--login", "", "--secret", TRAINING_SECRET], "may not be empty"),
        (["uri", "--login", "a", "--issuer", "", "--secret", TRAINING_SECRET], "may not be empty"),
        (["code", "--secret", TRAINING_SECRET, "--digits", "5"], "digits must be one of"),
        (["code", "--secret", TRAINING_SECRET, "--algorithm", "md5"], "invalid choice"),
        (["code"], "required: --secret"),
        (["uri", "--login", "jordan:lee", "--secret", TRAINING_SECRET], "colon"),
        (["qr", "https://example.com", "-o", "x.png"], "not a usable otpauth URI"),
        (["qr", f"otpauth://totp/a?secret={TRAINING_SECRET}", "-o", "x.gif"], "use .png or .svg"),
        (["scan", "/no/such/file.png"], "no such file"),
        (["no-such-command"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args, message, tmp_path):
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_version_is_printed():
    from mfa_kit import __version__

    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"mfa-kit {__version__}"


def test_a_closed_output_pipe_ends_quietly_without_a_traceback() -> None:
    # `mfa-kit … | head -c 10`: the reader is gone before the command writes.
    import subprocess
    import sys

    command = [sys.executable, "-m", "mfa_kit", "diagnose", "--secret", TRAINING_SECRET]
    command += ["--code", "123456", "--at", TRAINING_AT_ISO, "--json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert "Traceback" not in errors and errors == ""
