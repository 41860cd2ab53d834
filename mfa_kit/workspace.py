"""The trainee's workspace: their own copy of the course, a progress record and a practice portal.

``mfa-kit lab`` and ``mfa-kit course init`` make it from the committed notebooks; the trainee
works there, and the repository's notebooks stay what strict nbval compares.

How a course notebook is built
==============================

One file under ``notebooks/`` serves both audiences. Executed with ``MFA_KIT_SOLVED=1`` (the
tests and ``make notebooks`` only) it is the *solved run* that strict nbval compares; copied by
:func:`trainee_copy` it is the trainee's copy, where nothing is solved. Cell tags decide:

``mode-switch``
    The one code cell a trainee sees: ``MODE = Mode.SIMULATED_PHONE  # or Mode.OWN_PHONE``,
    one line (the import sits in a hidden cell before it).
``solved-only``
    Dropped from the trainee's copy (code or markdown). Code there starts with
    ``if course.solved:`` and does the exercise the way a trainee would (set the fields,
    ``.click()`` the buttons), then clicks Check my work and prints its result: that is what
    nbval compares. The committed notebook run without the switch prints nothing there.
``check:NAME``
    The cell that displays an exercise's Check my work box for check NAME. The workspace's
    progress record lists every NAME, in notebook order, as "not tried" until it is clicked.
``curious``
    An optional "for the curious" part. On its markdown heading: the section under it starts
    folded in the copy (JupyterLab's collapsed heading); on a code cell: output collapsed.
every other code cell
    Plumbing: its input is hidden in the copy (``jupyter.source_hidden``); outputs are cleared.

An exercise, start to end (02 is the worked example). The notebook's course is made with its
own name, ``course = Course(MODE, notebook="02_agent_enables_mfa")``, so results are recorded
under it::

    ## Your turn: ...                                   <- markdown: what to do, in words
    display(agent)                                      <- the live screen the trainee acts on
    check = course.check_my_work(                       <- tag check:enable-mfa
        "enable-mfa",
        lambda: checks.agent_enabled_mfa(course.portal, course.login, agent),
        solution=checks.SOLUTIONS["enable-mfa"])
    display(check)
    if course.solved:                                   <- tag solved-only
        agent.login_name.value = course.login
        agent.find_button.click()
        agent.enable_button.click()
        print(check.click())                            <- "✔ …": what nbval compares

Rules that keep it honest: a judge (:mod:`mfa_kit.checks`) reads the screens and the portal
at the click, never a value kept from an earlier cell; cells after an exercise work whether
or not it was done (they say "do the exercise first" rather than fail); a screen shown to
explain a moment is its own screen object, so later cells cannot redraw it into a different
state. Solutions are words in ``checks.SOLUTIONS``, opened by Show solution, never executed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat

    from .progress import Progress

HOME_ENV = "MFA_KIT_HOME"
SOLVED_ENV = "MFA_KIT_SOLVED"
DEFAULT_FOLDER = "mfa-kit-course"
PRACTICE_PORTAL = "practice-portal.sqlite3"
BACKUPS = "earlier-versions"
"""Where ``course reset`` keeps the trainee's notebook it replaced."""

MODE_SWITCH, SOLVED_ONLY, CURIOUS, CHECK_PREFIX = "mode-switch", "solved-only", "curious", "check:"
HEADING_COLLAPSED = "jp-MarkdownHeadingCollapsed"
"""JupyterLab's cell metadata for a markdown heading whose section is folded."""
COPY_MARK = "mfa_kit"
"""Notebook metadata key marking a trainee's copy."""


class WorkspaceError(RuntimeError):
    """The workspace cannot be made or changed as asked; nothing was written. One line."""


def default_workspace() -> Path:
    """``$MFA_KIT_HOME``, else ``~/mfa-kit-course``."""
    home = os.environ.get(HOME_ENV, "").strip()
    return Path(home).expanduser() if home else Path.home() / DEFAULT_FOLDER


def solved_run() -> bool:
    """True only in the tests' and ``make notebooks``' solved run (``MFA_KIT_SOLVED=1``)."""
    return os.environ.get(SOLVED_ENV) == "1"


def course_notebooks(folder: Path | None = None) -> list[Path]:
    """The course's notebooks (``NN_name.ipynb``) in ``folder`` (default: the repository's)."""
    if folder is None:
        from .cli.servers import notebooks_dir

        folder = notebooks_dir()
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb") if p.is_file())


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def checks_in(nb: nbformat.NotebookNode) -> list[str]:
    """The names of the Check my work boxes a notebook has, in order."""
    return [
        tag.removeprefix(CHECK_PREFIX)
        for cell in nb.cells
        for tag in _tags(cell)
        if tag.startswith(CHECK_PREFIX)
    ]


def assessment_notebook(folder: Path | None = None) -> str | None:
    """The name (no .ipynb) of the course's final assessment, notebook 09, if it has one."""
    found = [p.stem for p in course_notebooks(folder) if p.stem.startswith("09_")]
    return found[0] if found else None


