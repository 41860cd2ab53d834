"""Browser fixtures: Debian's Chromium through Playwright, and mfa-kit servers on free ports.

Every page records each request it makes and fails its test on any address outside 127.0.0.1
or on any JavaScript dialog; every server is stopped with all its processes, even on failure.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.chromium import CHROMIUM, CHROMIUM_FLAGS
from tests.conftest import REPO

REQUIRE_BROWSER = "MFA_KIT_REQUIRE_BROWSER"
ARTIFACTS = REPO / "test-artifacts" / "browser"

# A kernel plus the widget front end on a busy 2-core machine: generous, but bounded.
SERVER_START_SECONDS = 120
PAGE_SECONDS = 120
STOP_SECONDS = 20

LOOPBACK_HOSTS = {"127.0.0.1"}
# Requests a page makes without a network address: inline data and the page's own blobs.
LOCAL_SCHEMES = {"data", "blob", "about"}


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_BROWSER) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_BROWSER}=1 requires the browser tests to run")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (never a downloaded browser build)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    """Every process below ``pid`` (kernels run in sessions of their own, so a process-group
    kill alone would leave them behind)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name sits in parentheses and may itself contain spaces or parentheses.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


@dataclass
class Server:
    """An ``mfa-kit`` server started for one test, with its log."""

    command: list[str]
    port: int
    log_path: Path
    env: dict[str, str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    ready_after: float = 0.0
    _seen: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            self.command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=REPO,
            start_new_session=True,
        )
        log.close()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_until_listening(self, timeout: float = SERVER_START_SECONDS) -> float:
        """Seconds from start until the port accepts connections (polls; nothing is timed by
        sleeping). Fails with the server's log if it exits or never listens."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"{' '.join(self.command)} exited with {self.process.returncode}:\n{self.log()}"
                )
            self._seen.update(_children(self.process.pid))
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.5),
            ):
                self.ready_after = time.monotonic() - self.started_at
                return self.ready_after
            time.sleep(0.05)
        pytest.fail(
            f"{' '.join(self.command)} did not listen on {self.port} "
            f"in {timeout:.0f} s:\n{self.log()}"
        )

    def stop(self) -> None:
        """Stop the server, its process group and every process it started (kernels)."""
        if self.process is None:
            return
        pid = self.process.pid
        self._seen.update(_children(pid))
        if self.process.poll() is None:
            # SIGTERM lets the server shut its kernels down cleanly first.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGTERM)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
                self.process.wait(STOP_SECONDS)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        for child in self._seen:
            if Path(f"/proc/{child}").exists():
                _signal(child, signal.SIGKILL)
        self.process = None


def mfa_kit_command(*args: str) -> list[str]:
    """The installed ``mfa-kit`` script of this interpreter's environment."""
    script = Path(sys.executable).with_name("mfa-kit")
    if script.exists():
        return [str(script), *args]
    found = shutil.which("mfa-kit")
    return [found, *args] if found else [sys.executable, "-m", "mfa_kit", *args]


@pytest.fixture
def artifacts(request) -> Path:
    """test-artifacts/browser/<test name>/ (git ignores test-artifacts/), emptied first."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def start_server(artifacts: Path, tmp_path: Path):
    """start_server("demo", extra_env) -> a listening Server; all are stopped at teardown."""
    started: list[Server] = []

    def _start(command: str, extra_env: dict[str, str] | None = None) -> Server:
        port = free_port()
        env = dict(os.environ)
        # Keep the runs apart from the user's own Jupyter state.
        env.update(
            JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "lab-settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "lab-workspaces"),
            IPYTHONDIR=str(tmp_path / "ipython"),
        )
        env.update(extra_env or {})
        server = Server(
            mfa_kit_command(command, "--no-browser", "--port", str(port)),
            port,
            artifacts / f"{command}-server.log",
            env,
        )
        started.append(server)
        server.start()
        server.wait_until_listening()
        return server

    yield _start
    for server in started:
        server.stop()


@dataclass
class Watched:
    """What a page did that a test must check: every URL it asked for, and any dialogs."""

    requests: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self, url: str) -> bool:
        self.requests.append(url)
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            return True
        if parts.hostname in LOOPBACK_HOSTS:
            return True
        self.external.append(url)
        return False


@dataclass
class BrowserPage:
    """A Playwright page plus what it did, and numbered screenshots for the artifacts folder."""

    page: object
    watched: Watched
    folder: Path
    shots: int = 0

    def screenshot(self, name: str) -> Path:
        self.shots += 1
        path = self.folder / f"{self.shots:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def web(browser, artifacts: Path) -> Iterator[BrowserPage]:
    """A fresh page that blocks and records any request outside 127.0.0.1 and any dialog;
    the test fails at teardown if either happened."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(PAGE_SECONDS * 1000)
    watched = Watched()

    def route(route) -> None:
        if watched.check(route.request.url):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("websocket", lambda socket: watched.check(socket.url))

    def dialog(opened) -> None:
        watched.dialogs.append(f"{opened.type}: {opened.message}")
        opened.dismiss()

    page.on("dialog", dialog)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    browser_page = BrowserPage(page, watched, artifacts)
    try:
        yield browser_page
    finally:
        with contextlib.suppress(Exception):
            browser_page.screenshot("last")
        (artifacts / "requests.txt").write_text("\n".join(watched.requests) + "\n")
        context.close()
    assert watched.external == [], (
        f"the page asked for addresses outside 127.0.0.1: {watched.external}"
    )
    assert watched.dialogs == [], f"the page opened JavaScript dialogs: {watched.dialogs}"
