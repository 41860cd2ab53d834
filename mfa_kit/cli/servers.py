"""mfa-kit lab | demo: JupyterLab on the trainee's workspace and voila on the customer demo.

Both listen on 127.0.0.1. The lab opens the trainee's own copy of the course (made on first
use), never the repository's notebooks/.

Neither server fetches anything from the internet: news, update checks and CDN links are off.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from ._common import UsageError

LOOPBACK = "127.0.0.1"
"""Both servers listen on this address only: the course and the demo are not network services."""

COURSE_NOTEBOOK = "00_start_here.ipynb"
DEMO_NOTEBOOK = "customer_demo.ipynb"
DEMO_TEMPLATE = "mfa-demo"
"""The voila template (under mfa_kit/jupyter_data) that keeps every asset on this machine."""

DEFAULT_LAB_PORT = 8888
DEFAULT_DEMO_PORT = 8866
# When no port is asked for, the next free one is fine; an explicit --port means that port.
PORT_RETRIES_WHEN_DEFAULT = 50

JUPYTER_DATA = Path(__file__).resolve().parent.parent / "jupyter_data"
LAB_SETTINGS = JUPYTER_DATA / "lab" / "settings"
"""Default JupyterLab settings for the course (overrides.json): no news prompt."""


def register(commands: argparse._SubParsersAction) -> None:
    lab = commands.add_parser(
        "lab", help=f"JupyterLab on your copy of the course ({COURSE_NOTEBOOK})"
    )
    _add_server_arguments(lab, DEFAULT_LAB_PORT)
    lab.add_argument(
        "--workspace",
        metavar="DIR",
        default=None,
        help="your copy of the course (default: $MFA_KIT_HOME, else ~/mfa-kit-course); "
        "made on first use, kept afterwards",
    )
    lab.add_argument("--trainee", metavar="NAME", help="your name, for the progress record")
    lab.set_defaults(handler=_lab)

    demo = commands.add_parser("demo", help=f"the customer demo as a web page ({DEMO_NOTEBOOK})")
    _add_server_arguments(demo, DEFAULT_DEMO_PORT)
    demo.add_argument(
        "--live",
        action="store_true",
        help="the customer's own phone scans the QR code (real clock, fresh secret)",
    )
    demo.set_defaults(handler=_demo)


def _add_server_arguments(parser: argparse.ArgumentParser, default_port: int) -> None:
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        metavar="N",
        help=f"port on {LOOPBACK} (default {default_port})",
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open a web browser")


def notebooks_dir() -> Path:
    """The notebooks/ folder of the repository this package is installed from."""
    import mfa_kit

    return Path(mfa_kit.__file__).resolve().parent.parent / "notebooks"


def notebook_path(name: str) -> Path:
    """The path of one notebook in notebooks/; a UsageError saying where it was looked for."""
    path = notebooks_dir() / name
    if not path.is_file():
        raise UsageError(
            f"cannot find {path}: run mfa-kit from a checkout of the project "
            "(pip install -e .), which has the notebooks/ folder"
        )
    return path


def _port(requested: int | None, default: int) -> tuple[int, int]:
    """The port to listen on and how many following ports to try if it is taken."""
    if requested is None:
        return default, PORT_RETRIES_WHEN_DEFAULT
    if not 1 <= requested <= 65535:
        raise UsageError(f"--port must be between 1 and 65535, not {requested}")
    return requested, 0


def lab_argv(
    port: int | None = None, open_browser: bool = True, workspace: Path | None = None
) -> list[str]:
    """The JupyterLab command line: the course's first notebook in the trainee's ``workspace``
    (default :func:`mfa_kit.workspace.default_workspace`), loopback only, nothing fetched."""
    from ..workspace import default_workspace

    number, retries = _port(port, DEFAULT_LAB_PORT)
    course = (workspace or default_workspace()) / COURSE_NOTEBOOK
    return [
        f"--ServerApp.ip={LOOPBACK}",
        f"--ServerApp.port={number}",
        f"--ServerApp.port_retries={retries}",
        f"--ServerApp.root_dir={course.parent}",
        f"--ServerApp.open_browser={open_browser}",
        f"--LabApp.default_url=/lab/tree/{course.name}",
        # JupyterLab would otherwise ask the internet for news, updates and extensions.
        "--LabApp.news_url=None",
        # …and would ask the trainee whether to fetch news: the course's settings say no.
        f"--LabApp.app_settings_dir={LAB_SETTINGS}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        # Containers and CI often run as root; the server still listens on loopback only and
        # asks for its token, so refusing to start would only get in the way.
        f"--ServerApp.allow_root={_running_as_root()}",
    ]


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def demo_argv(port: int | None = None, open_browser: bool = True) -> list[str]:
    """The voila command line: the demo notebook, loopback only, no code, no tracebacks,
    a token, and a bounded set of kernels (see mfa_kit.demo_server)."""
    from .. import demo_server

    number, retries = _port(port, DEFAULT_DEMO_PORT)
    demo = notebook_path(DEMO_NOTEBOOK)
    try:
        idle = demo_server.idle_seconds()
    except ValueError as problem:
        raise UsageError(str(problem)) from None
    return [
        str(demo),
        f"--Voila.ip={LOOPBACK}",
        f"--Voila.port={number}",
        f"--Voila.port_retries={retries}",
        f"--Voila.open_browser={open_browser}",
        # Only whoever started the demo drives it: the URL it prints carries a fresh token
        # ($JUPYTER_TOKEN if set), and the token cannot be swapped for a saved password.
        "--Voila.auto_token=True",
        "--PasswordIdentityProvider.allow_password_change=False",
        f"--VoilaConfiguration.template={DEMO_TEMPLATE}",
        "--VoilaConfiguration.strip_sources=True",
        # A customer never sees a Python traceback, whatever goes wrong.
        "--VoilaConfiguration.show_tracebacks=False",
        # Keep a kernel that has already run the demo: a reload of the page shows it at once.
        "--VoilaConfiguration.preheat_kernel=True",
        f"--VoilaConfiguration.default_pool_size={demo_server.WARM_KERNELS}",
        f"--VoilaKernelManager.fill_delay={demo_server.REFILL_DELAY_SECONDS}",
        # Every kernel starts through this class, which never runs more than MAX_KERNELS.
        "--VoilaConfiguration.multi_kernel_manager_class="
        f"{demo_server.BoundedKernelManager.__module__}.BoundedKernelManager",
        # A kernel no page is connected to (a page that was fetched and never opened, a
        # browser that crashed) is shut down once idle; an open page keeps its kernel.
        f"--MappingKernelManager.cull_idle_timeout={idle}",
        f"--MappingKernelManager.cull_interval={max(1, min(idle, 10))}",
        "--MappingKernelManager.cull_connected=False",
    ]


def demo_environment(live: bool = False) -> dict[str, str]:
    """What voila and its kernels add to the environment: the demo template on JUPYTER_PATH,
    and the demo's mode, always set so a leftover variable in the shell cannot change it."""
    from ..demo import LIVE, MODE_VARIABLE, SIMULATED

    inherited = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    paths = [str(JUPYTER_DATA), *inherited]
    return {"JUPYTER_PATH": os.pathsep.join(paths), MODE_VARIABLE: LIVE if live else SIMULATED}


