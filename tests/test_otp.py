"""Secrets, codes, verification windows, typed-code normalisation and otpauth URIs."""

from __future__ import annotations

import base64

import pyotp
import pytest

from mfa_kit.otp import (
    DEFAULT_PROFILE,
    ISSUER,
    Algorithm,
    InvalidSecret,
    InvalidUri,
    MalformedCode,
    Totp,
    TotpProfile,
    build_uri,
    decode_secret,
    format_code,
    generate_secret,
    normalise_code,
    parse_uri,
)
from mfa_kit.training import TRAINING_INSTANT, TRAINING_SECRET

AT = TRAINING_INSTANT.timestamp()


def test_generated_secrets_are_160_bit_base32_without_padding():
    secrets = {generate_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert len(secret) == 32 and "=" not in secret
        assert len(base64.b32decode(secret)) * 8 == 160


def test_codes_agree_with_pyotp_around_the_training_instant():
    totp = Totp(TRAINING_SECRET)
    reference = pyotp.TOTP(TRAINING_SECRET)
    for offset in range(-300, 301, 7):
        assert totp.at(AT + offset) == reference.at(AT + offset)


def test_verify_returns_the_matched_step_within_one_step_either_side():
    totp = Totp(TRAINING_SECRET)
    now_step = totp.step(AT)
    for delta in (-1, 0, 1):
        assert totp.verify(totp.code_for_step(now_step + delta), AT) == now_step + delta
    assert totp.verify(totp.code_for_step(now_step - 2), AT) is None
    assert totp.verify(totp.code_for_step(now_step + 2), AT) is None


def test_seconds_left_counts_down_to_the_next_step():
    totp = Totp(TRAINING_SECRET)
    assert totp.seconds_left(AT) == 30
    assert totp.seconds_left(AT + 29) == 1
    assert totp.seconds_left(AT + 30) == 30


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("123456", "123456"),
        ("123 456", "123456"),
        (" 123-456 ", "123456"),
        ("123\u00a0456", "123456"),
    ],
)
def test_typed_codes_are_normalised(typed, expected):
    assert normalise_code(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type the 6-digit code"),
        ("   ", "Type the 6-digit code"),
        ("12345", "this one has 5"),
        ("123456789", "this one has 9"),
        ("12a456", "digits from 0 to 9"),
        ("١٢٣٤٥٦", "digits from 0 to 9"),  # Arabic-Indic digits: isdigit() is True for them
        ("１２３４５６", "digits from 0 to 9"),  # full-width digits
        ("12.456", "digits from 0 to 9"),
    ],
)
def test_malformed_codes_are_refused_with_a_reason(typed, message):
    with pytest.raises(MalformedCode, match=message):
        normalise_code(typed)


def test_eight_digit_profiles_need_eight_digits():
    assert normalise_code("1234 5678", 8) == "12345678"
    with pytest.raises(MalformedCode, match="8 digits long"):
        normalise_code("123456", 8)


def test_codes_are_shown_in_two_groups():
    assert format_code("123456") == "123 456"
    assert format_code("12345678") == "1234 5678"


@pytest.mark.parametrize(
    ("secret", "message"),
    [("", "empty"), ("not base32!", "not valid base32"), ("ABC1", "not valid base32")],
)
def test_bad_secrets_are_refused(secret, message):
    with pytest.raises(InvalidSecret, match=message):
        decode_secret(secret)


def test_secrets_forgive_spaces_case_and_padding():
    spaced = " ".join(TRAINING_SECRET[i : i + 4] for i in range(0, 32, 4)).lower()
    assert decode_secret(spaced) == decode_secret(TRAINING_SECRET + "====")


def test_profile_rejects_digits_outside_six_to_eight():
    with pytest.raises(ValueError, match="digits"):
        TotpProfile(digits=5)
    with pytest.raises(ValueError, match="period"):
        TotpProfile(period=0)


def test_the_uri_follows_googles_key_uri_format():
    uri = Totp(TRAINING_SECRET).uri("jordan.lee")
    assert uri == (f"otpauth://totp/{ISSUER}:jordan.lee?secret={TRAINING_SECRET}&issuer={ISSUER}")
    parsed = pyotp.parse_uri(uri)
    assert parsed.issuer == ISSUER and parsed.name == "jordan.lee"
    assert parsed.at(AT) == Totp(TRAINING_SECRET).at(AT)


def test_non_default_profiles_are_written_into_the_uri_and_read_back():
    profile = TotpProfile(Algorithm.SHA256, 8, 60)
    parsed = parse_uri(build_uri(TRAINING_SECRET, "a@b.example", profile=profile))
    assert parsed.profile() == profile
    assert parsed.account == "a@b.example" and parsed.label_issuer == ISSUER
    assert parse_uri(Totp(TRAINING_SECRET).uri("x")).profile() == DEFAULT_PROFILE


def test_colons_cannot_enter_a_label():
    with pytest.raises(InvalidUri, match="colon"):
        build_uri(TRAINING_SECRET, "jordan:lee")


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("https://example.com", "not an otpauth"),
        ("otpauth://hotp/SpectrumVoIP:x?secret=ABCD", "not a time-based"),
        ("otpauth://totp/SpectrumVoIP:x?issuer=SpectrumVoIP", "no secret"),
        ("otpauth://totp/?secret=ABCD", "no account"),
        ("", "not an otpauth"),
    ],
)
def test_unusable_uris_are_refused_with_a_reason(uri, message):
    with pytest.raises(InvalidUri, match=message):
        parse_uri(uri)


def test_spaces_in_the_label_survive_a_round_trip():
    parsed = parse_uri(build_uri(TRAINING_SECRET, "Jordan Lee"))
    assert parsed.account == "Jordan Lee"
    assert "Jordan%20Lee" in parsed.uri


def test_match_finds_the_first_matching_step_in_a_range_and_none_outside():
    totp = Totp(TRAINING_SECRET)
    centre = totp.step(AT)
    code = totp.code_for_step(centre - 5)
    assert totp.match(code, range(centre - 10, centre)) == centre - 5
    assert totp.match(code, range(centre - 4, centre + 5)) is None
    assert totp.match(code, range(0)) is None


def test_there_is_no_code_before_1970_and_windows_near_it_shrink():
    totp = Totp(TRAINING_SECRET)
    with pytest.raises(ValueError, match="no code before 1970"):
        totp.at(-1)
    assert totp.verify(totp.at(5), 5) == 0  # step -1 is simply not in the window
    assert totp.match(totp.at(0), range(-10, 1)) == 0


def test_a_broken_secret_never_reaches_a_uri():
    with pytest.raises(InvalidSecret):
        build_uri("JBSW&issuer=Evil", "jordan.lee")
    with pytest.raises(InvalidUri, match="may not be empty"):
        build_uri(TRAINING_SECRET, "")
