"""kill -9 with the secrets sealed: several processes writing to one file are killed at random
moments, and the file is always intact, with each account as it was before or after the
action in flight (its audit line included), and a migration killed half-way is all or nothing."""

from __future__ import annotations

import base64
import hashlib
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from mfa_kit.clock import FixedClock
from mfa_kit.otp import Totp
from mfa_kit.portal import Portal
from mfa_kit.store import SCHEMA_VERSION, Store
from mfa_kit.training import TRAINING_INSTANT, TRAINING_PASSWORD
from tests.test_store_vault import schema_2_file

WRITERS = 3
TRIALS = 15
MIGRATION_TRIALS = 10
START = TRAINING_INSTANT.timestamp()
# Each action, in a cycle: Set Up Google Authenticator, Save, an agent's Reset MFA.
CYCLE = ("set_up", "save", "reset")
DEADLINE_S = 60


def secrets_for(login: str):
    """A fixed sequence of secrets per account, so a run can be replayed in memory."""
    issued = 0

    def make() -> str:
        nonlocal issued
        issued += 1
        return base64.b32encode(hashlib.sha256(f"{login}/{issued}".encode()).digest()[:20]).decode()

    return make


def act(portal: Portal, login: str, index: int) -> None:
    """Action number ``index`` of ``login``'s endless cycle (each is one transaction)."""
    action = CYCLE[index % len(CYCLE)]
    if action == "set_up":
        portal.start_authenticator_setup(login)
    elif action == "save":
        pending = portal.store.account(login).pending_secret
        code = Totp(pending).at(portal.clock.now())
        portal.save_security_settings(login, code, TRAINING_PASSWORD)
    else:
        portal.clock.advance(30)
        portal.reset_mfa(login)


def state(store: Store, login: str) -> tuple:
    account = store.account(login)
    return (
        account.secret,
        account.pending_secret,
        account.previous_secret,
        account.previous_secret_at,
        account.last_step,
        len(store.audit(login)),
    )


def expected_states(login: str, actions: int) -> list[tuple]:
    """The account after 0, 1, 2, … actions, replayed on an in-memory portal."""
    portal = Portal(Store(":memory:"), FixedClock(START), secret_factory=secrets_for(login))
    portal.create_account(login, TRAINING_PASSWORD)
    portal.enable_mfa(login)
    states = [state(portal.store, login)]
    for index in range(actions):
        act(portal, login, index)
        states.append(state(portal.store, login))
    return states


def writer(path: str, login: str, done) -> None:
    portal = Portal(Store(path), FixedClock(START), secret_factory=secrets_for(login))
    index = 0
    while True:
        act(portal, login, index)
        index += 1
        done.value = index  # after the COMMIT: this many actions are on disk


def logins() -> list[str]:
    return [f"writer.{n}" for n in range(WRITERS)]


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A portal file with every writer's account, MFA enabled (copied afresh for each trial)."""
    path = tmp_path / "template" / "portal.sqlite3"
    with Store(path) as store:
        portal = Portal(store, FixedClock(START))
        for login in logins():
            portal.create_account(login, TRAINING_PASSWORD)
            portal.enable_mfa(login)
    return path


def integrity(path: Path) -> str:
    raw = sqlite3.connect(path)
    try:
        return raw.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        raw.close()


def test_writers_killed_at_random_moments_leave_each_account_before_or_after(template, tmp_path):
    context = multiprocessing.get_context("fork")
    chance = random.Random(20260115)
    expected = {login: expected_states(login, 60) for login in logins()}
    for trial in range(TRIALS):
        path = tmp_path / f"trial-{trial}.sqlite3"
        shutil.copyfile(template, path)
        shutil.copyfile(f"{template}.key", f"{path}.key")
        done = {login: context.Value("i", 0, lock=False) for login in logins()}
        workers = {
            login: context.Process(target=writer, args=(str(path), login, done[login]))
            for login in logins()
        }
        for worker in workers.values():
            worker.start()
        # Kill each writer at a random moment of its own, a few actions in.
        for login in chance.sample(logins(), WRITERS):
            target = chance.randint(0, 5)
            deadline = time.monotonic() + DEADLINE_S
            while done[login].value < target:
                assert time.monotonic() < deadline, f"trial {trial}: {login} made no progress"
                assert workers[login].is_alive(), f"trial {trial}: {login} stopped"
                time.sleep(0.001)
            time.sleep(chance.uniform(0, 0.05))
            os.kill(workers[login].pid, signal.SIGKILL)
        for worker in workers.values():
            worker.join(DEADLINE_S)
            assert worker.exitcode == -signal.SIGKILL, f"trial {trial}: {worker.exitcode}"

        assert integrity(path) == "ok", f"trial {trial}"
        with Store(path) as store:
            for login in logins():
                reported = done[login].value
                history = expected[login]
                # Before the action in flight, or after it (committed, not yet reported).
                assert state(store, login) in history[reported : reported + 2], (
                    f"trial {trial}: {login} after {reported} actions is half-way or lost"
                )


def _migrate(path: str) -> None:
    Store(path).close()


def test_a_migration_killed_at_a_random_moment_is_all_or_nothing(tmp_path):
    context = multiprocessing.get_context("fork")
    chance = random.Random(4)
    for trial in range(MIGRATION_TRIALS):
        path = tmp_path / f"old-{trial}.sqlite3"
        secrets = schema_2_file(path)
        raw = sqlite3.connect(path)
        before = raw.execute("SELECT * FROM accounts ORDER BY login").fetchall()
        raw.close()
        worker = context.Process(target=_migrate, args=(str(path),))
        worker.start()
        time.sleep(chance.uniform(0, 0.15))
        os.kill(worker.pid, signal.SIGKILL)
        worker.join(DEADLINE_S)
        assert integrity(path) == "ok", f"trial {trial}"
        raw = sqlite3.connect(path)
        version = raw.execute("PRAGMA user_version").fetchone()[0]
        rows = raw.execute("SELECT * FROM accounts ORDER BY login").fetchall()
        raw.close()
        assert version in (2, SCHEMA_VERSION), f"trial {trial}: schema {version}"
        if version == 2:
            assert rows == before, f"trial {trial}"
        with Store(path) as store:  # finishes the migration if it had not happened
            opened = {login: store.account(login) for login in store.logins()}
        assert opened["jordan.lee"].secret == secrets["enrolled"]
        assert opened["mid.setup"].pending_secret == secrets["pending"]
        assert opened["after.reset"].previous_secret == secrets["previous"]
        fillers = {k: v for k, v in secrets.items() if k.startswith("filler.")}
        assert {k: opened[k].secret for k in fillers} == fillers
