"""Helpers shared by the portal's tests."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest


def cheap_hash(password: str) -> str:
    """A valid scrypt hash at the smallest cost, for tests that check hundreds of passwords.

    The stored hash carries its own parameters, so the portal's logic is the same; only the
    time scrypt takes changes. Test data only.
    """
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=2, r=1, p=1, dklen=32)
    return f"scrypt$2$1$1${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


@pytest.fixture(autouse=True)
def quick_password_checks(monkeypatch):
    """For test modules that import it: accounts are created with :func:`cheap_hash`, and an
    unknown Login Name costs no scrypt time (timing is not what those tests check)."""
    import mfa_kit.portal

    monkeypatch.setattr(mfa_kit.portal, "hash_password", cheap_hash)
    monkeypatch.setattr(mfa_kit.portal, "burn_equal_time", lambda password: None)
