"""The customer demo driven by clicks, without a browser: each step, refusals, reset, modes."""

from __future__ import annotations

import html
import re
import time

import pytest

pytest.importorskip("ipywidgets")

from mfa_kit import demo as demo_module  # noqa: E402
from mfa_kit.authenticator import Authenticator  # noqa: E402
from mfa_kit.clock import FixedClock, SystemClock  # noqa: E402
from mfa_kit.demo import LIVE, SIMULATED, STEPS, CustomerDemo, mode_from_environment  # noqa: E402
from mfa_kit.otp import DEFAULT_PROFILE, Totp, format_code, parse_uri  # noqa: E402
from mfa_kit.qr import decode  # noqa: E402
from mfa_kit.training import (  # noqa: E402
    TRAINING_INSTANT,
    TRAINING_LOGIN,
    TRAINING_PASSWORD,
    TRAINING_SECRET,
)

START = TRAINING_INSTANT.timestamp()
STEP_1 = "SpectrumVoIP support switches MFA on (done for you)"


def shown(widget) -> bool:
    return widget.layout.display != "none"


def assert_step(demo: CustomerDemo, index: int) -> None:
    """The story is at STEPS[index], and the indicator highlights exactly that step."""
    assert demo.step == index
    assert demo.text.endswith(f"step {index + 1} of {len(STEPS)}, {STEPS[index].title}")
    current = re.findall(r'mfa-demo-step-current"[^>]*>([^<]*)</li>', demo.steps_html.value)
    assert current == [f"{index + 1}. {STEPS[index].title}"]
    assert html.escape(demo.explanation_text) in demo.explanation.value


def click_to_saved(demo: CustomerDemo) -> str:
    """Steps 1 to 5 by clicks; returns the code the phone showed."""
    demo.agent.login_name.value = TRAINING_LOGIN
    demo.agent.enable_button.click()
    demo.profile.user_menu_button.click()
    demo.profile.profile_button.click()
    demo.profile.set_up_button.click()
    demo.phone.add_button.click()
    demo.phone.scan_button.click()
    code = demo.phone.codes[0][1]
    demo.profile.passcode.value = code
    demo.profile.current_password.value = TRAINING_PASSWORD
    demo.profile.save_button.click()
    return code


@pytest.mark.parametrize(
    ("value", "mode"),
    [(None, SIMULATED), ("", SIMULATED), ("live", LIVE), (" LIVE ", LIVE), ("other", SIMULATED)],
)
def test_the_mode_comes_from_the_environment_and_defaults_to_simulated(value, mode):
    environ = {} if value is None else {demo_module.MODE_VARIABLE: value}
    assert mode_from_environment(environ) == mode


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode must be 'simulated' or 'live', not 'demo'"):
        CustomerDemo("demo")


