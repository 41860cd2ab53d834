"""The practice portal's persistence: accounts, half-finished logins and the audit trail in SQLite.

Every state change runs inside one transaction; the schema carries a version number
(``PRAGMA user_version``) so a newer kit can recognise an older file. Authenticator secrets
are sealed on the way in and opened on the way out (:mod:`mfa_kit.vault`): the file holds
them only encrypted, while callers see plain ``Account`` fields. The file, its WAL and SHM
are 0600, and a folder created for it is 0700.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

from . import vault
from .vault import TRAINING_KEY, Vault, VaultError

SCHEMA_VERSION = 4
DB_ENV = "MFA_KIT_DB"
MEMORY = ":memory:"

SECRET_COLUMNS = ("secret", "pending_secret", "previous_secret")
"""The columns stored sealed: the file never holds an authenticator secret in clear."""

PREVIOUS_SECRET_KEPT_DAYS = 30
"""How long the secret in force before an agent's reset is kept for diagnosis (codes from
the stale app entry), after which :meth:`Store.forget_previous_secrets` drops it."""
PREVIOUS_SECRET_KEPT_SECONDS = PREVIOUS_SECRET_KEPT_DAYS * 86400

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

# Each step takes a database from the version before it to the next one, in order: SQL, or a
# function of the store for a step that must rewrite values (all run in one transaction).
_MIGRATIONS: dict[int, str | Callable[[Store], None]] = {
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
    4: lambda store: store._seal_existing_secrets(),
}

MATCHED = ("active", "pending", "previous", "none")
"""Which secret a typed code matched, as an Attempt records it."""

_SEALING_SCHEMA = """
ALTER TABLE accounts ADD COLUMN previous_secret_at REAL;
CREATE TABLE vault (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    key_check  TEXT NOT NULL
);
"""


class StoreError(RuntimeError):
    """The database file cannot be used (newer schema, not a database, …)."""


@dataclass(frozen=True)
class Account:
    """One portal account as stored.

    mfa_enabled: a Technical Support Agent has switched MFA on for this account.
    secret: the authenticator secret in force once the user pressed Save (None before).
    pending_secret: the secret behind the QR code on screen, not yet confirmed with Save.
    previous_secret: the secret in force before the last agent reset (kept for diagnosis,
        PREVIOUS_SECRET_KEPT_DAYS days).
    last_step: the highest time step ever accepted; codes at or below it are refused.
    failures: wrong passwords or codes in a row.
    locked_until: Unix time until which the account refuses logins (None: not locked;
        infinity: locked until a Technical Support Agent unlocks it).
    locks: locks in a row (the next lock lasts longer; see SecurityPolicy).
    last_locked_at: when the latest of those locks began (None: no lock remembered).
    previous_secret_at: Unix time at which previous_secret stopped being in force.

    The three secrets are plain text here; the store keeps them sealed in the file.
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
    previous_secret_at: float | None = None

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


def _check_previous_secret(values: dict[str, object]) -> None:
    """A previous secret is kept for a stated time, so it never comes without its time."""
    if "previous_secret" not in values:
        return
    if values["previous_secret"] is None:
        values["previous_secret_at"] = None
    elif values.get("previous_secret_at") is None:
        raise ValueError("a previous_secret needs previous_secret_at (when it was replaced)")


def default_path() -> Path:
    """Where the embedded practice portal lives: $MFA_KIT_DB, else the user's data folder."""
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "mfa-kit" / "practice-portal.sqlite3"


