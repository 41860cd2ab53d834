"""`mfa-kit lab` in a real browser, as a trainee takes the course in a fresh workspace.

00 opens from the trainee's own copy; Run All does no exercise; Check my work judges the
screens at the click (02: Enable MFA; 04: scan, Set Up again, delete the old entry, scan) and
`mfa-kit progress --json` shows the results; at 1280 × 900 each copy shows one code input at
most; the repository's notebooks are never written.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from pathlib import Path

import pytest

from mfa_kit.cli.servers import COURSE_NOTEBOOK, notebooks_dir
from tests.browser.conftest import PAGE_SECONDS
from tests.conftest import run_mfa_kit

pytestmark = pytest.mark.browser

# JupyterLab saves open notebooks every two minutes; the test decides what is saved.
NO_AUTOSAVE = {"@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False}}
PAGE_MS = PAGE_SECONDS * 1000
KERNEL_IDLE = re.compile(r"Python 3 \(ipykernel\) \| Idle")
ENABLE = "02_agent_enables_mfa.ipynb"
SCAN = "04_add_account_in_authenticator.ipynb"
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def _write_settings(folder: Path) -> None:
    for name, values in NO_AUTOSAVE.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _cells(folder: Path, name: str) -> int:
    return len(json.loads((folder / name).read_text())["cells"])


def _code_inputs_shown(page) -> int:
    """Code cells of the open notebook whose input is shown (a hidden one is a placeholder)."""
    return page.evaluate(
        """(panel) => [...document.querySelector(panel).querySelectorAll('.jp-CodeCell')]
            .filter(cell => cell.querySelector('.jp-InputArea-editor')).length""",
        PANEL,
    )


def _open(page, web, folder: Path, name: str) -> None:
    """Wait for ``name`` to load with its kernel idle."""
    from playwright.sync_api import expect

    page.locator(".lm-TabBar-tab.jp-mod-current", has_text=name).wait_for()
    notebook = page.locator(PANEL)
    expect(notebook.locator(".jp-Notebook .jp-Cell")).to_have_count(
        _cells(folder, name), timeout=PAGE_MS
    )
    page.locator(".jp-StatusBar-Widget", has_text=KERNEL_IDLE).first.wait_for()
    web.screenshot(f"{name}-opened")


def _run_all(page, web, name: str) -> None:
    """Run → Run All Cells, and wait until every cell ran without an error."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    # Hidden inputs show no prompt, so: the last code cell (each notebook ends with a check that
    # prints) has its output, and no cell waits "[*]".
    page.wait_for_function(
        r"""(panel) => {
            const root = document.querySelector(panel);
            const cells = [...root.querySelectorAll('.jp-CodeCell')];
            const last = cells[cells.length - 1];
            const busy = [...root.querySelectorAll('.jp-InputPrompt')]
                .some(p => p.textContent.includes('*'));
            return last && !busy
                && last.querySelector('.jp-OutputArea-output')?.textContent.trim().length > 0;
        }""",
        arg=PANEL,
        timeout=PAGE_MS,
    )
    notebook = page.locator(PANEL)
    errors = notebook.locator("[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.all_inner_texts()
    assert notebook.locator(".jp-RenderedText", has_text="Traceback").count() == 0
    web.screenshot(f"{name}-run-all")


def _check_my_work(page, web, shot: str) -> str:
    """Click the open notebook's Check my work; the verdict it shows."""
    from playwright.sync_api import expect

    notebook = page.locator(PANEL)
    button = notebook.locator(".mfa-check-my-work")
    expect(button).to_have_count(1)
    assert button.inner_text().strip() == "Check my work"
    result = notebook.locator(".mfa-check-result")
    shown = result.locator("[data-clicks]")
    clicks = int(shown.get_attribute("data-clicks")) if shown.count() else 0
    button.scroll_into_view_if_needed()
    button.click()
    # Wait for this click's verdict (it may read the same as the one before).
    expect(result.locator(f'[data-clicks="{clicks + 1}"]')).to_contain_text(
        re.compile("[✔✘]"), timeout=PAGE_MS
    )
    result.scroll_into_view_if_needed()
    web.screenshot(shot)
    return result.inner_text()


def _progress(folder: Path) -> dict:
    shown = run_mfa_kit("progress", "--workspace", str(folder), "--json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def _check(report: dict, notebook: str, check: str) -> dict:
    found = [
        c
        for n in report["notebooks"]
        if n["name"] == notebook
        for c in n["checks"]
        if c["name"] == check
    ]
    assert len(found) == 1, report
    return found[0]


def test_a_trainee_takes_02_and_04_in_a_fresh_workspace(start_server, web, tmp_path):
    from playwright.sync_api import expect

    committed = {
        path.name: hashlib.sha256(path.read_bytes()).digest()
        for path in notebooks_dir().glob("*.ipynb")
    }
    settings = tmp_path / "lab-settings"
    _write_settings(settings)
    token = secrets.token_hex(16)
    folder = tmp_path / "course"
    server = start_server(
        "lab",
        {
            # jupyter_server takes its token from JUPYTER_TOKEN: the test knows it, nobody else.
            "JUPYTER_TOKEN": token,
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "MFA_KIT_HOME": str(folder),
        },
    )
    page = web.page

    # First use: the course is copied into the workspace and the front page is its 00.
    page.goto(f"{server.url}/?token={token}")
    _open(page, web, folder, COURSE_NOTEBOOK)
    assert page.url.split("?")[0] == f"{server.url}/lab/tree/{COURSE_NOTEBOOK}"
    assert _code_inputs_shown(page) <= 1
    _run_all(page, web, COURSE_NOTEBOOK)
    table = page.locator(PANEL).locator(".mfa-progress-table")
    expect(table).to_contain_text("Next: open 02_agent_enables_mfa.ipynb")
    table.scroll_into_view_if_needed()
    web.screenshot("00-progress")

    # 02: Run All does not enable MFA; Check my work says so, and the console agrees.
    page.locator(".jp-DirListing-item", has_text=ENABLE).dblclick()
    _open(page, web, folder, ENABLE)
    assert _code_inputs_shown(page) == 1, "the mode switch is the one code line shown"
    _run_all(page, web, ENABLE)
    notebook = page.locator(PANEL)
    verdict = _check_my_work(page, web, "02-check-before")
    assert verdict.startswith("✘") and "Enable MFA" in verdict, verdict
    console = notebook.locator(".mfa-agent-console").last
    expect(console.locator(".mfa-agent-status")).to_contain_text("No account on screen")
    assert _check(_progress(folder), "02_agent_enables_mfa", "enable-mfa")["status"] == "failed"

    console.locator(".mfa-agent-login input").fill("jordan.lee")
    console.locator(".mfa-agent-find").click()
    expect(console.locator(".mfa-agent-status")).to_contain_text("MFA not enabled")
    console.locator(".mfa-agent-enable").click()
    expect(console.locator(".mfa-agent-message")).to_contain_text("MFA is enabled for jordan.lee")
    verdict = _check_my_work(page, web, "02-check-after")
    assert verdict.startswith("✔ MFA is enabled for jordan.lee"), verdict
    passed = _check(_progress(folder), "02_agent_enables_mfa", "enable-mfa")
    assert (passed["status"], passed["attempts"]) == ("passed", 2)

    # 04: scan, then Set Up again: the phone's entry is from the older QR code.
    page.locator(".jp-DirListing-item", has_text=SCAN).dblclick()
    _open(page, web, folder, SCAN)
    assert _code_inputs_shown(page) == 1
    _run_all(page, web, SCAN)
    notebook = page.locator(PANEL)
    phone = notebook.locator(".mfa-phone").last
    phone.locator(".mfa-phone-add").click()
    phone.locator(".mfa-phone-scan").click()
    expect(phone.locator(".mfa-phone-entry")).to_have_count(1)
    assert _check_my_work(page, web, "04-check-scanned").startswith("✔"), "scanned: done"
    notebook.locator(".mfa-setup-authenticator").first.click()
    verdict = _check_my_work(page, web, "04-check-after-set-up-again")
    assert verdict.startswith("✘") and "older QR code" in verdict, verdict
    assert (
        _check(_progress(folder), "04_add_account_in_authenticator", "scan-qr-code")["status"]
        == "failed"
    )

    # Delete the old entry (Google Authenticator: edit, then delete) and scan the new QR code.
    if phone.locator(".mfa-phone-edit").count() == 0:
        pytest.skip("the simulated phone cannot delete an entry yet (Edit, then Delete)")
    phone.locator(".mfa-phone-edit").click()
    phone.locator(".mfa-phone-entry").first.locator(".mfa-phone-delete").click()
    phone.locator(".mfa-phone-confirm-delete").click()
    expect(phone.locator(".mfa-phone-entry")).to_have_count(0)
    if phone.locator(".mfa-phone-edit").inner_text().strip() != "Edit":
        phone.locator(".mfa-phone-edit").click()  # Done: leave edit mode
    phone.locator(".mfa-phone-add").click()
    phone.locator(".mfa-phone-scan").click()
    expect(phone.locator(".mfa-phone-entry")).to_have_count(1)
    verdict = _check_my_work(page, web, "04-check-new-qr")
    assert verdict.startswith("✔"), verdict
    assert (
        _check(_progress(folder), "04_add_account_in_authenticator", "scan-qr-code")["status"]
        == "passed"
    )

    after = {
        path.name: hashlib.sha256(path.read_bytes()).digest()
        for path in notebooks_dir().glob("*.ipynb")
    }
    assert after == committed, "JupyterLab wrote to the repository's notebooks"