def test_each_click_moves_the_indicator_and_shows_the_screens_that_step_needs():
    demo = CustomerDemo()
    assert isinstance(demo.clock, FixedClock) and demo.clock.now() == START
    assert_step(demo, 0)
    assert shown(demo.agent_column) and not shown(demo.profile.widget)
    assert not shown(demo.login.widget) and not shown(demo.phone_column)

    demo.agent.login_name.value = TRAINING_LOGIN
    demo.agent.enable_button.click()
    assert demo.agent.message == f"MFA is enabled for {TRAINING_LOGIN}."
    assert_step(demo, 1)
    assert not shown(demo.agent_column) and shown(demo.profile.widget)

    demo.profile.user_menu_button.click()
    demo.profile.profile_button.click()
    assert_step(demo, 2)
    assert shown(demo.phone_column)

    demo.profile.set_up_button.click()
    assert_step(demo, 3)
    assert parse_uri(decode(demo.profile.qr_png)).secret == TRAINING_SECRET

    demo.phone.add_button.click()
    demo.phone.scan_button.click()
    assert_step(demo, 4)
    code = demo.phone.codes[0][1]
    assert code == format_code(Totp(TRAINING_SECRET).at(START))

    demo.profile.passcode.value = code
    demo.profile.current_password.value = TRAINING_PASSWORD
    demo.profile.save_button.click()
    assert demo.portal.status(TRAINING_LOGIN).mfa_active
    assert_step(demo, 5)
    assert shown(demo.log_out_button) and not shown(demo.login.widget)

    demo.log_out_button.click()
    assert_step(demo, 6)
    assert demo.clock.now() == START + DEFAULT_PROFILE.period
    next_code = format_code(Totp(TRAINING_SECRET).at(START + DEFAULT_PROFILE.period))
    assert demo.phone.codes[0][1] == next_code != code
    assert shown(demo.login.widget) and not shown(demo.profile.widget)
    assert not shown(demo.log_out_button)

    demo.login.login_name.value = TRAINING_LOGIN
    demo.login.password.value = TRAINING_PASSWORD
    demo.login.log_in_button.click()
    assert_step(demo, 7)

    demo.login.security_code.value = next_code
    demo.login.submit_button.click()
    assert demo.login.message == "Welcome, Jordan Lee. You are logged in."
    assert_step(demo, 8)
    assert demo.text == "Customer demo (simulated phone): step 9 of 9, Logged in"


def test_a_refused_save_stays_on_the_save_step_and_changes_nothing():
    demo = CustomerDemo()
    demo.enable_mfa()
    demo.open_profile()
    demo.set_up_google_authenticator()
    demo.scan_qr_code()
    before = demo.portal.status(TRAINING_LOGIN)
    demo.profile.passcode.value = demo.phone.codes[0][1]
    demo.profile.current_password.value = "not the password"
    demo.profile.save_button.click()
    assert demo.profile.message == "The Current Password is not correct. Nothing was saved."
    assert_step(demo, 4)
    after = demo.portal.status(TRAINING_LOGIN)
    assert (after.mfa_active, after.setup_pending) == (before.mfa_active, before.setup_pending)
    assert not after.mfa_active and after.setup_pending


def test_a_wrong_security_code_keeps_the_security_code_step():
    demo = CustomerDemo()
    click_to_saved(demo)
    demo.log_out()
    demo.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    right = demo.phone.codes[0][1].replace(" ", "")
    wrong = "000000" if right != "000000" else "111111"
    demo.submit_security_code(wrong)
    assert demo.login.message.startswith("That code is not correct.")
    assert_step(demo, 7)
    assert demo.login.session is None
    assert demo.portal.status(TRAINING_LOGIN).failures == 1


def test_the_plain_text_next_to_the_widget_is_the_step():
    demo = CustomerDemo()
    bundle = demo._repr_mimebundle_()
    assert bundle["text/plain"] == "Customer demo (simulated phone): step 1 of 9, " + STEP_1
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_reset_starts_over_on_a_fresh_portal_and_closes_the_old_screens():
    demo = CustomerDemo()
    click_to_saved(demo)
    old_portal, old_phone, old_body = demo.portal, demo.phone, demo.body.children
    demo.reset_button.click()
    assert demo.portal is not old_portal
    assert not demo.portal.status(TRAINING_LOGIN).mfa_enabled
    assert demo.clock.now() == START
    assert demo.phone.authenticator.entries == []
    assert_step(demo, 0)
    # Closed: no front-end view of the old story is left behind.
    assert old_phone.widget.comm is None
    assert all(widget.comm is None for widget in old_body)
    assert all(widget.comm is not None for widget in demo.body.children)
    assert demo.body.children[1] is demo.agent_column
    # The fresh portal hands out the training secret again: the run repeats exactly.
    demo.enable_mfa()
    demo.open_profile()
    demo.set_up_google_authenticator()
    assert parse_uri(decode(demo.profile.qr_png)).secret == TRAINING_SECRET


