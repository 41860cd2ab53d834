"""The TOTP profile, secrets, codes and otpauth URIs (RFC 4226, RFC 6238, Google's Key Uri Format).

One HOTP core serves every caller; pyotp is used where a second opinion is worth having
(tests cross-check against it and against Debian's oathtool).
"""

from __future__ import annotations

import base64
import binascii
import enum
import hmac
import secrets as _secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .clock import to_unix

ISSUER = "SpectrumVoIP"
"""The issuer the Stratus portal writes into its QR codes; the app lists entries under it."""

SECRET_BYTES = 20
"""160-bit secrets: RFC 4226's recommendation, 32 base32 characters, no padding."""

MIN_SECRET_BITS = 128
"""Below this a secret is weak (RFC 4226 §4 requires 128 bits, recommends 160)."""

DIGIT_CHOICES = (6, 7, 8)
ASCII_DIGITS = frozenset("0123456789")
# What people type between groups of digits ("123 456", "123-456"), and what copying a code
# from a message drags along (line breaks, zero-width spaces); removed before checking.
CODE_SEPARATORS = frozenset(
    " -\u00a0\u2009\u202f\u2010\u2011\u2012\u2013\u2212\t\r\n\u200b\u200c\u200d\ufeff"
)

LAST_COUNTER = 2**64 - 1
"""HOTP counters are 8 bytes (RFC 4226 §5.2): time steps run from 0 (1970) to this."""


class Algorithm(enum.Enum):
    """The HMAC hash functions RFC 6238 allows."""

    SHA1 = "sha1"
    SHA256 = "sha256"
    SHA512 = "sha512"

    @classmethod
    def parse(cls, name: str) -> Algorithm:
        """Accept 'SHA1', 'sha1', 'sha-256' and the like."""
        key = name.strip().upper().replace("-", "")
        try:
            return cls[key]
        except KeyError:
            raise ValueError(f"unknown algorithm {name!r}: use SHA1, SHA256 or SHA512") from None


@dataclass(frozen=True)
class TotpProfile:
    """How codes are made: hash, number of digits, seconds per time step (T0 is always 0)."""

    algorithm: Algorithm = Algorithm.SHA1
    digits: int = 6
    period: int = 30

    def __post_init__(self) -> None:
        if self.digits not in DIGIT_CHOICES:
            raise ValueError(f"digits must be one of {', '.join(map(str, DIGIT_CHOICES))}")
        if not isinstance(self.period, int) or self.period < 1:
            raise ValueError("period must be a whole number of seconds, at least 1")


DEFAULT_PROFILE = TotpProfile()
"""SHA1, 6 digits, 30 seconds: what Google Authenticator assumes, whatever a URI says."""


class InvalidSecret(ValueError):
    """The setup key is not usable base32."""


class MalformedCode(ValueError):
    """What was typed cannot be a code (wrong length, or not only the digits 0-9)."""


class InvalidUri(ValueError):
    """Not an otpauth:// TOTP URI that an authenticator app could read."""


