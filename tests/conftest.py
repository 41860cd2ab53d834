"""Shared fixtures: a training clock, in-memory and file-backed portals, and tool checks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import FixedClock
from mfa_kit.portal import Portal
from mfa_kit.store import Store
from mfa_kit.training import (
    TRAINING_DISPLAY_NAME,
    TRAINING_INSTANT,
    TRAINING_LOGIN,
    TRAINING_PASSWORD,
    TRAINING_SECRET,
    TrainingSecrets,
)

REPO = Path(__file__).resolve().parent.parent
# The training instant as a user types it on the command line.
TRAINING_AT_ISO = TRAINING_INSTANT.isoformat().replace("+00:00", "Z")


def run_mfa_kit(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``mfa-kit ARGS`` as a script calls it: a real process, its exit code, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "mfa_kit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def diagnose_secret(code: str, *options: str) -> subprocess.CompletedProcess[str]:
    """``mfa-kit diagnose --secret``: the training secret and ``code`` at the training instant."""
    return run_mfa_kit(
        "diagnose", "--secret", TRAINING_SECRET, "--code", code, "--at", TRAINING_AT_ISO, *options
    )


def require_tool(name: str, env: str) -> str:
    """Path of a system tool; skip with the reason if it is missing, fail if ``env`` demands it."""
    path = shutil.which(name)
    if path is None:
        reason = f"{name} is not installed (apt-get install {name})"
        if os.environ.get(env) == "1":
            pytest.fail(f"{reason}, and {env}=1 requires it")
        pytest.skip(reason)
    return path


@pytest.fixture(autouse=True)
def _private_practice_portal(tmp_path_factory, monkeypatch) -> Path:
    """No test touches the user's own practice portal file."""
    path = tmp_path_factory.mktemp("data") / "practice-portal.sqlite3"
    monkeypatch.setenv("MFA_KIT_DB", str(path))
    return path


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TRAINING_INSTANT)


@pytest.fixture
def portal(clock: FixedClock) -> Portal:
    portal = Portal(Store(":memory:"), clock, secret_factory=TrainingSecrets())
    portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_DISPLAY_NAME)
    return portal


@pytest.fixture
def phone(clock: FixedClock) -> Authenticator:
    return Authenticator(clock)


@pytest.fixture
def enrolled(portal: Portal, phone: Authenticator, clock: FixedClock) -> Portal:
    """The training user with MFA enabled, scanned and saved; the clock then moves one step on,
    so the next code is fresh."""
    portal.enable_mfa(TRAINING_LOGIN)
    setup = portal.start_authenticator_setup(TRAINING_LOGIN)
    entry = phone.scan_qr_code(setup.qr_png())
    portal.save_security_settings(TRAINING_LOGIN, entry.code(), TRAINING_PASSWORD)
    clock.advance(30)
    return portal


@pytest.fixture
def reopen(tmp_path: Path, clock: FixedClock) -> Callable[[], Portal]:
    """Open the same database file afresh each call (the previous portal's store is closed)."""
    path = tmp_path / "portal.sqlite3"
    opened: list[Portal] = []
    secrets = TrainingSecrets()

    def _open() -> Portal:
        if opened:
            opened[-1].store.close()
        opened.append(Portal(Store(path), clock, secret_factory=secrets))
        return opened[-1]

    yield _open
    if opened:
        opened[-1].store.close()
