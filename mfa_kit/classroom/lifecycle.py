"""Start, stop and look at a classroom: the hub runs in the background, its state in DIR.

Every process the class starts carries MFA_KIT_CLASSROOM=DIR in its environment; ``stop`` asks
the hub to shut down cleanly, then ends any process that still carries this folder's tag (found
by process id in /proc), so nothing of the class is left running.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from . import DEFAULT_PORT, IDLE_TIMEOUT_MINUTES, STATE_VARIABLE, TRAINER, state
from .roster import Trainee

READY_TIMEOUT_S = 180
STOP_TIMEOUT_S = 60
PROXY_NAME = "configurable-http-proxy"
CONFIG_FILE = Path(__file__).with_name("jupyterhub_config.py")


class ClassroomError(ValueError):
    """Bad input or a state the class cannot start from: one line, exit 2, nothing started."""


@dataclass(frozen=True)
class StartOptions:
    trainees: list[Trainee]
    root: Path
    port: int = DEFAULT_PORT
    ip: str = "127.0.0.1"
    ssl_cert: Path | None = None
    ssl_key: Path | None = None
    totp: bool = True
    idle_minutes: int = IDLE_TIMEOUT_MINUTES


def project_root() -> Path:
    import mfa_kit

    return Path(mfa_kit.__file__).resolve().parent.parent


def proxy_command() -> str:
    """configurable-http-proxy from the project's node_modules (``make`` runs npm install)."""
    local = project_root() / "node_modules" / ".bin" / PROXY_NAME
    if local.exists():
        return str(local)
    found = shutil.which(PROXY_NAME)
    if found:
        return found
    raise ClassroomError(
        f"{PROXY_NAME} is not installed: run `make setup` (npm install) in {project_root()}"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check_port(ip: str, port: int) -> None:
    if not 1 <= port <= 65535:
        raise ClassroomError(f"--port must be between 1 and 65535, not {port}")
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family) as probe:
        try:
            probe.bind((ip, port))
        except OSError as problem:
            if problem.errno in (98, 48):  # EADDRINUSE on Linux, macOS
                raise ClassroomError(
                    f"port {port} on {ip} is in use: choose another with --port"
                ) from None
            raise ClassroomError(f"cannot listen on {ip}:{port}: {problem.strerror}") from None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def hub_pid(classroom: state.Classroom) -> int | None:
    """The hub's process id if this classroom's hub is running."""
    running = classroom.running()
    if not running:
        return None
    pid = int(running.get("pid", 0))
    if pid and _alive(pid) and str(classroom.root) in tagged_processes_env(pid):
        return pid
    return None


def tagged_processes_env(pid: int) -> str:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return ""
    for item in environ.split(b"\0"):
        if item.startswith(f"{STATE_VARIABLE}=".encode()):
            return item.split(b"=", 1)[1].decode(errors="replace")
    return ""


def tagged_processes(root: Path) -> list[int]:
    """Every live process that belongs to the classroom in ``root`` (by its environment tag)."""
    found = []
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != me:
            pid = int(entry.name)
            if tagged_processes_env(pid) == str(root) and not _zombie(pid):
                found.append(pid)
    return sorted(found)


def start(options: StartOptions) -> tuple[state.Classroom, str | None, str]:
    """Start the class; returns the classroom, the first-passwords table if it was just created
    (to print once), and the hub's URL. Raises ClassroomError before anything starts."""
    root = options.root.expanduser().resolve()
    if (options.ssl_cert is None) != (options.ssl_key is None):
        raise ClassroomError("--ssl-cert and --ssl-key go together: give both or neither")
    for flag, path in (("--ssl-cert", options.ssl_cert), ("--ssl-key", options.ssl_key)):
        if path is not None and not path.is_file():
            raise ClassroomError(f"{flag} {path} is not a file")
    try:
        existing = state.check(root, options.trainees, options.totp)
    except state.StateError as problem:
        raise ClassroomError(str(problem)) from None
    if existing is not None and hub_pid(existing):
        raise ClassroomError(
            f"the classroom in {root} is already running (mfa-kit classroom stop --state {root})"
        )
    if existing is not None and tagged_processes(root):
        raise ClassroomError(
            f"processes of the classroom in {root} are still running: "
            f"mfa-kit classroom stop --state {root}"
        )
    chp = proxy_command()
    check_port(options.ip, options.port)
    # Nothing has been written or started up to here.
    if existing is None:
        classroom, passwords = state.create(root, options.trainees, options.totp)
    else:
        classroom, passwords = existing, None
    from .hub import ensure_workspace

    for trainee in classroom.trainees:
        try:
            ensure_workspace(classroom.workspace(trainee.login), trainee.login)
        except Exception as problem:  # the course's own message, as one line
            first = str(problem).splitlines()[0] if str(problem) else type(problem).__name__
            raise RuntimeError(f"cannot make {trainee.login}'s course workspace: {first}") from None
    scheme = "https" if options.ssl_cert else "http"
    running = {
        "ip": options.ip,
        "port": options.port,
        "hub_port": free_port(),
        "proxy_api_port": free_port(),
        "dashboard_port": free_port(),
        "proxy_command": chp,
        "idle_minutes": options.idle_minutes,
        "ssl_cert": str(options.ssl_cert.resolve()) if options.ssl_cert else None,
        "ssl_key": str(options.ssl_key.resolve()) if options.ssl_key else None,
        "url": f"{scheme}://{_host(options.ip)}:{options.port}",
        "api": f"{scheme}://127.0.0.1:{options.port}/hub/api",
    }
    classroom.running_file.write_text(json.dumps(running, indent=1) + "\n", "utf-8")
    env = {**os.environ, STATE_VARIABLE: str(root)}
    with classroom.log_file.open("ab") as log:
        hub = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # The hub's database, logs and the trainees' folders: readable by this user only.
            umask=0o077,
        )
    running["pid"] = hub.pid
    classroom.running_file.write_text(json.dumps(running, indent=1) + "\n", "utf-8")
    _wait_until_ready(classroom, hub)
    return classroom, passwords, running["url"]


