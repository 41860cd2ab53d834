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
WIDGET_NOTEBOOK = "02_agent_enables_mfa.ipynb"
"""A hands-on notebook whose screens are widgets (00_start_here itself shows none yet)."""
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _write_settings(folder: Path) -> None:
    for name, values in NO_AUTOSAVE.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _saved(name: str, folder: Path) -> tuple[int, int]:
    """(cells in the trainee's copy in ``folder``, widget outputs of the committed notebook)."""
    saved = json.loads((notebooks_dir() / name).read_text())
    widgets = sum(
        WIDGET_VIEW in output.get("data", {})
        for cell in saved["cells"]
        for output in cell.get("outputs", [])
    )
    return len(json.loads((folder / name).read_text())["cells"]), widgets


def _run_all(page, web, name: str, folder: Path) -> int:
    """Wait for ``name`` to load with its kernel idle, Run All, check every cell ran and the
    widgets it displays are drawn live; returns how many widget views were drawn."""
    from playwright.sync_api import expect

    cells, widget_outputs = _saved(name, folder)
    page.locator(".lm-TabBar-tab.jp-mod-current", has_text=name).wait_for()
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    # Loaded: every cell of the file is on the page (a blank placeholder cell comes first)...
    expect(notebook.locator(".jp-Notebook .jp-Cell")).to_have_count(cells, timeout=PAGE_MS)
    # ...and its kernel has started and is waiting for work.
    page.locator(".jp-StatusBar-Widget", has_text=KERNEL_IDLE).first.wait_for()
    web.screenshot(f"{name}-opened")
    # A committed notebook shows its widgets as plain text until a kernel draws them.
    views = notebook.locator(".jp-OutputArea-output > .jupyter-widgets")
    assert views.count() == 0

    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

    # Every code cell ran in this kernel. Hidden inputs show no prompt, so: the last code cell
    # (each notebook ends with a check that prints) has its output, and no cell waits "[*]".
    page.wait_for_function(
        r"""() => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const cells = [...panel.querySelectorAll('.jp-CodeCell')];
            const last = cells[cells.length - 1];
            const busy = [...panel.querySelectorAll('.jp-InputPrompt')]
                .some(p => p.textContent.includes('*'));
            return last && !busy
                && last.querySelector('.jp-OutputArea-output')?.textContent.trim().length > 0;
        }""",
        timeout=PAGE_MS,
    )
    # The widgets are live views drawn by this kernel (a trainee's copy shows some of them only
    # once its exercise is done).
    if widget_outputs:
        expect(views.first).to_be_visible(timeout=PAGE_MS)
    for view in views.all():
        view.scroll_into_view_if_needed()
        expect(view).to_be_visible()
    errors = notebook.locator("[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.all_inner_texts()
    assert notebook.locator(".jp-RenderedText", has_text="Traceback").count() == 0
    web.screenshot(f"{name}-run-all")
    return views.count()


def test_lab_opens_start_here_and_run_all_renders_its_widgets(start_server, web, tmp_path):
    names = (COURSE_NOTEBOOK, WIDGET_NOTEBOOK)
    before = {
        name: hashlib.sha256((notebooks_dir() / name).read_bytes()).digest() for name in names
    }
    settings = tmp_path / "lab-settings"
    _write_settings(settings)
    token = secrets.token_hex(16)
    # jupyter_server takes its token from JUPYTER_TOKEN: the test knows it, nobody else does.
    folder = tmp_path / "course"
    server = start_server(
        "lab",
        {
            "JUPYTER_TOKEN": token,
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "MFA_KIT_HOME": str(folder),
        },
    )
    page = web.page

    # The server's front page is the course's first notebook.
    page.goto(f"{server.url}/?token={token}")
    _run_all(page, web, COURSE_NOTEBOOK, folder)
    assert page.url.split("?")[0] == f"{server.url}/lab/tree/{COURSE_NOTEBOOK}"

    # A hands-on notebook of the course: its screens are drawn as live widgets in JupyterLab.
    # Opened from the file browser (leaving the page would ask about unsaved changes).
    page.locator(".jp-DirListing-item", has_text=WIDGET_NOTEBOOK).dblclick()
    assert _run_all(page, web, WIDGET_NOTEBOOK, folder) > 0, f"{WIDGET_NOTEBOOK} shows no widgets"

    after = {name: hashlib.sha256((notebooks_dir() / name).read_bytes()).digest() for name in names}
    assert after == before, "JupyterLab wrote to the course notebooks"
