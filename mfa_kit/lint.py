"""The otpauth URI linter: what in a QR code's URI would trouble Google Authenticator.

Owns the list of findings (severity and message) for one URI; the QR size check loads the
imaging library only when it runs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from .otp import (
    DEFAULT_PROFILE,
    MIN_SECRET_BITS,
    SECRET_BYTES,
    Algorithm,
    InvalidSecret,
    OtpUri,
    clean_secret,
    decode_secret,
    parse_uri,
)

BASE32_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

MAX_READABLE_QR_VERSION = 10
"""Above version 10 (57 × 57 modules) a QR code shown on a laptop screen gets hard for a
phone camera to read at arm's length; the portal's own URIs need about version 5."""

_APP = "Google Authenticator"

_MAX_NUMBER_DIGITS = 9
"""digits= and period= longer than this are nonsense; checked before int() is asked."""

_MAX_QUOTED = 20


class Severity(enum.Enum):
    """ERROR: the app will show wrong codes, refuse the entry, or the key is unsafe.
    WARNING: works in most apps but confuses some (or the person reading the entry)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem with a URI: ``check`` is a short stable name, ``message`` plain words."""

    severity: Severity
    check: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"severity": self.severity.value, "check": self.check, "message": self.message}

    def __str__(self) -> str:
        return f"{self.severity.value}: {self.message}"


def lint_uri(uri: str) -> list[Finding]:
    """Findings for an otpauth URI, errors first; an empty list means nothing to fix.

    Raises InvalidUri when the text is not an otpauth URI at all (or has no secret), since
    there is nothing to lint then.
    """
    text = (uri or "").strip()
    parts = urlsplit(text)
    findings: list[Finding] = []
    if parts.scheme.lower() == "otpauth" and parts.netloc.lower() not in ("totp", ""):
        findings.append(
            Finding(
                Severity.ERROR,
                "not-totp",
                f"The URI is of type {parts.netloc!r}, not totp: the portal checks time-based "
                "codes, so codes from this entry will never be accepted.",
            )
        )
        # Read the rest as if it were time-based, so every other problem is reported too.
        text = urlunsplit(parts._replace(netloc="totp"))
    parsed = parse_uri(text)
    findings += _profile_findings(parsed)
    findings += _label_findings(parsed)
    findings += _secret_findings(parsed.secret)
    text_findings = _text_findings(text)
    findings += text_findings
    if not text_findings:  # text that is not UTF-8 cannot be put in a QR code to measure it
        findings += _qr_findings(parsed.uri)
    return sorted(findings, key=lambda f: f.severity is not Severity.ERROR)


def _profile_findings(parsed: OtpUri) -> list[Finding]:
    found = []
    if parsed.algorithm is not None:
        try:
            algorithm = Algorithm.parse(parsed.algorithm)
        except ValueError:
            found.append(
                Finding(
                    Severity.ERROR,
                    "algorithm-invalid",
                    f"algorithm={parsed.algorithm} is not one of SHA1, SHA256 or SHA512.",
                )
            )
        else:
            if algorithm is not DEFAULT_PROFILE.algorithm:
                found.append(
                    Finding(
                        Severity.ERROR,
                        "algorithm-ignored",
                        f"algorithm={parsed.algorithm}: {_APP} ignores it and makes "
                        f"{DEFAULT_PROFILE.algorithm.name} codes, which will never match.",
                    )
                )
    for name, default, shown in (
        ("digits", DEFAULT_PROFILE.digits, f"{DEFAULT_PROFILE.digits}-digit codes"),
        ("period", DEFAULT_PROFILE.period, f"codes that change every {DEFAULT_PROFILE.period} s"),
    ):
        raw = getattr(parsed, name)
        if raw is None:
            continue
        if not (raw.isascii() and raw.isdigit()):
            found.append(
                Finding(
                    Severity.ERROR,
                    f"{name}-invalid",
                    f"{name}={_shortened(raw)} is not a whole number.",
                )
            )
        # Length first: int() refuses strings past 4300 digits, and no app reads such a value.
        elif len(raw.lstrip("0")) > _MAX_NUMBER_DIGITS:
            found.append(
                Finding(
                    Severity.ERROR,
                    f"{name}-invalid",
                    f"{name}={_shortened(raw)} is far too large to be a number of {name}.",
                )
            )
        elif int(raw) == 0:
            found.append(
                Finding(Severity.ERROR, f"{name}-invalid", f"{name}={raw} is not a whole number.")
            )
        elif int(raw) != default:
            found.append(
                Finding(
                    Severity.ERROR,
                    f"{name}-ignored",
                    f"{name}={raw}: {_APP} ignores it and shows {shown}, which will not "
                    "match the portal's.",
                )
            )
    return found


def _shortened(raw: str) -> str:
    """A value as a finding quotes it: long ones cut, so one finding stays one readable line."""
    return raw if len(raw) <= _MAX_QUOTED else f"{raw[:_MAX_QUOTED]}… ({len(raw)} characters)"


def _text_findings(text: str) -> list[Finding]:
    """Bytes that are not UTF-8, raw or %-escaped, cannot be shown as an entry's name."""
    try:
        text.encode("utf-8")
        unquote(text, errors="strict")
    except UnicodeError:
        return [
            Finding(
                Severity.ERROR,
                "not-utf8",
                "The URI contains bytes that are not UTF-8 text (raw or %-escaped): apps "
                "show them as garbage or refuse the entry. Use UTF-8 for the label and issuer.",
            )
        ]
    return []


