"""A trainee's progress record: one SQLite file in the workspace, written by "Check my work".

Per notebook and check: passed / failed / not tried, attempts, time of the last attempt and
whether the solution was opened; the trainee's name; the assessment's result.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROGRESS_FILE = "progress.sqlite3"
"""The record's file name inside a workspace."""

APPLICATION_ID = 0x4D464B50  # "MFKP": marks the file as this kit's progress record
SCHEMA_VERSION = 1

PASSED, FAILED, NOT_TRIED = "passed", "failed", "not tried"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS expected (
    notebook  TEXT NOT NULL,
    check_name TEXT NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (notebook, check_name)
);
CREATE TABLE IF NOT EXISTS checks (
    notebook         TEXT NOT NULL,
    check_name       TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_at          REAL,
    solution_opened  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (notebook, check_name)
);
CREATE TABLE IF NOT EXISTS assessment (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        REAL NOT NULL,
    score     REAL NOT NULL,
    passed    INTEGER NOT NULL,
    sections  TEXT NOT NULL
);
"""
_TABLES = {"meta", "expected", "checks", "assessment"}

Catalogue = Iterable[tuple[str, str]]
"""(notebook, check) pairs in course order: what the report lists as "not tried"."""


class ProgressError(RuntimeError):
    """A progress file that cannot be read: missing, corrupt or not this kit's. One line."""


def _iso(at: float | None) -> str | None:
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _now() -> float:
    return datetime.now(UTC).timestamp()


class Progress:
    """The progress record at ``path`` (created with its schema when the file does not exist).

    ``catalogue`` names the checks the course expects, in order; they are added to the record
    (a workspace's copy of the course sets them when it is made). An existing file that is
    not a progress record is refused with :class:`ProgressError` and left untouched.
    """

    def __init__(self, path: Path | str, catalogue: Catalogue = ()) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        where = str(path)
        if self.path is not None and self.path.exists():
            _verify(self.path)
        try:
            self._db = sqlite3.connect(where, isolation_level=None)
            self._db.execute("PRAGMA busy_timeout = 5000")
            if self._application_id() == 0 and not self._tables():
                self._db.executescript(
                    f"BEGIN IMMEDIATE; PRAGMA application_id = {APPLICATION_ID}; "
                    f"PRAGMA user_version = {SCHEMA_VERSION}; {_SCHEMA} COMMIT;"
                )
        except sqlite3.DatabaseError as error:
            raise ProgressError(f"{where}: cannot open the progress record ({error})") from None
        self.add_expected(catalogue)

    def close(self) -> None:
        self._db.close()

    # the trainee

    @property
    def trainee(self) -> str:
        """The trainee's name ("" until it is given)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'trainee'").fetchone()
        return row[0] if row else ""

    def set_trainee(self, name: str) -> None:
        """Put the trainee's name on the record (and on the certificate later); runs of spaces
        become one. Screens that ask for the name refuse an empty one before calling this."""
        name = " ".join(str(name).split())
        with self._transaction():
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES ('trainee', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (name,),
            )

    # what the course expects

    def add_expected(self, catalogue: Catalogue) -> None:
        """Add checks the course expects (kept in the order first given)."""
        pairs = list(catalogue)
        if not pairs:
            return
        with self._transaction():
            start = self._db.execute("SELECT COALESCE(MAX(position), 0) FROM expected").fetchone()
            for offset, (notebook, check) in enumerate(pairs, start=start[0] + 1):
                self._db.execute(
                    "INSERT OR IGNORE INTO expected(notebook, check_name, position) "
                    "VALUES (?, ?, ?)",
                    (notebook, check, offset),
                )

    # results

    def record_check(
        self, notebook: str, check: str, passed: bool, *, at: float | None = None
    ) -> None:
        """One click on Check my work: the latest result counts; attempts add up."""
        at = _now() if at is None else at
        status = PASSED if passed else FAILED
        with self._transaction():
            self._ensure_expected(notebook, check)
            self._db.execute(
                "INSERT INTO checks(notebook, check_name, status, attempts, last_at) "
                "VALUES (?, ?, ?, 1, ?) ON CONFLICT(notebook, check_name) DO UPDATE SET "
                "status = excluded.status, attempts = attempts + 1, last_at = excluded.last_at",
                (notebook, check, status, at),
            )

    def solution_opened(self, notebook: str, check: str) -> None:
        """The trainee opened Show solution for this check."""
        with self._transaction():
            self._ensure_expected(notebook, check)
            self._db.execute(
                "INSERT INTO checks(notebook, check_name, status, solution_opened) "
                "VALUES (?, ?, ?, 1) ON CONFLICT(notebook, check_name) DO UPDATE SET "
                "solution_opened = 1",
                (notebook, check, NOT_TRIED),
            )

    def record_assessment(
        self,
        score: float,
        passed: bool,
        sections: dict[str, float],
        *,
        at: float | None = None,
    ) -> None:
        """The final assessment's result (the latest one is the one reported)."""
        at = _now() if at is None else at
        with self._transaction():
            self._db.execute(
                "INSERT INTO assessment(at, score, passed, sections) VALUES (?, ?, ?, ?)",
                (at, float(score), int(bool(passed)), json.dumps(dict(sections), sort_keys=True)),
            )

    def report(self) -> dict[str, Any]:
        """The record as ``mfa-kit progress --json`` prints it."""
        return _report(self._db)

    # helpers

    def _ensure_expected(self, notebook: str, check: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO expected(notebook, check_name, position) "
            "SELECT ?, ?, COALESCE(MAX(position), 0) + 1 FROM expected",
            (notebook, check),
        )

    def _application_id(self) -> int:
        return self._db.execute("PRAGMA application_id").fetchone()[0]

    def _tables(self) -> set[str]:
        rows = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def _verify(path: Path) -> None:
    """Refuse (without writing) a file that is not a readable progress record of this kit."""
    what = f"{path} is not an mfa-kit progress record"
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except OSError as error:
        raise ProgressError(f"{path}: cannot read the progress record ({error.strerror})") from None
    if header != b"SQLite format 3\x00":
        raise ProgressError(f"{what} (not an SQLite database); it was left as it is")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            app = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        raise ProgressError(f"{what} ({error}); it was left as it is") from None
    if app != APPLICATION_ID or not _TABLES <= tables:
        raise ProgressError(f"{what} (another program's database); it was left as it is")
    if version > SCHEMA_VERSION:
        raise ProgressError(
            f"{path} was written by a newer mfa-kit (record version {version}); "
            "it was left as it is"
        )


