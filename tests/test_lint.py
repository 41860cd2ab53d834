"""The otpauth URI linter: one URI per Google Authenticator pitfall, and a clean one."""

from __future__ import annotations

import pytest

from mfa_kit.lint import MAX_READABLE_QR_VERSION, Severity, lint_uri
from mfa_kit.otp import ISSUER, Algorithm, InvalidUri, TotpProfile, build_uri
from mfa_kit.training import TRAINING_LOGIN, TRAINING_SECRET

CLEAN = build_uri(TRAINING_SECRET, TRAINING_LOGIN)


def checks(uri: str) -> dict[str, Severity]:
    return {f.check: f.severity for f in lint_uri(uri)}


def test_the_portals_own_uri_has_no_findings():
    assert lint_uri(CLEAN) == []


@pytest.mark.parametrize(
    "profile, check",
    [
        (TotpProfile(algorithm=Algorithm.SHA256), "algorithm-ignored"),
        (TotpProfile(digits=8), "digits-ignored"),
        (TotpProfile(period=60), "period-ignored"),
    ],
)
def test_non_default_profile_is_an_error_for_google_authenticator(profile, check):
    found = lint_uri(build_uri(TRAINING_SECRET, TRAINING_LOGIN, profile=profile))
    assert [(f.check, f.severity) for f in found] == [(check, Severity.ERROR)]
    assert "Google Authenticator ignores it" in found[0].message


def test_default_values_written_out_are_fine():
    assert lint_uri(f"{CLEAN}&algorithm=SHA1&digits=6&period=30") == []


@pytest.mark.parametrize(
    "extra, check",
    [
        ("digits=six", "digits-invalid"),
        ("period=0", "period-invalid"),
        ("algorithm=MD5", "algorithm-invalid"),
    ],
)
def test_unreadable_parameters_are_errors(extra, check):
    assert checks(f"{CLEAN}&{extra}") == {check: Severity.ERROR}


@pytest.mark.parametrize("name", ["digits", "period"])
def test_a_number_with_thousands_of_digits_is_an_error_not_a_crash(name):
    found = lint_uri(f"{CLEAN}&{name}={'1' * 5000}")
    # 5000 characters also make a QR code too dense to read: that finding is right too.
    assert [(f.check, f.severity) for f in found] == [
        (f"{name}-invalid", Severity.ERROR),
        ("qr-too-dense", Severity.WARNING),
    ]
    assert (
        found[0].message
        == f"{name}={'1' * 20}… (5000 characters) is far too large to be a number of {name}."
    )


@pytest.mark.parametrize(
    "account", ["al\udcffice", "al%FFice"], ids=["surrogate escape", "percent-escaped byte"]
)
def test_a_label_that_is_not_utf8_is_named_as_such(account):
    found = lint_uri(f"otpauth://totp/{ISSUER}:{account}?secret={TRAINING_SECRET}&issuer={ISSUER}")
    assert [(f.check, f.severity) for f in found] == [("not-utf8", Severity.ERROR)]
    assert "not UTF-8 text" in found[0].message


def test_space_in_the_label_is_a_warning():
    uri = f"otpauth://totp/Spectrum%20VoIP:jordan%20lee?secret={TRAINING_SECRET}&issuer=Spectrum%20VoIP"
    found = lint_uri(uri)
    assert [f.check for f in found] == ["label-space"]
    assert "label issuer, account, issuer parameter" in found[0].message


def test_colon_in_the_account_is_an_error():
    uri = f"otpauth://totp/{ISSUER}:jordan:lee?secret={TRAINING_SECRET}&issuer={ISSUER}"
    assert checks(uri) == {"label-colon": Severity.ERROR}


def test_colon_in_the_issuer_parameter_is_an_error():
    uri = f"otpauth://totp/{TRAINING_LOGIN}?secret={TRAINING_SECRET}&issuer=Spectrum:VoIP"
    assert checks(uri) == {"issuer-colon": Severity.ERROR}


