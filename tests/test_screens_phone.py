"""The simulated Google Authenticator driven by taps: Add → Scan a QR code / Enter a setup key.

Scanning is a real decode of the picture; with the training clock the phone never ticks by
itself, so what it shows is exactly computable.
"""

from __future__ import annotations

import io
import re
import threading

import pytest
from PIL import Image

from mfa_kit import qr
from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import FixedClock, SkewedClock, SystemClock
from mfa_kit.otp import DEFAULT_PROFILE, ISSUER, Totp, build_uri, format_code
from mfa_kit.portal import Portal
from mfa_kit.screens._view import press_enter
from mfa_kit.screens.phone import (
    CONFIRM_LABEL,
    CONFIRM_TITLE,
    EDITING_TEXT,
    NOTHING_TO_SCAN,
    PhoneScreen,
)
from mfa_kit.screens.profile import ProfileScreen
from mfa_kit.training import TRAINING_INSTANT, TRAINING_LOGIN, TRAINING_SECRET

TRAINING_NAME = f"{ISSUER} ({TRAINING_LOGIN})"


def expected_code(secret: str, clock: FixedClock | SkewedClock) -> str:
    return format_code(Totp(secret).at(clock.now()))


def expected_left(clock: FixedClock | SkewedClock) -> int:
    return DEFAULT_PROFILE.period - int(clock.now()) % DEFAULT_PROFILE.period


def blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def profile(portal: Portal) -> ProfileScreen:
    portal.enable_mfa(TRAINING_LOGIN)
    return ProfileScreen(portal, TRAINING_LOGIN)


@pytest.fixture
def screen(phone: Authenticator, profile: ProfileScreen) -> PhoneScreen:
    return PhoneScreen(phone, camera=lambda: profile.qr_png)


def tap_scan(screen: PhoneScreen) -> None:
    screen.add_button.click()
    assert screen._menu.layout.display is None
    screen.scan_button.click()


def test_the_phone_has_its_labels_and_agreed_css_classes(screen: PhoneScreen) -> None:
    labels = {
        "mfa-phone-add": "Add",
        "mfa-phone-scan": "Scan a QR code",
        "mfa-phone-setup-key": "Enter a setup key",
    }
    for css_class, label in labels.items():
        control = screen.control(css_class)
        assert css_class in control._dom_classes
        assert control.description == label
    assert screen.add_button.icon == "plus"
    assert screen.codes == [] and "(no accounts)" in screen.text
    assert screen._repr_mimebundle_()["text/plain"] == "Phone: Google Authenticator (simulated)"


def test_scanning_the_portal_qr_code_adds_spectrumvoip_with_its_code(
    screen: PhoneScreen, profile: ProfileScreen, phone: Authenticator, clock: FixedClock
) -> None:
    profile.set_up_button.click()

    tap_scan(screen)

    assert screen.message == f"Account added: {TRAINING_NAME}."
    assert len(phone.entries) == 1
    code = expected_code(TRAINING_SECRET, clock)
    assert re.fullmatch(r"\d{3} \d{3}", code)
    assert screen.codes == [(TRAINING_NAME, code)]
    assert screen.countdowns == [expected_left(clock)] == [DEFAULT_PROFILE.period]
    (card,) = screen._list.children
    assert "mfa-phone-entry" in card._dom_classes
    name, code_html, countdown, delete_row = card.children
    (delete,) = delete_row.children
    assert "mfa-phone-delete" in delete._dom_classes and delete.layout.display == "none"
    assert "SpectrumVoIP" in name.value and TRAINING_LOGIN in name.value
    assert "mfa-phone-code" in code_html._dom_classes and code in code_html.value
    assert "mfa-phone-countdown" in countdown._dom_classes
    assert (countdown.value, countdown.max) == (DEFAULT_PROFILE.period, DEFAULT_PROFILE.period)
    assert screen.text.splitlines()[1] == f"{TRAINING_NAME}  {code}  (30 s left)"


def test_scanning_a_picture_without_a_qr_code_adds_nothing(
    phone: Authenticator, clock: FixedClock
) -> None:
    screen = PhoneScreen(phone, camera=blank_png)

    assert screen.scan_qr_code() is None

    assert screen.message == "Could not read a QR code: no QR code found in the picture."
    assert phone.entries == [] and screen.codes == []


def test_scanning_something_that_is_not_a_picture_adds_nothing(phone: Authenticator) -> None:
    screen = PhoneScreen(phone)

    screen.scan_qr_code(b"this is not a picture")

    assert screen.message.startswith("Could not read a QR code: not a picture that can be read")
    assert phone.entries == []


