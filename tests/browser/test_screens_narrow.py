"""The screens in JupyterLab at 1024 px wide with the file browser open: nothing is clipped,
Enter submits each form, the phone deletes an entry after asking, and captions fit.

The notebook is written for the test into a temporary folder; the course is not touched.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path

import nbformat
import pytest

from mfa_kit.cli.servers import LAB_SETTINGS
from tests.browser.conftest import PAGE_SECONDS, Server, free_port

pytestmark = pytest.mark.browser

PAGE_MS = PAGE_SECONDS * 1000
WIDTH, HEIGHT = 1024, 768
NO_AUTOSAVE = '{"autosave": false}'

SETUP = """\
from IPython.display import HTML, SVG, display

from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import FixedClock
from mfa_kit.portal import Portal
from mfa_kit.screens._view import side_by_side
from mfa_kit.screens.agent import AgentConsole
from mfa_kit.screens.login import LoginScreen
from mfa_kit.screens.phone import PhoneScreen
from mfa_kit.screens.profile import ProfileScreen
from mfa_kit.store import Store
from mfa_kit.timeline import step_window_svg
from mfa_kit.training import (
    TRAINING_DISPLAY_NAME, TRAINING_INSTANT, TRAINING_LOGIN, TRAINING_PASSWORD, TrainingSecrets,
)