def test_label_prefix_different_from_issuer_parameter_is_a_warning():
    uri = f"otpauth://totp/Stratus:{TRAINING_LOGIN}?secret={TRAINING_SECRET}&issuer={ISSUER}"
    found = lint_uri(uri)
    assert [(f.check, f.severity) for f in found] == [("issuer-mismatch", Severity.WARNING)]
    assert "'Stratus'" in found[0].message and f"'{ISSUER}'" in found[0].message


def test_missing_issuer_parameter_is_a_warning():
    uri = f"otpauth://totp/{ISSUER}:{TRAINING_LOGIN}?secret={TRAINING_SECRET}"
    assert checks(uri) == {"issuer-missing": Severity.WARNING}


def test_missing_account_is_a_warning():
    uri = f"otpauth://totp/{ISSUER}:?secret={TRAINING_SECRET}&issuer={ISSUER}"
    assert checks(uri) == {"account-missing": Severity.WARNING}


def test_base32_padding_is_a_warning():
    assert checks(CLEAN.replace(TRAINING_SECRET, TRAINING_SECRET + "====")) == {
        "secret-padding": Severity.WARNING
    }


def test_lowercase_secret_is_a_warning():
    assert checks(CLEAN.replace(TRAINING_SECRET, TRAINING_SECRET.lower())) == {
        "secret-lowercase": Severity.WARNING
    }


@pytest.mark.parametrize("secret", ["JBSWY3DP1111", "JBSWY3DP!", "A"])
def test_invalid_base32_is_an_error(secret):
    found = lint_uri(CLEAN.replace(TRAINING_SECRET, secret))
    assert [(f.check, f.severity) for f in found] == [("secret-invalid", Severity.ERROR)]
    assert found[0].message[0].isupper()


def test_secret_under_128_bits_is_an_error():
    short = TRAINING_SECRET[:24]  # 120 bits
    found = lint_uri(CLEAN.replace(TRAINING_SECRET, short))
    assert [(f.check, f.severity) for f in found] == [("secret-short", Severity.ERROR)]
    assert "120 bits" in found[0].message


def test_hotp_uri_is_not_totp_and_the_rest_is_still_checked():
    uri = CLEAN.replace("otpauth://totp/", "otpauth://hotp/") + "&digits=8"
    assert checks(uri) == {"not-totp": Severity.ERROR, "digits-ignored": Severity.ERROR}


def test_uri_too_long_for_a_readable_qr_code_is_a_warning():
    long_account = "a" * 200
    found = lint_uri(build_uri(TRAINING_SECRET, long_account))
    assert [f.check for f in found] == ["qr-too-dense"]
    assert f"over {MAX_READABLE_QR_VERSION}" in found[0].message


def test_uri_too_long_for_any_qr_code_is_an_error():
    assert checks(build_uri(TRAINING_SECRET, "a" * 3_000)) == {"qr-too-long": Severity.ERROR}


def test_errors_come_before_warnings():
    uri = f"otpauth://totp/Other:{TRAINING_LOGIN}?secret={TRAINING_SECRET}=&issuer=X&period=60"
    severities = [f.severity for f in lint_uri(uri)]
    assert severities == sorted(severities, key=lambda s: s is not Severity.ERROR)
    assert Severity.ERROR in severities and Severity.WARNING in severities


@pytest.mark.parametrize(
    "text", ["", "https://example.com", "otpauth://totp/x", "otpauth://totp/?secret=ABC"]
)
def test_text_that_is_not_an_otpauth_uri_is_refused(text):
    with pytest.raises(InvalidUri):
        lint_uri(text)


def test_findings_never_repeat_the_secret():
    uri = f"otpauth://hotp/A%20B:c:d?secret={TRAINING_SECRET.lower()}==&issuer=E:F&period=7"
    for finding in lint_uri(uri):
        assert TRAINING_SECRET.lower() not in finding.message
        assert TRAINING_SECRET not in finding.message
