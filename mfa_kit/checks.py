"""What "Check my work" judges: the state on the screens and in the portal *now*.

Each judge is a plain function over the portal, the screens and the phone as they are at the
moment of the click, never over values captured earlier; it returns a :class:`CheckResult`.
Outcomes, not event sequences: exploring first (wrong codes, extra clicks) never fails a check.

How an exercise uses them (see :mod:`mfa_kit.workspace` for the whole notebook pattern)::

    check = course.check_my_work(
        "enable-mfa",
        lambda: checks.agent_enabled_mfa(course.portal, course.login, agent),
        solution=checks.SOLUTIONS["enable-mfa"],
    )
    display(agent, check)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .otp import ISSUER, MalformedCode, Totp, format_code, normalise_code

if TYPE_CHECKING:
    from .authenticator import Authenticator, Entry
    from .portal import Portal
    from .screens.agent import AgentConsole
    from .screens.login import LoginScreen
    from .screens.profile import ProfileScreen


@dataclass(frozen=True)
class CheckResult:
    """The answer to one click on Check my work: ✔ or ✘, what was found, and what to do next."""

    ok: bool
    message: str
    hint: str = ""

    def __str__(self) -> str:
        mark = "✔" if self.ok else "✘"
        return f"{mark} {self.message}" + (f" — {self.hint}" if self.hint else "")


def passed(message: str) -> CheckResult:
    return CheckResult(True, message)


def failed(message: str, hint: str) -> CheckResult:
    return CheckResult(False, message, hint)


SOLUTIONS: dict[str, str] = {
    "enable-mfa": (
        "On the agent console: type jordan.lee into Login Name and click Find. The account line "
        "says MFA not enabled. Click Enable MFA: the message reads “MFA is enabled for "
        "jordan.lee.” and the audit events gain a row mfa_enabled."
    ),
    "show-qr-code": (
        "On Jordan's portal page: click Jordan Lee at the right of the top bar, choose Profile, "
        "and in Change Account Security click Set Up Google Authenticator. A QR code appears "
        "with the Passcode and Current Password fields under it. Do not click Save yet."
    ),
    "scan-qr-code": (
        "On the phone: tap Add (the + button), then Scan a QR code, while the QR code shows on "
        "the Profile page. The phone now lists SpectrumVoIP (jordan.lee) with a six-digit code. "
        "If you clicked Set Up Google Authenticator again after scanning, delete the old entry "
        "(edit, then delete) and scan the QR code the page shows now."
    ),
    "scan-qr-code-own-phone": (
        "In Google Authenticator on your phone: tap +, choose Scan a QR code and point the camera "
        "at the QR code on the Profile page. Type the six digits the app shows for "
        "SpectrumVoIP (jordan.lee) into the box, then click Check my work before they run out."
    ),
}
"""The text Show solution opens, by check name: what to click, in words."""


def entry_name(login: str) -> str:
    return f"{ISSUER} ({login})"


# ---------------------------------------------------------------------------------------------
# 02: the agent enables MFA


def agent_enabled_mfa(
    portal: Portal, login: str, console: AgentConsole | None = None
) -> CheckResult:
    """MFA is enabled on ``login`` (by the agent console's Enable MFA)."""
    status = portal.status(login)
    if status.mfa_enabled:
        return passed(f"MFA is enabled for {status.login}: the portal now offers the setup")
    shown = console.status if console is not None else None
    if shown is None or shown.login != status.login:
        return failed(
            f"MFA is not enabled for {login}",
            f"on the console type {login} into Login Name and click Find, then click Enable MFA",
        )
    return failed(
        f"MFA is not enabled for {login} (the account line says: MFA not enabled)",
        "click Enable MFA, then read the message under the buttons",
    )


# ---------------------------------------------------------------------------------------------
# 03: the QR code on the Profile page


def _shown_secret(profile: ProfileScreen) -> str | None:
    """The secret inside the QR code the Profile page shows now (decoded from the picture)."""
    from . import qr
    from .otp import parse_uri

    if profile.qr_png is None:
        return None
    return parse_uri(qr.decode(profile.qr_png)).secret


def qr_code_shown(portal: Portal, login: str, profile: ProfileScreen) -> CheckResult:
    """The Profile page shows a QR code, and it is the one the portal waits for."""
    status = portal.status(login)
    if status.mfa_active:
        return failed(
            "MFA is already active: Save was clicked, so this step is behind you",
            "to practise it again, restart the notebook (Kernel → Restart Kernel and Run All)",
        )
    if profile.page != "profile":
        return failed(
            "Jordan is still on the Home page",
            "click Jordan Lee at the right of the top bar, then Profile, "
            "then Set Up Google Authenticator",
        )
    shown = _shown_secret(profile)
    if shown is None:
        return failed(
            "the Profile page shows no QR code",
            "in Change Account Security click Set Up Google Authenticator",
        )
    if shown != portal.store.account(status.login).pending_secret:
        return failed(
            "the QR code on the page is not the one the portal is waiting for",
            "click Set Up Google Authenticator again and use the QR code it shows",
        )
    return passed("a QR code is on the Profile page and the portal waits for its code")


# ---------------------------------------------------------------------------------------------
# 04: the phone's entry and the QR code on the page now


def phone_matches_qr(
    portal: Portal, login: str, profile: ProfileScreen, phone: Authenticator
) -> CheckResult:
    """The phone holds exactly one entry for ``login``, from the QR code the page shows now."""
    name = entry_name(login)
    shown = _shown_secret(profile)
    if shown is None:
        return failed(
            "the Profile page shows no QR code to scan",
            "on the Profile page click Set Up Google Authenticator, then scan its QR code",
        )
    entries = phone.find(login)
    if not entries:
        return failed(
            f"the phone has no {name} entry",
            "on the phone tap Add, then Scan a QR code, while the QR code shows on the "
            "Profile page",
        )
    current = [e for e in entries if e.secret == shown]
    older = [e for e in entries if e.secret != shown]
    if not current:
        return failed(
            "your phone's entry is from an older QR code: the Profile page shows a new one, "
            "made by the last click on Set Up Google Authenticator",
            f"delete the old {name} entry on the phone (edit, then delete) and scan the QR code "
            "the page shows now",
        )
    if older:
        return failed(
            f"the phone also keeps {_count(older, 'entry', 'entries')} from an older QR code, "
            "whose codes the portal no longer accepts",
            f"delete the older {name} entry (edit, then delete): keep only the newest",
        )
    if len(current) > 1:
        return failed(
            f"the phone lists {name} {len(current)} times",
            f"delete all but one {name} entry (edit, then delete)",
        )
    pending = portal.store.account(portal.status(login).login).pending_secret
    if pending != shown:
        return failed(
            "the portal no longer waits for this QR code",
            "click Set Up Google Authenticator again and scan the new QR code",
        )
    return passed(
        f"the phone lists {name} once, from the QR code on the Profile page; it shows "
        f"{format_code(current[0].code())}, the code the portal expects now"
    )


class QrHistory:
    """Every QR code a Profile page has shown since this was made (the current one included),
    so an own-phone check can tell a code from an older QR code apart from a wrong one."""

    def __init__(self, profile: ProfileScreen) -> None:
        self._pictures: list[bytes] = []
        self._profile = profile
        self._seen(profile.qr_png)
        # The image widget hands its new value over as a memoryview.
        profile.qr_image.observe(lambda change: self._seen(bytes(change["new"])), names="value")

    def _seen(self, picture: bytes | None) -> None:
        if picture and picture not in self._pictures:
            self._pictures.append(picture)

    def secrets(self) -> list[str]:
        """The secrets of the QR codes shown, oldest first."""
        from . import qr
        from .otp import parse_uri

        return [parse_uri(qr.decode(picture)).secret for picture in self._pictures]


def typed_code_matches_qr(
    typed: str, profile: ProfileScreen, now: float, earlier: Sequence[str] = ()
) -> CheckResult:
    """Own phone: the code typed from the app belongs to the QR code the page shows now.

    ``earlier`` are the secrets of QR codes the page showed before (a code from one of them
    means the phone scanned an older QR code).
    """
    shown = _shown_secret(profile)
    if shown is None:
        return failed(
            "the Profile page shows no QR code",
            "click Set Up Google Authenticator, scan the QR code, then type the app's code",
        )
    text = (typed or "").strip()
    if not text:
        return failed(
            "the box is empty",
            "type the six digits your app shows for SpectrumVoIP (jordan.lee)",
        )
    try:
        code = normalise_code(text)
    except MalformedCode as problem:
        return failed(f"that is not a code: {problem}", "type the six digits your app shows")
    if Totp(shown).verify(code, now) is not None:
        return passed("your app's code matches the QR code on the Profile page")
    if any(Totp(secret).verify(code, now) is not None for secret in earlier if secret != shown):
        return failed(
            "your phone's entry is from an older QR code",
            "delete the old SpectrumVoIP (jordan.lee) entry in the app and scan the QR code the "
            "page shows now",
        )
    return failed(
        "that code does not belong to the QR code on the Profile page",
        "type the code of the newest SpectrumVoIP (jordan.lee) entry before it runs out, and "
        "make sure your phone sets its time automatically",
    )


# ---------------------------------------------------------------------------------------------
# 05 and 06: Save, and the login with the Security code


def _other_entry_with(code: str, phone: Authenticator | None, login: str) -> Entry | None:
    """The phone's entry for another account whose code now is ``code`` (a classic mix-up)."""
    if phone is None or not code:
        return None
    try:
        wanted = normalise_code(code)
    except MalformedCode:
        return None
    for entry in phone.entries:
        if entry.account != login and entry.code() == wanted:
            return entry
    return None


class LastTyped:
    """Remembers the last non-empty value typed into a text widget, even after the screen
    clears the field on Submit (so a check can tell which entry a refused code came from)."""

    def __init__(self, widget: object) -> None:
        self.value = ""
        widget.observe(self._typed, names="value")  # type: ignore[attr-defined]

    def _typed(self, change: dict) -> None:
        if change["new"]:
            self.value = change["new"]


def security_settings_saved(
    portal: Portal,
    login: str,
    profile: ProfileScreen,
    phone: Authenticator | None = None,
    typed: LastTyped | None = None,
) -> CheckResult:
    """Save went through with a code from the phone's entry for ``login``: MFA is active.

    ``typed`` (a :class:`LastTyped` on Passcode) names another account's entry when its code
    was typed; without it the Passcode field as it is now is read."""
    status = portal.status(login)
    name = entry_name(login)
    if status.mfa_active:
        secret = portal.store.account(status.login).secret
        if phone is not None and not any(e.secret == secret for e in phone.find(login)):
            return failed(
                "MFA is active, but no entry on the phone holds the saved setup",
                "ask an agent to Reset MFA, then Set Up again and scan before you Save",
            )
        return passed("your security settings are saved: MFA is active on the account")
    if status.locked_until is not None:
        return failed(
            "the account is locked after too many failed attempts",
            "an agent clicks Unlock on the console; then try again with the app's current code",
        )
    passcode = typed.value if typed is not None else profile.passcode.value
    other = _other_entry_with(passcode, phone, login)
    if other is not None:
        return failed(
            f"the Passcode came from the {other.name} entry, another account",
            f"type the code the phone shows under {name}",
        )
    if phone is not None and not phone.find(login):
        return failed(
            "nothing is saved: the phone has no entry for this QR code yet"
            + (" (Save was clicked before scanning)" if profile.error is not None else ""),
            "scan the QR code first (Add, then Scan a QR code), then type the app's code into "
            "Passcode, the password into Current Password, and click Save",
        )
    if profile.error is not None:
        return failed(
            f"Save was refused: {profile.error}",
            "type the code the phone shows now into Passcode and the password into Current "
            "Password, then click Save again",
        )
    return failed(
        "nothing is saved yet",
        "type the app's code into Passcode and the password into Current Password, click Save",
    )


def logged_in(
    screen: LoginScreen,
    login: str,
    phone: Authenticator | None = None,
    typed: LastTyped | None = None,
) -> CheckResult:
    """The login page reached the logged-in page for ``login`` through the Security code.

    ``typed`` (a :class:`LastTyped` on the Security code field) lets the check say when a
    refused code came from another account's entry on ``phone``."""
    session = screen.session
    if screen.stage == "logged_in" and session is not None and session.login == login:
        how = " with the Security code" if session.used_mfa else ""
        return passed(f"Jordan is logged in{how}")
    if screen.stage == "security_code":
        last = typed.value if typed is not None else screen.security_code.value
        other = _other_entry_with(last, phone, login)
        if other is not None:
            return failed(
                f"the Security code came from the {other.name} entry, another account",
                f"type the code the phone shows under {entry_name(login)}, then click Submit",
            )
        said = f" (the page says: {screen.message})" if screen.message else ""
        return failed(
            f"the login waits for the Security code{said}",
            "type the code the phone shows now into Security code and click Submit",
        )
    said = f" (the page says: {screen.message})" if screen.message else ""
    return failed(
        f"Jordan is not logged in: the screen shows the Log In page{said}",
        "type the Login Name and Password, click Log In (not Log in with Google), then type the "
        "phone's code into Security code and click Submit",
    )


def _count(items: Sequence[object], one: str, many: str) -> str:
    return f"{len(items)} {one if len(items) == 1 else many}"