def catalogue(folder: Path | None = None) -> list[tuple[str, str]]:
    """(notebook, check) for every exercise of the course, in course order."""
    import nbformat

    return [
        (path.stem, check)
        for path in course_notebooks(folder)
        for check in checks_in(nbformat.read(path, as_version=4))
    ]


def trainee_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The trainee's copy of a committed notebook: no outputs, nothing solved, plumbing hidden."""
    import copy

    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        tags = _tags(cell)
        if SOLVED_ONLY in tags:
            continue
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            meta = cell.setdefault("metadata", {})
            for volatile in ("execution", "collapsed", "scrolled"):
                meta.pop(volatile, None)
            if MODE_SWITCH not in tags:
                meta.setdefault("jupyter", {})["source_hidden"] = True
            if CURIOUS in tags:
                meta.setdefault("jupyter", {})["outputs_hidden"] = True
        elif cell.cell_type == "markdown" and CURIOUS in tags:
            cell.setdefault("metadata", {})[HEADING_COLLAPSED] = True
        cells.append(cell)
    out.cells = cells
    out.metadata.pop("widgets", None)
    out.metadata[COPY_MARK] = {"trainee_copy": True}
    return out


READING_WORDS_PER_MINUTE = 150
"""A trainee reads prose and screen text at about this pace (slower than fiction: it is new)."""
MINUTES_PER_EXERCISE = 4
"""Reading the task, acting on the screens, Check my work, maybe a second try (measured)."""


def study_minutes(nb: nbformat.NotebookNode) -> tuple[int, int, int]:
    """(minutes to study, words to read, exercises) of a committed notebook: its prose and the
    text its cells print, at :data:`READING_WORDS_PER_MINUTE`, plus
    :data:`MINUTES_PER_EXERCISE` per Check my work; rounded up to whole minutes."""
    import math
    import re

    words = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            words += len(re.findall(r"[\w'’-]+", cell.source))
        else:
            for output in cell.get("outputs", []):
                text = output.get("text", "") if output.get("output_type") == "stream" else ""
                words += len(re.findall(r"[A-Za-z][\w'’-]*", text))
    exercises = len(checks_in(nb))
    minutes = math.ceil(words / READING_WORDS_PER_MINUTE + exercises * MINUTES_PER_EXERCISE)
    return minutes, words, exercises


def _write_copy(source: Path, target: Path) -> None:
    import nbformat

    nb = trainee_copy(nbformat.read(source, as_version=4))
    partial = target.with_name(f".{target.name}.partial")
    nbformat.write(nb, partial)
    partial.replace(target)


def init_workspace(
    path: Path | str, *, trainee: str | None = None, source: Path | None = None
) -> Path:
    """Copy the course into ``path`` as the trainee's copy, with a progress record beside it.

    Refuses (nothing written) when ``path`` already holds any of the course's notebooks or a
    progress record: a trainee's work is never overwritten. ``source`` is the folder of
    committed notebooks (default: the repository's).
    """
    from .progress import PROGRESS_FILE, Progress, ProgressError

    workspace = Path(path).expanduser()
    sources = course_notebooks(source)
    if not sources:
        raise WorkspaceError(f"no course notebooks found in {source or 'the notebooks folder'}")
    if workspace.exists() and not workspace.is_dir():
        raise WorkspaceError(f"{workspace} is a file, not a folder")
    taken = [p.name for p in sources if (workspace / p.name).exists()]
    if (workspace / PROGRESS_FILE).exists():
        taken.append(PROGRESS_FILE)
    if taken:
        raise WorkspaceError(
            f"{workspace} already holds a course ({', '.join(taken[:3])}"
            f"{', …' if len(taken) > 3 else ''}); nothing was overwritten. "
            "mfa-kit lab keeps working in it; mfa-kit course reset NOTEBOOK starts one over"
        )
    workspace.mkdir(parents=True, exist_ok=True)
    try:
        progress = Progress(workspace / PROGRESS_FILE, catalogue(source))
    except ProgressError as error:
        raise WorkspaceError(str(error)) from None
    try:
        if trainee:
            progress.set_trainee(trainee)
    finally:
        progress.close()
    for notebook in sources:
        _write_copy(notebook, workspace / notebook.name)
    return workspace


def open_workspace(path: Path | str, *, trainee: str | None = None) -> tuple[Path, list[str]]:
    """The workspace for ``mfa-kit lab``: made on first use; later, the trainee's work is kept
    and only notebooks the course gained since are added. Returns (folder, notebooks added)."""
    from .progress import PROGRESS_FILE, Progress, ProgressError

    workspace = Path(path).expanduser()
    if not (workspace / PROGRESS_FILE).exists():
        init_workspace(workspace, trainee=trainee)
        return workspace, [p.name for p in course_notebooks()]
    try:
        progress = Progress(workspace / PROGRESS_FILE, catalogue())
    except ProgressError as error:
        raise WorkspaceError(str(error)) from None
    try:
        if trainee:
            progress.set_trainee(trainee)
    finally:
        progress.close()
    added = []
    for notebook in course_notebooks():
        if not (workspace / notebook.name).exists():
            _write_copy(notebook, workspace / notebook.name)
            added.append(notebook.name)
    return workspace, added