clock = FixedClock(TRAINING_INSTANT)
portal = Portal(Store(":memory:"), clock, secret_factory=TrainingSecrets())
portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_DISPLAY_NAME)
agent = AgentConsole(portal)
agent.find(TRAINING_LOGIN)
agent.enable_mfa()
agent.enable_mfa()
profile = ProfileScreen(portal, TRAINING_LOGIN)
profile.open_profile()
profile.set_up_google_authenticator()
phone = PhoneScreen(Authenticator(clock), camera=lambda: profile.qr_png)
phone.scan_qr_code()
profile.set_up_google_authenticator()
phone.scan_qr_code()
login = LoginScreen(portal)
"""

CELLS = [
    SETUP,
    "display(agent)",
    "display(profile)",
    "display(phone)",
    "display(login)",
    "display(side_by_side(LoginScreen(portal), PhoneScreen(phone.authenticator)))",
    "for offset in (-3, 120):\n"
    "    display(SVG(step_window_svg(offset, clock.now())))\n"
    "for offset in (None, -40, 5):\n"
    "    display(HTML(step_window_svg(offset, clock.now())))",
]
AGENT, PROFILE, PHONE, LOGIN, SIDE_BY_SIDE, PICTURE = range(1, 7)

# Everything that must be fully inside its output area (and inside the notebook's column).
MUST_FIT = (
    ".mfa-agent-console",
    ".mfa-agent-enable",
    ".mfa-agent-unlock",
    ".mfa-profile-screen",
    ".mfa-topbar-user",
    ".mfa-setup-authenticator",
    ".mfa-save",
    ".mfa-passcode",
    ".mfa-phone",
    ".mfa-phone-add",
    ".mfa-phone-edit",
    ".mfa-phone-wait",
    ".mfa-login-screen",
    ".mfa-login-password",
    ".mfa-login-google",
    ".jp-RenderedSVG img",
)

CLIPPED = r"""(selectors) => {
    const out = [];
    const column = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook')
        .getBoundingClientRect();
    for (const area of document.querySelectorAll('.jp-OutputArea-output')) {
        const box = area.getBoundingClientRect();
        if (area.scrollWidth > area.clientWidth + 1) {
            out.push(`an output area scrolls sideways (${area.scrollWidth} > ${area.clientWidth})`);
        }
        for (const selector of selectors) {
            for (const el of area.querySelectorAll(selector)) {
                const r = el.getBoundingClientRect();
                if (r.width === 0 && r.height === 0) continue;  // hidden on purpose
                const right = Math.min(box.right, column.right);
                if (r.right > right + 1 || r.left < box.left - 1) {
                    out.push(`${selector}: ${r.left.toFixed(0)}-${r.right.toFixed(0)} px, ` +
                             `room ${box.left.toFixed(0)}-${right.toFixed(0)} px`);
                }
            }
        }
    }
    return out;
}"""

CAPTIONS_CUT = r"""() => {
    const out = [];
    for (const svg of document.querySelectorAll('.jp-OutputArea-output svg')) {
        const width = svg.viewBox.baseVal.width;
        for (const text of svg.querySelectorAll('text')) {
            const length = text.getComputedTextLength();
            const x = text.x.baseVal[0].value;
            const start = text.getAttribute('text-anchor') === 'middle' ? x - length / 2 : x;
            if (start < -0.5 || start + length > width + 0.5) {
                out.push(`${text.textContent}: ${start.toFixed(1)}-${(start + length).toFixed(1)}` +
                         ` outside 0-${width}`);
            }
        }
    }
    return out;
}"""


def _notebook(folder: Path) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nbformat.write(notebook, folder / "screens.ipynb")
    return "screens.ipynb"


def _lab(tmp_path: Path, artifacts: Path, token: str) -> Server:
    root = tmp_path / "lab"
    root.mkdir()
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(NO_AUTOSAVE)
    env = dict(os.environ)
    env.update(
        JUPYTER_TOKEN=token,
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "lab-workspaces"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        # Offline and quiet, as `mfa-kit lab` starts it: no news, no update checks.
        "--LabApp.news_url=None",
        f"--LabApp.app_settings_dir={LAB_SETTINGS}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        f"--ServerApp.allow_root={hasattr(os, 'geteuid') and os.geteuid() == 0}",
    ]
    _notebook(root)
    return Server(command, port, artifacts / "lab-server.log", env)


def _cell(page, index: int):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell").nth(
        index
    )


def test_screens_fit_and_behave_at_1024_px_with_the_file_browser_open(
    web, artifacts, tmp_path
) -> None:
    from playwright.sync_api import expect

    token = secrets.token_hex(16)
    server = _lab(tmp_path, artifacts, token).start()
    try:
        server.wait_until_listening()
        page = web.page
        page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
        page.goto(f"{server.url}/lab/tree/screens.ipynb?token={token}")
        page.locator(".lm-TabBar-tab.jp-mod-current", has_text="screens.ipynb").wait_for()
        page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for()
        browser_panel = page.locator("#filebrowser")
        if not browser_panel.is_visible():
            page.locator('.jp-SideBar [data-id="filebrowser"]').click()
        expect(browser_panel).to_be_visible()
        assert browser_panel.bounding_box()["width"] >= 200  # really open, not a sliver

        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        page.wait_for_function(
            r"""(n) => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                .filter(p => /^\[\d+\]:$/.test(p.textContent.trim())).length === n""",
            arg=len(CELLS),
            timeout=PAGE_MS,
        )
        views = page.locator(".jp-OutputArea-output > .jupyter-widgets")
        expect(views).to_have_count(5, timeout=PAGE_MS)
        assert page.locator(".jp-RenderedText", has_text="Traceback").count() == 0

        # Enable MFA a second time said so.
        expect(_cell(page, AGENT).locator(".mfa-agent-message")).to_contain_text(
            "MFA is already enabled for jordan.lee. Nothing was changed."
        )
        # The second Set Up said the earlier QR code was replaced.
        expect(_cell(page, PROFILE).locator(".mfa-profile-message")).to_contain_text(
            "A new QR code replaced the earlier one"
        )

        # Nothing clipped, on any screen, with the file browser open.
        for index in range(1, len(CELLS)):
            _cell(page, index).scroll_into_view_if_needed()
            web.screenshot(f"cell-{index}")
        clipped = page.evaluate(CLIPPED, list(MUST_FIT))
        assert clipped == [], "\n".join(clipped)
        cut = page.evaluate(CAPTIONS_CUT)
        assert cut == [], "\n".join(cut)
        # Side by side where there is room; here the phone goes under the Log In page.
        pair = _cell(page, SIDE_BY_SIDE)
        login_box = pair.locator(".mfa-login-screen").bounding_box()
        phone_box = pair.locator(".mfa-phone").bounding_box()
        assert phone_box["y"] >= login_box["y"] + login_box["height"] - 1

        # Save by Enter in Current Password, with the newest entry's code.
        phone_cell = _cell(page, PHONE)
        newest = phone_cell.locator(".mfa-phone-code").nth(1).text_content().strip()
        assert re.fullmatch(r"\d{3} \d{3}", newest), newest
        profile_cell = _cell(page, PROFILE)
        profile_cell.locator(".mfa-passcode input").fill(newest)
        profile_cell.locator(".mfa-current-password input").fill("Practice-Only-2026")
        expect(profile_cell.locator(".mfa-passcode input")).to_have_value(newest)
        profile_cell.locator(".mfa-current-password input").press("Enter")
        expect(profile_cell.locator(".mfa-profile-message")).to_contain_text(
            "Your security settings were saved."
        )
        web.screenshot("saved-by-enter")

        # Log In by Enter: an empty Password is asked for, then the real one goes through.
        login_cell = _cell(page, LOGIN)
        login_cell.locator(".mfa-login-name input").fill("jordan.lee")
        login_cell.locator(".mfa-login-password input").press("Enter")
        expect(login_cell.locator(".mfa-login-message")).to_contain_text(
            "Type your Password, then click Log In."
        )
        login_cell.locator(".mfa-login-password input").fill("Practice-Only-2026")
        login_cell.locator(".mfa-login-password input").press("Enter")
        expect(login_cell.locator(".mfa-security-code input")).to_be_visible()
        phone_cell.locator(".mfa-phone-wait").click()  # the Save used this step's code
        expect(phone_cell.locator(".mfa-phone-code").nth(1)).not_to_have_text(newest)
        code = phone_cell.locator(".mfa-phone-code").nth(1).text_content().strip()
        login_cell.locator(".mfa-security-code input").fill(code)
        login_cell.locator(".mfa-security-code input").press("Enter")
        expect(login_cell.locator(".mfa-login-message")).to_contain_text("You are logged in.")
        web.screenshot("logged-in-by-enter")

        # The phone deletes the old entry: Edit, Delete, the app asks, Delete account.
        phone_cell.scroll_into_view_if_needed()
        phone_cell.locator(".mfa-phone-edit").click()
        phone_cell.locator(".mfa-phone-delete").first.click()
        confirm = phone_cell.locator(".mfa-phone-confirm")
        expect(confirm).to_contain_text("Delete account?")
        expect(phone_cell.locator(".mfa-phone-entry")).to_have_count(2)
        assert page.evaluate(CLIPPED, [".mfa-phone-confirm", ".mfa-phone-confirm-delete"]) == []
        web.screenshot("asked-to-delete")
        phone_cell.locator(".mfa-phone-confirm-delete").click()
        expect(phone_cell.locator(".mfa-phone-entry")).to_have_count(1)
        expect(phone_cell.locator(".mfa-phone-message")).to_contain_text("Account deleted")
        expect(phone_cell.locator(".mfa-phone-code")).to_have_text(code)
        web.screenshot("deleted")
    finally:
        server.stop()
