"""Notebooks 05 and 06 as a trainee takes them in JupyterLab at 1024 px with the file browser
open: Run All saves nothing and logs nobody in; a mistake first and then the right code by
Enter pass the check, and the progress record says so."""

from __future__ import annotations

import json
import re
import secrets
import subprocess

import pytest

from tests.browser.conftest import PAGE_SECONDS, mfa_kit_command
from tests.browser.test_screens_narrow import CLIPPED, HEIGHT, WIDTH

pytestmark = pytest.mark.browser

PAGE_MS = PAGE_SECONDS * 1000
NOTEBOOK = "06_log_in_with_mfa"
SAVE_NOTEBOOK = "05_save_security_settings"
NO_AUTOSAVE = '{"autosave": false}'
LIVE = ":not(.mfa-snapshot)"


def _lab_on(start_server, web, tmp_path, notebook: str):
    """`mfa-kit lab` on a fresh workspace, ``notebook`` open at 1024 px, Run All done."""
    from playwright.sync_api import expect

    settings = tmp_path / "lab-settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(NO_AUTOSAVE)
    token = secrets.token_hex(16)
    folder = tmp_path / "course"
    server = start_server(
        "lab",
        {
            "JUPYTER_TOKEN": token,
            "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
            "MFA_KIT_HOME": str(folder),
        },
    )
    page = web.page
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"{server.url}/lab/tree/{notebook}.ipynb?token={token}")
    page.locator(".lm-TabBar-tab.jp-mod-current", has_text=notebook).wait_for()
    page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for()
    expect(page.locator("#filebrowser")).to_be_visible()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    return page, folder


def _progress(folder, notebook: str) -> list[tuple[str, str, int]]:
    report = json.loads(
        subprocess.run(
            mfa_kit_command("progress", "--workspace", str(folder), "--json"),
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    )
    (mine,) = [n for n in report["notebooks"] if n["name"] == notebook]
    return [(c["name"], c["status"], c["attempts"]) for c in mine["checks"]]


def test_a_trainee_saves_in_05_after_a_wrong_password_and_the_check_passes(
    start_server, web, tmp_path
) -> None:
    from playwright.sync_api import expect

    page, folder = _lab_on(start_server, web, tmp_path, SAVE_NOTEBOOK)
    check = page.locator(".mfa-check-my-work")
    expect(check).to_be_visible(timeout=PAGE_MS)
    final = page.locator(".jp-CodeCell").last.locator(".jp-OutputArea-output")
    expect(final).to_contain_text("✘ expected: MFA is active", timeout=PAGE_MS)
    assert page.locator(".jp-RenderedText", has_text="Traceback").count() == 0
    # The three refusals are pictures: their Save buttons do nothing.
    assert page.locator(".mfa-profile-screen.mfa-snapshot").count() == 3
    frozen_saves = page.locator(".mfa-snapshot button.mfa-save")
    assert frozen_saves.count() == 3 and all(b.is_disabled() for b in frozen_saves.all())

    profile = page.locator(f".mfa-profile-screen{LIVE}")
    expect(profile).to_have_count(1)
    profile.scroll_into_view_if_needed()
    clipped = page.evaluate(CLIPPED, [".mfa-profile-screen", ".mfa-phone", ".mfa-save"])
    assert clipped == [], "\n".join(clipped)
    check.click()
    result = page.locator(".mfa-check-result")
    expect(result).to_contain_text("✘ nothing is saved yet")

    code = page.locator(".mfa-phone .mfa-phone-code").text_content().strip()
    assert re.fullmatch(r"\d{3} \d{3}", code), code
    profile.locator(".mfa-passcode input").fill(code)
    profile.locator(".mfa-current-password input").fill("practice-only-2026")
    profile.locator(".mfa-current-password input").press("Enter")
    expect(profile.locator(".mfa-profile-message")).to_contain_text(
        "The Current Password is not correct."
    )
    profile.locator(".mfa-current-password input").fill("Practice-Only-2026")
    profile.locator(".mfa-current-password input").press("Enter")
    expect(profile.locator(".mfa-profile-message")).to_contain_text(
        "Your security settings were saved."
    )
    check.click()
    expect(result).to_contain_text("✔ your security settings are saved")
    web.screenshot("saved-and-checked")
    assert _progress(folder, SAVE_NOTEBOOK) == [("save-security-settings", "passed", 2)]


def test_a_trainee_logs_in_in_06_after_wrong_codes_and_the_check_passes(
    start_server, web, tmp_path
) -> None:
    from playwright.sync_api import expect

    page, folder = _lab_on(start_server, web, tmp_path, NOTEBOOK)
    check = page.locator(".mfa-check-my-work")
    expect(check).to_be_visible(timeout=PAGE_MS)
    final = page.locator(".jp-CodeCell").last.locator(".jp-OutputArea-output")
    expect(final).to_contain_text("Jordan is not logged in", timeout=PAGE_MS)
    assert page.locator(".jp-RenderedText", has_text="Traceback").count() == 0

    login = page.locator(f".mfa-login-screen{LIVE}")
    expect(login).to_have_count(1)
    login.scroll_into_view_if_needed()
    clipped = page.evaluate(CLIPPED, [".mfa-login-screen", ".mfa-phone", ".mfa-phone-add"])
    assert clipped == [], "\n".join(clipped)
    web.screenshot("after-run-all")

    # Run All did not log anyone in: Check my work says so.
    check.click()
    result = page.locator(".mfa-check-result")
    expect(result).to_contain_text("✘ Jordan is not logged in")

    # The trainee: Login Name, Password, Enter; a wrong code; then the phone's new code.
    login.locator(".mfa-login-name input").fill("jordan.lee")
    login.locator(".mfa-login-password input").fill("Practice-Only-2026")
    login.locator(".mfa-login-password input").press("Enter")
    code_box = login.locator(".mfa-security-code input")
    expect(code_box).to_be_visible()
    code_box.fill("000 000")
    code_box.press("Enter")
    expect(login.locator(".mfa-login-message")).to_contain_text("That code is not correct.")
    phone = page.locator(".mfa-phone")
    shown = phone.locator(".mfa-phone-code").text_content().strip()
    page.locator(".mfa-phone-wait").click()
    expect(phone.locator(".mfa-phone-code")).not_to_have_text(shown)
    code = phone.locator(".mfa-phone-code").text_content().strip()
    assert re.fullmatch(r"\d{3} \d{3}", code), code
    code_box.fill(code)
    code_box.press("Enter")
    expect(login.locator(".mfa-login-message")).to_contain_text("You are logged in.")
    web.screenshot("logged-in")

    check.click()
    expect(result).to_contain_text("✔ Jordan is logged in with the Security code")
    web.screenshot("checked")

    assert _progress(folder, NOTEBOOK) == [("log-in-with-mfa", "passed", 2)]
