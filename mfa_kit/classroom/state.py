"""The classroom's state folder: what belongs to this class, its secrets (0600) and its logins.

Layout of ``DIR``:
    classroom.json          which class this folder belongs to (the roster, the options)
    accounts.json  (0600)   scrypt hashes of every login's password, TOTP secrets sealed
                            (AES-GCM, mfa_kit.vault) under accounts.key (0600), last step
    first-passwords.csv (0600)  each login's first password and setup key, written once
    trainer-token  (0600)   the trainer's hub API token (scripts, tests)
    proxy-token    (0600)   shared by the hub and configurable-http-proxy
    jupyterhub.sqlite, jupyterhub_cookie_secret (0600)   the hub's own state
    running.json            ports and process id while the class runs
    trainees/LOGIN/         each trainee's course workspace (their server's root folder)
    hub.log                 the hub's log (never a password, code or token)
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..otp import Totp, generate_secret
from ..passwords import hash_password
from . import TRAINER
from .roster import Trainee

KIND = "mfa-kit-classroom"
FORMAT = 1
PRIVATE = 0o600
HUB_ISSUER = "mfa-kit-classroom"
"""The name the trainees' authenticator app shows for the hub's own Security code."""


class StateError(ValueError):
    """A state folder this classroom must not use: one line saying why."""


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only, replacing it atomically."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


@dataclass(frozen=True)
class Classroom:
    """A state folder and the class it belongs to."""

    root: Path
    trainees: tuple[Trainee, ...]
    totp: bool = True

    @property
    def logins(self) -> list[str]:
        return [trainee.login for trainee in self.trainees]

    # Where each thing lives; one place for every path.
    @property
    def marker(self) -> Path:
        return self.root / "classroom.json"

    @property
    def accounts_file(self) -> Path:
        return self.root / "accounts.json"

    @property
    def accounts_key(self) -> Path:
        return self.root / "accounts.key"

    @property
    def first_passwords(self) -> Path:
        return self.root / "first-passwords.csv"

    @property
    def trainer_token_file(self) -> Path:
        return self.root / "trainer-token"

    @property
    def proxy_token_file(self) -> Path:
        return self.root / "proxy-token"

    @property
    def running_file(self) -> Path:
        return self.root / "running.json"

    @property
    def log_file(self) -> Path:
        return self.root / "hub.log"

    @property
    def workspaces(self) -> Path:
        return self.root / "trainees"

    def workspace(self, login: str) -> Path:
        return self.workspaces / login

    def trainer_token(self) -> str:
        return self.trainer_token_file.read_text(encoding="utf-8").strip()

    def running(self) -> dict | None:
        try:
            return json.loads(self.running_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def as_json(self) -> dict:
        return {
            "kind": KIND,
            "format": FORMAT,
            "trainer": TRAINER,
            "totp": self.totp,
            "trainees": [vars(trainee) for trainee in self.trainees],
        }


def load(root: Path) -> Classroom:
    """The classroom whose state is in ``root``; a StateError if it is not one."""
    marker = root / "classroom.json"
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StateError(f"{root} is not a classroom state folder (no classroom.json)") from None
    except (ValueError, OSError):
        raise StateError(f"{marker} is not a classroom's description (unreadable JSON)") from None
    if not isinstance(data, dict) or data.get("kind") != KIND or data.get("format") != FORMAT:
        raise StateError(f"{marker} does not describe an mfa-kit classroom")
    trainees = tuple(Trainee(**row) for row in data["trainees"])
    return Classroom(root, trainees, bool(data.get("totp", True)))


def check(root: Path, trainees: list[Trainee], totp: bool) -> Classroom | None:
    """The existing classroom in ``root`` if it is this class, None if ``root`` is new or empty;
    a StateError for a folder of another classroom or one that is not a classroom's. Writes
    nothing."""
    if root.exists() and not root.is_dir():
        raise StateError(f"the state folder {root} is a file, not a folder")
    if not root.exists() or not any(root.iterdir()):
        return None
    existing = load(root)
    if existing.logins != [trainee.login for trainee in trainees]:
        shown = ", ".join(existing.logins[:3]) + (", …" if len(existing.logins) > 3 else "")
        raise StateError(
            f"the state folder {root} belongs to another classroom "
            f"({len(existing.logins)} trainees: {shown}); use another --state"
        )
    if existing.totp != totp:
        raise StateError(
            f"the classroom in {root} was created {'with' if existing.totp else 'without'} "
            "a Security code at login; start it the same way or use another --state"
        )
    return existing


def create(root: Path, trainees: list[Trainee], totp: bool) -> tuple[Classroom, str]:
    """Make a new classroom in ``root``: accounts, tokens, first passwords. Returns the classroom
    and the first-passwords table as text (to print once)."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(root, 0o700)
    classroom = Classroom(root, tuple(trainees), totp)
    from ..vault import Vault, load_or_create_key

    vault = Vault(load_or_create_key(classroom.accounts_key))
    accounts: dict[str, dict] = {}
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(
        ["login", "name", "password", "setup_key"] if totp else ["login", "name", "password"]
    )
    people = [Trainee(TRAINER, "Trainer"), *trainees]
    for person in people:
        password = first_password()
        secret = generate_secret() if totp else None
        accounts[person.login] = {
            "password": hash_password(password),
            "totp": vault.seal(secret, person.login, "totp"),
        }
        row = [person.login, person.name, password]
        writer.writerow([*row, _grouped(secret)] if totp else row)
    write_private(classroom.accounts_file, json.dumps(accounts, indent=1) + "\n")
    write_private(classroom.first_passwords, table.getvalue())
    write_private(classroom.trainer_token_file, secrets.token_hex(32) + "\n")
    write_private(classroom.proxy_token_file, secrets.token_hex(32) + "\n")
    classroom.workspaces.mkdir(exist_ok=True, mode=0o700)
    # The marker last: a folder whose creation was cut short is not taken for a classroom.
    classroom.marker.write_text(json.dumps(classroom.as_json(), indent=1) + "\n", "utf-8")
    return classroom, table.getvalue()


def first_password() -> str:
    """A first password to hand out: 4 groups of 4 letters and digits, easy to read out."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def setup_uri(secret: str, login: str) -> str:
    """The otpauth URI of a login's hub Security code (for ``mfa-kit qr URI -o FILE.png``)."""
    return Totp(secret).uri(login, issuer=HUB_ISSUER)