def _label_findings(parsed: OtpUri) -> list[Finding]:
    found = []
    if ":" in parsed.account:
        found.append(
            Finding(
                Severity.ERROR,
                "label-colon",
                "The account name contains a colon: the colon separates issuer and account "
                "in the label, so apps split the name in the wrong place.",
            )
        )
    if parsed.issuer and ":" in parsed.issuer:
        found.append(
            Finding(
                Severity.ERROR,
                "issuer-colon",
                "The issuer parameter contains a colon, which apps read as the separator "
                "between issuer and account.",
            )
        )
    spaced = [
        name
        for name, value in (
            ("label issuer", parsed.label_issuer),
            ("account", parsed.account),
            ("issuer parameter", parsed.issuer),
        )
        if value and value != value.replace(" ", "")
    ]
    if spaced:
        found.append(
            Finding(
                Severity.WARNING,
                "label-space",
                f"Spaces in the {', '.join(spaced)}: some iOS versions of the app fail to "
                "add such an entry or cut the name short.",
            )
        )
    if not parsed.account.strip():
        found.append(
            Finding(
                Severity.WARNING,
                "account-missing",
                "The label has no account name, so the entry cannot be told apart from "
                "others with the same issuer.",
            )
        )
    if parsed.issuer is None or not parsed.issuer.strip():
        found.append(
            Finding(
                Severity.WARNING,
                "issuer-missing",
                "There is no issuer= parameter: Google's Key Uri Format asks for one, and "
                "without it some apps show the entry without the company name.",
            )
        )
    elif parsed.label_issuer is not None and parsed.label_issuer != parsed.issuer:
        found.append(
            Finding(
                Severity.WARNING,
                "issuer-mismatch",
                f"The label starts with {parsed.label_issuer!r} but issuer= says "
                f"{parsed.issuer!r}: apps disagree on which to show.",
            )
        )
    return found


def _secret_findings(raw: str) -> list[Finding]:
    found = []
    if "=" in raw:
        found.append(
            Finding(
                Severity.WARNING,
                "secret-padding",
                "The secret ends with base32 padding (=): the Key Uri Format leaves it out "
                "and some apps refuse it.",
            )
        )
    if any(ch.isspace() for ch in raw):
        found.append(Finding(Severity.WARNING, "secret-space", "The secret contains spaces."))
    cleaned = clean_secret(raw)
    if not set(cleaned) <= BASE32_ALPHABET:
        found.append(
            Finding(
                Severity.ERROR,
                "secret-invalid",
                "The secret is not base32: only the letters A-Z and the digits 2-7 are allowed.",
            )
        )
        return found
    if raw != raw.upper():
        found.append(
            Finding(
                Severity.WARNING,
                "secret-lowercase",
                "The secret is in lower case: base32 is written in capitals and some apps "
                "refuse lower case.",
            )
        )
    try:
        bits = len(decode_secret(cleaned)) * 8
    except InvalidSecret as problem:
        reason = str(problem)
        found.append(
            Finding(Severity.ERROR, "secret-invalid", f"{reason[:1].upper()}{reason[1:]}.")
        )
        return found
    if bits < MIN_SECRET_BITS:
        found.append(
            Finding(
                Severity.ERROR,
                "secret-short",
                f"The secret has only {bits} bits; at least {MIN_SECRET_BITS} are needed "
                f"(RFC 4226), and {SECRET_BYTES * 8} is the usual length.",
            )
        )
    return found


def _qr_findings(uri: str) -> list[Finding]:
    from qrcode.exceptions import DataOverflowError

    from .qr import modules

    try:
        side = modules(uri)
    except (DataOverflowError, ValueError):  # qrcode reports "no version fits" either way
        return [
            Finding(Severity.ERROR, "qr-too-long", "The URI is too long to fit in any QR code.")
        ]
    version = (side - 17) // 4  # version n has 17 + 4n modules a side
    if version <= MAX_READABLE_QR_VERSION:
        return []
    return [
        Finding(
            Severity.WARNING,
            "qr-too-dense",
            f"The URI needs a version {version} QR code (over {MAX_READABLE_QR_VERSION}): "
            "too dense for a phone camera to read reliably from a screen. Shorten the "
            "label or issuer.",
        )
    ]
