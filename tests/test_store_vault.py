"""Secrets at rest: sealed in the file, a key file of its own, private files and folders, a
missing or wrong key refused without a change, and schema 2 files migrated in one go."""

from __future__ import annotations

import base64
import multiprocessing
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from mfa_kit import vault
from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import FixedClock
from mfa_kit.passwords import hash_password
from mfa_kit.portal import Portal
from mfa_kit.store import (
    _MIGRATIONS,
    PREVIOUS_SECRET_KEPT_DAYS,
    PREVIOUS_SECRET_KEPT_SECONDS,
    SCHEMA_VERSION,
    Account,
    Store,
    StoreError,
    default_path,
)
from mfa_kit.training import (
    TRAINING_INSTANT,
    TRAINING_LOGIN,
    TRAINING_PASSWORD,
    TRAINING_SECRET,
    TrainingSecrets,
)

START = TRAINING_INSTANT.timestamp()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files_of(db: Path) -> dict[str, bytes]:
    """The bytes of the database, its WAL and its SHM, as they are on disk now."""
    return {
        suffix: Path(f"{db}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm")
        if Path(f"{db}{suffix}").exists()
    }


def forms_of(secret: str) -> list[bytes]:
    """Every way a base32 secret could sit in a file: its text (any case) and its raw bytes."""
    return [secret.encode(), secret.lower().encode(), base64.b32decode(secret)]


def leaks(db: Path, secrets: list[str]) -> list[str]:
    return [
        f"{secret} in {db.name}{suffix}"
        for suffix, data in files_of(db).items()
        for secret in secrets
        for form in forms_of(secret)
        if form in data
    ]


