"""Password hashing for the practice portal: scrypt, salted, compared in constant time.

Plaintext passwords are never stored or logged; only ``scrypt$n$r$p$salt$hash`` strings are.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` that carries its own parameters."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=KEY_BYTES
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time compare of the derived keys)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        derived = hashlib.scrypt(
            (password or "").encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(derived, expected)


# Checked against when the login name is unknown, so that a wrong name costs as much time as
# a wrong password and response times do not reveal which login names exist.
@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(8))


def burn_equal_time(password: str) -> None:
    """Spend the time of one password check, with nothing to check against."""
    verify_password(password, _dummy_hash())
