"""`mfa-kit lab` in a real browser: JupyterLab opens the course, Run All renders its widgets."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from pathlib import Path

import pytest

from mfa_kit.cli.servers import COURSE_NOTEBOOK, notebooks_dir
from tests.browser.conftest import PAGE_SECONDS

pytestmark = pytest.mark.browser

# JupyterLab saves open notebooks every two minutes; the test must leave the course untouched.
NO_AUTOSAVE = {"@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False}}
PAGE_MS = PAGE_SECONDS * 1000
KERNEL_IDLE = re.compile(r"Python 3 \(ipykernel\) \| Idle")
NOTEBOOK = COURSE_NOTEBOOK
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _write_settings(folder: Path) -> None:
    for name, values in NO_AUTOSAVE.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def test_lab_opens_start_here_and_run_all_renders_its_widgets(start_server, web, tmp_path):
    from playwright.sync_api import expect

    course = notebooks_dir() / NOTEBOOK
    before = hashlib.sha256(course.read_bytes()).hexdigest()
    settings = tmp_path / "lab-settings"
    _write_settings(settings)
    token = secrets.token_hex(16)
    # jupyter_server takes its token from JUPYTER_TOKEN: the test knows it, nobody else does.
    server = start_server("lab", {"JUPYTER_TOKEN": token, "JUPYTERLAB_SETTINGS_DIR": str(settings)})
    page = web.page

    page.goto(f"{server.url}/lab/tree/{NOTEBOOK}?token={token}")
    page.locator(".lm-TabBar-tab.jp-mod-current", has_text=NOTEBOOK).wait_for()
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    # Loaded: every cell of the file is on the page (a blank placeholder cell comes first)...
    saved = json.loads(course.read_text())
    cells = len(saved["cells"])
    widget_outputs = sum(
        WIDGET_VIEW in output.get("data", {})
        for cell in saved["cells"]
        for output in cell.get("outputs", [])
    )
    expect(notebook.locator(".jp-Notebook .jp-Cell")).to_have_count(cells, timeout=PAGE_MS)
    # ...and its kernel has started and is waiting for work.
    kernel_idle = page.locator(".jp-StatusBar-Widget", has_text=KERNEL_IDLE)
    kernel_idle.first.wait_for()
    web.screenshot("lab-opened")

    # A committed notebook shows its widgets as plain text until a kernel draws them.
    views = notebook.locator(".jp-OutputArea-output .jupyter-widgets")
    assert views.count() == 0

    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

    kernel_idle.first.wait_for()
    prompts = notebook.locator(".jp-CodeCell .jp-InputPrompt").all_text_contents()
    assert prompts, "the notebook has no code cells"
    # Every code cell ran in this kernel: "[n]:", neither "[ ]:" (never run) nor "[*]:" (running).
    assert all(p.strip()[1:-2].isdigit() for p in prompts), prompts
    # Each widget the committed notebook displays is now a live view drawn by this kernel.
    expect(views).to_have_count(widget_outputs, timeout=PAGE_MS)
    for view in views.all():
        assert view.is_visible()
    errors = notebook.locator("[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.all_inner_texts()
    assert notebook.locator(".jp-RenderedText", has_text="Traceback").count() == 0
    web.screenshot("lab-run-all")
    assert hashlib.sha256(course.read_bytes()).hexdigest() == before, f"{course} was modified"
