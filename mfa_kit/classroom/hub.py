"""The JupyterHub configuration of a class on one machine, built from its state folder.

The one-machine tradeoff, plainly: every trainee server runs as the same operating-system user
as the hub. The hub gives each trainee a server whose root folder is their own workspace, so the
file browser and the Jupyter file API cannot reach another trainee's files, and terminals are
off. But code a trainee runs in a notebook runs as that shared user and *can* read another
trainee's folder (``open("../trainee02/progress.sqlite3")``). For a class that must not be able
to, run each trainee as their own system user (JupyterHub's LocalProcessSpawner with one Unix
account per trainee) or use the Kubernetes setup in deploy/kubernetes/, where every trainee
has a container and a volume of their own.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner

from ..cli.servers import LAB_SETTINGS
from . import COURSE_START, DASHBOARD_SERVICE, IDLE_TIMEOUT_MINUTES, STATE_VARIABLE, TRAINER
from .state import Classroom, load

SPAWN_TIMEOUT_S = 300
"""A busy 2-core machine starting a whole class at once needs minutes, not JupyterHub's 60 s."""

IDLE_CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]
DASHBOARD_SCOPES = ["list:users", "read:users", "read:users:activity", "read:servers"]

SINGLE_USER_ARGS = [
    # The one-machine setup has no real isolation between trainees: no shell for anyone.
    "--ServerApp.terminals_enabled=False",
    # Nothing is fetched from the internet: news, update checks and the extension manager off.
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
    # The course's JupyterLab settings (no news prompt), as `mfa-kit lab` uses them.
    f"--LabApp.app_settings_dir={LAB_SETTINGS}",
]


def workspace_environment(workspace: Path, state: Path) -> dict[str, str]:
    """What a trainee's server and its kernels see: their own course, practice portal and
    progress record, and the classroom's tag."""
    return {
        "MFA_KIT_HOME": str(workspace),
        "MFA_KIT_DB": str(workspace / "practice-portal.sqlite3"),
        STATE_VARIABLE: str(state),
    }


def ensure_workspace(workspace: Path, login: str) -> Path:
    """The trainee's course workspace, created with the course's own code the first time;
    later starts keep it as it is (the trainee's work)."""
    if (workspace / COURSE_START).exists() or (workspace / "progress.sqlite3").exists():
        return workspace
    from ..workspace import init_workspace

    return init_workspace(workspace, trainee=login)


class ClassroomSpawner(SimpleLocalProcessSpawner):
    """A trainee's JupyterLab on 127.0.0.1, rooted in their own workspace."""

    def get_env(self) -> dict[str, str]:
        env = super().get_env()
        env.update(workspace_environment(Path(self.home_dir), Path(os.environ[STATE_VARIABLE])))
        return env

    async def start(self):
        ensure_workspace(Path(self.home_dir), self.user.name)
        return await super().start()


def configure(c, classroom: Classroom, running: dict) -> None:
    """Fill the traitlets config ``c`` for this classroom with the ports in ``running``."""
    root = classroom.root
    chp = running["proxy_command"]
    c.JupyterHub.ip = running["ip"]
    c.JupyterHub.port = running["port"]
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = running["hub_port"]
    if running.get("ssl_cert"):
        c.JupyterHub.ssl_cert = running["ssl_cert"]
        c.JupyterHub.ssl_key = running["ssl_key"]
    c.JupyterHub.db_url = f"sqlite:///{root / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(root / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(root / "hub.pid")
    c.ConfigurableHTTPProxy.command = [chp]
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{running['proxy_api_port']}"
    c.ConfigurableHTTPProxy.auth_token = classroom.proxy_token_file.read_text().strip()
    c.ConfigurableHTTPProxy.pid_file = str(root / "proxy.pid")
    # Every trainee server is stopped with the hub: `classroom stop` leaves nothing behind.
    c.JupyterHub.cleanup_servers = True
    c.JupyterHub.cleanup_proxy = True

    c.JupyterHub.authenticator_class = "mfa_kit.classroom.auth.ClassroomAuthenticator"
    c.ClassroomAuthenticator.accounts_file = str(classroom.accounts_file)
    c.ClassroomAuthenticator.accounts_key = str(classroom.accounts_key)
    c.Authenticator.allowed_users = set(classroom.logins)
    c.Authenticator.admin_users = {TRAINER}
    c.Authenticator.request_otp = classroom.totp
    c.Authenticator.otp_prompt = "Security code"
    # The trainer's token, for scripts and tests (the file is 0600).
    c.JupyterHub.api_tokens = {classroom.trainer_token(): TRAINER}

    c.JupyterHub.spawner_class = ClassroomSpawner
    c.SimpleLocalProcessSpawner.home_dir_template = str(classroom.workspaces / "{username}")
    c.Spawner.notebook_dir = str(classroom.workspaces / "{username}")
    c.Spawner.default_url = f"/lab/tree/{COURSE_START}"
    c.Spawner.cmd = [str(Path(sys.executable).with_name("jupyterhub-singleuser"))]
    c.Spawner.args = [*SINGLE_USER_ARGS, f"--ServerApp.allow_root={_root()}"]
    c.Spawner.start_timeout = SPAWN_TIMEOUT_S
    c.Spawner.http_timeout = SPAWN_TIMEOUT_S
    c.JupyterHub.concurrent_spawn_limit = 0

    idle_seconds = int(running.get("idle_minutes", IDLE_TIMEOUT_MINUTES)) * 60
    tag = {STATE_VARIABLE: str(root)}
    c.JupyterHub.services = [
        {
            "name": DASHBOARD_SERVICE,
            "display": True,
            "oauth_no_confirm": True,
            "url": f"http://127.0.0.1:{running['dashboard_port']}",
            "command": [sys.executable, "-m", "mfa_kit.classroom.dashboard"],
            "environment": tag,
        },
        {
            "name": "idle-culler",
            "command": [
                sys.executable,
                "-m",
                "jupyterhub_idle_culler",
                f"--timeout={idle_seconds}",
                f"--cull-every={max(60, idle_seconds // 10)}",
            ],
            "environment": tag,
        },
    ]
    c.JupyterHub.load_roles = [
        {"name": "idle-culler", "scopes": IDLE_CULLER_SCOPES, "services": ["idle-culler"]},
        {"name": "dashboard", "scopes": DASHBOARD_SCOPES, "services": [DASHBOARD_SERVICE]},
    ]


def _root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def configure_from_environment(c) -> None:
    """What the hub's config file does: read the state folder named by MFA_KIT_CLASSROOM."""
    root = Path(os.environ[STATE_VARIABLE])
    classroom = load(root)
    configure(c, classroom, json.loads(classroom.running_file.read_text(encoding="utf-8")))
