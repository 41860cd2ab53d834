"""`mfa-kit demo` in a real browser: every step of the customer demo, typed and clicked.

The QR code is read from a screenshot of the page, the phone's codes from the page, and each
step's text is checked as the customer sees it; nothing may leave 127.0.0.1.
"""

from __future__ import annotations

import base64
import re

import pytest

from mfa_kit.otp import DEFAULT_PROFILE, ISSUER, Totp, format_code, parse_uri
from mfa_kit.policy import DEFAULT_POLICY
from mfa_kit.training import (
    TRAINING_DISPLAY_NAME,
    TRAINING_INSTANT,
    TRAINING_LOGIN,
    TRAINING_PASSWORD,
    TRAINING_SECRET,
)
from tests.browser.demo_token import printed_url

pytestmark = pytest.mark.browser

START = TRAINING_INSTANT.timestamp()
HOSTILE_LOGIN = "<img src=x onerror=alert(1)>"
STEP_1 = "SpectrumVoIP support switches MFA on (done for you)"


def field(page, css_class: str):
    """The text box inside the widget carrying ``css_class`` (ipywidgets wraps inputs)."""
    return page.locator(f".{css_class} input")


def button(page, css_class: str):
    return page.locator(f"button.{css_class}")


def type_into(page, css_class: str, text: str) -> None:
    """Click into the real input and type ``text`` into it.

    One input event for the whole text: ipywidgets holds back a model's later updates while
    an earlier one is unanswered, and a button's click is not held back, so key-by-key
    typing followed at once by a click can reach the kernel before the last keys do.
    """
    box = field(page, css_class)
    box.click()
    box.fill(text)


def expect_step(page, expect, number: int, title: str) -> None:
    expect(page.locator(".mfa-demo-step-current")).to_have_text(f"{number}. {title}")


def a_wrong_code(secret: str, at: float) -> str:
    """A well-formed code that no step near ``at`` produces (so the portal says "not correct",
    not "expired")."""
    totp = Totp(secret)
    step = totp.step(at)
    near = {
        totp.code_for_step(s)
        for s in range(
            step - DEFAULT_POLICY.expired_lookback_steps, step + DEFAULT_POLICY.window_steps + 1
        )
    }
    return next(code for code in (f"{n:06d}" for n in range(0, 10**6, 111_111)) if code not in near)


def open_demo(start_server, web, expect):
    server = start_server("demo")
    page = web.page
    page.goto(printed_url(server))  # the URL with the token, as the demo printed it
    # The first interactive widget: the agent's Enable MFA button.
    button(page, "mfa-agent-enable").wait_for(state="visible")
    expect_step(page, expect, 1, STEP_1)
    # voila shows the page, never the code behind it.
    assert "import" not in page.locator("body").inner_text()
    assert page.locator(".jp-CodeCell .jp-InputArea").count() == 0
    return page