def test_scanning_a_qr_code_that_is_not_an_account_adds_nothing(phone: Authenticator) -> None:
    screen = PhoneScreen(phone, camera=lambda: qr.png_bytes("https://example.com/login"))

    tap_scan(screen)

    assert screen.message == "This QR code is not an authenticator account: not an otpauth:// URI."
    assert phone.entries == []


def test_scanning_a_qr_code_with_a_broken_key_adds_nothing(phone: Authenticator) -> None:
    broken = f"otpauth://totp/{ISSUER}:{TRAINING_LOGIN}?secret=18&issuer={ISSUER}"
    screen = PhoneScreen(phone, camera=lambda: qr.png_bytes(broken))

    tap_scan(screen)

    assert screen.message == (
        "This QR code's key cannot be used: the secret is not valid base32 "
        "(only the letters A-Z and the digits 2-7)."
    )
    assert phone.entries == []


def test_nothing_to_scan_before_the_portal_shows_a_qr_code(
    screen: PhoneScreen, phone: Authenticator
) -> None:
    tap_scan(screen)

    assert screen.message == NOTHING_TO_SCAN
    assert phone.entries == []
    assert PhoneScreen(phone).scan_qr_code() is None  # a phone without a camera picture


def test_scanning_twice_keeps_both_entries_side_by_side(
    screen: PhoneScreen, profile: ProfileScreen, clock: FixedClock
) -> None:
    first = profile.set_up_google_authenticator()
    tap_scan(screen)
    second = profile.set_up_google_authenticator()
    tap_scan(screen)

    assert first is not None and second is not None
    assert screen.codes == [
        (TRAINING_NAME, expected_code(first.secret, clock)),
        (TRAINING_NAME, expected_code(second.secret, clock)),
    ]
    assert len(screen._list.children) == 2


def test_enter_a_setup_key_by_hand(phone: Authenticator, clock: FixedClock) -> None:
    screen = PhoneScreen(phone)
    screen.add_button.click()
    screen.setup_key_button.click()
    assert screen._key_form.layout.display is None and screen._menu.layout.display == "none"

    screen.account_field.value = TRAINING_LOGIN
    screen.key_field.value = TRAINING_SECRET.lower()
    screen.control("mfa-phone-key-add").click()

    assert screen.codes == [(TRAINING_NAME, expected_code(TRAINING_SECRET, clock))]
    assert screen.message == f"Account added: {TRAINING_NAME}."
    assert screen.key_field.value == "" and screen._key_form.layout.display == "none"


def test_an_invalid_setup_key_is_explained_and_adds_nothing(phone: Authenticator) -> None:
    screen = PhoneScreen(phone)
    screen.open_setup_key_form()
    screen.account_field.value = TRAINING_LOGIN
    screen.key_field.value = "not base32 at all! 0189"

    screen.key_add_button.click()

    assert screen.message == (
        "The key is not valid: the secret is not valid base32 "
        "(only the letters A-Z and the digits 2-7)."
    )
    assert phone.entries == [] and screen.codes == []
    assert screen.key_field.value == "not base32 at all! 0189"  # kept, so it can be corrected


def test_with_the_training_clock_the_phone_never_ticks_by_itself(
    phone: Authenticator, clock: FixedClock
) -> None:
    phone.enter_setup_key(TRAINING_LOGIN, TRAINING_SECRET)
    screen = PhoneScreen(phone, auto_refresh=True)

    assert not screen.ticking
    assert "mfa-phone-refresh" not in {thread.name for thread in threading.enumerate()}
    shown = screen.codes
    clock.advance(DEFAULT_PROFILE.period)
    assert screen.codes == shown  # what is on screen changes only when redrawn

    screen.refresh()
    assert screen.codes == [(TRAINING_NAME, expected_code(TRAINING_SECRET, clock))] != shown


def test_the_simulation_control_lets_time_pass(phone: Authenticator, clock: FixedClock) -> None:
    phone.enter_setup_key(TRAINING_LOGIN, TRAINING_SECRET)
    screen = PhoneScreen(phone)
    wait = screen.control("mfa-phone-wait")
    assert wait.description == "Let 30 s pass"
    start = clock.now()
    first = screen.codes

    wait.click()

    assert clock.now() == start + DEFAULT_PROFILE.period
    assert screen.codes == [(TRAINING_NAME, expected_code(TRAINING_SECRET, clock))] != first
    screen.let_time_pass(10)
    assert screen.countdowns == [expected_left(clock)] == [DEFAULT_PROFILE.period - 10]


