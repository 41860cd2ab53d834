"""The solved run: strict nbval executes the course notebooks with MFA_KIT_SOLVED=1.

Only the kernels nbval starts get the switch (it is set while a notebook's cells are set up
and run, and removed afterwards), so no other test, server or kernel sees a solved course.
"""

from __future__ import annotations

import os

import pytest

SOLVED_ENV = "MFA_KIT_SOLVED"


def _is_notebook_cell(item: pytest.Item) -> bool:
    return type(item).__module__.startswith("nbval")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    if not _is_notebook_cell(item):
        yield
        return
    before = os.environ.get(SOLVED_ENV)
    os.environ[SOLVED_ENV] = "1"  # nbval starts the notebook's kernel during this setup
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(SOLVED_ENV, None)
        else:
            os.environ[SOLVED_ENV] = before