def resolve_notebook(name: str) -> Path:
    """The committed notebook called ``name`` ("02", "02_agent_enables_mfa", or with .ipynb)."""
    stem = Path(name).name.removesuffix(".ipynb")
    found = [p for p in course_notebooks() if p.stem == stem or p.stem.split("_", 1)[0] == stem]
    if len(found) != 1:
        known = ", ".join(p.stem for p in course_notebooks())
        raise WorkspaceError(f"no course notebook called {name!r}; the course has {known}")
    return found[0]


# What ``course reset`` puts back on the practice portal for each notebook's starting point.
_PORTAL_START = {
    "02": "MFA not enabled",
    "03": "MFA enabled, not set up",
    "04": "MFA enabled, not set up",
    "05": "MFA enabled, not set up",
    "06": "unlocked",
}


def reset_notebook(workspace: Path | str, name: str) -> tuple[Path, Path | None, str]:
    """Start one notebook over: a fresh trainee's copy, and the practice portal put back to
    where that notebook starts. The replaced copy is kept in ``earlier-versions/``.

    Returns (notebook, kept copy or None, what was done on the practice portal).
    """
    from .progress import PROGRESS_FILE

    folder = Path(workspace).expanduser()
    if not (folder / PROGRESS_FILE).is_file():
        raise WorkspaceError(
            f"{folder} is not a course workspace (no {PROGRESS_FILE}): "
            "make it with mfa-kit course init or mfa-kit lab"
        )
    source = resolve_notebook(name)
    target = folder / source.name
    kept = None
    if target.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        (folder / BACKUPS).mkdir(exist_ok=True)
        kept = folder / BACKUPS / f"{source.stem}-{stamp}.ipynb"
        if kept.exists():
            raise WorkspaceError(f"{kept} exists already; nothing was changed")
        shutil.copy2(target, kept)
    portal_done = _reset_practice_portal(folder, source.stem.split("_", 1)[0])
    _write_copy(source, target)
    return target, kept, portal_done


def _reset_practice_portal(folder: Path, number: str) -> str:
    start = _PORTAL_START.get(number)
    path = folder / PRACTICE_PORTAL
    if start is None:
        return "this notebook keeps nothing on the practice portal"
    if not path.exists():
        return "no practice portal yet (own-phone mode makes it)"
    from .clock import SystemClock
    from .portal import Portal
    from .store import Store
    from .training import TRAINING_LOGIN

    store = Store(path)
    try:
        portal = Portal(store, SystemClock())
        if store.account(TRAINING_LOGIN) is None:
            return "the practice portal has no practice user yet"
        status = portal.status(TRAINING_LOGIN)
        if start == "MFA not enabled" and status.mfa_enabled:
            portal.disable_mfa(TRAINING_LOGIN)
        elif start == "MFA enabled, not set up":
            if status.mfa_active or status.setup_pending:
                portal.reset_mfa(TRAINING_LOGIN)
            elif not status.mfa_enabled:
                portal.enable_mfa(TRAINING_LOGIN)
        portal.unlock(TRAINING_LOGIN)
        return f"practice portal: {portal.status(TRAINING_LOGIN).summary()}"
    finally:
        store.close()


def current_workspace() -> Path | None:
    """The workspace a kernel runs in: its folder when that holds a progress record, else
    ``$MFA_KIT_HOME`` when that does; None outside any workspace (e.g. the repository)."""
    from .progress import PROGRESS_FILE

    candidates: Iterator[Path] = iter(
        [Path.cwd(), *([default_workspace()] if os.environ.get(HOME_ENV) else [])]
    )
    for folder in candidates:
        if (folder / PROGRESS_FILE).is_file():
            return folder
    return None


def kernel_progress() -> tuple[Progress | None, str]:
    """The progress record for Check my work, and a line saying where results go.

    In the solved run: a throwaway record in memory. Outside a workspace: none. A record that
    cannot be opened: none, and the line names the file (it is left untouched).
    """
    from .progress import PROGRESS_FILE, Progress, ProgressError

    if solved_run():
        return Progress(":memory:"), "Solved run: results go to a throwaway record."
    folder = current_workspace()
    if folder is None:
        return None, (
            "This copy is outside a course workspace: Check my work shows results but does "
            "not record them (open the course with mfa-kit lab)."
        )
    try:
        return Progress(folder / PROGRESS_FILE), f"Your results are recorded in {folder}."
    except ProgressError as error:
        return None, f"Check my work cannot record your results: {error}"