def test_a_phone_with_a_wrong_clock_shows_the_code_of_its_own_time(clock: FixedClock) -> None:
    skewed = SkewedClock(clock, 95)
    phone = Authenticator(skewed)
    phone.enter_setup_key(TRAINING_LOGIN, TRAINING_SECRET)

    screen = PhoneScreen(phone)

    assert screen.codes == [(TRAINING_NAME, expected_code(TRAINING_SECRET, skewed))]
    assert screen.countdowns == [expected_left(skewed)] == [25]
    screen.let_time_pass(5)  # moves the training clock under the skew
    assert clock.now() == TRAINING_INSTANT.timestamp() + 5
    assert screen.countdowns == [expected_left(skewed)] == [20]


def test_a_real_clock_phone_has_no_simulation_control_and_can_refresh_itself() -> None:
    phone = Authenticator(SystemClock())
    phone.add_uri(build_uri(TRAINING_SECRET, TRAINING_LOGIN))

    still = PhoneScreen(phone, auto_refresh=False)
    assert not still.ticking
    with pytest.raises(KeyError):
        still.control("mfa-phone-wait")
    with pytest.raises(RuntimeError, match="real clock"):
        still.let_time_pass(30)

    live = PhoneScreen(phone)
    assert live.ticking
    live.stop()
    assert not live.ticking
    assert [name for name, _ in live.codes] == [TRAINING_NAME]


def test_html_in_an_account_name_is_escaped(phone: Authenticator) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    screen = PhoneScreen(phone)

    screen.enter_setup_key(hostile, TRAINING_SECRET)

    (card,) = screen._list.children
    assert "<img" not in card.children[0].value
    assert "&lt;img src=x onerror=alert(1)&gt;" in card.children[0].value
    assert "<img" not in screen.message_area.value


def test_phone_profile_and_login_work_together_by_clicks(
    screen: PhoneScreen, profile: ProfileScreen, portal: Portal, clock: FixedClock
) -> None:
    from mfa_kit.screens.login import LoginScreen
    from mfa_kit.training import TRAINING_PASSWORD

    profile.user_menu_button.click()
    profile.profile_button.click()
    profile.set_up_button.click()
    tap_scan(screen)
    profile.passcode.value = screen.codes[0][1]
    profile.current_password.value = TRAINING_PASSWORD
    profile.save_button.click()
    assert portal.status(TRAINING_LOGIN).mfa_active

    screen.wait_button.click()
    login = LoginScreen(portal)
    login.login_name.value = TRAINING_LOGIN
    login.password.value = TRAINING_PASSWORD
    login.log_in_button.click()
    login.security_code.value = screen.codes[0][1]
    login.submit_button.click()

    assert login.stage == "logged_in"
    assert clock.now() == TRAINING_INSTANT.timestamp() + DEFAULT_PROFILE.period


def two_entries(screen: PhoneScreen, profile: ProfileScreen) -> tuple[str, str]:
    """An old entry (from a QR code replaced since) above the current one: their secrets."""
    first = profile.set_up_google_authenticator()
    tap_scan(screen)
    second = profile.set_up_google_authenticator()
    tap_scan(screen)
    assert first is not None and second is not None
    return first.secret, second.secret


def test_edit_shows_a_delete_button_beside_each_entry(
    screen: PhoneScreen, profile: ProfileScreen
) -> None:
    two_entries(screen, profile)
    assert [b.layout.display for b in screen.delete_buttons] == ["none", "none"]
    edit = screen.control("mfa-phone-edit")
    assert edit.description == "Edit"

    edit.click()

    assert screen.editing and edit.description == "Done"
    assert [b.layout.display for b in screen.delete_buttons] == [None, None]
    assert [b.description for b in screen.delete_buttons] == ["Delete", "Delete"]
    assert screen.message == EDITING_TEXT
    assert screen.text.splitlines()[0] == "Google Authenticator (editing)"

    edit.click()

    assert not screen.editing and edit.description == "Edit"
    assert [b.layout.display for b in screen.delete_buttons] == ["none", "none"]


def test_delete_asks_first_and_then_removes_only_that_entry(
    screen: PhoneScreen, profile: ProfileScreen, phone: Authenticator, clock: FixedClock
) -> None:
    old, new = two_entries(screen, profile)
    screen.edit_button.click()

    screen.delete_buttons[0].click()

    # Nothing is gone yet: the app asks.
    assert len(phone.entries) == 2
    assert screen.asking_to_delete is phone.entries[0]
    assert screen._confirm.layout.display is None
    # The entry asked about is framed; its twin of the same name is not.
    assert [row.card.layout.border is not None for row in screen._rows] == [True, False]
    assert TRAINING_NAME in screen.confirm_text.value
    assert f"{CONFIRM_TITLE} Deleting {TRAINING_NAME} from this phone" in screen.text
    assert screen.control("mfa-phone-confirm-delete").description == CONFIRM_LABEL

    screen.confirm_button.click()

    assert [entry.secret for entry in phone.entries] == [new]
    assert screen.codes == [(TRAINING_NAME, expected_code(new, clock))]
    assert screen.message == f"Account deleted: {TRAINING_NAME}."
    assert screen.asking_to_delete is None and screen._confirm.layout.display == "none"
    assert [row.card.layout.border for row in screen._rows] == [None]
    assert old != new


