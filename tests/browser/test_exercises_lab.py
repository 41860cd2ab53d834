"""07's tickets and 09's assessment in JupyterLab in Chromium, as a trainee meets them in a fresh
workspace: Run All works nothing, a wrong pick in 07 is ✘ with its hint and a right one ✔ (both
recorded), and 09's Submit with open items says so and scores nothing. The course files are left
untouched."""

from __future__ import annotations

import hashlib
import secrets

import pytest

from mfa_kit.cases import Cause, build_case, pick
from mfa_kit.cli.servers import notebooks_dir
from mfa_kit.progress import read_report
from mfa_kit.workspace import init_workspace
from tests.browser.conftest import PAGE_SECONDS
from tests.browser.test_lab import KERNEL_IDLE, _write_settings

pytestmark = pytest.mark.browser

PAGE_MS = PAGE_SECONDS * 1000
TROUBLESHOOTING = "07_troubleshooting.ipynb"
ASSESSMENT = "09_assessment.ipynb"
TRAINEE = "Test Trainee"


def run_all(page, web, name: str, last_words: str) -> None:
    """Open ``name`` (its code is hidden), Run All, and wait for its last cell's words."""
    from playwright.sync_api import expect

    page.locator(".lm-TabBar-tab.jp-mod-current", has_text=name).wait_for()
    page.locator(".jp-StatusBar-Widget", has_text=KERNEL_IDLE).first.wait_for()
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    # A trainee's copy shows no live widget until this kernel draws them.
    assert notebook.locator(".jp-OutputArea-output > .jupyter-widgets").count() == 0
    # Run All acts on the notebook in focus: click into this one first (a second tab is open).
    notebook.locator(".jp-MarkdownCell").first.click()
    page.locator(".jp-StatusBar-Widget", has_text=KERNEL_IDLE).first.wait_for()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    expect(notebook.locator(".jp-Cell").last).to_contain_text(last_words, timeout=PAGE_MS)
    page.locator(".jp-StatusBar-Widget", has_text=KERNEL_IDLE).first.wait_for()
    assert notebook.locator(".jp-RenderedText", has_text="Traceback").count() == 0
    web.screenshot(f"{name}-run-all")


def test_tickets_and_assessment_in_jupyterlab(start_server, web, tmp_path):
    from playwright.sync_api import expect

    names = (TROUBLESHOOTING, ASSESSMENT)
    before = {n: hashlib.sha256((notebooks_dir() / n).read_bytes()).digest() for n in names}
    settings = tmp_path / "lab-settings"
    _write_settings(settings)
    token = secrets.token_hex(16)
    folder = init_workspace(tmp_path / "course", trainee=TRAINEE)
    server = start_server(
        "lab",
        {
            "JUPYTER_TOKEN": token,
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "MFA_KIT_HOME": str(folder),
        },
    )
    page = web.page
    page.goto(f"{server.url}/lab/tree/{TROUBLESHOOTING}?token={token}")
    run_all(page, web, TROUBLESHOOTING, "Your tickets: 0 of 4 worked")

    # The trainee's first ticket (picked by their name), worked wrong first.
    case = build_case(pick(TRAINEE)[0])
    wrong = next(c for c in Cause if c is not case.spec.cause)
    ticket = page.locator(".mfa-quiz-case").first
    ticket.scroll_into_view_if_needed()
    expect(ticket.locator(".mfa-snapshot").first).to_be_visible()
    ticket.locator(".mfa-quiz-cause select").select_option(label=wrong.value)
    ticket.locator(".mfa-quiz-fix select").select_option(label=case.spec.fix.value)
    ticket.get_by_role("button", name="Check my work").click()
    result = ticket.locator(".mfa-check-result")
    expect(result).to_contain_text("✘")
    expect(result).to_contain_text(case.judge(wrong, case.spec.fix).hint)
    web.screenshot("07-ticket-wrong-cause")
    ticket.locator(".mfa-quiz-cause select").select_option(label=case.spec.cause.value)
    ticket.get_by_role("button", name="Check my work").click()
    expect(result).to_contain_text("Right:")
    web.screenshot("07-ticket-right")
    mine = [n for n in read_report(folder)["notebooks"] if n["name"] == "07_troubleshooting"]
    first = [c for c in mine[0]["checks"] if c["name"] == "ticket-1"][0]
    assert first["status"] == "passed" and first["attempts"] == 2

    page.locator(".lm-MenuBar-itemLabel", has_text="File").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Open from Path").first.click()
    page.locator(".jp-Dialog input").fill(ASSESSMENT)
    page.locator(".jp-Dialog .jp-mod-accept").click()
    run_all(page, web, ASSESSMENT, "Not submitted: 10 of 14")
    result = page.locator(".mfa-exam-result")
    expect(result).to_contain_text("Not submitted: 10 of 14 items still need an answer")
    page.get_by_role("button", name="Submit my answers").click()
    expect(result).to_contain_text("Not submitted")
    expect(page.get_by_role("button", name="Write my certificate")).to_be_hidden()
    web.screenshot("09-submitted-with-nothing-answered")

    after = {n: hashlib.sha256((notebooks_dir() / n).read_bytes()).digest() for n in names}
    assert after == before, "JupyterLab wrote to the course notebooks"
