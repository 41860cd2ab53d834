"""mfa-kit lab | demo: the exact server command lines, loopback only, and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mfa_kit import demo
from mfa_kit.cli import build_parser, servers
from mfa_kit.cli._common import UsageError


def option(argv: list[str], name: str) -> str:
    """The value of ``--name=value`` in a traitlets command line (exactly one occurrence)."""
    values = [arg.split("=", 1)[1] for arg in argv if arg.startswith(f"--{name}=")]
    assert len(values) == 1, (name, argv)
    return values[0]


def test_the_notebooks_are_found_next_to_the_package():
    assert servers.notebooks_dir() == Path(servers.__file__).resolve().parents[2] / "notebooks"
    assert servers.notebook_path(servers.COURSE_NOTEBOOK).is_file()
    assert servers.notebook_path(servers.DEMO_NOTEBOOK).is_file()


def test_a_missing_notebook_is_a_usage_error_saying_where_it_looked():
    with pytest.raises(UsageError) as raised:
        servers.notebook_path("no_such_notebook.ipynb")
    where = servers.notebooks_dir() / "no_such_notebook.ipynb"
    assert f"cannot find {where}" in str(raised.value)
    assert "notebooks/ folder" in str(raised.value)


def test_lab_serves_the_trainees_workspace_on_loopback_and_fetches_nothing(tmp_path):
    argv = servers.lab_argv(9123, open_browser=False, workspace=tmp_path)
    assert option(argv, "ServerApp.ip") == "127.0.0.1"
    assert option(argv, "ServerApp.port") == "9123"
    assert option(argv, "ServerApp.port_retries") == "0"
    assert option(argv, "ServerApp.open_browser") == "False"
    assert option(argv, "ServerApp.root_dir") == str(tmp_path)
    assert option(argv, "LabApp.default_url") == "/lab/tree/00_start_here.ipynb"
    assert option(argv, "LabApp.news_url") == "None"
    assert option(argv, "LabApp.check_for_updates_class") == "jupyterlab.NeverCheckForUpdate"
    assert option(argv, "LabApp.extension_manager") == "readonly"
    # the course's own settings: JupyterLab does not ask the trainee about fetching news
    settings = Path(option(argv, "LabApp.app_settings_dir")) / "overrides.json"
    notification = json.loads(settings.read_text())["@jupyterlab/apputils-extension:notification"]
    assert notification == {"fetchNews": "false", "checkForUpdates": False}


def test_demo_serves_the_demo_notebook_on_loopback_without_code_or_tracebacks():
    argv = servers.demo_argv(9124, open_browser=False)
    assert argv[0] == str(servers.notebooks_dir() / "customer_demo.ipynb")
    assert option(argv, "Voila.ip") == "127.0.0.1"
    assert option(argv, "Voila.port") == "9124"
    assert option(argv, "Voila.port_retries") == "0"
    assert option(argv, "Voila.open_browser") == "False"
    assert option(argv, "VoilaConfiguration.show_tracebacks") == "False"
    assert option(argv, "VoilaConfiguration.strip_sources") == "True"
    assert option(argv, "VoilaConfiguration.template") == "mfa-demo"


def test_demo_asks_for_a_token_and_bounds_its_kernels(monkeypatch):
    from mfa_kit import demo_server

    monkeypatch.delenv(demo_server.IDLE_ENV, raising=False)
    argv = servers.demo_argv(9124, open_browser=False)
    assert option(argv, "Voila.auto_token") == "True"
    assert option(argv, "PasswordIdentityProvider.allow_password_change") == "False"
    assert option(argv, "VoilaConfiguration.preheat_kernel") == "True"
    assert option(argv, "VoilaConfiguration.default_pool_size") == "1"
    assert option(argv, "VoilaKernelManager.fill_delay") == "5"
    manager = option(argv, "VoilaConfiguration.multi_kernel_manager_class")
    assert manager == "mfa_kit.demo_server.BoundedKernelManager"
    assert option(argv, "MappingKernelManager.cull_idle_timeout") == "120"
    assert option(argv, "MappingKernelManager.cull_connected") == "False"
    monkeypatch.setenv(demo_server.IDLE_ENV, "7")
    argv = servers.demo_argv(9124, open_browser=False)
    assert option(argv, "MappingKernelManager.cull_idle_timeout") == "7"
    assert option(argv, "MappingKernelManager.cull_interval") == "7"


@pytest.mark.parametrize("value", ["0", "-3", "soon", "1.5"])
def test_a_bad_idle_time_is_one_line_and_exit_2(value):
    result = subprocess.run(
        [sys.executable, "-m", "mfa_kit", "demo", "--no-browser"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MFA_KIT_DEMO_IDLE_SECONDS": value},
    )
    assert result.returncode == 2
    assert result.stderr == (
        "mfa-kit demo: error: MFA_KIT_DEMO_IDLE_SECONDS must be a whole number of seconds "
        f"(1 or more), not {value!r}\n"
    )
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1:8866", True),
        ("localhost:8866", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("evil.example:8866", False),
        ("127.0.0.1.evil.example:8866", False),
        ("localhost.evil", False),
        ("127.0.0.2:8866", False),
        ("[::1]:8866", False),
        ("", False),
        ("localhost:8866:1", False),
    ],
)
def test_only_this_machines_own_names_are_local_hosts(host, local):
    from mfa_kit.demo_server import host_is_local

    assert host_is_local(host) is local


def test_without_a_port_the_default_is_used_and_the_next_free_one_allowed():
    assert option(servers.lab_argv(), "ServerApp.port") == str(servers.DEFAULT_LAB_PORT)
    assert int(option(servers.lab_argv(), "ServerApp.port_retries")) > 0
    assert option(servers.demo_argv(), "Voila.port") == str(servers.DEFAULT_DEMO_PORT)
    assert option(servers.demo_argv(), "Voila.open_browser") == "True"


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_a_port_out_of_range_is_refused(port):
    with pytest.raises(UsageError, match=f"--port must be between 1 and 65535, not {port}"):
        servers.demo_argv(port)


def test_the_demo_template_is_found_and_links_nothing_outside_this_machine():
    env = servers.demo_environment()
    first = Path(env["JUPYTER_PATH"].split(":")[0])
    template = first / "voila" / "templates" / servers.DEMO_TEMPLATE
    assert (template / "conf.json").is_file()
    page = (template / "index.html.j2").read_text()
    assert "http://" not in page and "https://" not in page
    assert env[demo.MODE_VARIABLE] == demo.SIMULATED
    assert demo.mode_from_environment(env) == demo.SIMULATED
    live = servers.demo_environment(live=True)
    assert live[demo.MODE_VARIABLE] == demo.LIVE
    assert demo.mode_from_environment(live) == demo.LIVE


def test_the_commands_parse_the_contract_forms():
    parser = build_parser()
    args = parser.parse_args(["demo", "--port", "9000", "--no-browser"])
    assert (args.port, args.no_browser, args.live) == (9000, True, False)
    args = parser.parse_args(["lab"])
    assert (args.port, args.no_browser) == (None, False)


def test_a_bad_port_is_one_line_on_stderr_and_exit_2():
    result = subprocess.run(
        [sys.executable, "-m", "mfa_kit", "demo", "--port", "70000", "--no-browser"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == "mfa-kit demo: error: --port must be between 1 and 65535, not 70000\n"
    assert result.stdout == ""
