"""Notebook tests of the ticket exercises: a stand-in progress record that remembers what a
Check my work box recorded, and Run All of a trainee's copy in this process."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import nbformat
import pytest

from mfa_kit import assessment
from mfa_kit.workspace import SOLVED_ENV, trainee_copy


class Spy:
    """A progress record that remembers what was recorded."""

    trainee = "Grace Hopper"

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def record_check(self, notebook: str, check: str, passed: bool, *, at: Any = None) -> None:
        self.calls.append(("check", notebook, check, passed))

    def solution_opened(self, notebook: str, check: str) -> None:
        self.calls.append(("solution", notebook, check))


def run_trainee_copy(notebook: Path, folder: Path) -> dict[str, Any]:
    """Run All of the trainee's copy of ``notebook`` (as `mfa-kit lab` makes it, never the
    solved run) in ``folder``, with a :class:`Spy` as the progress record. Returns the
    notebook's names, plus ``printed`` (its output) and ``spy``."""
    spy = Spy()
    copy = trainee_copy(nbformat.read(notebook, as_version=4))
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(SOLVED_ENV, raising=False)
        patch.setattr(assessment, "progress_in", lambda folder=None: spy)
        patch.chdir(folder)
        namespace: dict[str, Any] = {"display": lambda *objects, **kwargs: None}
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            for cell in copy.cells:
                if cell.cell_type == "code":
                    where = f"{notebook.stem}:{cell.id}"
                    exec(compile(cell.source, where, "exec"), namespace)  # noqa: S102
    namespace["printed"], namespace["spy"] = printed.getvalue(), spy
    return namespace
