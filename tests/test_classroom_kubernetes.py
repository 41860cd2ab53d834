"""deploy/kubernetes/: the values validate against the chart's own schema, the hub configuration
the chart would load is loaded and checked, and the image installs with the tested script."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml
from traitlets.config import Config

from .conftest import REPO

DEPLOY = REPO / "deploy" / "kubernetes"
CHART = Path(__file__).parent / "data" / "z2jh"
MEASURED_MIB_PER_TRAINEE = 185
"""benchmarks/bench_classroom.py: a trainee server with a course kernel (see the README)."""


def _merge(base, ours):
    """helm's merge of our values over the chart's defaults (maps merge, anything else replaces)."""
    if isinstance(base, dict) and isinstance(ours, dict):
        merged = dict(base)
        for key, value in ours.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    return ours


def _values() -> dict:
    return yaml.safe_load((DEPLOY / "values.yaml").read_text())


def _errors(values: dict) -> list[str]:
    schema = json.loads((CHART / "values.schema.json").read_text())
    defaults = yaml.safe_load((CHART / "chart-default-values.yaml").read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'.'.join(map(str, error.path))}: {error.message}"
        for error in validator.iter_errors(_merge(defaults, values))
    ]


def test_the_values_validate_against_the_charts_schema():
    assert _errors(_values()) == []


def test_the_schema_check_catches_a_misspelt_key():
    values = _values()
    values["singleuser"]["memroy"] = values["singleuser"].pop("memory")
    assert any("memroy" in error for error in _errors(values))
    values = _values()
    values["cull"]["timeout"] = "an hour"
    assert any(error.startswith("cull.timeout") for error in _errors(values))


def _hub_config(values: dict) -> Config:
    """What the chart's jupyterhub_config.py builds from these values (the parts we rely on):
    hub.config as traitlets config, hub.services and hub.loadRoles, the culler service, the
    singleuser resources and storage, then every hub.extraConfig snippet executed."""
    hub = values["hub"]
    c = Config(copy.deepcopy(hub["config"]))
    c.JupyterHub.services = [{"name": name, **service} for name, service in hub["services"].items()]
    c.JupyterHub.load_roles = [{"name": name, **role} for name, role in hub["loadRoles"].items()]
    cull = values["cull"]
    if cull["enabled"]:
        c.JupyterHub.services.append(
            {
                "name": "cull-idle",
                "command": [
                    "python3",
                    "-m",
                    "jupyterhub_idle_culler",
                    f"--timeout={cull['timeout']}",
                    f"--cull-every={cull['every']}",
                ],
            }
        )
    single = values["singleuser"]
    c.KubeSpawner.mem_guarantee = single["memory"]["guarantee"]
    c.KubeSpawner.mem_limit = single["memory"]["limit"]
    c.KubeSpawner.cmd = single["cmd"]
    c.KubeSpawner.image = f"{single['image']['name']}:{single['image']['tag']}"
    for name, snippet in sorted(hub["extraConfig"].items()):
        exec(compile(snippet, f"hub.extraConfig.{name}", "exec"), {"c": c})  # noqa: S102
    return c


def _mebibytes(text: str) -> float:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]i?)", text).groups()
    scale = {"K": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}[unit]
    return float(number) * scale / 2**20


def test_the_hub_config_the_chart_loads_has_the_classroom():
    c = _hub_config(_values())
    assert c.JupyterHub.authenticator_class == "generic-oauth"
    assert c.Authenticator.admin_users  # a trainer
    assert c.GenericOAuthenticator.allowed_groups and "client_secret" not in c.GenericOAuthenticator
    services = {service["name"]: service for service in c.JupyterHub.services}
    assert services["dashboard"]["url"] == "http://127.0.0.1:10101"
    assert services["dashboard"]["display"] is True
    assert "--timeout=3600" in services["cull-idle"]["command"]
    roles = {role["name"]: role for role in c.JupyterHub.load_roles}
    assert roles["dashboard"]["services"] == ["dashboard"]
    assert all(scope.startswith(("list:", "read:")) for scope in roles["dashboard"]["scopes"])
    workspace = c.Spawner.environment["MFA_KIT_HOME"]
    assert c.Spawner.notebook_dir == workspace
    assert workspace.startswith(_values()["singleuser"]["storage"]["homeMountPath"] + "/")
    assert c.KubeSpawner.cmd == ["python3", "-m", "mfa_kit.classroom.trainee_server"]
    assert _mebibytes(c.KubeSpawner.mem_guarantee) >= MEASURED_MIB_PER_TRAINEE
    assert _mebibytes(c.KubeSpawner.mem_limit) > _mebibytes(c.KubeSpawner.mem_guarantee)


def test_the_dashboard_sidecar_reads_the_trainees_volumes_read_only():
    values = _values()
    sidecar = values["hub"]["extraContainers"][0]
    env = {item["name"]: item for item in sidecar["env"]}
    assert sidecar["command"][-1] == "mfa_kit.classroom.dashboard"
    assert env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == (
        "hub.services.dashboard.apiToken"
    )
    template = env["MFA_KIT_CLASSROOM_WORKSPACES"]["value"]
    assert template.format(login="ana") == "/srv/classroom/ana/course"
    assert sidecar["volumeMounts"][0]["readOnly"] is True
    storage = values["singleuser"]["storage"]
    assert storage["static"]["subPath"] == "{username}"
    # the trainee's workspace on their volume is what the dashboard finds under their login
    assert env["MFA_KIT_CLASSROOM_WORKSPACES"]["value"].removeprefix("/srv/classroom/{login}") == (
        _hub_config(values)
        .Spawner.environment["MFA_KIT_HOME"]
        .removeprefix(storage["homeMountPath"])
    )


def test_no_secret_is_in_the_values():
    text = (DEPLOY / "values.yaml").read_text()
    assert not re.search(r"(client_secret|apiToken|api_token|password)\s*:", text)


def test_the_image_runs_the_install_script_and_holds_no_secret():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    runs = [line for line in dockerfile.splitlines() if line.startswith("RUN ")]
    assert "RUN bash /opt/mfa-kit/deploy/kubernetes/install.sh /opt/mfa-kit" in runs
    assert not re.search(r"^(ENV|ARG)\s+\S*(SECRET|TOKEN|PASSWORD|KEY)", dockerfile, re.M | re.I)
    assert 'CMD ["python3", "-m", "mfa_kit.classroom.trainee_server"]' in dockerfile
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    for private in (".venv", "node_modules", "**/trainer-token", "**/first-passwords.csv"):
        assert private in ignored


def test_the_install_script_installs_from_the_lock(tmp_path):
    calls = tmp_path / "pip-calls"
    pip = tmp_path / "pip"
    pip.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> {calls}\n')
    pip.chmod(0o755)
    env = {**os.environ, "PIP": str(pip), "JUPYTER_PREFIX": str(tmp_path / "prefix")}
    subprocess.run(["bash", str(DEPLOY / "install.sh"), str(REPO)], env=env, check=True, timeout=60)
    assert calls.read_text().splitlines() == [
        "install", "--no-cache-dir", "-c", "requirements.lock", "-e", f"{REPO}[classroom]",
    ]  # fmt: skip
    settings = tmp_path / "prefix" / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert json.loads(settings.read_text()) == json.loads(
        (REPO / "mfa_kit" / "jupyter_data" / "lab" / "settings" / "overrides.json").read_text()
    )


def test_the_install_script_refuses_a_folder_without_the_lock(tmp_path):
    result = subprocess.run(
        ["bash", str(DEPLOY / "install.sh"), str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PIP": "false", "JUPYTER_PREFIX": str(tmp_path / "prefix")},
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"install.sh: {tmp_path} has no requirements.lock"
    assert not (tmp_path / "prefix").exists()


@pytest.mark.parametrize("module", ["trainee_server", "dashboard", "hub", "auth"])
def test_the_modules_the_image_runs_import(module):
    __import__(f"mfa_kit.classroom.{module}")