def test_live_mode_has_no_simulated_phone_and_a_fresh_secret_on_the_real_clock():
    demo = CustomerDemo(LIVE)
    assert demo.phone is None and isinstance(demo.clock, SystemClock)
    with pytest.raises(RuntimeError, match="customer's own phone"):
        demo.scan_qr_code()
    demo.enable_mfa()
    demo.open_profile()
    demo.set_up_google_authenticator()
    # The page cannot see a real phone: it asks to scan and save until Save succeeds.
    assert_step(demo, 3)
    assert demo.explanation_text.startswith(demo_module.LIVE_SCAN_TEXT)
    secret = parse_uri(decode(demo.profile.qr_png)).secret
    assert secret != TRAINING_SECRET and len(secret) == 32

    # The customer's phone scans the page's QR code and reads out its code.
    phone = Authenticator(SystemClock())
    entry = phone.scan_qr_code(demo.profile.qr_png)
    demo.save(entry.code(), TRAINING_PASSWORD)
    assert demo.portal.status(TRAINING_LOGIN).mfa_active
    assert_step(demo, 5)
    demo.log_out()
    assert_step(demo, 6)
    demo.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    assert_step(demo, 7)
    # The phone's next code: the one used at Save is never accepted twice, and one step
    # ahead is inside the portal's window.
    demo.submit_security_code(Totp(secret).at(time.time() + DEFAULT_PROFILE.period))
    assert demo.login.session is not None, demo.login.message
    assert_step(demo, 8)


def widgets_in(widget) -> list:
    """``widget`` and everything inside it, depth first."""
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += widgets_in(child)
    return found


def test_step_1_shows_the_customer_only_enable_mfa_and_keeps_the_confirmation():
    demo = CustomerDemo()
    assert STEPS[0].title == STEP_1 and "click Enable MFA" in STEPS[0].explanation
    on_page = widgets_in(demo.body)
    assert demo.agent.enable_button in on_page and demo.agent.find_button in on_page
    assert demo.agent.reset_button not in on_page and demo.agent.unlock_button not in on_page
    assert demo.agent.audit_area not in on_page
    assert not shown(demo.support_note)

    demo.enable_mfa()
    assert_step(demo, 1)
    assert not shown(demo.agent_column) and shown(demo.support_note)
    assert demo.support_note.value.count(f"switched MFA on for {TRAINING_LOGIN}.") == 1
    demo.open_profile()
    assert shown(demo.support_note)


def visible_text(widget) -> str:
    """The text a viewer can see: values and button labels outside hidden containers."""
    if not shown(widget):
        return ""
    own = f"{getattr(widget, 'value', '')} {getattr(widget, 'description', '')}"
    return html.unescape(
        " ".join([own, *(visible_text(c) for c in getattr(widget, "children", ()))])
    )


def test_the_demo_speaks_of_time_standing_still_not_of_a_training_clock():
    demo = CustomerDemo()
    demo.enable_mfa()
    demo.open_profile()
    demo.set_up_google_authenticator()  # the phone column is on the page from here
    seen = visible_text(demo.widget)
    assert "In this demo time stands still so the code doesn't change while we talk." in seen
    for trainee_words in ("training clock", "Simulation control", "Let 30 s pass"):
        assert trainee_words not in seen
    assert STEPS[demo_module.LOG_OUT].title == demo.log_out_button.description == "Log Out"


def test_live_mode_asks_to_delete_the_demo_entry_afterwards():
    caption = (
        "This is a demo account: delete the SpectrumVoIP (jordan.lee) entry from your app "
        "afterwards."
    )
    live = CustomerDemo(LIVE)
    live.enable_mfa()
    live.open_profile()
    live.set_up_google_authenticator()
    assert caption in visible_text(live.widget)
    simulated = CustomerDemo()
    simulated.enable_mfa()
    simulated.open_profile()
    simulated.set_up_google_authenticator()
    assert caption not in visible_text(simulated.widget)