def read_report(workspace: Path | str) -> dict[str, Any]:
    """The report of the workspace's progress record, read only (never created or changed).

    Raises :class:`ProgressError`, one line naming the file, when it is missing, corrupt or
    not this kit's.
    """
    path = Path(workspace) / PROGRESS_FILE
    if not path.is_file():
        raise ProgressError(
            f"{path} does not exist: make the workspace with mfa-kit course init or mfa-kit lab"
        )
    _verify(path)
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return _report(db)
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        raise ProgressError(f"{path} cannot be read as a progress record ({error})") from None


def _report(db: sqlite3.Connection) -> dict[str, Any]:
    trainee = db.execute("SELECT value FROM meta WHERE key = 'trainee'").fetchone()
    rows = db.execute(
        "SELECT e.notebook, e.check_name, c.status, c.attempts, c.last_at, c.solution_opened "
        "FROM expected e LEFT JOIN checks c "
        "ON c.notebook = e.notebook AND c.check_name = e.check_name ORDER BY e.position"
    ).fetchall()
    notebooks: dict[str, list[dict[str, Any]]] = {}
    for notebook, check, status, attempts, last_at, opened in rows:
        notebooks.setdefault(notebook, []).append(
            {
                "name": check,
                "status": status or NOT_TRIED,
                "attempts": attempts or 0,
                "last_at": _iso(last_at),
                "solution_opened": bool(opened),
            }
        )
    latest = db.execute(
        "SELECT score, passed, sections, at FROM assessment ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assessment = None
    if latest is not None:
        score, passed, sections, at = latest
        assessment = {
            "score": score,
            "passed": bool(passed),
            "sections": json.loads(sections),
            "at": _iso(at),
        }
    return {
        "trainee": trainee[0] if trainee else "",
        "notebooks": [
            {
                "name": name,
                "complete": bool(checks) and all(c["status"] == PASSED for c in checks),
                "checks": checks,
            }
            for name, checks in notebooks.items()
        ],
        "assessment": assessment,
    }


def next_step(report: dict[str, Any], assessment_notebook: str | None = None) -> str:
    """What the trainee should do next, in one sentence: the next notebook to finish, then the
    assessment, then the certificate."""
    for notebook in report["notebooks"]:
        if notebook["name"] == assessment_notebook:
            continue
        if not notebook["complete"]:
            left = [c["name"] for c in notebook["checks"] if c["status"] != PASSED]
            return (
                f"Next: open {notebook['name']}.ipynb and finish its exercise"
                f"{'s' if len(left) > 1 else ''} ({', '.join(left)})."
            )
    result = report.get("assessment")
    if result is None or not result["passed"]:
        where = f"{assessment_notebook}.ipynb" if assessment_notebook else "notebook 09"
        again = " again" if result is not None else ""
        return f"Next: take the assessment{again} in {where}."
    return "You passed the assessment: your certificate is ready (mfa-kit certificate)."
