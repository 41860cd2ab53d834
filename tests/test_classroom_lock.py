"""requirements.lock: made from pyproject.toml, used by make, CI and the image."""

from __future__ import annotations

import importlib.util
import re
import tomllib

from packaging.requirements import Requirement
from packaging.version import Version

from .conftest import REPO


def _lock_module():
    spec = importlib.util.spec_from_file_location("deploy_lock", REPO / "deploy" / "lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pins() -> dict[str, list[Version]]:
    pins: dict[str, list[Version]] = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        if match:
            name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
            pins.setdefault(name, []).append(Version(match.group(2)))
    return pins


def test_the_lock_was_made_from_this_pyproject():
    lock = _lock_module()
    first = (REPO / "requirements.lock").read_text().splitlines()[0]
    digest = lock.dependency_digest((REPO / "pyproject.toml").read_text())
    assert first == f"{lock.DIGEST_PREFIX}{digest}", "pyproject.toml changed: run `make lock`"


def test_every_requirement_of_pyproject_is_pinned_within_its_range():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in _lock_module().EXTRAS:
        wanted += project["optional-dependencies"][extra]
    pins = _pins()
    for text in wanted:
        requirement = Requirement(text)
        if requirement.name == project["name"]:
            continue  # the project's own extras, already listed
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pins, f"{name} is not in requirements.lock: run `make lock`"
        assert all(requirement.specifier.contains(v, prereleases=True) for v in pins[name]), (
            f"requirements.lock pins {name} {pins[name]} outside {requirement.specifier}"
        )


def test_make_ci_and_the_image_install_with_the_lock():
    makefile = (REPO / "Makefile").read_text()
    assert 'pip install --quiet -c requirements.lock -e ".[test]"' in makefile
    assert re.search(r"^lock:", makefile, re.M)
    assert "make test" in (REPO / ".ci" / "run").read_text()
    install = (REPO / "deploy" / "kubernetes" / "install.sh").read_text()
    assert "-c requirements.lock" in install
    # configurable-http-proxy: npm ci from package-lock.json, before the tests run
    assert "npm ci --no-audit" in makefile
    assert re.search(r"^test: \$\(STAMP\) \$\(PROXY\)$", makefile, re.M)
    assert (
        "apt-get install -y -qq --no-install-recommends nodejs npm"
        in (REPO / ".ci" / "run").read_text()
    )
    assert "node_modules/" in (REPO / ".gitignore").read_text().splitlines()
