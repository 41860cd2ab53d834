"""The simulated Google Authenticator: scanning is a real decode, and it has its own clock."""

from __future__ import annotations

import pytest

from mfa_kit import qr
from mfa_kit.authenticator import GOOGLE_AUTHENTICATOR, STRICT_APP, Authenticator
from mfa_kit.clock import SkewedClock
from mfa_kit.otp import (
    DEFAULT_PROFILE,
    InvalidSecret,
    InvalidUri,
    Totp,
    TotpProfile,
    build_uri,
)
from mfa_kit.training import TRAINING_SECRET

URI = build_uri(TRAINING_SECRET, "jordan.lee")


def test_scanning_lists_the_account_under_spectrumvoip(clock):
    phone = Authenticator(clock)
    entry = phone.scan_qr_code(qr.png_bytes(URI))
    assert (entry.issuer, entry.account, entry.name) == (
        "SpectrumVoIP",
        "jordan.lee",
        "SpectrumVoIP (jordan.lee)",
    )
    assert entry.code() == Totp(TRAINING_SECRET).at(clock.now())
    assert entry.seconds_left() == 30
    clock.advance(12)
    assert entry.seconds_left() == 18


def test_a_picture_without_a_qr_code_adds_nothing(clock):
    import io

    from PIL import Image

    blank = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(blank, format="PNG")
    phone = Authenticator(clock)
    with pytest.raises(qr.QrDecodeError, match="no QR code"):
        phone.scan_qr_code(blank.getvalue())
    assert phone.entries == []


def test_a_qr_code_that_is_not_an_otpauth_uri_adds_nothing(clock):
    phone = Authenticator(clock)
    with pytest.raises(InvalidUri):
        phone.scan_qr_code(qr.png_bytes("https://www.example.com/"))
    assert phone.entries == []


def test_setup_key_entry_forgives_spaces_and_refuses_typos(clock):
    phone = Authenticator(clock)
    spaced = " ".join(TRAINING_SECRET[i : i + 4] for i in range(0, 32, 4)).lower()
    entry = phone.enter_setup_key("jordan.lee", spaced)
    assert entry.code() == Totp(TRAINING_SECRET).at(clock.now())
    with pytest.raises(InvalidSecret):
        phone.enter_setup_key("jordan.lee", "JBSWY3DPEHPK3PX1")  # 1 is not base32
    assert len(phone.entries) == 1


def test_a_phone_clock_that_runs_ahead_shows_a_later_code(clock):
    phone = Authenticator(SkewedClock(clock, +90))
    entry = phone.add_uri(URI)
    assert entry.code() == Totp(TRAINING_SECRET).at(clock.now() + 90)


def test_google_authenticator_ignores_a_60_second_period_a_strict_app_does_not(clock):
    uri = build_uri(TRAINING_SECRET, "jordan.lee", profile=TotpProfile(period=60, digits=8))
    assert Authenticator(clock, GOOGLE_AUTHENTICATOR).add_uri(uri).profile == DEFAULT_PROFILE
    assert Authenticator(clock, STRICT_APP).add_uri(uri).profile == TotpProfile(period=60, digits=8)


def test_scanning_twice_keeps_two_entries_like_the_real_app(clock):
    phone = Authenticator(clock)
    phone.add_uri(URI)
    phone.add_uri(URI)
    assert len(phone.find("jordan.lee")) == 2


def test_delete_takes_off_exactly_that_entry_even_among_identical_ones(clock):
    phone = Authenticator(clock)
    first = phone.add_uri(URI)
    second = phone.add_uri(URI)
    assert first == second  # the same QR code scanned twice

    phone.delete(second)

    assert len(phone.entries) == 1 and phone.entries[0] is first


def test_deleting_an_entry_that_is_not_on_the_phone_changes_nothing(clock):
    phone = Authenticator(clock)
    kept = phone.add_uri(URI)
    other = Authenticator(clock).add_uri(URI)

    with pytest.raises(ValueError, match="SpectrumVoIP \\(jordan.lee\\) is not on this phone"):
        phone.delete(other)

    assert phone.entries == [kept] and phone.entries[0] is kept
