"""The practice portal's persistence: accounts, half-finished logins and the audit trail in SQLite.

Every state change runs inside one transaction; the schema carries a version number
(``PRAGMA user_version``) so a newer kit can recognise an older file.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

SCHEMA_VERSION = 3
DB_ENV = "MFA_KIT_DB"
MEMORY = ":memory:"

_SCHEMA = """
CREATE TABLE accounts (
    login            TEXT PRIMARY KEY,
    display_name     TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    mfa_enabled      INTEGER NOT NULL DEFAULT 0,
    secret           TEXT,
    pending_secret   TEXT,
    previous_secret  TEXT,
    last_step        INTEGER,
    failures         INTEGER NOT NULL DEFAULT 0,
    locked_until     REAL
);
CREATE TABLE challenges (
    token_hash  TEXT PRIMARY KEY,
    login       TEXT NOT NULL REFERENCES accounts(login) ON DELETE CASCADE,
    expires_at  REAL NOT NULL
);
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       REAL NOT NULL,
    actor    TEXT NOT NULL,
    login    TEXT NOT NULL,
    event    TEXT NOT NULL,
    outcome  TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_login ON audit(login, id);
"""

# Each step takes a database from the version before it to the next one, in order.
_MIGRATIONS = {
    1: _SCHEMA,
    2: """
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    login       TEXT NOT NULL REFERENCES accounts(login) ON DELETE CASCADE,
    used_mfa    INTEGER NOT NULL,
    expires_at  REAL NOT NULL
);
""",
    # The portal's evidence and its lockout: one row per Security code or Passcode attempt
    # (never the code), the lock escalation per account, the same counters for Login Names
    # that match no account (kept under a keyed hash, never the text), and the key for it.
    3: """
CREATE TABLE attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            REAL NOT NULL,
    login         TEXT NOT NULL,
    event         TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    matched       TEXT NOT NULL CHECK (matched IN ('active', 'pending', 'previous', 'none')),
    offset_steps  INTEGER
);
CREATE INDEX attempts_by_login ON attempts(login, at, id);
ALTER TABLE accounts ADD COLUMN locks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN last_locked_at REAL;
CREATE TABLE unknown_logins (
    name_hash       TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL DEFAULT 0,
    locked_until    REAL,
    locks           INTEGER NOT NULL DEFAULT 0,
    last_locked_at  REAL
);
CREATE TABLE portal_keys (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL
);
INSERT INTO portal_keys (name, value) VALUES ('login_name_hmac', randomblob(32));
CREATE INDEX challenges_by_expiry ON challenges(expires_at);
CREATE INDEX challenges_by_login ON challenges(login);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);
CREATE INDEX sessions_by_login ON sessions(login);
""",
}

MATCHED = ("active", "pending", "previous", "none")
"""Which secret a typed code matched, as an Attempt records it."""


class StoreError(RuntimeError):
    """The database file cannot be used (newer schema, not a database, …)."""


@dataclass(frozen=True)
class Account:
    """One portal account as stored.

    mfa_enabled: a Technical Support Agent has switched MFA on for this account.
    secret: the authenticator secret in force once the user pressed Save (None before).
    pending_secret: the secret behind the QR code on screen, not yet confirmed with Save.
    previous_secret: the secret in force before the last agent reset (kept for diagnosis).
    last_step: the highest time step ever accepted; codes at or below it are refused.
    failures: wrong passwords or codes in a row.
    locked_until: Unix time until which the account refuses logins (None: not locked;
        infinity: locked until a Technical Support Agent unlocks it).
    locks: locks in a row (the next lock lasts longer; see SecurityPolicy).
    last_locked_at: when the latest of those locks began (None: no lock remembered).
    """

    login: str
    display_name: str
    password_hash: str
    mfa_enabled: bool = False
    secret: str | None = None
    pending_secret: str | None = None
    previous_secret: str | None = None
    last_step: int | None = None
    failures: int = 0
    locked_until: float | None = None
    locks: int = 0
    last_locked_at: float | None = None

    @property
    def mfa_active(self) -> bool:
        """MFA is in force: the next login asks for a Security code."""
        return self.mfa_enabled and self.secret is not None


ACCOUNT_COLUMNS = tuple(f.name for f in fields(Account))


@dataclass(frozen=True)
class AuditEvent:
    """One line of the audit trail. Never holds a secret, code or password."""

    at: float
    actor: str
    login: str
    event: str
    outcome: str
    detail: str = ""


@dataclass(frozen=True)
class Attempt:
    """One Security code or Passcode attempt, as the portal saw it at that moment.

    at: when it was typed (Unix seconds).
    event: "security_code" (Submit) or "security_settings_saved" (Save).
    outcome: "ok" or the refusal's reason ("invalid_code", "expired_code", "locked", …).
    matched: which secret the typed code matched then: "active", "pending", "previous" or
        "none" (within SecurityPolicy.attempt_search_steps of that moment).
    offset_steps: the signed offset of that match in time steps (positive: the phone's
        clock is ahead), None when nothing matched or the code was malformed.
    The typed code itself is never stored.
    """

    at: float
    event: str
    outcome: str
    matched: str
    offset_steps: int | None


@dataclass(frozen=True)
class Throttle:
    """The lockout counters of a Login Name that matches no account (same meaning as on
    Account), so that an unknown name locks exactly like a real one."""

    failures: int = 0
    locked_until: float | None = None
    locks: int = 0
    last_locked_at: float | None = None


THROTTLE_COLUMNS = tuple(f.name for f in fields(Throttle))


def default_path() -> Path:
    """Where the embedded practice portal lives: $MFA_KIT_DB, else the user's data folder."""
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "mfa-kit" / "practice-portal.sqlite3"