@pytest.fixture
def umask_022():
    """The usual umask, under which files are world-readable unless the kit says otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def full_flow(portal: Portal, clock: FixedClock) -> list[str]:
    """Enable, set up, save, log in with a code, reset, set up and save again: the secrets
    handed out on the way, in order."""
    issued = []
    portal.enable_mfa(TRAINING_LOGIN)
    for _ in range(2):
        setup = portal.start_authenticator_setup(TRAINING_LOGIN)
        issued.append(setup.secret)
        phone = Authenticator(clock)
        entry = phone.add_uri(setup.uri)
        portal.save_security_settings(TRAINING_LOGIN, entry.code(), TRAINING_PASSWORD)
        clock.advance(30)
        challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
        portal.submit_security_code(challenge, entry.code())
        clock.advance(30)
        if len(issued) == 1:
            portal.reset_mfa(TRAINING_LOGIN)
    # A setup started and never saved: a pending secret on top of the active one (a session
    # that passed the Security code may replace the authenticator).
    challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    session = portal.submit_security_code(challenge, entry.code())
    issued.append(portal.start_authenticator_setup(TRAINING_LOGIN, session=session).secret)
    return issued


def test_no_secret_is_in_the_database_wal_or_shm_after_a_full_flow(tmp_path):
    db = tmp_path / "portal.sqlite3"
    clock = FixedClock(START)
    portal = Portal(Store(db), clock, secret_factory=TrainingSecrets())
    portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD)
    issued = full_flow(portal, clock)
    account = portal.store.account(TRAINING_LOGIN)
    # The portal sees all three secrets in clear…
    assert (account.secret, account.previous_secret, account.pending_secret) == (
        issued[1],
        issued[0],
        issued[2],
    )
    assert issued[0] == TRAINING_SECRET and len(set(issued)) == 3
    # …while the files hold none of them, in any form, with the WAL still full.
    assert Path(f"{db}-wal").stat().st_size > 0
    contents = b"".join(files_of(db).values())
    assert b"scrypt$" in contents  # the search does see what the portal wrote
    assert leaks(db, issued) == []
    raw = sqlite3.connect(db)
    stored = raw.execute("SELECT secret, pending_secret, previous_secret FROM accounts").fetchone()
    raw.close()
    assert all(value.startswith(vault.SEALED_PREFIX) for value in stored), stored
    portal.store.close()
    assert leaks(db, issued) == []


def test_an_in_memory_store_seals_with_the_documented_training_key(portal, clock):
    issued = full_flow(portal, clock)
    row = portal.store._db.execute("SELECT secret, previous_secret FROM accounts").fetchone()
    assert [vault.is_sealed(value) for value in row] == [True, True]
    assert TRAINING_SECRET not in "".join(row)
    training = vault.Vault(vault.TRAINING_KEY)
    assert training.open(row[0], TRAINING_LOGIN, "secret") == issued[1]
    assert training.open(row[1], TRAINING_LOGIN, "previous_secret") == TRAINING_SECRET


def test_a_sealed_secret_moved_to_another_row_or_column_does_not_open(tmp_path):
    db = tmp_path / "portal.sqlite3"
    with Store(db) as store:
        store.insert_account(Account("a", "A", "x", mfa_enabled=True, secret=TRAINING_SECRET))
        store.insert_account(Account("b", "B", "x", mfa_enabled=True))
        sealed = store._db.execute("SELECT secret FROM accounts WHERE login = 'a'").fetchone()[0]
        store._db.execute("UPDATE accounts SET secret = ? WHERE login = 'b'", (sealed,))
        store._db.execute("UPDATE accounts SET pending_secret = ? WHERE login = 'a'", (sealed,))
        with pytest.raises(StoreError, match="the secret of 'b' does not open with this key"):
            store.account("b")
        with pytest.raises(StoreError, match="the pending_secret of 'a' does not open"):
            store.account("a")


def test_the_database_its_wal_and_shm_and_the_key_are_0600_in_a_0700_folder(tmp_path, umask_022):
    os.chmod(tmp_path, 0o755)  # noqa: S103 - a shared folder the kit must leave alone
    db = tmp_path / "new" / "deeper" / "portal.sqlite3"
    with Store(db) as store:
        store.insert_account(Account("a", "A", "x", secret=TRAINING_SECRET))
        assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), store.key_path):
            assert mode(path) == 0o600, path
    assert store.key_path == tmp_path / "new" / "deeper" / "portal.sqlite3.key"
    # Both folders were created by the kit; the one that was there already is left alone.
    assert mode(tmp_path / "new") == mode(tmp_path / "new" / "deeper") == 0o700
    assert mode(tmp_path) == 0o755


def test_the_default_path_and_mfa_kit_db_get_the_same_private_modes(
    tmp_path, monkeypatch, umask_022
):
    monkeypatch.delenv("MFA_KIT_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with Store() as store:
        store.insert_account(Account("a", "A", "x"))
    default = default_path()
    assert default == tmp_path / "data" / "mfa-kit" / "practice-portal.sqlite3"
    assert mode(default) == mode(Path(f"{default}.key")) == 0o600
    assert mode(tmp_path / "data") == mode(default.parent) == 0o700

    chosen = tmp_path / "elsewhere" / "chosen.sqlite3"
    monkeypatch.setenv("MFA_KIT_DB", str(chosen))
    with Store() as store:
        store.insert_account(Account("a", "A", "x"))
        assert mode(Path(f"{chosen}-wal")) == mode(Path(f"{chosen}-shm")) == 0o600
    assert mode(chosen) == mode(Path(f"{chosen}.key")) == 0o600
    assert mode(chosen.parent) == 0o700


def test_an_existing_world_readable_file_or_key_is_made_private(tmp_path):
    db = tmp_path / "portal.sqlite3"
    with Store(db):
        pass
    key = Path(f"{db}.key")
    os.chmod(db, 0o644)  # noqa: S103 - as an older kit left it
    os.chmod(key, 0o644)  # noqa: S103 - as a careless copy left it
    with Store(db) as store:
        assert mode(db) == mode(key) == 0o600
        store.insert_account(Account("a", "A", "x"))


def make_sealed_file(path: Path) -> bytes:
    with Store(path) as store:
        store.insert_account(Account("a", "A", "x", mfa_enabled=True, secret=TRAINING_SECRET))
    return path.read_bytes()


def test_a_missing_key_is_one_line_naming_both_files_and_changes_nothing(tmp_path):
    db = tmp_path / "portal.sqlite3"
    before = make_sealed_file(db)
    key = Path(f"{db}.key")
    key.unlink()
    for read_only in (False, True):
        with pytest.raises(StoreError) as refused:
            Store(db, read_only=read_only)
        message = str(refused.value)
        assert message == (
            f"cannot open the practice-portal database {db}: its key file {key} is missing "
            "(set MFA_KIT_KEY_FILE if the key is elsewhere) (nothing was changed)"
        )
        assert "\n" not in message
        assert db.read_bytes() == before
        assert list(tmp_path.glob("*key*")) == []


def test_a_wrong_key_is_one_line_naming_both_files_and_changes_nothing(tmp_path):
    db = tmp_path / "portal.sqlite3"
    before = make_sealed_file(db)
    key = Path(f"{db}.key")
    right = key.read_bytes()
    key.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
    wrong = key.read_bytes()
    for read_only in (False, True):
        with pytest.raises(StoreError) as refused:
            Store(db, read_only=read_only)
        assert str(refused.value) == (
            f"cannot open the practice-portal database {db}: the key in {key} is not the key "
            "of this database (nothing was changed)"
        )
        assert db.read_bytes() == before
        assert key.read_bytes() == wrong
    key.write_text("not a key at all")
    with pytest.raises(StoreError, match=f"its key file {key} cannot be read: .*not hold"):
        Store(db)
    assert db.read_bytes() == before
    key.write_bytes(right)
    with Store(db) as store:
        assert store.account("a").secret == TRAINING_SECRET


def test_the_key_file_can_live_elsewhere(tmp_path, monkeypatch):
    db = tmp_path / "portal.sqlite3"
    key = tmp_path / "keys" / "portal.key"
    monkeypatch.setenv(vault.KEY_ENV, str(key))
    before = make_sealed_file(db)
    assert key.is_file() and not Path(f"{db}.key").exists()
    assert mode(key) == 0o600 and mode(key.parent) == 0o700
    monkeypatch.delenv(vault.KEY_ENV)
    with pytest.raises(StoreError, match=f"its key file {db}.key is missing"):
        Store(db)
    assert db.read_bytes() == before
    with Store(db, key_file=key) as store:
        assert store.account("a").secret == TRAINING_SECRET


def _open_new(path: str, results) -> None:
    with Store(path) as store:
        results.put(store._vault.seal("x", "a", "secret"))


def test_processes_opening_a_new_database_at_once_agree_on_one_key(tmp_path):
    db = tmp_path / "portal.sqlite3"
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    racers = [context.Process(target=_open_new, args=(str(db), results)) for _ in range(4)]
    for racer in racers:
        racer.start()
    sealed = [results.get(timeout=120) for _ in racers]
    for racer in racers:
        racer.join(60)
        assert racer.exitcode == 0
    key = vault.Vault(vault.read_key(Path(f"{db}.key")))
    assert [key.open(s, "a", "secret") for s in sealed] == ["x"] * 4
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".key")) == [
        "portal.sqlite3.key"
    ]


# --- previous secrets are kept for a stated time ------------------------------------------


def test_a_previous_secret_is_forgotten_after_the_stated_time(enrolled, clock):
    assert PREVIOUS_SECRET_KEPT_DAYS == 30
    assert PREVIOUS_SECRET_KEPT_SECONDS == 30 * 24 * 3600
    store = enrolled.store
    enrolled.reset_mfa(TRAINING_LOGIN)
    reset_at = clock.now()
    account = store.account(TRAINING_LOGIN)
    assert (account.previous_secret, account.previous_secret_at) == (TRAINING_SECRET, reset_at)
    # A second reset with no new authenticator keeps the same secret and its time.
    clock.advance(3600)
    enrolled.reset_mfa(TRAINING_LOGIN)
    assert store.account(TRAINING_LOGIN) == account

    kept_until = reset_at + PREVIOUS_SECRET_KEPT_SECONDS
    assert store.forget_previous_secrets(kept_until - PREVIOUS_SECRET_KEPT_SECONDS) == 0
    assert store.account(TRAINING_LOGIN) == account
    assert store.forget_previous_secrets(reset_at + 1) == 1
    after = store.account(TRAINING_LOGIN)
    assert (after.previous_secret, after.previous_secret_at) == (None, None)
    assert after == Account(
        **{**account.__dict__, "previous_secret": None, "previous_secret_at": None}
    )
    assert store.forget_previous_secrets(reset_at + 1) == 0


def test_a_previous_secret_never_comes_without_its_time(portal):
    store = portal.store
    before = store.account(TRAINING_LOGIN)
    with pytest.raises(ValueError, match="previous_secret needs previous_secret_at"):
        store.update_account(TRAINING_LOGIN, previous_secret=TRAINING_SECRET)
    with pytest.raises(ValueError, match="previous_secret needs previous_secret_at"):
        store.insert_account(Account("b", "B", "x", previous_secret=TRAINING_SECRET))
    assert store.account(TRAINING_LOGIN) == before
    assert store.logins() == [TRAINING_LOGIN]


# --- migration of files written by an older kit ----------------------------------------------

OTHER_SECRET = "KRUGS4ZANFZSAYJAONSWG4TFOQQGW2LU"
FILLERS = 300
PENDING_SECRET = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"


def schema_2_file(path: Path) -> dict[str, str]:
    """A practice portal as the schema 2 kit wrote it, secrets in clear, in WAL mode:
    one account enrolled, one mid-setup, one after a reset, one without MFA, and fillers.
    Returns every secret in it."""
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA journal_mode = WAL")
    for version in (1, 2):
        for statement in _MIGRATIONS[version].split(";"):
            if statement.strip():
                raw.execute(statement)
    password = hash_password(TRAINING_PASSWORD)
    step = int(START // 30)
    rows = [
        (TRAINING_LOGIN, 1, TRAINING_SECRET, None, None, step),
        ("mid.setup", 1, None, PENDING_SECRET, None, None),
        ("after.reset", 1, None, None, OTHER_SECRET, None),
        ("no.mfa", 0, None, None, None, None),
    ]
    raw.executemany(
        "INSERT INTO accounts (login, display_name, password_hash, mfa_enabled, secret, "
        "pending_secret, previous_secret, last_step) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(login, login, password, *rest) for login, *rest in rows],
    )
    # Enough accounts to fill many pages: rewriting them leaves old cells in freed space.
    fillers = {f"filler.{n}": base64.b32encode(os.urandom(20)).decode() for n in range(FILLERS)}
    raw.executemany(
        "INSERT INTO accounts (login, display_name, password_hash, mfa_enabled, secret, "
        "previous_secret) VALUES (?, ?, ?, 1, ?, ?)",
        [(login, login, password, secret, secret) for login, secret in fillers.items()],
    )
    raw.execute(
        "INSERT INTO audit (at, actor, login, event, outcome) VALUES (1, 'x', 'y', 'z', 'ok')"
    )
    raw.execute("PRAGMA user_version = 2")
    raw.commit()
    raw.close()
    assert TRAINING_SECRET.encode() in path.read_bytes()  # the old kit's file, as it was
    return {
        "enrolled": TRAINING_SECRET,
        "pending": PENDING_SECRET,
        "previous": OTHER_SECRET,
        **fillers,
    }


def test_a_schema_2_file_is_migrated_in_one_go_and_every_account_still_works(tmp_path, umask_022):
    db = tmp_path / "old.sqlite3"
    secrets = schema_2_file(db)
    os.chmod(db, 0o644)
    clock = FixedClock(START + 60)
    portal = Portal(Store(db), clock, secret_factory=TrainingSecrets())
    store = portal.store
    assert store.schema_version == SCHEMA_VERSION
    assert sorted(_MIGRATIONS)[-1] == SCHEMA_VERSION  # every step up to here ran
    assert mode(db) == 0o600 and mode(Path(f"{db}.key")) == 0o600
    assert leaks(db, list(secrets.values())) == []

    # enrolled: logs in with the phone's code, and a code already used is still refused
    phone = Authenticator(clock)
    entry = phone.enter_setup_key(TRAINING_LOGIN, TRAINING_SECRET)
    challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    assert portal.submit_security_code(challenge, entry.code()).used_mfa
    assert store.account(TRAINING_LOGIN).last_step == int(clock.now() // 30)

    # mid-setup: Save with a code from the QR code that was on screen
    pending = phone.enter_setup_key("mid.setup", PENDING_SECRET)
    portal.save_security_settings("mid.setup", pending.code(), TRAINING_PASSWORD)
    assert portal.status("mid.setup").mfa_active
    assert store.account("mid.setup").secret == PENDING_SECRET

    # after a reset: the old secret is there for a diagnosis, kept from the upgrade on
    after_reset = store.account("after.reset")
    assert after_reset.previous_secret == OTHER_SECRET
    assert after_reset.previous_secret_at is not None
    assert store.forget_previous_secrets(after_reset.previous_secret_at) == 0

    # no MFA: the password alone
    assert not portal.log_in("no.mfa", TRAINING_PASSWORD).used_mfa
    assert len(store.audit()) > 1
    store.close()
    assert leaks(db, list(secrets.values())) == []


def test_a_migration_that_fails_half_way_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    db = tmp_path / "old.sqlite3"
    schema_2_file(db)
    raw = sqlite3.connect(db)
    before = raw.execute("SELECT * FROM accounts ORDER BY login").fetchall()
    raw.close()
    sealed = []

    def seal_then_fail(self, value, login, column):
        if len(sealed) == 5:
            raise OSError("disk full")
        sealed.append(column)
        return original(self, value, login, column)

    original = vault.Vault.seal
    monkeypatch.setattr(vault.Vault, "seal", seal_then_fail)
    with pytest.raises(OSError, match="disk full"):
        Store(db)
    assert len(sealed) == 5  # it failed part-way through the accounts
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 2
    assert raw.execute("SELECT * FROM accounts ORDER BY login").fetchall() == before
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "vault" not in tables
    raw.close()
    monkeypatch.setattr(vault.Vault, "seal", original)
    with Store(db) as store:
        assert store.account(TRAINING_LOGIN).secret == TRAINING_SECRET


def test_a_database_another_process_created_under_another_key_is_refused(tmp_path, monkeypatch):
    db = tmp_path / "portal.sqlite3"
    with Store(db, key_file=tmp_path / "other.key"):
        pass
    before = db.read_bytes()
    # As a process sees it that found the file empty, then lost the race to create the schema
    # to a process with another key file.
    monkeypatch.setattr(Store, "_sealed", staticmethod(lambda version: False))
    with pytest.raises(StoreError, match="is not the key of this database"):
        Store(db)
    assert db.read_bytes() == before
