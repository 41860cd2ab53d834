"""The Profile page driven by clicks: name menu → Profile → Change Account Security.

Set Up Google Authenticator is offered only once an agent enabled MFA; Save shows the portal's
answer, and every refusal leaves the account as it was (bar the counted failure).
"""

from __future__ import annotations

import dataclasses

import pytest

from mfa_kit import qr
from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import FixedClock
from mfa_kit.otp import ISSUER, format_code, parse_uri
from mfa_kit.policy import DEFAULT_POLICY
from mfa_kit.portal import Portal
from mfa_kit.screens._view import press_enter
from mfa_kit.screens.profile import (
    ACTIVE_TEXT,
    ENABLED_TEXT,
    NOT_ENABLED_TEXT,
    REPLACED_TEXT,
    SAVED_TEXT,
    SCAN_TEXT,
    ProfileScreen,
)
from mfa_kit.store import Account
from mfa_kit.training import (
    TRAINING_DISPLAY_NAME,
    TRAINING_LOGIN,
    TRAINING_PASSWORD,
    TRAINING_SECRET,
)

MFA_NOT_ENABLED = (
    "Multi-factor authentication is not enabled for this account. "
    "Ask a Technical Support Agent to enable it first."
)
NO_SETUP = "Click Set Up Google Authenticator first, scan the QR code, then type the Passcode."
WRONG_CURRENT_PASSWORD = "The Current Password is not correct. Nothing was saved."
WRONG_CODE = "That code is not correct. Type the code the app shows now for SpectrumVoIP."
TYPE_THE_PASSCODE = "Type the Passcode that Google Authenticator shows, then click Save."
TYPE_THE_CURRENT_PASSWORD = "Type your Current Password, then click Save."  # noqa: S105 - a message
EXPIRED_CODE = (
    "That code has expired. Codes change every 30 seconds: type the code the app shows now. "
    "If this keeps happening, set the phone's date and time to automatic."
)


def account(portal: Portal) -> Account:
    found = portal.store.account(TRAINING_LOGIN)
    assert found is not None
    return found


def assert_failures_rose(portal: Portal, before: Account, by: int) -> None:
    assert account(portal) == dataclasses.replace(before, failures=before.failures + by)


def type_and_save(screen: ProfileScreen, passcode: str, password: str) -> None:
    screen.passcode.value = passcode
    screen.current_password.value = password
    screen.save_button.click()


@pytest.fixture
def screen(portal: Portal) -> ProfileScreen:
    return ProfileScreen(portal, TRAINING_LOGIN)


@pytest.fixture
def enabled(portal: Portal) -> Portal:
    portal.enable_mfa(TRAINING_LOGIN)
    return portal


@pytest.fixture
def scanned(enabled: Portal, phone: Authenticator) -> ProfileScreen:
    """MFA enabled, Set Up Google Authenticator clicked, the QR code scanned by the phone."""
    screen = ProfileScreen(enabled, TRAINING_LOGIN)
    screen.user_menu_button.click()
    screen.profile_button.click()
    screen.set_up_button.click()
    assert screen.qr_png is not None
    phone.scan_qr_code(screen.qr_png)
    return screen


def phone_code(phone: Authenticator) -> str:
    return format_code(phone.find(TRAINING_LOGIN)[-1].code())


def test_the_page_has_the_portal_labels_and_agreed_css_classes(screen: ProfileScreen) -> None:
    labels = {
        "mfa-topbar-user": TRAINING_DISPLAY_NAME,
        "mfa-topbar-profile": "Profile",
        "mfa-setup-authenticator": "Set Up Google Authenticator",
        "mfa-passcode": "Passcode",
        "mfa-current-password": "Current Password",
        "mfa-save": "Save",
    }
    for css_class, label in labels.items():
        control = screen.control(css_class)
        assert css_class in control._dom_classes
        assert control.description == label
    for css_class in ("mfa-qr-image", "mfa-profile-message"):
        assert css_class in screen.control(css_class)._dom_classes
    assert screen._repr_mimebundle_()["text/plain"] == "Stratus Web Portal: Jordan Lee"


def test_name_menu_leads_to_the_profile_page(screen: ProfileScreen) -> None:
    assert screen.page == "home"
    assert screen._menu.layout.display == "none"

    screen.user_menu_button.click()
    assert screen._menu.layout.display is None

    screen.profile_button.click()
    assert screen.page == "profile"
    assert screen._menu.layout.display == "none"
    assert screen.text.startswith("Profile page → Change Account Security")


