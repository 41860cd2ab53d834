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