class Store:
    """SQLite storage for one practice portal.

    ``path`` is a file path, ``":memory:"`` (notebooks and tests), or None for
    :func:`default_path`. ``key_file`` is where the key that seals the secrets lives: by
    default $MFA_KIT_KEY_FILE, else ``<path>.key`` beside the database, created (0600) with a
    new database. An in-memory store uses the documented :data:`mfa_kit.vault.TRAINING_KEY`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        read_only: bool = False,
        key_file: str | os.PathLike[str] | None = None,
    ) -> None:
        """``read_only`` opens an existing file without creating, migrating or changing it
        (a diagnosis looks at a customer's portal; it never writes to it)."""
        if path is None:
            path = default_path()
        self.path = str(path)
        self.read_only = read_only
        self._lock = threading.RLock()
        self.key_path: Path | None = None
        if self.path != MEMORY:
            self.key_path = vault.key_path(self.path, key_file)
        try:
            if read_only:
                if self.path == MEMORY or not Path(self.path).is_file():
                    raise StoreError(f"no practice-portal database at {self.path}")
                uri = Path(self.path).resolve().as_uri() + "?mode=ro"
                self._db = sqlite3.connect(
                    uri, uri=True, isolation_level=None, check_same_thread=False
                )
            else:
                if self.path != MEMORY:
                    file = Path(self.path)
                    vault.make_private_folders(file.parent)
                    if not file.is_dir():
                        # Created 0600 before SQLite sees it; its WAL and SHM take this mode.
                        vault.create_private_file(file)
                # isolation_level=None: transactions are opened explicitly in transaction().
                self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as error:
            raise StoreError(
                f"cannot open the practice-portal database {self.path}: {error}"
            ) from None
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA foreign_keys = ON")
            if read_only:
                self._check_version()
                self._vault = self._existing_vault()
            else:
                self._open_for_writing()
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise StoreError(f"{self.path} is not a practice-portal database: {error}") from None
        except BaseException:
            self._db.close()
            raise

    def _open_for_writing(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer mfa-kit (schema {version}); "
                f"this one reads schema {SCHEMA_VERSION}"
            )
        if self.path == MEMORY:
            self._vault = Vault(TRAINING_KEY)
            self._migrate()
            return
        # Before anything is written: a file whose key is missing or wrong stays as it is.
        self._vault = self._existing_vault() if self._sealed(version) else self._new_vault()
        self._db.execute("PRAGMA journal_mode = WAL")
        # Freed space is zeroed, so a secret replaced or dropped leaves no bytes behind.
        self._db.execute("PRAGMA secure_delete = ON")
        self._make_files_private()
        if self._migrate():
            # Older frames in the WAL may still hold what the migration sealed: empty it.
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if not self._sealed(version):
            # Another process may have created the schema first, under its own key file.
            self._existing_vault()

    def _make_files_private(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            vault.make_private(Path(self.path + suffix))
        if self.key_path is not None:
            vault.make_private(self.key_path)

    @staticmethod
    def _sealed(version: int) -> bool:
        return version >= 4

    def _key_error(self, problem: str) -> StoreError:
        return StoreError(
            f"cannot open the practice-portal database {self.path}: {problem} (nothing was changed)"
        )

    def _existing_vault(self) -> Vault:
        """The vault for a database that already holds sealed secrets: its key file must exist
        and be the key those secrets were sealed with."""
        if self.path == MEMORY:
            return Vault(TRAINING_KEY)
        assert self.key_path is not None
        try:
            key = vault.read_key(self.key_path)
        except FileNotFoundError:
            raise self._key_error(
                f"its key file {self.key_path} is missing (set {vault.KEY_ENV} if the key "
                "is elsewhere)"
            ) from None
        except (OSError, ValueError) as error:
            raise self._key_error(f"its key file {self.key_path} cannot be read: {error}") from None
        opened = Vault(key)
        row = self._db.execute("SELECT key_check FROM vault WHERE id = 1").fetchone()
        if row is None or not opened.opens(row[0]):
            raise self._key_error(f"the key in {self.key_path} is not the key of this database")
        return opened

    def _new_vault(self) -> Vault:
        """The vault for a database that has no sealed secrets yet: the key file's key, or a
        new key file (0600)."""
        assert self.key_path is not None
        try:
            return Vault(vault.load_or_create_key(self.key_path))
        except (OSError, ValueError) as error:
            raise self._key_error(f"its key file {self.key_path} cannot be used: {error}") from None

    def _check_version(self) -> None:
        version = self.schema_version
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} is not a practice-portal database of this mfa-kit "
                f"(schema {version}, expected {SCHEMA_VERSION})"
            )

    def _migrate(self) -> bool:
        """Bring the file to SCHEMA_VERSION in one transaction; whether anything changed."""
        with self.transaction():
            # Read again under the write lock: another process may have migrated meanwhile.
            version = self.schema_version
            steps = sorted(t for t in _MIGRATIONS if version < t <= SCHEMA_VERSION)
            for target in steps:
                step = _MIGRATIONS[target]
                if callable(step):
                    step(self)
                else:
                    self._run_script(step)
            if version < SCHEMA_VERSION:
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return bool(steps)

    def _run_script(self, script: str) -> None:
        for statement in script.split(";"):
            if statement.strip():
                self._db.execute(statement)

    def _seal_existing_secrets(self) -> None:
        """Migration 4: seal every secret stored in clear by an older kit, and remember the key.

        A previous secret found now is kept PREVIOUS_SECRET_KEPT_DAYS from the upgrade: when
        it was replaced was never recorded.
        """
        self._run_script(_SEALING_SCHEMA)
        self._db.execute(
            "INSERT INTO vault (id, key_check) VALUES (1, ?)", (self._vault.key_check(),)
        )
        columns = ", ".join(SECRET_COLUMNS)
        rows = self._db.execute(f"SELECT login, {columns} FROM accounts").fetchall()  # noqa: S608
        upgraded_at = time.time()
        for login, *values in rows:
            sealed = [
                self._vault.seal(v, login, c) for v, c in zip(values, SECRET_COLUMNS, strict=True)
            ]
            self._db.execute(
                "UPDATE accounts SET secret = ?, pending_secret = ?, previous_secret = ?, "
                "previous_secret_at = ? WHERE login = ?",
                (*sealed, upgraded_at if values[2] is not None else None, login),
            )

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
        # One thread at a time: JupyterLab may run a widget's click on another thread than
        # the cell that made the portal, and both would share this connection.
        with self._lock:
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

    def _open_secrets(self, values: dict[str, object]) -> None:
        login = str(values["login"])
        for column in SECRET_COLUMNS:
            try:
                values[column] = self._vault.open(values[column], login, column)  # type: ignore[arg-type]
            except VaultError as problem:
                raise StoreError(f"{self.path}: {problem}") from None

    def _seal_secrets(self, login: str, values: dict[str, object]) -> None:
        for column in SECRET_COLUMNS:
            if column in values:
                values[column] = self._vault.seal(values[column], login, column)  # type: ignore[arg-type]

    def account(self, login: str) -> Account | None:
        row = self._db.execute("SELECT * FROM accounts WHERE login = ?", (login,)).fetchone()
        if row is None:
            return None
        values = dict(row)
        values["mfa_enabled"] = bool(values["mfa_enabled"])
        self._open_secrets(values)
        return Account(**values)

    def logins(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT login FROM accounts ORDER BY login")]

    def logins_like(
        self, pattern: str, *, exclude: bool = False, limit: int | None = None
    ) -> list[str]:
        """Login Names matching (``exclude``: not matching) the SQL LIKE ``pattern`` (ASCII
        letters in any case, ``\\`` escapes ``%`` and ``_``), at most ``limit`` of them:
        one customer company's accounts (``%@domain``) without reading every row."""
        # Only the two fixed operators are ever put into the text; the values are bound.
        operator = "NOT LIKE" if exclude else "LIKE"
        sql = f"SELECT login FROM accounts WHERE login {operator} ? ESCAPE '\\' LIMIT ?"  # noqa: S608
        rows = self._db.execute(sql, (pattern, -1 if limit is None else limit))
        return [r[0] for r in rows]

    def insert_account(self, account: Account) -> None:
        values = {name: getattr(account, name) for name in ACCOUNT_COLUMNS}
        _check_previous_secret(values)
        self._seal_secrets(account.login, values)
        with self.transaction() as db:
            placeholders = ", ".join("?" for _ in ACCOUNT_COLUMNS)
            # Column names come from the Account dataclass, never from input; values are bound.
            db.execute(
                f"INSERT INTO accounts ({', '.join(ACCOUNT_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
                list(values.values()),
            )

    def update_account(self, login: str, /, **changes: object) -> None:
        """Change some columns of one account. A new ``previous_secret`` comes with its
        ``previous_secret_at`` (when it was replaced); dropping it drops the time too."""
        unknown = set(changes) - set(ACCOUNT_COLUMNS) - {"login"}
        if unknown or "login" in changes:
            raise ValueError(f"cannot update {sorted(unknown | ({'login'} & set(changes)))}")
        _check_previous_secret(changes)
        self._seal_secrets(login, changes)
        # Only the Account dataclass's column names get this far (checked above).
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self.transaction() as db:
            db.execute(
                f"UPDATE accounts SET {assignments} WHERE login = ?",  # noqa: S608
                [*changes.values(), login],
            )

    def forget_previous_secrets(self, older_than: float) -> int:
        """Drop every previous secret that stopped being in force before the Unix time
        ``older_than`` (e.g. now - PREVIOUS_SECRET_KEPT_SECONDS); how many were dropped."""
        with self.transaction() as db:
            dropped = db.execute(
                "UPDATE accounts SET previous_secret = NULL, previous_secret_at = NULL "
                "WHERE previous_secret IS NOT NULL AND previous_secret_at < ?",
                (older_than,),
            )
            return dropped.rowcount

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

    # the portal's record of code attempts: diagnosis reads the evidence as it was then

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

    # lockout counters of Login Names that match no account (kept under a keyed hash)

    def login_name_key(self) -> bytes:
        """This database's own key for hashing unknown Login Names (made by migration 3)."""
        row = self._db.execute(
            "SELECT value FROM portal_keys WHERE name = 'login_name_hmac'"
        ).fetchone()
        if row is None:
            raise StoreError(f"{self.path} has no Login Name key (schema 3 is incomplete)")
        return bytes(row[0])

    def throttle(self, name_hash: str) -> Throttle | None:
        row = self._db.execute(
            f"SELECT {', '.join(THROTTLE_COLUMNS)} FROM unknown_logins WHERE name_hash = ?",  # noqa: S608
            (name_hash,),
        ).fetchone()
        return Throttle(*row) if row else None

    def put_throttle(self, name_hash: str, throttle: Throttle) -> None:
        # Column names come from the Throttle dataclass, never from input.
        with self.transaction() as db:
            db.execute(
                f"INSERT OR REPLACE INTO unknown_logins (name_hash, {', '.join(THROTTLE_COLUMNS)})"  # noqa: S608
                f" VALUES (?{', ?' * len(THROTTLE_COLUMNS)})",
                [name_hash, *(getattr(throttle, name) for name in THROTTLE_COLUMNS)],
            )

    def delete_throttle(self, name_hash: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM unknown_logins WHERE name_hash = ?", (name_hash,))

    # ending logins

    def consume_challenge(self, token_hash: str) -> bool:
        """Delete one half-finished login; True only for the one caller that deleted it."""
        with self.transaction() as db:
            return (
                db.execute("DELETE FROM challenges WHERE token_hash = ?", (token_hash,)).rowcount
                == 1
            )

    def delete_session(self, token_hash: str) -> bool:
        """End one session; True if it existed."""
        with self.transaction() as db:
            return (
                db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,)).rowcount == 1
            )

    def delete_other_sessions(self, login: str, keep: str | None) -> int:
        """End every session of ``login`` except the one whose token hash is ``keep``."""
        with self.transaction() as db:
            return db.execute(
                "DELETE FROM sessions WHERE login = ? AND token_hash IS NOT ?", (login, keep)
            ).rowcount

    def purge_expired(self, now: float) -> int:
        """Delete half-finished logins and sessions that have run out; how many went."""
        with self.transaction() as db:
            gone = db.execute("DELETE FROM challenges WHERE expires_at <= ?", (now,)).rowcount
            return gone + db.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,)).rowcount

    def count_rows(self, table: str) -> int:
        """Rows in one of the portal's tables (for checks and tests)."""
        if table not in {"accounts", "challenges", "sessions", "audit", "attempts"}:
            raise ValueError(f"unknown table {table!r}")
        return self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