def test_cancel_deletes_nothing(
    screen: PhoneScreen, profile: ProfileScreen, phone: Authenticator
) -> None:
    two_entries(screen, profile)
    before = list(phone.entries)
    shown = screen.codes
    screen.ask_to_delete(1)

    screen.control("mfa-phone-cancel-delete").click()

    assert phone.entries == before and all(
        a is b for a, b in zip(phone.entries, before, strict=True)
    )
    assert screen.codes == shown
    assert screen.asking_to_delete is None and screen._confirm.layout.display == "none"
    assert screen.message == EDITING_TEXT


def test_done_closes_an_open_confirmation_without_deleting(
    screen: PhoneScreen, profile: ProfileScreen, phone: Authenticator
) -> None:
    two_entries(screen, profile)
    screen.ask_to_delete(0)

    screen.edit_button.click()  # now labelled Done

    assert len(phone.entries) == 2
    assert screen.asking_to_delete is None and not screen.editing


def test_confirm_with_nothing_asked_deletes_nothing(
    screen: PhoneScreen, profile: ProfileScreen, phone: Authenticator
) -> None:
    two_entries(screen, profile)
    before = list(phone.entries)

    assert screen.confirm_delete() is None

    assert phone.entries == before


def test_an_entry_already_gone_is_not_deleted_twice(
    screen: PhoneScreen, profile: ProfileScreen, phone: Authenticator
) -> None:
    two_entries(screen, profile)
    screen.ask_to_delete(0)
    gone = phone.entries[0]
    phone.delete(gone)
    left = list(phone.entries)

    assert screen.confirm_delete() is None

    assert screen.message == "That entry is no longer on this phone."
    assert phone.entries == left


def test_deleting_the_last_entry_shows_the_empty_phone(
    screen: PhoneScreen, profile: ProfileScreen, phone: Authenticator
) -> None:
    profile.set_up_google_authenticator()
    tap_scan(screen)
    screen.ask_to_delete(0)
    screen.confirm_delete()

    assert phone.entries == [] and screen.codes == []
    assert screen._empty.layout.display is None
    assert "(no accounts)" in screen.text


def test_delete_the_old_entry_then_scan_the_new_qr_code(
    screen: PhoneScreen, profile: ProfileScreen, phone: Authenticator, clock: FixedClock
) -> None:
    """What the course asks after a second Set Up: one entry left, the one the portal expects."""
    first = profile.set_up_google_authenticator()
    tap_scan(screen)
    second = profile.set_up_google_authenticator()
    assert first is not None and second is not None

    screen.edit_button.click()
    screen.delete_buttons[0].click()
    screen.confirm_button.click()
    screen.edit_button.click()
    tap_scan(screen)

    assert [entry.secret for entry in phone.entries] == [second.secret]
    assert screen.codes == [(TRAINING_NAME, expected_code(second.secret, clock))]


def test_enter_in_the_key_box_adds_the_entry(phone: Authenticator, clock: FixedClock) -> None:
    screen = PhoneScreen(phone)
    screen.open_setup_key_form()
    screen.account_field.value = TRAINING_LOGIN
    screen.key_field.value = TRAINING_SECRET

    press_enter(screen.key_field)

    assert screen.codes == [(TRAINING_NAME, expected_code(TRAINING_SECRET, clock))]


def test_the_phone_shrinks_with_the_page_instead_of_being_clipped(screen: PhoneScreen) -> None:
    phone_card = screen.widget.children[0]
    assert phone_card.layout.width == "100%" and phone_card.layout.max_width == "300px"
    toolbar = phone_card.children[1]
    assert toolbar.children == (screen.add_button, screen.edit_button)
    assert toolbar.layout.flex_flow == "row wrap"


def test_a_frozen_phone_cannot_move_the_clock_or_delete(
    screen: PhoneScreen, profile: ProfileScreen
) -> None:
    two_entries(screen, profile)
    screen.edit()

    screen.freeze()

    frozen = [screen.wait_button, screen.add_button, screen.edit_button, *screen.delete_buttons]
    assert all(button.disabled for button in frozen)
