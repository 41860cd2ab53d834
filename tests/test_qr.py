"""QR round trip through a real decoder: URI → PNG/SVG → zxing-cpp → the same URI."""

from __future__ import annotations

import pyotp
import pytest

from mfa_kit import qr
from mfa_kit.otp import Totp, build_uri, generate_secret


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


def test_terminal_rendering_has_the_quiet_zone():
    text = qr.terminal_text("otpauth://totp/SpectrumVoIP:a?secret=AAAA")
    lines = text.splitlines()
    assert len(lines) >= 10 and all(len(line) == len(lines[0]) for line in lines)