class Store:
    """SQLite storage for one practice portal.

    ``path`` is a file path, ``":memory:"`` (notebooks and tests), or None for
    :func:`default_path`.
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False
    ) -> None:
        """``read_only`` opens an existing file without creating, migrating or changing it
        (a diagnosis looks at a customer's portal; it never writes to it)."""
        if path is None:
            path = default_path()
        self.path = str(path)
        self.read_only = read_only
        try:
            if read_only:
                if self.path == MEMORY or not Path(self.path).is_file():
                    raise StoreError(f"no practice-portal database at {self.path}")
                uri = Path(self.path).resolve().as_uri() + "?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, isolation_level=None)
            else:
                if self.path != MEMORY:
                    Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                # isolation_level=None: transactions are opened explicitly in transaction().
                self._db = sqlite3.connect(self.path, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise StoreError(
                f"cannot open the practice-portal database {self.path}: {error}"
            ) from None
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA foreign_keys = ON")
            if read_only:
                self._check_version()
            else:
                if self.path != MEMORY:
                    self._db.execute("PRAGMA journal_mode = WAL")
                self._migrate()
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise StoreError(f"{self.path} is not a practice-portal database: {error}") from None
        except StoreError:
            self._db.close()
            raise

    def _check_version(self) -> None:
        version = self.schema_version
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} is not a practice-portal database of this mfa-kit "
                f"(schema {version}, expected {SCHEMA_VERSION})"
            )

    def _migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer mfa-kit (schema {version}); "
                f"this one reads schema {SCHEMA_VERSION}"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                for statement in _MIGRATIONS[target].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {target}")

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: committed when the block ends, rolled back if it raises."""
        if self._db.in_transaction:
            # Nested use joins the outer transaction, so a portal action stays one unit.
            yield self._db
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            # Also when COMMIT itself fails (busy, disk full): never leave the connection
            # inside a transaction that later changes would silently join.
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    # accounts

    def account(self, login: str) -> Account | None:
        row = self._db.execute("SELECT * FROM accounts WHERE login = ?", (login,)).fetchone()
        if row is None:
            return None
        values = dict(row)
        values["mfa_enabled"] = bool(values["mfa_enabled"])
        return Account(**values)

    def logins(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT login FROM accounts ORDER BY login")]

    def insert_account(self, account: Account) -> None:
        with self.transaction() as db:
            placeholders = ", ".join("?" for _ in ACCOUNT_COLUMNS)
            # Column names come from the Account dataclass, never from input; values are bound.
            db.execute(
                f"INSERT INTO accounts ({', '.join(ACCOUNT_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
                [getattr(account, name) for name in ACCOUNT_COLUMNS],
            )

    def update_account(self, login: str, /, **changes: object) -> None:
        unknown = set(changes) - set(ACCOUNT_COLUMNS) - {"login"}
        if unknown or "login" in changes:
            raise ValueError(f"cannot update {sorted(unknown | ({'login'} & set(changes)))}")
        # Only the Account dataclass's column names get this far (checked above).
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self.transaction() as db:
            db.execute(
                f"UPDATE accounts SET {assignments} WHERE login = ?",  # noqa: S608
                [*changes.values(), login],
            )

    def claim_step(self, login: str, step: int) -> bool:
        """Record ``step`` as accepted only if it is newer than every step accepted before."""
        with self.transaction() as db:
            claimed = db.execute(
                "UPDATE accounts SET last_step = ? "
                "WHERE login = ? AND (last_step IS NULL OR last_step < ?)",
                (step, login, step),
            )
            return claimed.rowcount == 1

    # half-finished logins (password accepted, Security code not yet)

    def add_challenge(self, token_hash: str, login: str, expires_at: float) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO challenges (token_hash, login, expires_at) VALUES (?, ?, ?)",
                (token_hash, login, expires_at),
            )

    def challenge(self, token_hash: str) -> tuple[str, float] | None:
        row = self._db.execute(
            "SELECT login, expires_at FROM challenges WHERE token_hash = ?", (token_hash,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    # logged-in sessions

    def add_session(self, token_hash: str, login: str, used_mfa: bool, expires_at: float) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO sessions (token_hash, login, used_mfa, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (token_hash, login, int(used_mfa), expires_at),
            )

    def session(self, token_hash: str) -> tuple[str, bool, float] | None:
        row = self._db.execute(
            "SELECT login, used_mfa, expires_at FROM sessions WHERE token_hash = ?", (token_hash,)
        ).fetchone()
        return (row[0], bool(row[1]), row[2]) if row else None

    def session_count(self, login: str) -> int:
        return self._db.execute(
            "SELECT count(*) FROM sessions WHERE login = ?", (login,)
        ).fetchone()[0]

    def delete_sessions(self, login: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE login = ?", (login,))

    def delete_challenge(self, token_hash: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM challenges WHERE token_hash = ?", (token_hash,))

    def delete_challenges(self, login: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM challenges WHERE login = ?", (login,))

    # audit trail

    def add_audit(self, event: AuditEvent) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO audit (at, actor, login, event, outcome, detail)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (event.at, event.actor, event.login, event.event, event.outcome, event.detail),
            )

    def audit(self, login: str | None = None, limit: int | None = None) -> list[AuditEvent]:
        """Audit events, oldest first; the newest ``limit`` if given."""
        sql = "SELECT at, actor, login, event, outcome, detail FROM audit"
        args: list[object] = []
        if login is not None:
            sql += " WHERE login = ?"
            args.append(login)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        rows = self._db.execute(sql, args).fetchall()
        return [AuditEvent(*row) for row in reversed(rows)]

    # the portal's record of code attempts (issue: diagnosis from evidence)

    def add_attempt(self, login: str, attempt: Attempt) -> None:
        if attempt.matched not in MATCHED:
            raise ValueError(f"matched must be one of {MATCHED}, not {attempt.matched!r}")
        with self.transaction() as db:
            db.execute(
                "INSERT INTO attempts (at, login, event, outcome, matched, offset_steps)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    attempt.at,
                    login,
                    attempt.event,
                    attempt.outcome,
                    attempt.matched,
                    attempt.offset_steps,
                ),
            )

    def attempts(self, login: str, since: float | None = None) -> list[Attempt]:
        """The recorded code attempts of ``login``, oldest first; only those at or after
        ``since`` (Unix seconds) if given."""
        sql = "SELECT at, event, outcome, matched, offset_steps FROM attempts WHERE login = ?"
        args: list[object] = [login]
        if since is not None:
            sql += " AND at >= ?"
            args.append(since)
        rows = self._db.execute(sql + " ORDER BY at, id", args).fetchall()
        return [Attempt(*row) for row in rows]