def generate_secret() -> str:
    """A fresh 160-bit secret as 32 base32 characters (no padding)."""
    return base64.b32encode(_secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def clean_secret(secret: str) -> str:
    """The setup key as the app stores it: upper case, no spaces, no padding."""
    return "".join(secret.split()).upper().rstrip("=")


def decode_secret(secret: str) -> bytes:
    """The key bytes behind a base32 setup key (spaces, case and padding forgiven)."""
    cleaned = clean_secret(secret)
    if not cleaned:
        raise InvalidSecret("the secret is empty")
    try:
        key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise InvalidSecret(
            "the secret is not valid base32 (only the letters A-Z and the digits 2-7)"
        ) from None
    if not key:
        raise InvalidSecret("the secret is too short")
    return key


def hotp(key: bytes, counter: int, profile: TotpProfile = DEFAULT_PROFILE) -> str:
    """RFC 4226 HOTP value of ``key`` at ``counter``, as a zero-padded string."""
    if not 0 <= counter <= LAST_COUNTER:
        raise ValueError("there is no code before 1970-01-01 00:00 UTC (time step 0)")
    digest = hmac.digest(key, counter.to_bytes(8, "big"), profile.algorithm.value)
    offset = digest[-1] & 0x0F
    binary = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(binary % 10**profile.digits).zfill(profile.digits)


def normalise_code(typed: str, digits: int = DEFAULT_PROFILE.digits) -> str:
    """The code as the verifier needs it: ``"123 456"`` becomes ``"123456"``.

    Only ASCII digits count: other scripts' digits (such as Arabic-Indic) look like numbers
    to Python's ``isdigit`` but no authenticator shows them, so they are refused.
    """
    if typed is None:
        typed = ""
    kept = "".join(ch for ch in str(typed) if ch not in CODE_SEPARATORS)
    if not kept:
        raise MalformedCode(f"Type the {digits}-digit code that the app shows.")
    if not set(kept) <= ASCII_DIGITS:
        raise MalformedCode(f"The code is {digits} digits from 0 to 9, with nothing else.")
    if len(kept) != digits:
        raise MalformedCode(f"The code is {digits} digits long; this one has {len(kept)}.")
    return kept


def format_code(code: str) -> str:
    """Show a code the way the app does: two groups, ``123 456``."""
    half = (len(code) + 1) // 2
    return f"{code[:half]} {code[half:]}"


class Totp:
    """A TOTP generator and verifier for one secret and profile."""

    def __init__(self, secret: str, profile: TotpProfile = DEFAULT_PROFILE) -> None:
        self.key = decode_secret(secret)
        self.secret = clean_secret(secret)
        self.profile = profile

    def step(self, at: float | int) -> int:
        """The RFC 6238 time step (counter) for Unix time ``at``."""
        return int(to_unix(at) // self.profile.period)

    def code_for_step(self, step: int) -> str:
        """The code of a given time step."""
        return hotp(self.key, step, self.profile)

    def at(self, at: float | int) -> str:
        """The code shown at Unix time ``at``."""
        return self.code_for_step(self.step(at))

    def seconds_left(self, at: float | int) -> int:
        """Seconds until the code shown at ``at`` is replaced (1 … period)."""
        return self.profile.period - int(to_unix(at) % self.profile.period)

    def verify(self, code: str, at: float | int, *, window: int = 1) -> int | None:
        """The time step whose code equals ``code`` within ``window`` steps of ``at``, or None.

        ``code`` must already be normalised.
        """
        centre = self.step(at)
        return self.match(code, range(centre - window, centre + window + 1))

    def match(self, code: str, steps: range) -> int | None:
        """The first step in ``steps`` whose code equals ``code``, or None.

        Every candidate is compared in constant time and the loop never stops early, so
        timing does not tell which step matched.
        """
        matched = None
        # Steps before 1970 do not exist: near time 0 the window simply has fewer steps.
        for step in range(max(steps.start, 0), min(steps.stop, LAST_COUNTER + 1)):
            if hmac.compare_digest(self.code_for_step(step), code) and matched is None:
                matched = step
        return matched

    def uri(self, account: str, issuer: str = ISSUER) -> str:
        """The otpauth:// URI that the QR code carries."""
        return build_uri(self.secret, account, issuer=issuer, profile=self.profile)


def build_uri(
    secret: str, account: str, *, issuer: str = ISSUER, profile: TotpProfile = DEFAULT_PROFILE
) -> str:
    """An otpauth URI in Google's Key Uri Format.

    The issuer goes both before the account in the label and in the ``issuer`` parameter;
    default algorithm, digits and period are left out, as Google's own examples do.
    """
    decode_secret(secret)  # a broken key must not reach the URI (nor smuggle in parameters)
    for name, value in (("issuer", issuer), ("account", account)):
        if not value:
            raise InvalidUri(f"the {name} may not be empty")
        if ":" in value:
            raise InvalidUri(f"the {name} may not contain a colon: {value!r}")
    label = f"{quote(issuer, safe='')}:{quote(account, safe='@.')}"
    params = [f"secret={clean_secret(secret)}", f"issuer={quote(issuer, safe='')}"]
    if profile.algorithm is not Algorithm.SHA1:
        params.append(f"algorithm={profile.algorithm.name}")
    if profile.digits != DEFAULT_PROFILE.digits:
        params.append(f"digits={profile.digits}")
    if profile.period != DEFAULT_PROFILE.period:
        params.append(f"period={profile.period}")
    return f"otpauth://totp/{label}?{'&'.join(params)}"


@dataclass(frozen=True)
class OtpUri:
    """What an otpauth URI says, field by field, as written (before any app's reading)."""

    uri: str
    label: str
    label_issuer: str | None
    account: str
    issuer: str | None
    secret: str
    algorithm: str | None
    digits: str | None
    period: str | None

    @property
    def display_issuer(self) -> str:
        """The name an app shows above the entry."""
        return self.issuer or self.label_issuer or ""

    def profile(self) -> TotpProfile:
        """The profile the URI asks for (a careful app honours it; Google's may not)."""
        return TotpProfile(
            algorithm=Algorithm.parse(self.algorithm) if self.algorithm else Algorithm.SHA1,
            digits=_whole_number("digits", self.digits, DEFAULT_PROFILE.digits),
            period=_whole_number("period", self.period, DEFAULT_PROFILE.period),
        )


def _whole_number(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise InvalidUri(f"{name} must be a whole number, not {raw!r}")
    return int(raw)


def parse_uri(uri: str) -> OtpUri:
    """Read an otpauth://totp/ URI; raise InvalidUri with a readable reason if it is not one."""
    text = (uri or "").strip()
    parts = urlsplit(text)
    if parts.scheme.lower() != "otpauth":
        raise InvalidUri("not an otpauth:// URI")
    if parts.netloc.lower() != "totp":
        raise InvalidUri(f"not a time-based (totp) URI: {parts.netloc or 'no type'}")
    label = unquote(parts.path.lstrip("/"))
    if not label:
        raise InvalidUri("the URI has no account label")
    label_issuer, sep, account = label.partition(":")
    if not sep:
        label_issuer, account = None, label
    query = parse_qs(parts.query, keep_blank_values=True)

    def one(name: str) -> str | None:
        values = query.get(name)
        return values[0] if values else None

    secret = one("secret")
    if not secret:
        raise InvalidUri("the URI has no secret")
    return OtpUri(
        uri=text,
        label=label,
        label_issuer=label_issuer,
        account=account,
        issuer=one("issuer"),
        secret=secret,
        algorithm=one("algorithm"),
        digits=one("digits"),
        period=one("period"),
    )