def test_the_whole_demo_from_enabling_mfa_to_logging_in_with_a_code(start_server, web):
    from playwright.sync_api import expect

    page = open_demo(start_server, web, expect)
    expect(page.locator(".mfa-demo-explain")).to_contain_text("click Enable MFA")
    # A customer sees only what step 1 needs: no Reset MFA, Unlock or audit trail.
    assert button(page, "mfa-agent-reset").count() == 0
    assert button(page, "mfa-agent-unlock").count() == 0
    assert page.locator(".mfa-agent-audit").count() == 0
    expect(page.locator(".mfa-demo-support-done")).to_be_hidden()
    web.screenshot("agent-console")

    # 1. The agent enables MFA.
    type_into(page, "mfa-agent-login", TRAINING_LOGIN)
    button(page, "mfa-agent-enable").click()
    expect(page.locator(".mfa-agent-message")).to_have_text(f"MFA is enabled for {TRAINING_LOGIN}.")
    expect_step(page, expect, 2, "Profile")
    # The confirmation stays in sight after the support panel has gone.
    expect(page.locator(".mfa-demo-support-done")).to_have_text(
        f"✔ SpectrumVoIP support has switched MFA on for {TRAINING_LOGIN}."
    )
    web.screenshot("mfa-enabled")

    # 2. The user's name in the top bar → Profile → Change Account Security.
    expect(page.locator(".mfa-agent-console")).to_be_hidden()
    button(page, "mfa-topbar-user").click()
    button(page, "mfa-topbar-profile").click()
    profile = page.locator(".mfa-profile-screen")
    expect(profile).to_contain_text("Change Account Security")
    expect(profile).to_contain_text(f"Login Name: {TRAINING_LOGIN}")
    expect(page.locator(".mfa-profile-state")).to_contain_text(
        "Multi-factor authentication is enabled for this account."
    )
    expect_step(page, expect, 3, "Set Up Google Authenticator")
    web.screenshot("profile")

    # 3. Set Up Google Authenticator: the QR code, read back from a screenshot of the page.
    button(page, "mfa-setup-authenticator").click()
    qr_image = page.locator("img.mfa-qr-image")
    expect(qr_image).to_be_visible()
    expect(page.locator(".mfa-profile-message")).to_contain_text("Scan a QR code")
    expect_step(page, expect, 4, "Phone adds the account")
    web.screenshot("qr-code")
    from mfa_kit.qr import decode

    uri = decode(qr_image.screenshot())
    parsed = parse_uri(uri)
    assert uri.startswith(f"otpauth://totp/{ISSUER}:{TRAINING_LOGIN}?")
    assert (parsed.issuer, parsed.label_issuer, parsed.account) == (ISSUER, ISSUER, TRAINING_LOGIN)
    assert re.fullmatch(r"[A-Z2-7]{32}", parsed.secret), parsed.secret
    raw_secret = re.search(r"[?&]secret=([^&]*)", uri).group(1)
    assert raw_secret == parsed.secret  # no padding ("=" or "%3D") and nothing escaped
    assert len(base64.b32decode(parsed.secret)) == 20
    # Simulated mode hands out the documented training secret, so runs repeat exactly.
    assert parsed.secret == TRAINING_SECRET
    secret = parsed.secret

    # 4. The simulated phone: Add → Scan a QR code.
    button(page, "mfa-phone-add").click()
    button(page, "mfa-phone-scan").click()
    entry = page.locator(".mfa-phone-entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(ISSUER)
    expect(entry).to_contain_text(TRAINING_LOGIN)
    expect(page.locator(".mfa-phone-message")).to_have_text(
        f"Account added: {ISSUER} ({TRAINING_LOGIN})."
    )
    first_code = page.locator(".mfa-phone-code").inner_text().strip()
    # The phone computes from the key it decoded, on the portal's clock.
    assert first_code == format_code(Totp(secret).at(START))
    expect_step(page, expect, 5, "Passcode + Current Password → Save")
    web.screenshot("phone-added")

    # 5. Passcode + Current Password → Save (the code typed as the phone shows it).
    type_into(page, "mfa-passcode", first_code)
    type_into(page, "mfa-current-password", TRAINING_PASSWORD)
    button(page, "mfa-save").click()
    expect(page.locator(".mfa-profile-message")).to_have_text(
        "Your security settings were saved. MFA is now active on this account."
    )
    expect(qr_image).to_be_hidden()
    expect_step(page, expect, 6, "Log Out")
    web.screenshot("saved")

    # 6. Log Out: time moves on one period, so the phone shows the next code.
    button(page, "mfa-demo-logout").click()
    expect_step(page, expect, 7, "Log In")
    expect(page.locator(".mfa-login-message")).to_have_text("You are logged out.")
    expect(page.locator(".mfa-profile-screen")).to_be_hidden()
    second_code = format_code(Totp(secret).at(START + DEFAULT_PROFILE.period))
    expect(page.locator(".mfa-phone-code")).to_have_text(second_code)
    assert second_code != first_code
    web.screenshot("logged-out")

    # 7. Log In with Login Name and Password.
    type_into(page, "mfa-login-name", TRAINING_LOGIN)
    type_into(page, "mfa-login-password", TRAINING_PASSWORD)
    button(page, "mfa-login-submit").click()
    expect(page.locator(".mfa-login-message")).to_have_text(
        "Type the Security code from Google Authenticator, then click Submit."
    )
    expect(field(page, "mfa-security-code")).to_be_visible()
    expect_step(page, expect, 8, "Security code → Submit")
    web.screenshot("security-code")

    # A wrong code: the portal's error, and still on the Security code page.
    type_into(page, "mfa-security-code", a_wrong_code(secret, START + DEFAULT_PROFILE.period))
    button(page, "mfa-security-submit").click()
    message = page.locator(".mfa-login-message")
    expect(message).to_contain_text(
        f"That code is not correct. Type the code the app shows now for {ISSUER}."
    )
    left = DEFAULT_POLICY.max_failures - 1
    expect(message).to_contain_text(f"{left} more failed attempts before the account locks.")
    expect(field(page, "mfa-security-code")).to_be_visible()
    expect_step(page, expect, 8, "Security code → Submit")
    web.screenshot("wrong-code")

    # 8. The code read from the phone on the page → Submit → logged in.
    code = page.locator(".mfa-phone-code").inner_text().strip()
    assert code == second_code
    type_into(page, "mfa-security-code", code)
    button(page, "mfa-security-submit").click()
    expect(page.locator(".mfa-login-message")).to_have_text(
        f"Welcome, {TRAINING_DISPLAY_NAME}. You are logged in."
    )
    expect_step(page, expect, 9, "Logged in")
    expect(field(page, "mfa-security-code")).to_be_hidden()
    web.screenshot("logged-in")

    # Reset demo starts the story over on a fresh portal.
    button(page, "mfa-demo-reset").click()
    expect_step(page, expect, 1, STEP_1)
    expect(page.locator(".mfa-agent-console")).to_be_visible()
    expect(page.locator(".mfa-login-screen")).to_be_hidden()
    expect(page.locator(".mfa-phone-entry")).to_have_count(0)
    web.screenshot("reset")


def test_a_login_name_with_html_is_shown_as_text_and_runs_nothing(start_server, web):
    from playwright.sync_api import expect

    page = open_demo(start_server, web, expect)
    type_into(page, "mfa-agent-login", HOSTILE_LOGIN)
    button(page, "mfa-agent-find").click()
    message = page.locator(".mfa-agent-message")
    expect(message).to_have_text(f"There is no account with the Login Name {HOSTILE_LOGIN!r}.")
    # Shown as characters, not turned into an element (the dialog watcher fails on alert()).
    assert page.locator("img[src='x']").count() == 0
    assert message.locator("img").count() == 0
    expect(page.locator(".mfa-agent-status")).to_have_text("No account on screen.")
    expect_step(page, expect, 1, STEP_1)
    web.screenshot("html-login-name")
