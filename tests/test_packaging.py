"""Packaging promises: one source of dependencies, a light import, and the README's two commands."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib

import yaml

from .conftest import REPO

HEAVY = ("ipywidgets", "PIL", "zxingcpp", "jupyter", "jupyterlab", "qrcode", "IPython", "voila")


def _name_and_spec(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$", requirement)
    assert match, requirement
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    return name, match.group(3).replace(" ", "")


def test_environment_yml_lists_exactly_pyprojects_dependencies():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = {}
    pip_entries: list[str] = []
    for item in environment["dependencies"]:
        if isinstance(item, dict):
            pip_entries.extend(item["pip"])
        else:
            name, spec = _name_and_spec(item)
            conda[name] = spec
    assert conda.pop("python") == project["requires-python"]
    assert conda.pop("pip") == ""
    # conda also installs the `classroom` extra, and the proxy that npm installs for pip users
    classroom = project["optional-dependencies"]["classroom"]
    assert conda.pop("configurable-http-proxy") != ""
    assert conda == dict(_name_and_spec(r) for r in project["dependencies"] + classroom)
    # the test extras come through pip from pyproject itself
    assert pip_entries == ["-e .[test]"]
    assert "test" in project["optional-dependencies"]
    assert environment["channels"] == ["conda-forge"]


def test_importing_mfa_kit_stays_light():
    # What is loaded is checked here; how long it takes is benchmarks/bench_import.py's job.
    code = (
        "import sys, json, mfa_kit, mfa_kit.portal, mfa_kit.authenticator, mfa_kit.otp, "
        "mfa_kit.diagnose, mfa_kit.lint, mfa_kit.course, mfa_kit.cli; "
        "print(json.dumps({'modules': sorted(sys.modules)}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    report = json.loads(result.stdout)
    loaded = {m.split(".")[0] for m in report["modules"]}
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_readme_opens_with_the_two_commands():
    lines = [line for line in (REPO / "README.md").read_text().splitlines() if line.strip()]
    assert lines[0].startswith("# ")
    block = lines[1:5]
    assert block[0] == "```sh"
    assert block[1].startswith("make lab")
    assert block[2].startswith("make test")
    assert block[3] == "```"
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^lab:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_the_console_script_is_declared():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["mfa-kit"] == "mfa_kit.cli:main"
