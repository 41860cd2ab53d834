"""Several portal processes on one database file: a code still gets in only once, and every
wrong guess is still counted."""

from __future__ import annotations

import threading

import pytest

from mfa_kit import errors
from mfa_kit.authenticator import Authenticator
from mfa_kit.portal import Portal, Session
from mfa_kit.store import Store
from mfa_kit.training import TRAINING_LOGIN, TRAINING_PASSWORD, TrainingSecrets

# Fewer racers than the lockout threshold, so every refusal is counted and none is a lock.
RACERS = 4


@pytest.fixture
def shared_file(tmp_path, clock):
    path = tmp_path / "shared.sqlite3"
    portal = Portal(Store(path), clock, secret_factory=TrainingSecrets())
    portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD)
    portal.enable_mfa(TRAINING_LOGIN)
    phone = Authenticator(clock)
    phone.add_uri(portal.start_authenticator_setup(TRAINING_LOGIN).uri)
    portal.save_security_settings(TRAINING_LOGIN, phone.entries[0].code(), TRAINING_PASSWORD)
    clock.advance(30)
    portal.store.close()
    return path, phone


def _race(path, clock, work):
    """Run ``work(portal, challenge)`` in RACERS threads at once, each with its own connection
    (SQLite connections belong to one thread, as they would to one server process)."""
    start = threading.Barrier(RACERS, timeout=30)
    outcomes: list[object] = [None] * RACERS

    def racer(index: int) -> None:
        portal = Portal(Store(path), clock)
        try:
            challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
            start.wait()
            outcomes[index] = work(portal, challenge)
        except errors.PortalError as refused:
            outcomes[index] = refused
        finally:
            portal.store.close()

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # every racer must have finished with a session or a portal refusal, nothing else
    assert all(isinstance(o, (Session, errors.PortalError)) for o in outcomes), outcomes
    return outcomes


def test_the_same_code_racing_through_six_logins_gets_in_once(shared_file, clock):
    path, phone = shared_file
    code = phone.entries[0].code()
    outcomes = _race(
        path, clock, lambda portal, challenge: portal.submit_security_code(challenge, code)
    )
    refused = [o for o in outcomes if isinstance(o, errors.PortalError)]
    assert len(outcomes) - len(refused) == 1
    assert all(isinstance(o, errors.CodeAlreadyUsed) for o in refused), refused


def test_parallel_wrong_codes_are_all_counted(shared_file, clock):
    path, _ = shared_file
    outcomes = _race(
        path, clock, lambda portal, challenge: portal.submit_security_code(challenge, "000000")
    )
    assert all(isinstance(o, errors.InvalidCode) for o in outcomes), outcomes
    with Store(path) as store:
        assert store.account(TRAINING_LOGIN).failures == RACERS
        assert store.account(TRAINING_LOGIN).locked_until is None
    portal = Portal(Store(path), clock)
    challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    with pytest.raises(errors.AccountLocked):
        portal.submit_security_code(challenge, "000000")  # the fifth in a row
    portal.store.close()
