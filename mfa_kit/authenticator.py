"""The simulated Google Authenticator on a phone.

Add → Scan a QR code (a real decode of the picture) or Enter a setup key; a list of entries,
each with its current code and the seconds it has left, computed on the phone's own clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .clock import Clock, SystemClock
from .otp import DEFAULT_PROFILE, ISSUER, Totp, TotpProfile, clean_secret, decode_secret, parse_uri


@dataclass(frozen=True)
class AppProfile:
    """How an authenticator app reads the optional URI parameters.

    Google Authenticator has long shown 6-digit, 30-second SHA1 codes whatever the URI asks
    for; a stricter app honours them. Newer app versions may differ, so this is a setting.
    """

    name: str
    honours_algorithm: bool
    honours_digits: bool
    honours_period: bool

    def effective_profile(self, requested: TotpProfile) -> TotpProfile:
        return TotpProfile(
            algorithm=requested.algorithm if self.honours_algorithm else DEFAULT_PROFILE.algorithm,
            digits=requested.digits if self.honours_digits else DEFAULT_PROFILE.digits,
            period=requested.period if self.honours_period else DEFAULT_PROFILE.period,
        )


GOOGLE_AUTHENTICATOR = AppProfile(
    "Google Authenticator", honours_algorithm=False, honours_digits=False, honours_period=False
)
STRICT_APP = AppProfile("An app that follows the URI", True, True, True)


@dataclass
class Entry:
    """One account in the app: the issuer and account shown, and the code it computes."""

    issuer: str
    account: str
    secret: str
    profile: TotpProfile
    clock: Clock = field(repr=False)

    @property
    def name(self) -> str:
        return f"{self.issuer} ({self.account})" if self.issuer else self.account

    def code(self) -> str:
        return Totp(self.secret, self.profile).at(self.clock.now())

    def seconds_left(self) -> int:
        return Totp(self.secret, self.profile).seconds_left(self.clock.now())


class Authenticator:
    """A phone running an authenticator app, with its own clock (which may be wrong)."""

    def __init__(self, clock: Clock | None = None, app: AppProfile = GOOGLE_AUTHENTICATOR) -> None:
        self.clock = clock or SystemClock()
        self.app = app
        self.entries: list[Entry] = []

    def scan_qr_code(self, picture: bytes | object) -> Entry:
        """Add → Scan a QR code: decode the picture and add the account it describes."""
        from .qr import decode

        return self.add_uri(decode(picture))

    def add_uri(self, uri: str) -> Entry:
        parsed = parse_uri(uri)
        decode_secret(parsed.secret)  # refuse a broken key now, as the app does
        entry = Entry(
            issuer=parsed.display_issuer,
            account=parsed.account,
            secret=clean_secret(parsed.secret),
            profile=self.app.effective_profile(parsed.profile()),
            clock=self.clock,
        )
        # The real app keeps duplicates side by side rather than replacing: so does this one.
        self.entries.append(entry)
        return entry

    def enter_setup_key(self, account: str, key: str, issuer: str = ISSUER) -> Entry:
        """Add → Enter a setup key: typed by hand, time-based, default profile."""
        decode_secret(key)
        entry = Entry(issuer, account.strip(), clean_secret(key), DEFAULT_PROFILE, self.clock)
        self.entries.append(entry)
        return entry

    def delete(self, entry: Entry) -> None:
        """Edit → Delete: take ``entry`` off the phone. The portal is not told: deleting the
        entry in use leaves the phone without the codes the portal asks for."""
        # By identity: two entries scanned from the same QR code are equal but distinct.
        for index, held in enumerate(self.entries):
            if held is entry:
                del self.entries[index]
                return
        raise ValueError(f"{entry.name} is not on this phone")

    def remove(self, entry: Entry) -> None:
        """The same as :meth:`delete`."""
        self.delete(entry)

    def find(self, account: str, issuer: str = ISSUER) -> list[Entry]:
        return [e for e in self.entries if e.account == account and e.issuer == issuer]
