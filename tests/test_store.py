"""The SQLite store: schema version, transactions, and files it must not touch."""

from __future__ import annotations

import sqlite3

import pytest

from mfa_kit.store import DB_ENV, SCHEMA_VERSION, Account, Store, StoreError, default_path


def test_a_new_file_gets_the_current_schema_and_wal(tmp_path):
    path = tmp_path / "p.sqlite3"
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_a_failed_transaction_leaves_nothing_behind(tmp_path):
    with Store(tmp_path / "p.sqlite3") as store:
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.insert_account(Account("a", "A", "scrypt$x"))
                store.update_account("a", mfa_enabled=True)
                raise RuntimeError("power cut")
        assert store.account("a") is None


def test_a_newer_schema_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "newer.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer mfa-kit"):
        Store(path)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    raw.close()


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(StoreError, match="not a practice-portal database"):
        Store(path)
    assert path.read_bytes().startswith(b"these are my notes")


def test_only_known_columns_can_be_updated(tmp_path):
    with Store(":memory:") as store:
        store.insert_account(Account("a", "A", "scrypt$x"))
        with pytest.raises(ValueError, match="cannot update"):
            store.update_account("a", login="b")
        with pytest.raises(ValueError, match="cannot update"):
            store.update_account("a", is_admin=1)
        assert store.account("a") == Account("a", "A", "scrypt$x")


def test_the_default_file_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(DB_ENV, str(tmp_path / "chosen.sqlite3"))
    assert default_path() == tmp_path / "chosen.sqlite3"
    monkeypatch.delenv(DB_ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "mfa-kit" / "practice-portal.sqlite3"


def test_passwords_are_stored_only_as_scrypt_hashes(portal):
    from mfa_kit.passwords import verify_password
    from mfa_kit.training import TRAINING_LOGIN, TRAINING_PASSWORD

    stored = portal.store.account(TRAINING_LOGIN).password_hash
    assert stored.startswith("scrypt$") and TRAINING_PASSWORD not in stored
    assert verify_password(TRAINING_PASSWORD, stored)
    assert not verify_password(TRAINING_PASSWORD + "x", stored)
    assert not verify_password(TRAINING_PASSWORD, "garbage")


def test_a_folder_or_an_unreachable_place_is_refused_with_the_path(tmp_path):
    with pytest.raises(StoreError, match=f"cannot open the practice-portal database {tmp_path}"):
        Store(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot open the practice-portal database"):
        Store(blocker / "portal.sqlite3")
    assert blocker.read_text() == "not a folder"


def test_a_version_1_file_is_migrated_and_keeps_its_accounts(tmp_path):
    from mfa_kit.store import _MIGRATIONS

    path = tmp_path / "v1.sqlite3"
    raw = sqlite3.connect(path)
    for statement in _MIGRATIONS[1].split(";"):
        if statement.strip():
            raw.execute(statement)
    raw.execute("INSERT INTO accounts (login, display_name, password_hash) VALUES ('a', 'A', 'x')")
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.account("a") == Account("a", "A", "x")
        assert store.session_count("a") == 0  # the sessions table now exists


def test_read_only_opening_changes_nothing_and_refuses_foreign_files(tmp_path):
    foreign = tmp_path / "notes.db"
    raw = sqlite3.connect(foreign)
    raw.execute("CREATE TABLE notes (x)")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="not a practice-portal database of this mfa-kit"):
        Store(foreign, read_only=True)
    raw = sqlite3.connect(foreign)
    tables = [r[0] for r in raw.execute("SELECT name FROM sqlite_master")]
    assert tables == ["notes"]
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 0
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    raw.close()
    with pytest.raises(StoreError, match="no practice-portal database at"):
        Store(tmp_path / "missing.sqlite3", read_only=True)
    assert not (tmp_path / "missing.sqlite3").exists()

    portal_file = tmp_path / "portal.sqlite3"
    with Store(portal_file) as store:
        store.insert_account(Account("a", "A", "x"))
    with Store(portal_file, read_only=True) as store:
        assert store.account("a") == Account("a", "A", "x")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.update_account("a", failures=3)


def test_a_commit_that_fails_is_rolled_back_and_later_changes_still_land(tmp_path):
    path = tmp_path / "busy.sqlite3"
    with Store(path) as store:
        store.insert_account(Account("a", "A", "x"))
        store._db.execute("PRAGMA journal_mode = DELETE")  # readers block the writer's commit
        store._db.execute("PRAGMA busy_timeout = 0")
        reader = sqlite3.connect(path, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT * FROM accounts").fetchall()  # holds a shared lock
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            store.update_account("a", failures=1)
        assert not store._db.in_transaction
        reader.execute("COMMIT")
        reader.close()
        store.update_account("a", failures=2)
    with Store(path) as store:
        assert store.account("a").failures == 2


def test_a_portal_made_in_one_thread_works_from_another(tmp_path) -> None:
    # JupyterLab can run a widget's click on a kernel thread other than the cell's.
    import threading

    from mfa_kit.clock import FixedClock
    from mfa_kit.portal import Portal
    from mfa_kit.training import TRAINING_INSTANT, TRAINING_LOGIN, TRAINING_PASSWORD

    for where in (":memory:", str(tmp_path / "portal.sqlite3")):
        portal = Portal(Store(where), FixedClock(TRAINING_INSTANT))
        portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD)
        seen: list[object] = []

        def click(portal: Portal = portal, seen: list[object] = seen) -> None:
            try:
                seen.append(portal.enable_mfa(TRAINING_LOGIN).mfa_enabled)
            except Exception as problem:  # the failure is what the test reports
                seen.append(problem)

        other = threading.Thread(target=click)
        other.start()
        other.join(timeout=30)
        assert seen == [True], where
        assert portal.status(TRAINING_LOGIN).mfa_enabled
        portal.store.close()
