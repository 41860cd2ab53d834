"""The practice portal's key and what it seals: authenticator secrets encrypted at rest.

Secrets are sealed with AES-256-GCM (``cryptography``), the row's Login Name and column as
associated data, under a key kept in a file of its own (mode 0600) beside the database.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import stat
from pathlib import Path

KEY_ENV = "MFA_KIT_KEY_FILE"
"""Environment variable naming the key file, when it is not beside the database."""
KEY_SUFFIX = ".key"
KEY_BYTES = 32
NONCE_BYTES = 12
SEALED_PREFIX = "aesgcm1:"
"""How a sealed value starts in the database: the scheme, then base64 of nonce + ciphertext."""

TRAINING_KEY = hashlib.sha256(b"mfa-kit training key: public, for in-memory portals only").digest()
"""The documented key of in-memory portals (notebooks, the customer demo, tests). It is public
on purpose, like the training secret: an in-memory database never reaches a disk, and every
portal still stores its secrets sealed, so the code path is the same everywhere."""

_KEY_CHECK_TEXT = "mfa-kit practice portal"
_KEY_CHECK_WHERE = ("", "key_check")

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


class VaultError(ValueError):
    """A sealed value that this key cannot open (wrong key, or changed bytes)."""


def key_path(database: str | os.PathLike[str], key_file: str | os.PathLike[str] | None) -> Path:
    """The key file of ``database``: ``key_file`` if given, else $MFA_KIT_KEY_FILE, else
    ``<database>.key`` beside it."""
    if key_file is not None:
        return Path(key_file).expanduser()
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV]).expanduser()
    database = Path(database)
    return database.with_name(database.name + KEY_SUFFIX)


def make_private_folders(folder: Path) -> None:
    """Create ``folder`` and any missing parent, each 0700 (only the ones created here)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):
            created.mkdir(mode=PRIVATE_FOLDER)
            # mkdir's mode passes through the umask; say exactly what we mean.
            os.chmod(created, PRIVATE_FOLDER)


def make_private(path: Path) -> None:
    """Take group and world access away from an existing file of ours (0600)."""
    with contextlib.suppress(OSError):
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, PRIVATE_FILE)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist yet."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        os.chmod(path, PRIVATE_FILE)


def read_key(path: Path) -> bytes:
    """The key stored in ``path``; FileNotFoundError if there is none, ValueError if the file
    does not hold a key."""
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii", errors="replace"))
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise ValueError(f"{path} does not hold an mfa-kit key")
    return key


def load_or_create_key(path: Path) -> bytes:
    """The key in ``path``, or a fresh one written there (mode 0600) if there is none yet.

    The new file appears complete or not at all (written aside, then linked into place), so
    several processes starting on one new database agree on one key.
    """
    with contextlib.suppress(FileNotFoundError):
        return read_key(path)
    make_private_folders(path.parent)
    key = secrets.token_bytes(KEY_BYTES)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            os.chmod(draft, PRIVATE_FILE)
            handle.write(base64.urlsafe_b64encode(key).decode("ascii") + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            return read_key(path)  # another process got there first: use its key
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(draft)
    return key


class Vault:
    """Seals and opens secret column values under one key.

    A value is bound to its row and column (associated data), so a sealed secret copied into
    another account or column does not open.
    """

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if len(key) != KEY_BYTES:
            raise ValueError(f"a key is {KEY_BYTES} bytes, not {len(key)}")
        self._cipher = AESGCM(key)

    @staticmethod
    def _where(login: str, column: str) -> bytes:
        return b"mfa-kit/accounts\0" + f"{login}\0{column}".encode("utf-8", "surrogatepass")

    def seal(self, value: str | None, login: str, column: str) -> str | None:
        if value is None:
            return None
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._cipher.encrypt(
            nonce, value.encode("utf-8", "surrogatepass"), self._where(login, column)
        )
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, value: str | None, login: str, column: str) -> str | None:
        if value is None:
            return None
        from cryptography.exceptions import InvalidTag

        if not is_sealed(value):
            raise VaultError(f"the {column} of {login!r} is not sealed")
        try:
            raw = base64.urlsafe_b64decode(value[len(SEALED_PREFIX) :].encode("ascii"))
            plain = self._cipher.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._where(login, column)
            )
        except (ValueError, InvalidTag):
            raise VaultError(f"the {column} of {login!r} does not open with this key") from None
        return plain.decode("utf-8", "surrogatepass")

    def key_check(self) -> str:
        """A sealed known text, stored with the database: it tells a wrong key at once."""
        return self.seal(_KEY_CHECK_TEXT, *_KEY_CHECK_WHERE)  # type: ignore[return-value]

    def opens(self, key_check: str) -> bool:
        """Whether this vault's key is the one ``key_check`` was sealed with."""
        try:
            return self.open(key_check, *_KEY_CHECK_WHERE) == _KEY_CHECK_TEXT
        except VaultError:
            return False


def is_sealed(value: str | None) -> bool:
    """Whether a stored column value is sealed (None, no secret, counts as sealed)."""
    return value is None or (isinstance(value, str) and value.startswith(SEALED_PREFIX))
