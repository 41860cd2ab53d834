"""The screens in JupyterLab: their clicks must run where the portal's database was opened.

JupyterLab 4.4+ sends widget messages to a kernel subshell (another thread) by default; the
practice portal's SQLite connection belongs to the kernel's main thread, so every click would
fail with "SQLite objects created in a thread can only be used in that same thread".
"""

from __future__ import annotations

import json

from mfa_kit.cli.servers import LAB_SETTINGS


def test_the_course_jupyterlab_sends_widget_messages_to_the_main_thread() -> None:
    overrides = json.loads((LAB_SETTINGS / "overrides.json").read_text())

    kernels = overrides["@jupyterlab/apputils-extension:kernels-settings"]

    assert kernels["commsOverSubshells"] == "disabled"
