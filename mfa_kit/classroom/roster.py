"""The class list: a CSV with the header ``login,name,email`` or a practice roster of N trainees.

A login must already be a valid JupyterHub username, so the hub never renames anyone silently.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from . import TRAINER

HEADER = ("login", "name", "email")
LOGIN_RULE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")
LOGIN_RULE_TEXT = (
    "use 1 to 32 lower-case letters, digits, '.', '-' or '_', starting with a letter or digit"
)
MAX_TRAINEES = 200


class RosterError(ValueError):
    """A roster the class cannot start with: one line saying which row and why."""


@dataclass(frozen=True)
class Trainee:
    login: str
    name: str
    email: str = ""


def practice_roster(count: int) -> list[Trainee]:
    """``trainee01`` … ``traineeNN``: a roster for trying the classroom out."""
    if not 1 <= count <= MAX_TRAINEES:
        raise RosterError(f"--trainees must be between 1 and {MAX_TRAINEES}, not {count}")
    width = max(2, len(str(count)))
    return [Trainee(f"trainee{n:0{width}d}", f"Trainee {n}") for n in range(1, count + 1)]


def read_roster(path: Path) -> list[Trainee]:
    """The trainees in the CSV at ``path``; a RosterError naming the line of the first problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"the roster {path} does not exist") from None
    except UnicodeDecodeError:
        raise RosterError(f"the roster {path} is not UTF-8 text") from None
    except OSError as problem:
        raise RosterError(f"cannot read the roster {path}: {problem.strerror}") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or tuple(cell.strip().lower() for cell in rows[0]) not in (HEADER, HEADER[:2]):
        raise RosterError(f"the roster {path} must start with the header line login,name,email")
    trainees: list[Trainee] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(HEADER):
            raise RosterError(f"{path} line {number}: more than 3 columns (login,name,email)")
        login, name, email = ([cell.strip() for cell in row] + ["", ""])[:3]
        where = f"{path} line {number}"
        if not login:
            raise RosterError(f"{where}: the login is empty")
        check_login(login, where)
        if login in seen:
            raise RosterError(
                f"{where}: the login {login!r} is already on line {seen[login]} (duplicate login)"
            )
        seen[login] = number
        trainees.append(Trainee(login, name or login, email))
    if not trainees:
        raise RosterError(f"the roster {path} has no trainees")
    if len(trainees) > MAX_TRAINEES:
        raise RosterError(f"the roster {path} has {len(trainees)} trainees; at most {MAX_TRAINEES}")
    return trainees


def check_login(login: str, where: str) -> None:
    """A RosterError unless ``login`` is a valid JupyterHub username that is not the trainer's."""
    if not LOGIN_RULE.match(login):
        raise RosterError(
            f"{where}: {login!r} is not a valid JupyterHub username: {LOGIN_RULE_TEXT}"
        )
    if login == TRAINER:
        raise RosterError(f"{where}: {TRAINER!r} is the trainer's login, not a trainee's")
