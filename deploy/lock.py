"""Write requirements.lock: every package a class, the image and CI install, pinned.

Generated from pyproject.toml with ``uv pip compile`` (``make lock``). The first line records a
digest of the dependency lists it was made from, so tests/test_classroom_lock.py can tell when
pyproject.toml changed and the lock was not made again.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOCK = REPO / "requirements.lock"
EXTRAS = ("classroom", "test")
PYTHON = "3.11"
DIGEST_PREFIX = "# pyproject-dependencies-sha256: "


def dependency_digest(pyproject_text: str) -> str:
    """A digest of what the lock is made from: requires-python, the dependencies, the extras."""
    project = tomllib.loads(pyproject_text)["project"]
    subject = {
        "requires-python": project["requires-python"],
        "dependencies": project["dependencies"],
        "extras": {name: project["optional-dependencies"][name] for name in EXTRAS},
    }
    return hashlib.sha256(json.dumps(subject, sort_keys=True).encode()).hexdigest()


def compile_command(output: Path) -> list[str]:
    uv = Path(sys.executable).with_name("uv")
    extras = [arg for name in EXTRAS for arg in ("--extra", name)]
    return [
        str(uv),
        "pip",
        "compile",
        "pyproject.toml",
        *extras,
        "--universal",
        "--python-version",
        PYTHON,
        "--no-header",
        "--quiet",
        "--output-file",
        str(output),
    ]


def main() -> int:
    temporary = LOCK.with_suffix(".new")
    # uv keeps the versions already in its output file where they still fit: a new dependency
    # adds its pins without moving every other package.
    if LOCK.exists():
        shutil.copy(LOCK, temporary)
    subprocess.run(compile_command(temporary), cwd=REPO, check=True)
    digest = dependency_digest((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    header = (
        f"{DIGEST_PREFIX}{digest}\n"
        "# Made by `make lock` (deploy/lock.py: uv pip compile pyproject.toml --extra classroom\n"
        f"# --extra test --universal --python-version {PYTHON}). Install with\n"
        '# pip install -c requirements.lock -e ".[test]". Do not edit by hand.\n'
    )
    LOCK.write_text(header + temporary.read_text(encoding="utf-8"), encoding="utf-8")
    temporary.unlink()
    print(f"wrote {LOCK.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
