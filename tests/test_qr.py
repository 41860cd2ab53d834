"""QR round trip through a real decoder: URI → PNG/SVG → zxing-cpp → the same URI."""

from __future__ import annotations

import pyotp
import pytest

from mfa_kit import qr
from mfa_kit.otp import Totp, build_uri, generate_secret

from .conftest import run_mfa_kit


@pytest.mark.parametrize("account", ["jordan.lee", "a.very.long.login.name@customer.example"])
def test_png_round_trip_gives_back_the_same_uri(account):
    uri = build_uri(generate_secret(), account)
    decoded = qr.decode(qr.png_bytes(uri))
    assert decoded == uri
    parsed = pyotp.parse_uri(decoded)
    assert parsed.name == account and parsed.issuer == "SpectrumVoIP"


def test_svg_and_png_files_are_written_and_the_png_decodes(tmp_path):
    uri = Totp(generate_secret()).uri("jordan.lee")
    png = qr.write(uri, tmp_path / "code.png")
    svg = qr.write(uri, tmp_path / "code.svg")
    assert qr.decode(png) == uri
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))


def test_unknown_file_types_are_refused(tmp_path):
    with pytest.raises(ValueError, match="use .png or .svg"):
        qr.write("otpauth://totp/x?secret=AAAA", tmp_path / "code.gif")
    assert not (tmp_path / "code.gif").exists()


def test_bytes_that_are_not_a_picture_are_reported(tmp_path):
    with pytest.raises(qr.QrDecodeError, match="not a picture"):
        qr.decode(b"plain text")


HUGE_HEADER = b"P6 99999 99999 255\n" + b"\0" * 64  # claims ten billion pixels, holds 21


@pytest.mark.parametrize("header", [HUGE_HEADER, b"P6 10000 10000 255\n" + b"\0" * 64])
def test_a_picture_claiming_too_many_pixels_is_refused_before_it_is_read(header):
    # The first is past PIL's own bomb limit (it refuses to open it); the second only past
    # the warning limit, which decode() also treats as too large.
    with pytest.raises(qr.QrDecodeError, match="^the picture is too large to read: crop"):
        qr.decode(header)


def test_scan_of_a_huge_picture_fails_with_one_line_and_exit_1(tmp_path):
    picture = tmp_path / "huge.ppm"
    picture.write_bytes(HUGE_HEADER)
    result = run_mfa_kit("scan", str(picture))
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"mfa-kit scan: {picture}: the picture is too large to read: crop or shrink it to the "
        "QR code"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.ppm"]
    assert picture.read_bytes() == HUGE_HEADER


def test_terminal_rendering_has_the_quiet_zone():
    text = qr.terminal_text("otpauth://totp/SpectrumVoIP:a?secret=AAAA")
    lines = text.splitlines()
    assert len(lines) >= 10 and all(len(line) == len(lines[0]) for line in lines)