def lab_environment(workspace: Path) -> dict[str, str]:
    """What the lab's kernels see: the workspace (for progress) and its practice portal."""
    from ..store import DB_ENV
    from ..workspace import HOME_ENV, PRACTICE_PORTAL

    return {HOME_ENV: str(workspace), DB_ENV: str(workspace / PRACTICE_PORTAL)}


def prepare_workspace(folder: Path, trainee: str | None, ask: bool) -> tuple[Path, list[str]]:
    """Make or reopen the trainee's workspace; ask the name once when ``ask`` and none is known."""
    from ..progress import PROGRESS_FILE, Progress, ProgressError
    from ..workspace import WorkspaceError, open_workspace

    try:
        workspace, added = open_workspace(folder, trainee=trainee)
        if not trainee and ask:
            progress = Progress(workspace / PROGRESS_FILE)
            try:
                if not progress.trainee:
                    name = input("Your name, for your progress record and certificate: ").strip()
                    if name:
                        progress.set_trainee(name)
            finally:
                progress.close()
    except (WorkspaceError, ProgressError) as problem:
        raise UsageError(str(problem)) from None
    except EOFError:
        return folder, []
    return workspace, added


def _lab(args: argparse.Namespace) -> int:
    import sys

    from ..workspace import default_workspace
    from .course_commands import require_name

    require_name(args.trainee)
    folder = Path(args.workspace).expanduser() if args.workspace else default_workspace()
    workspace, added = prepare_workspace(folder, args.trainee, ask=sys.stdin.isatty())
    if added:
        print(f"Your copy of the course is in {workspace} ({len(added)} notebooks added).")
    argv = lab_argv(args.port, open_browser=not args.no_browser, workspace=workspace.resolve())
    os.environ.update(lab_environment(workspace.resolve()))
    from jupyterlab.labapp import LabApp

    LabApp.launch_instance(argv=argv)
    return 0


def _demo(args: argparse.Namespace) -> int:
    argv = demo_argv(args.port, open_browser=not args.no_browser)
    os.environ.update(demo_environment(live=args.live))
    _launch_voila(argv)
    return 0


def _launch_voila(argv: Sequence[str]) -> None:
    from ..demo_server import DemoVoila

    DemoVoila.launch_instance(argv=list(argv))
