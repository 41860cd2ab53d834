"""The login screen driven as a person would: type into the fields, click the buttons.

Every refusal shows the portal's own sentence and leaves the account as it was, except the
failure counter where the portal counts the attempt.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import FixedClock
from mfa_kit.otp import format_code
from mfa_kit.policy import DEFAULT_POLICY
from mfa_kit.portal import GOOGLE_LOGIN_MESSAGE, Portal
from mfa_kit.screens._view import press_enter
from mfa_kit.screens.login import LOGGED_OUT_MESSAGE, LoginScreen
from mfa_kit.store import Account
from mfa_kit.training import TRAINING_DISPLAY_NAME, TRAINING_LOGIN, TRAINING_PASSWORD

WRONG_LOGIN = "The Login Name or Password is not correct."
WRONG_CODE = "That code is not correct. Type the code the app shows now for SpectrumVoIP."
REUSED_CODE = "That code was already used. Wait for the app to show a new code, then type it."
EXPIRED_CODE = (
    "That code has expired. Codes change every 30 seconds: type the code the app shows now. "
    "If this keeps happening, set the phone's date and time to automatic."
)
TYPE_THE_PASSWORD = "Type your Password, then click Log In."  # noqa: S105 - a message
TYPE_THE_CODE = "Type the Security code that Google Authenticator shows, then click Submit."
TIMED_OUT = (
    "This login has timed out or was already used. Log in again with your Login Name and Password."
)


def account(portal: Portal, login: str = TRAINING_LOGIN) -> Account:
    found = portal.store.account(login)
    assert found is not None
    return found


def assert_failures_rose(portal: Portal, before: Account, by: int) -> None:
    """Nothing but the failure counter changed, and it rose by exactly ``by``."""
    assert account(portal, before.login) == dataclasses.replace(
        before, failures=before.failures + by
    )


def type_credentials(screen: LoginScreen, login: str, password: str) -> None:
    screen.login_name.value = login
    screen.password.value = password
    screen.log_in_button.click()


def type_code(screen: LoginScreen, code: str) -> None:
    screen.security_code.value = code
    screen.submit_button.click()


def phone_code(phone: Authenticator) -> str:
    return format_code(phone.find(TRAINING_LOGIN)[0].code())


@pytest.fixture
def screen(portal: Portal) -> LoginScreen:
    return LoginScreen(portal)


@pytest.fixture
def mfa_screen(enrolled: Portal) -> LoginScreen:
    return LoginScreen(enrolled)


def test_the_screen_has_the_portal_labels_and_agreed_css_classes(screen: LoginScreen) -> None:
    labels = {
        "mfa-login-name": "Login Name",
        "mfa-login-password": "Password",
        "mfa-login-submit": "Log In",
        "mfa-login-google": "Log in with Google",
        "mfa-security-code": "Security code",
        "mfa-security-submit": "Submit",
    }
    for css_class, label in labels.items():
        control = screen.control(css_class)
        assert css_class in control._dom_classes
        assert control.description == label
    assert "mfa-login-message" in screen.control("mfa-login-message")._dom_classes
    assert screen.stage == "credentials"
    assert screen.message == ""
    with pytest.raises(KeyError, match="mfa-nothing"):
        screen.control("mfa-nothing")


def test_display_shows_the_widget_with_a_stable_text(screen: LoginScreen) -> None:
    bundle = screen._repr_mimebundle_()
    assert bundle["text/plain"] == "Stratus Web Portal: Log In"
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == screen.widget.model_id


def test_account_without_mfa_logs_straight_in(screen: LoginScreen, portal: Portal) -> None:
    type_credentials(screen, TRAINING_LOGIN, TRAINING_PASSWORD)

    assert screen.stage == "logged_in"
    assert screen.message == f"Welcome, {TRAINING_DISPLAY_NAME}. You are logged in."
    assert screen.session is not None and screen.session.used_mfa is False
    assert screen.password.value == ""
    assert "Welcome, Jordan Lee." in screen.message_area.value


def test_mfa_login_asks_for_the_security_code_then_logs_in(
    mfa_screen: LoginScreen, enrolled: Portal, phone: Authenticator
) -> None:
    type_credentials(mfa_screen, TRAINING_LOGIN, TRAINING_PASSWORD)

    assert mfa_screen.stage == "security_code"
    assert (
        mfa_screen.message == "Type the Security code from Google Authenticator, then click Submit."
    )
    assert mfa_screen.session is None

    type_code(mfa_screen, phone_code(phone))

    assert mfa_screen.stage == "logged_in"
    assert mfa_screen.session is not None and mfa_screen.session.used_mfa is True
    assert mfa_screen.message == f"Welcome, {TRAINING_DISPLAY_NAME}. You are logged in."
    assert mfa_screen.security_code.value == ""
    assert "Logged in as jordan.lee" in mfa_screen.text


def test_wrong_password_shows_the_portal_message_and_counts_one_failure(
    mfa_screen: LoginScreen, enrolled: Portal
) -> None:
    before = account(enrolled)

    type_credentials(mfa_screen, TRAINING_LOGIN, "not-the-password")

    assert mfa_screen.message == WRONG_LOGIN
    assert mfa_screen.stage == "credentials"
    assert mfa_screen.session is None
    assert mfa_screen.password.value == ""
    # no count of tries left here: an unknown Login Name has none, so it would give real
    # Login Names away
    assert "more failed attempts" not in mfa_screen.message_area.value
    assert_failures_rose(enrolled, before, 1)


def test_unknown_login_shows_the_same_message_and_changes_no_account(
    mfa_screen: LoginScreen, enrolled: Portal
) -> None:
    before = account(enrolled)
    logins = enrolled.store.logins()

    type_credentials(mfa_screen, "nobody.here", TRAINING_PASSWORD)

    assert mfa_screen.message == WRONG_LOGIN
    assert mfa_screen.stage == "credentials"
    assert account(enrolled) == before
    assert enrolled.store.logins() == logins


def test_wrong_code_is_refused_and_counts_one_failure(
    mfa_screen: LoginScreen, enrolled: Portal, phone: Authenticator
) -> None:
    type_credentials(mfa_screen, TRAINING_LOGIN, TRAINING_PASSWORD)
    before = account(enrolled)
    right = phone_code(phone).replace(" ", "")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    type_code(mfa_screen, wrong)

    assert mfa_screen.message == WRONG_CODE
    assert mfa_screen.stage == "security_code"
    assert mfa_screen.session is None
    assert_failures_rose(enrolled, before, 1)


def test_reused_code_is_refused_and_counts_one_failure(
    mfa_screen: LoginScreen, enrolled: Portal, phone: Authenticator
) -> None:
    code = phone_code(phone)
    type_credentials(mfa_screen, TRAINING_LOGIN, TRAINING_PASSWORD)
    type_code(mfa_screen, code)
    mfa_screen.log_out_button.click()
    assert mfa_screen.message == LOGGED_OUT_MESSAGE
    assert mfa_screen.stage == "credentials" and mfa_screen.session is None

    type_credentials(mfa_screen, TRAINING_LOGIN, TRAINING_PASSWORD)
    before = account(enrolled)
    type_code(mfa_screen, code)

    assert mfa_screen.message == REUSED_CODE
    assert mfa_screen.stage == "security_code"
    assert_failures_rose(enrolled, before, 1)


def test_expired_code_is_refused_and_counts_one_failure(
    mfa_screen: LoginScreen, enrolled: Portal, phone: Authenticator, clock: FixedClock
) -> None:
    type_credentials(mfa_screen, TRAINING_LOGIN, TRAINING_PASSWORD)
    code = phone_code(phone)
    # Beyond the one step of tolerance, well inside the login's time limit.
    clock.advance(3 * DEFAULT_POLICY.profile.period)
    before = account(enrolled)

    type_code(mfa_screen, code)

    assert mfa_screen.message == EXPIRED_CODE
    assert_failures_rose(enrolled, before, 1)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12345", "The code is 6 digits long; this one has 5."),
        ("12a456", "The code is 6 digits from 0 to 9, with nothing else."),
        ("", "Type the Security code that Google Authenticator shows, then click Submit."),
    ],
)
def test_malformed_code_is_explained_and_not_counted(
    mfa_screen: LoginScreen, enrolled: Portal, typed: str, message: str
) -> None:
    type_credentials(mfa_screen, TRAINING_LOGIN, TRAINING_PASSWORD)
    before = account(enrolled)

    type_code(mfa_screen, typed)

    assert mfa_screen.message == message
    assert mfa_screen.stage == "security_code"
    assert account(enrolled) == before


def test_code_with_a_space_as_the_app_shows_it_is_accepted(
    mfa_screen: LoginScreen, phone: Authenticator
) -> None:
    type_credentials(mfa_screen, TRAINING_LOGIN, TRAINING_PASSWORD)
    shown = phone_code(phone)
    assert re.fullmatch(r"\d{3} \d{3}", shown)

    type_code(mfa_screen, shown)

    assert mfa_screen.stage == "logged_in"


def test_too_many_wrong_passwords_lock_the_account(
    mfa_screen: LoginScreen, enrolled: Portal
) -> None:
    for _ in range(DEFAULT_POLICY.max_failures - 1):
        type_credentials(mfa_screen, TRAINING_LOGIN, "wrong")
    type_credentials(mfa_screen, TRAINING_LOGIN, "wrong")

    assert mfa_screen.message == (
        "Too many failed attempts. This account is locked until 2026-01-15 09:16 UTC: "
        "try again in 15 minutes, or ask a Technical Support Agent to unlock it sooner."
    )
    locked = account(enrolled)
    assert locked.locked_until is not None

    # Even the right password is refused now, and the refusal changes nothing.
    type_credentials(mfa_screen, TRAINING_LOGIN, TRAINING_PASSWORD)

    assert mfa_screen.message.startswith("Too many failed attempts.")
    assert mfa_screen.stage == "credentials"
    assert account(enrolled) == locked


def test_lockout_at_the_security_code_step_returns_to_log_in(
    mfa_screen: LoginScreen, enrolled: Portal
) -> None:
    type_credentials(mfa_screen, TRAINING_LOGIN, TRAINING_PASSWORD)
    for _ in range(DEFAULT_POLICY.max_failures):
        assert mfa_screen.stage == "security_code"
        type_code(mfa_screen, "000000")

    assert mfa_screen.message.startswith("Too many failed attempts.")
    assert mfa_screen.stage == "credentials"
    assert enrolled.status(TRAINING_LOGIN).locked_until is not None


def test_log_in_with_google_is_not_the_mfa_path(mfa_screen: LoginScreen, enrolled: Portal) -> None:
    before = account(enrolled)

    mfa_screen.google_button.click()

    assert mfa_screen.message == GOOGLE_LOGIN_MESSAGE
    assert mfa_screen.stage == "credentials"
    assert mfa_screen.session is None
    assert account(enrolled) == before


def test_submit_without_logging_in_first_is_refused(
    mfa_screen: LoginScreen, enrolled: Portal
) -> None:
    before = account(enrolled)

    mfa_screen.submit_security_code("123456")

    assert mfa_screen.message == TIMED_OUT
    assert mfa_screen.stage == "credentials"
    assert account(enrolled) == before


def test_a_login_left_too_long_times_out(
    mfa_screen: LoginScreen, enrolled: Portal, phone: Authenticator, clock: FixedClock
) -> None:
    type_credentials(mfa_screen, TRAINING_LOGIN, TRAINING_PASSWORD)
    clock.advance(DEFAULT_POLICY.login_timeout_seconds + 1)
    before = account(enrolled)

    type_code(mfa_screen, phone_code(phone))

    assert mfa_screen.message == TIMED_OUT
    assert mfa_screen.stage == "credentials"
    assert account(enrolled) == before


def test_html_in_a_display_name_is_shown_escaped(portal: Portal) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    portal.create_account("mallory", "pw-for-mallory", hostile)
    screen = LoginScreen(portal)

    type_credentials(screen, "mallory", "pw-for-mallory")

    assert screen.message == f"Welcome, {hostile}. You are logged in."
    assert "<img" not in screen.message_area.value
    assert "&lt;img src=x onerror=alert(1)&gt;" in screen.message_area.value


def test_html_typed_as_login_name_is_never_rendered(screen: LoginScreen, portal: Portal) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    before = account(portal)

    type_credentials(screen, hostile, "whatever")

    assert screen.message == WRONG_LOGIN
    assert "<img" not in screen.message_area.value
    assert account(portal) == before


def test_enter_in_the_password_box_clicks_log_in(
    mfa_screen: LoginScreen, enrolled: Portal, phone: Authenticator
) -> None:
    mfa_screen.login_name.value = TRAINING_LOGIN
    mfa_screen.password.value = TRAINING_PASSWORD

    press_enter(mfa_screen.password)

    assert mfa_screen.stage == "security_code"
    assert mfa_screen.password.value == ""

    mfa_screen.security_code.value = phone_code(phone)
    press_enter(mfa_screen.security_code)

    assert mfa_screen.stage == "logged_in"
    assert mfa_screen.session is not None and mfa_screen.session.used_mfa


def test_enter_in_the_login_name_box_clicks_log_in(screen: LoginScreen) -> None:
    screen.login_name.value = TRAINING_LOGIN
    screen.password.value = TRAINING_PASSWORD

    press_enter(screen.login_name)

    assert screen.stage == "logged_in"


def test_other_messages_from_a_box_are_not_enter(screen: LoginScreen, portal: Portal) -> None:
    before = account(portal)
    events = portal.audit_trail()
    screen.login_name.value = TRAINING_LOGIN
    screen.password.value = TRAINING_PASSWORD

    screen.password._handle_msg(
        {"content": {"data": {"method": "custom", "content": {"event": "focus"}}}, "buffers": []}
    )

    assert screen.stage == "credentials" and screen.message == ""
    assert screen.password.value == TRAINING_PASSWORD
    assert account(portal) == before and portal.audit_trail() == events


@pytest.mark.parametrize("press", ["click", "enter"])
def test_an_empty_password_asks_for_it_and_is_not_counted(
    mfa_screen: LoginScreen, enrolled: Portal, press: str
) -> None:
    before = account(enrolled)
    events = enrolled.audit_trail()
    mfa_screen.login_name.value = TRAINING_LOGIN
    mfa_screen.password.value = ""

    if press == "click":
        mfa_screen.log_in_button.click()
    else:
        press_enter(mfa_screen.password)

    assert mfa_screen.message == TYPE_THE_PASSWORD
    assert TYPE_THE_PASSWORD in mfa_screen.message_area.value
    assert mfa_screen.stage == "credentials" and mfa_screen.session is None
    assert mfa_screen.login_name.value == TRAINING_LOGIN
    assert account(enrolled) == before
    assert enrolled.audit_trail() == events


def test_an_empty_security_code_by_enter_is_answered_and_not_counted(
    mfa_screen: LoginScreen, enrolled: Portal
) -> None:
    type_credentials(mfa_screen, TRAINING_LOGIN, TRAINING_PASSWORD)
    before = account(enrolled)

    mfa_screen.security_code.value = "   "
    press_enter(mfa_screen.security_code)

    assert mfa_screen.message == TYPE_THE_CODE
    assert mfa_screen.stage == "security_code"
    assert account(enrolled) == before


def test_the_screen_shrinks_with_the_page_instead_of_being_clipped(screen: LoginScreen) -> None:
    assert screen.widget.layout.width == "100%"
    assert screen.widget.layout.max_width == "460px"
    for box in (screen.login_name, screen.password, screen.security_code):
        assert box.layout.width == "100%"


def test_a_frozen_login_page_stays_a_picture(mfa_screen: LoginScreen, enrolled: Portal) -> None:
    type_credentials(mfa_screen, TRAINING_LOGIN, TRAINING_PASSWORD)
    shown = mfa_screen.text

    mfa_screen.freeze()

    for css_class in ("mfa-security-code", "mfa-security-submit", "mfa-login-submit"):
        assert mfa_screen.control(css_class).disabled
    assert mfa_screen.text == shown and mfa_screen.stage == "security_code"


def test_log_out_ends_the_session_on_the_portal_not_only_on_the_screen(
    mfa_screen: LoginScreen, enrolled: Portal, phone: Authenticator
) -> None:
    type_credentials(mfa_screen, TRAINING_LOGIN, TRAINING_PASSWORD)
    type_code(mfa_screen, phone_code(phone))
    session = mfa_screen.session
    assert session is not None
    assert enrolled.store.session_count(TRAINING_LOGIN) == 1

    mfa_screen.log_out_button.click()

    assert mfa_screen.stage == "credentials"
    assert mfa_screen.message == LOGGED_OUT_MESSAGE
    assert enrolled.store.session_count(TRAINING_LOGIN) == 0
    # The old token no longer proves a login, e.g. to replace the authenticator.
    assert enrolled.log_out(session) is False
    assert [e.event for e in enrolled.audit_trail(TRAINING_LOGIN)][-1] == "logged_out"