def test_set_up_is_not_offered_until_an_agent_enables_mfa(
    screen: ProfileScreen, portal: Portal
) -> None:
    screen.open_profile()

    assert not screen.set_up_offered
    assert screen.set_up_button.disabled
    assert NOT_ENABLED_TEXT in screen.text
    assert "[Set Up Google Authenticator]: not offered" in screen.text

    portal.enable_mfa(TRAINING_LOGIN)
    screen.open_profile()

    assert screen.set_up_offered
    assert ENABLED_TEXT in screen.text


def test_set_up_before_mfa_is_enabled_shows_the_portal_refusal(
    screen: ProfileScreen, portal: Portal
) -> None:
    before = account(portal)

    assert screen.set_up_google_authenticator() is None

    assert screen.message == MFA_NOT_ENABLED
    assert screen.qr_png is None
    assert account(portal) == before


def test_save_before_mfa_is_enabled_shows_the_portal_refusal(
    screen: ProfileScreen, portal: Portal
) -> None:
    before = account(portal)

    type_and_save(screen, "123456", TRAINING_PASSWORD)

    assert screen.message == MFA_NOT_ENABLED
    assert account(portal) == before


def test_set_up_shows_a_qr_code_a_phone_can_read(enabled: Portal) -> None:
    screen = ProfileScreen(enabled, TRAINING_LOGIN)
    screen.open_profile()

    setup = screen.set_up_google_authenticator()

    assert setup is not None
    assert screen.qr_png == screen.qr_image.value
    uri = parse_uri(qr.decode(screen.qr_png))
    assert (uri.issuer, uri.label_issuer, uri.account) == (ISSUER, ISSUER, TRAINING_LOGIN)
    assert uri.secret == TRAINING_SECRET == setup.secret
    assert screen.message == SCAN_TEXT
    assert enabled.status(TRAINING_LOGIN).setup_pending


def test_save_without_set_up_first_is_refused(enabled: Portal) -> None:
    screen = ProfileScreen(enabled, TRAINING_LOGIN)
    before = account(enabled)

    type_and_save(screen, "123456", TRAINING_PASSWORD)

    assert screen.message == NO_SETUP
    assert account(enabled) == before


def test_save_with_the_app_code_and_password_activates_mfa(
    scanned: ProfileScreen, enabled: Portal, phone: Authenticator
) -> None:
    type_and_save(scanned, phone_code(phone), TRAINING_PASSWORD)

    assert scanned.message == SAVED_TEXT
    assert enabled.status(TRAINING_LOGIN).mfa_active
    assert ACTIVE_TEXT in scanned.text
    assert scanned.qr_png is None
    assert scanned._qr_box.layout.display == "none"
    assert scanned.passcode.value == "" and scanned.current_password.value == ""


def test_save_with_wrong_current_password_counts_one_failure(
    scanned: ProfileScreen, enabled: Portal, phone: Authenticator
) -> None:
    before = account(enabled)

    type_and_save(scanned, phone_code(phone), "not-my-password")

    assert scanned.message == WRONG_CURRENT_PASSWORD
    assert scanned.current_password.value == ""
    assert scanned.qr_png is not None
    assert_failures_rose(enabled, before, 1)
    assert not enabled.status(TRAINING_LOGIN).mfa_active


def test_save_with_wrong_passcode_counts_one_failure(
    scanned: ProfileScreen, enabled: Portal, phone: Authenticator
) -> None:
    before = account(enabled)
    right = phone_code(phone).replace(" ", "")

    type_and_save(scanned, f"{(int(right) + 1) % 1_000_000:06d}", TRAINING_PASSWORD)

    assert scanned.message == WRONG_CODE
    assert f"{DEFAULT_POLICY.max_failures - 1} more failed attempts" in scanned.message_area.value
    assert_failures_rose(enabled, before, 1)


def test_save_with_an_expired_passcode_counts_one_failure(
    scanned: ProfileScreen, enabled: Portal, phone: Authenticator, clock: FixedClock
) -> None:
    code = phone_code(phone)
    clock.advance(3 * DEFAULT_POLICY.profile.period)
    before = account(enabled)

    type_and_save(scanned, code, TRAINING_PASSWORD)

    assert scanned.message == EXPIRED_CODE
    assert_failures_rose(enabled, before, 1)


def test_save_with_a_malformed_passcode_changes_nothing(
    scanned: ProfileScreen, enabled: Portal
) -> None:
    before = account(enabled)

    type_and_save(scanned, "12 34", TRAINING_PASSWORD)

    assert scanned.message == "The code is 6 digits long; this one has 4."
    assert account(enabled) == before