def _host(ip: str) -> str:
    if ip in ("0.0.0.0", "::", ""):  # noqa: S104 (a host name to print, not a bind)
        return socket.gethostname()
    return f"[{ip}]" if ":" in ip else ip


def _wait_until_ready(classroom: state.Classroom, hub: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            tail = classroom.log_file.read_text(errors="replace").splitlines()[-15:]
            stop(classroom.root)
            raise RuntimeError("the hub exited at start:\n" + "\n".join(tail))
        with contextlib.suppress(OSError, ValueError):
            api(classroom, "/")
            return
        time.sleep(0.2)
    stop(classroom.root)
    raise RuntimeError(f"the hub did not answer in {READY_TIMEOUT_S} s; see {classroom.log_file}")


def api(classroom: state.Classroom, path: str, method: str = "GET", body: dict | None = None):
    """Call the hub's REST API with the trainer's token; the parsed JSON answer (or None)."""
    running = classroom.running() or {}
    request = urllib.request.Request(  # noqa: S310 (our own hub's http(s) URL)
        running["api"] + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"token {classroom.trainer_token()}"},
    )
    context = None
    if running["api"].startswith("https"):
        import ssl

        context = ssl._create_unverified_context()  # noqa: S323 (loopback, our own certificate)
    with urllib.request.urlopen(request, timeout=10, context=context) as answer:  # noqa: S310
        data = answer.read()
    return json.loads(data) if data else None


def stop(root: Path) -> list[int]:
    """Stop the hub, the proxy, the services and every trainee server of the classroom in
    ``root``; returns the process ids that had to be ended by signal."""
    root = root.expanduser().resolve()
    try:
        classroom = state.load(root)
    except state.StateError as problem:
        raise ClassroomError(str(problem)) from None
    pid = hub_pid(classroom)
    if pid:
        with contextlib.suppress(OSError, ValueError, urllib.error.URLError):
            api(classroom, "/shutdown", "POST", {"servers": True, "proxy": True})
        _wait_for_exit([pid], STOP_TIMEOUT_S)
    if pid and _alive(pid):
        _signal(pid, signal.SIGTERM)
        _wait_for_exit([pid], STOP_TIMEOUT_S / 2)
    killed = []
    left = tagged_processes(root)
    for process in left:
        _signal(process, signal.SIGTERM)
    _wait_for_exit(left, 10)
    for process in tagged_processes(root):
        _signal(process, signal.SIGKILL)
        killed.append(process)
    _wait_for_exit(killed, 10)
    with contextlib.suppress(FileNotFoundError):
        classroom.running_file.unlink()
    return killed


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def _wait_for_exit(pids: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)


def status(root: Path) -> dict:
    """Whether the class runs and, per trainee, whether their server runs."""
    root = root.expanduser().resolve()
    try:
        classroom = state.load(root)
    except state.StateError as problem:
        raise ClassroomError(str(problem)) from None
    running = classroom.running() if hub_pid(classroom) else None
    users = {}
    if running:
        with contextlib.suppress(OSError, ValueError):
            users = {user["name"]: user for user in api(classroom, "/users")}
    trainees = []
    for trainee in classroom.trainees:
        server = (users.get(trainee.login) or {}).get("servers", {}).get("", {})
        trainees.append(
            {
                "login": trainee.login,
                "name": trainee.name,
                "server": "ready" if server.get("ready") else ("starting" if server else "stopped"),
                "last_activity": (users.get(trainee.login) or {}).get("last_activity"),
                "workspace": str(classroom.workspace(trainee.login)),
            }
        )
    return {
        "state": str(root),
        "running": bool(running),
        "url": running["url"] if running else None,
        "api": running["api"] if running else None,
        "trainer": TRAINER,
        "trainees": trainees,
    }
