"""mfa-kit classroom without a running hub: roster and state checks, logins, the hub's config,
the trainer's table. Every refusal is one line, exit 2, and leaves nothing written or started."""

from __future__ import annotations

import hashlib
import json
import socket
import stat
import time
from pathlib import Path

import pytest
from traitlets.config import Config

from mfa_kit.classroom import STATE_VARIABLE, TRAINER, hub, lifecycle, state
from mfa_kit.classroom.roster import RosterError, practice_roster, read_roster
from mfa_kit.classroom.table import DONE, NOT_TRIED, TRIED, as_csv, build, cell
from mfa_kit.otp import Totp

from .conftest import run_mfa_kit


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a digest of its bytes (to show nothing changed)."""
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _roster(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("login,name,email\n" + "".join(f"{line}\n" for line in lines), "utf-8")
    return path


def _start(*args: str) -> object:
    return run_mfa_kit("classroom", "start", *args)


def _refused(result, expected: str, state_dir: Path, before: dict[str, str]) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert lines[0].startswith("mfa-kit classroom: error: ")
    assert _snapshot(state_dir) == before
    assert lifecycle.tagged_processes(state_dir.resolve()) == []


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (("ana,Ana", "bo,Bo", "ana,Ana Again"), "line 4: the login 'ana' is already on line 2"),
        (("ana,Ana", ",Nobody"), "line 3: the login is empty"),
        (("Ana Silva,Ana",), "'Ana Silva' is not a valid JupyterHub username"),
        (("ana/../bo,Ana",), "is not a valid JupyterHub username"),
        ((f"{TRAINER},Me",), "is the trainer's login"),
    ],
)
def test_a_bad_roster_is_one_line_and_nothing_is_written(tmp_path, rows, expected):
    folder = tmp_path / "state"
    result = _start("--roster", str(_roster(tmp_path, *rows)), "--state", str(folder))
    _refused(result, expected, folder, {})
    assert not folder.exists()


def test_a_roster_without_its_header_is_refused(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("ana,Ana\n", "utf-8")
    with pytest.raises(RosterError, match="must start with the header line login,name,email"):
        read_roster(path)


def test_a_roster_reads_logins_names_and_optional_emails(tmp_path):
    trainees = read_roster(_roster(tmp_path, "ana.silva,Ana Silva,ana@example.com", "bo_2,"))
    assert [(t.login, t.name, t.email) for t in trainees] == [
        ("ana.silva", "Ana Silva", "ana@example.com"),
        ("bo_2", "bo_2", ""),
    ]


def test_a_practice_roster_numbers_its_trainees():
    assert [t.login for t in practice_roster(3)] == ["trainee01", "trainee02", "trainee03"]
    with pytest.raises(RosterError, match="--trainees must be between 1 and 200, not 0"):
        practice_roster(0)


def test_a_port_in_use_is_refused_before_anything_is_written(tmp_path):
    folder = tmp_path / "state"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _start("--trainees", "2", "--port", str(port), "--state", str(folder))
    _refused(result, f"port {port} on 127.0.0.1 is in use", folder, {})
    assert not folder.exists()


def test_a_state_folder_of_another_classroom_is_refused_and_left_as_it_was(tmp_path):
    folder = tmp_path / "state"
    state.create(folder, practice_roster(2), totp=True)
    before = _snapshot(folder)
    result = _start("--roster", str(_roster(tmp_path, "ana,Ana")), "--state", str(folder))
    _refused(
        result, "belongs to another classroom (2 trainees: trainee01, trainee02)", folder, before
    )


def test_a_folder_that_is_no_classroom_is_refused_and_left_as_it_was(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    before = _snapshot(folder)
    result = _start("--trainees", "2", "--state", str(folder))
    _refused(result, "is not a classroom state folder (no classroom.json)", folder, before)


def test_tls_needs_both_certificate_and_key(tmp_path):
    folder = tmp_path / "state"
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    result = _start("--trainees", "2", "--ssl-cert", str(cert), "--state", str(folder))
    _refused(result, "--ssl-cert and --ssl-key go together", folder, {})


def test_stop_and_status_of_a_folder_that_is_no_classroom_are_one_line(tmp_path):
    for action in ("stop", "status"):
        result = run_mfa_kit("classroom", action, "--state", str(tmp_path))
        assert result.returncode == 2
        assert result.stderr.strip().endswith("is not a classroom state folder (no classroom.json)")
        assert len(result.stderr.splitlines()) == 1


def test_a_new_classroom_keeps_its_secrets_readable_by_its_owner_only(tmp_path):
    folder = tmp_path / "state"
    classroom, table = state.create(folder, practice_roster(2), totp=True)
    for secret in (
        "accounts.json",
        "accounts.key",
        "first-passwords.csv",
        "trainer-token",
        "proxy-token",
    ):
        assert stat.S_IMODE((folder / secret).stat().st_mode) == 0o600, secret
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert table == (folder / "first-passwords.csv").read_text()
    logins = [line.split(",")[0] for line in table.splitlines()[1:]]
    assert logins == [TRAINER, "trainee01", "trainee02"]
    accounts = json.loads(classroom.accounts_file.read_text())
    # only hashes are stored: no first password appears in the accounts file
    for line in table.splitlines()[1:]:
        assert line.split(",")[2] not in classroom.accounts_file.read_text()
    assert all(account["password"].startswith("scrypt$") for account in accounts.values())
    # the TOTP setup keys are sealed at rest: none appears in the accounts file
    for line in table.splitlines()[1:]:
        assert line.split(",")[3].replace(" ", "") not in classroom.accounts_file.read_text()
    assert all(account["totp"].startswith("aesgcm1:") for account in accounts.values())
    status = lifecycle.status(folder)
    assert status["running"] is False
    assert [t["server"] for t in status["trainees"]] == ["stopped", "stopped"]


def _authenticator(tmp_path: Path, totp: bool = True):
    from mfa_kit.classroom.auth import ClassroomAuthenticator

    classroom, table = state.create(tmp_path / "state", practice_roster(1), totp=totp)
    rows = {line.split(",")[0]: line.split(",") for line in table.splitlines()[1:]}
    authenticator = ClassroomAuthenticator(
        accounts_file=str(classroom.accounts_file), accounts_key=str(classroom.accounts_key)
    )
    return authenticator, rows, classroom


def test_the_hub_asks_for_the_password_and_a_security_code_used_once(tmp_path):
    authenticator, rows, classroom = _authenticator(tmp_path)
    _, _, password, setup_key = rows["trainee01"]
    now = time.time()
    code = Totp(setup_key).at(now)
    before = classroom.accounts_file.read_text()
    assert not authenticator.check_login(
        "trainee01", password, "000000" if code != "000000" else "111111", now
    )
    assert not authenticator.check_login("trainee01", "wrong", code, now)
    assert classroom.accounts_file.read_text() == before
    assert authenticator.check_login("trainee01", password, code, now)
    # the same code never works twice (RFC 6238 §5.2)
    assert not authenticator.check_login("trainee01", password, code, now)
    assert not authenticator.check_login("nobody", password, code, now)


def test_repeated_failures_lock_a_hub_login(tmp_path):
    from mfa_kit.policy import DEFAULT_POLICY

    authenticator, rows, _ = _authenticator(tmp_path, totp=False)
    password = rows["trainee01"][2]
    now = time.time()
    for _ in range(DEFAULT_POLICY.max_failures):
        assert not authenticator.check_login("trainee01", "wrong", "", now)
    assert not authenticator.check_login("trainee01", password, "", now)
    assert authenticator.check_login(
        "trainee01", password, "", now + DEFAULT_POLICY.lockout_seconds
    )


def _config(tmp_path: Path) -> tuple[Config, state.Classroom]:
    classroom, _ = state.create(tmp_path / "state", practice_roster(2), totp=True)
    running = {
        "ip": "127.0.0.1",
        "port": 8000,
        "hub_port": 8081,
        "proxy_api_port": 8001,
        "dashboard_port": 8002,
        "proxy_command": "/x/configurable-http-proxy",
        "idle_minutes": 60,
    }
    c = Config()
    hub.configure(c, classroom, running)
    return c, classroom


def test_each_trainee_server_is_rooted_in_their_own_workspace_without_terminals(tmp_path):
    c, classroom = _config(tmp_path)
    assert c.JupyterHub.spawner_class is hub.ClassroomSpawner
    assert c.Spawner.notebook_dir == str(classroom.workspaces / "{username}")
    assert c.SimpleLocalProcessSpawner.home_dir_template == str(classroom.workspaces / "{username}")
    assert "--ServerApp.terminals_enabled=False" in c.Spawner.args
    assert c.Spawner.default_url == "/lab/tree/00_start_here.ipynb"
    env = hub.workspace_environment(classroom.workspace("trainee01"), classroom.root)
    assert env == {
        "MFA_KIT_HOME": str(classroom.workspace("trainee01")),
        "MFA_KIT_DB": str(classroom.workspace("trainee01") / "practice-portal.sqlite3"),
        STATE_VARIABLE: str(classroom.root),
    }


def test_the_hub_has_a_trainer_the_roster_a_culler_and_the_dashboard(tmp_path):
    c, classroom = _config(tmp_path)
    assert c.Authenticator.admin_users == {TRAINER}
    assert c.Authenticator.allowed_users == {"trainee01", "trainee02"}
    assert c.Authenticator.request_otp is True
    assert c.JupyterHub.api_tokens == {classroom.trainer_token(): TRAINER}
    assert c.JupyterHub.ip == "127.0.0.1" and c.JupyterHub.hub_ip == "127.0.0.1"
    services = {service["name"]: service for service in c.JupyterHub.services}
    assert "--timeout=3600" in services["idle-culler"]["command"]
    assert services["dashboard"]["command"][-1] == "mfa_kit.classroom.dashboard"
    roles = {role["name"]: role for role in c.JupyterHub.load_roles}
    assert "delete:servers" in roles["idle-culler"]["scopes"]
    # the dashboard reads, never changes, what the hub knows
    assert not any(
        scope.startswith(("admin", "delete", "servers")) for scope in roles["dashboard"]["scopes"]
    )
    assert c.ConfigurableHTTPProxy.auth_token == classroom.proxy_token_file.read_text().strip()


def _report(*notebooks, assessment=None) -> dict:
    return {"trainee": "t", "notebooks": list(notebooks), "assessment": assessment}


def test_the_table_shows_done_tried_and_not_tried():
    done = {"name": "02", "complete": True, "checks": [{"name": "a", "attempts": 1, "last_at": 5}]}
    tried = {
        "name": "03",
        "complete": False,
        "checks": [{"name": "b", "attempts": 2, "last_at": 6}],
    }
    untouched = {
        "name": "04",
        "complete": False,
        "checks": [{"name": "c", "attempts": 0, "last_at": None}],
    }
    assert (cell(done), cell(tried), cell(untouched)) == (DONE, TRIED, NOT_TRIED)


def test_a_missing_or_corrupt_progress_record_is_one_line_in_that_row(tmp_path, monkeypatch):
    from mfa_kit import progress

    good = tmp_path / "good"
    broken = tmp_path / "broken"
    missing = tmp_path / "missing"
    for folder in (good, broken):
        folder.mkdir()
    (broken / "progress.sqlite3").write_bytes(b"this is not a database")
    reports = {
        good: _report(
            {
                "name": "02_x",
                "complete": True,
                "checks": [{"name": "a", "attempts": 1, "last_at": 1.0e9}],
            },
            assessment={"score": 90, "passed": True, "sections": {}, "at": 1.0e9},
        )
    }

    def read_report(workspace: Path) -> dict:
        if workspace in reports:
            return reports[workspace]
        name = workspace / "progress.sqlite3"
        raise progress.ProgressError(f"{name} is not a progress record\nsecond line")

    monkeypatch.setattr(progress, "read_report", read_report)
    (good / "certificate.html").write_text("<p>certificate</p>")
    trainees = practice_roster(3)
    folders = dict(zip([t.login for t in trainees], [good, broken, missing], strict=True))
    columns, rows = build(trainees, folders.__getitem__, {})
    assert columns == ["02_x"]
    assert rows[0].cells == {"02_x": DONE} and rows[0].problem == ""
    assert rows[0].certificate == good / "certificate.html" and rows[0].certified
    assert not rows[1].certified and not rows[2].certified
    assert rows[1].problem == f"{broken / 'progress.sqlite3'} is not a progress record"
    assert rows[2].problem.startswith(str(missing))
    text = as_csv(columns, rows)
    assert text.splitlines()[0] == (
        "login,name,02_x,score,passed,last_activity,certificate,problem"
    )
    assert text.splitlines()[1] == "trainee01,Trainee 1,✔,90 %,pass,2001-09-09 01:46 UTC,yes,"
    assert (broken / "progress.sqlite3").read_bytes() == b"this is not a database"


def test_a_trainee_container_makes_its_workspace_then_becomes_the_server(tmp_path, monkeypatch):
    from mfa_kit.classroom import trainee_server

    made, ran = [], []
    monkeypatch.setattr(
        trainee_server, "ensure_workspace", lambda path, login: made.append((path, login))
    )
    monkeypatch.setattr(trainee_server.os, "execvp", lambda file, argv: ran.append(argv))
    monkeypatch.setenv("MFA_KIT_HOME", str(tmp_path / "course"))
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    trainee_server.main(["--port=8888"])
    assert made == [(tmp_path / "course", "ana")]
    argv = ran[0]
    assert f"--ServerApp.root_dir={tmp_path / 'course'}" in argv
    assert argv[-1] == "--port=8888"
    # a container of their own: terminals stay on there
    assert not any("terminals_enabled" in arg for arg in argv)