def test_a_second_set_up_replaces_the_qr_code(scanned: ProfileScreen, enabled: Portal) -> None:
    first = scanned.qr_png
    assert scanned.message == SCAN_TEXT

    setup = scanned.set_up_google_authenticator()

    assert setup is not None and scanned.qr_png != first
    assert parse_uri(qr.decode(scanned.qr_png)).secret == setup.secret != TRAINING_SECRET
    assert scanned.message == REPLACED_TEXT
    assert "A new QR code replaced the earlier one" in scanned.message_area.value
    assert "stops working" in scanned.message


def test_after_a_second_set_up_the_entry_from_the_first_is_refused(
    scanned: ProfileScreen, enabled: Portal, phone: Authenticator
) -> None:
    """What the message warns about: the earlier entry's code no longer saves."""
    scanned.set_up_button.click()
    before = account(enabled)

    type_and_save(scanned, format_code(phone.find(TRAINING_LOGIN)[0].code()), TRAINING_PASSWORD)

    assert scanned.message == WRONG_CODE
    assert_failures_rose(enabled, before, 1)


def test_set_up_after_a_saved_setup_is_not_a_replacement_of_a_qr_code(
    scanned: ProfileScreen, enabled: Portal, phone: Authenticator
) -> None:
    type_and_save(scanned, phone_code(phone), TRAINING_PASSWORD)
    enabled.reset_mfa(TRAINING_LOGIN)

    scanned.set_up_button.click()

    assert scanned.message == SCAN_TEXT


@pytest.mark.parametrize("box", ["passcode", "current_password"])
def test_enter_in_either_field_clicks_save(
    scanned: ProfileScreen, enabled: Portal, phone: Authenticator, box: str
) -> None:
    scanned.passcode.value = phone_code(phone)
    scanned.current_password.value = TRAINING_PASSWORD

    press_enter(getattr(scanned, box))

    assert scanned.message == SAVED_TEXT
    assert enabled.status(TRAINING_LOGIN).mfa_active


@pytest.mark.parametrize(
    ("passcode", "password", "message"),
    [
        ("", "", TYPE_THE_PASSCODE),
        ("", TRAINING_PASSWORD, TYPE_THE_PASSCODE),
        ("  ", "not-my-password", TYPE_THE_PASSCODE),
        ("123 456", "", TYPE_THE_CURRENT_PASSWORD),
    ],
)
def test_an_empty_field_is_asked_for_and_not_counted(
    scanned: ProfileScreen, enabled: Portal, passcode: str, password: str, message: str
) -> None:
    before = account(enabled)
    events = enabled.audit_trail()

    type_and_save(scanned, passcode, password)

    assert scanned.message == message
    assert message in scanned.message_area.value
    assert "more failed attempts" not in scanned.message_area.value
    assert scanned.qr_png is not None
    assert account(enabled) == before
    assert enabled.audit_trail() == events


def test_save_by_enter_with_both_fields_empty_is_not_counted(
    scanned: ProfileScreen, enabled: Portal
) -> None:
    before = account(enabled)

    press_enter(scanned.passcode)

    assert scanned.message == TYPE_THE_PASSCODE
    assert account(enabled) == before


def test_html_in_the_display_name_is_escaped_on_the_page(portal: Portal) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    portal.create_account("mallory", "pw-for-mallory", hostile)

    screen = ProfileScreen(portal, "mallory")
    screen.open_profile()

    assert screen.user_menu_button.description == hostile  # a button label is plain text
    page_html = "".join(
        child.value for child in screen._profile.children if hasattr(child, "value")
    )
    assert "&lt;img src=x onerror=alert(1)&gt;" in page_html
    assert "<img" not in page_html


def test_a_frozen_page_keeps_its_moment_and_its_words(
    scanned: ProfileScreen, enabled: Portal, phone: Authenticator
) -> None:
    type_and_save(scanned, "123 456", TRAINING_PASSWORD)
    shown = scanned.text

    assert scanned.freeze() is scanned

    assert scanned.frozen and "mfa-snapshot" in scanned.widget._dom_classes
    controls = [scanned.control(c) for c in ("mfa-setup-authenticator", "mfa-save")]
    assert all(control.disabled for control in controls)
    assert scanned.passcode.disabled and scanned.current_password.disabled
    # Greyed out as a picture, but it still says what the page offered at that moment.
    assert scanned.set_up_offered and scanned.text == shown
    assert "[Set Up Google Authenticator]: offered" in scanned.text
