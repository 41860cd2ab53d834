"""A trainee's server in a container (the Kubernetes image's command).

Makes the trainee's course workspace on their own volume the first time (the course's
``init_workspace``), then becomes ``jupyterhub-singleuser`` rooted in it, with JupyterHub's
arguments passed on unchanged.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .hub import SINGLE_USER_ARGS, ensure_workspace

WORKSPACE_VARIABLE = "MFA_KIT_HOME"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    workspace = Path(os.environ[WORKSPACE_VARIABLE])
    ensure_workspace(workspace, os.environ["JUPYTERHUB_USER"])
    os.environ.setdefault("MFA_KIT_DB", str(workspace / "practice-portal.sqlite3"))
    server = shutil.which("jupyterhub-singleuser") or "jupyterhub-singleuser"
    # Terminals stay on here: each trainee has a container and volume of their own.
    # The course's Lab settings are installed system-wide in the image (install.sh).
    left_out = ("terminals_enabled", "app_settings_dir")
    args = [arg for arg in SINGLE_USER_ARGS if not any(word in arg for word in left_out)]
    os.execvp(server, [server, f"--ServerApp.root_dir={workspace}", *args, *argv])  # noqa: S606


if __name__ == "__main__":
    main()
