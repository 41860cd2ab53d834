"""How long a page of `mfa-kit demo` takes to its first widget a customer can click, with the
server already up and its warm kernel ready (preheated).

Target: at most 2 s from asking for the page. Measured in Chromium (already open, as a
presenter's browser would be), and compared in this run with plain voila, already up,
serving the same notebook and a one-button notebook, so the ratios show what the demo's
server adds or saves against voila itself. Also printed: how long the demo server takes to
listen, and how many kernels it runs with a page open.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mfa_kit.demo_server import MAX_KERNELS, WARM_KERNELS
from tests.browser.chromium import CHROMIUM, CHROMIUM_FLAGS

TARGET_S = 2.0
ROUNDS = 5
FIRST_WIDGET = "button.mfa-agent-enable"
BASELINE_WIDGET = "button.bench-button"
LIMIT_S = 60
POOL_FILLED = "Kernel pool of customer_demo.ipynb is filled"
PRINTED_URL = re.compile(r"^(http://127\.0\.0\.1:\d+/\?token=[0-9a-f]+)$", re.MULTILINE)
SETTLED_S = 0.5
BASELINE_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "button",
            "metadata": {},
            "outputs": [],
            "source": "import ipywidgets\nb = ipywidgets.Button(description='Go')\n"
            "b.add_class('bench-button')\nb",
        }
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}
REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _script(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _until(condition, what: str, limit: float = LIMIT_S):
    """Poll ``condition()`` until it returns something true; its value."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise RuntimeError(f"{what}: not within {limit:.0f} s")


def _kernels(pid: int) -> list[int]:
    """The kernel processes under ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            if (
                int(stat.rsplit(")", 1)[1].split()[1]) == pid
                and b"ipykernel_launcher" in (entry / "cmdline").read_bytes()
            ):
                found.append(int(entry.name))
    return found


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total


def _settled(pid: int) -> None:
    """Wait until the server's kernels use no CPU for SETTLED_S (the warm one has run the
    notebook)."""
    last = [-1]

    def quiet() -> bool:
        ticks = _cpu_ticks(_kernels(pid))
        unchanged = ticks == last[0]
        last[0] = ticks
        return unchanged

    _until(lambda: time.sleep(SETTLED_S) or quiet(), "kernels settling")


class Server:
    """A server process with its log in a file, stopped with its whole process group."""

    def __init__(self, command: list[str], port: int, env: dict[str, str]) -> None:
        self.port = port
        self.log_file = tempfile.NamedTemporaryFile(prefix="bench-demo-", suffix=".log")  # noqa: SIM115
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            cwd=REPO,
        )
        self.listening = _until(self._listens, f"{command[0]} listening") - self.started

    def _listens(self) -> float | None:
        if self.process.poll() is not None:
            raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
            return time.perf_counter()
        return None

    def log(self) -> str:
        return Path(self.log_file.name).read_text(errors="replace")

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)
        for kernel in _kernels(self.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(kernel, signal.SIGKILL)
        self.log_file.close()


def _page_to_widget(browser, url: str, selector: str) -> tuple[float, object]:
    """Seconds from asking for ``url`` until ``selector`` is visible and enabled; the page."""
    # A context of its own that outlives the page: closing the page then lets its
    # last request (voila's "shut my kernel down") go out, as closing a tab would.
    context = browser.new_context()
    page = context.new_page()
    # The page may ask for nothing outside this machine (plain voila tries a CDN).
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if "127.0.0.1" in route.request.url or route.request.url.startswith("data:")
            else route.abort()
        ),
    )
    start = time.perf_counter()
    page.goto(url, timeout=LIMIT_S * 1000)
    widget = page.locator(selector)
    try:
        widget.wait_for(state="visible", timeout=LIMIT_S * 1000)
    except Exception:
        text = page.locator("body").inner_text()[:300]
        page.close()
        raise RuntimeError(f"{selector} never showed on {url}; the page says: {text!r}") from None
    if not widget.is_enabled():
        raise RuntimeError(f"{selector} is shown but cannot be clicked")
    return time.perf_counter() - start, page


def _close(page, kernels_left, wanted: int) -> None:
    """Close the page as a tab is closed, and wait until its kernel has gone."""
    page.close(run_before_unload=True)
    if kernels_left is not None:
        _until(lambda: len(kernels_left()) <= wanted, "the closed page's kernel shutting down")
    page.context.close()


def _measure_demo(browser) -> tuple[list[float], float, int]:
    """(seconds to the widget per round, seconds until listening, most kernels seen)."""
    port = _free_port()
    env = dict(os.environ)
    env.pop("JUPYTER_TOKEN", None)  # the demo makes its own token and prints it
    server = Server([_script("mfa-kit"), "demo", "--no-browser", "--port", str(port)], port, env)
    shown, most = [], 0
    try:
        url = _until(lambda: PRINTED_URL.search(server.log()), "printed URL").group(1)
        for round_ in range(ROUNDS):
            _until(lambda r=round_: server.log().count(POOL_FILLED) > r, "warm kernel")
            _settled(server.process.pid)
            seconds, page = _page_to_widget(browser, url, FIRST_WIDGET)
            shown.append(seconds)
            most = max(most, len(_kernels(server.process.pid)))
            _close(page, lambda: _kernels(server.process.pid), WARM_KERNELS)
    finally:
        server.stop()
    return shown, server.listening, most


def _measure_voila(browser, notebook: Path, selector: str, env: dict[str, str]) -> list[float]:
    port = _free_port()
    command = [
        _script("voila"),
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
    ]
    server = Server(command, port, env)
    shown = []
    try:
        for _ in range(ROUNDS):
            _settled(server.process.pid)
            seconds, page = _page_to_widget(browser, f"http://127.0.0.1:{port}/", selector)
            shown.append(seconds)
            _close(page, None, 0)
    finally:
        server.stop()
    return shown


def main() -> int:
    if not CHROMIUM.exists():
        print(f"cannot measure: {CHROMIUM} is not installed (apt-get install chromium)")
        return 1
    from playwright.sync_api import sync_playwright

    from mfa_kit.cli.servers import DEMO_NOTEBOOK, demo_environment, notebook_path

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        button = Path(folder) / "button.ipynb"
        button.write_text(json.dumps(BASELINE_NOTEBOOK))
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            demo, listening, most = _measure_demo(browser)
            same = _measure_voila(
                browser,
                notebook_path(DEMO_NOTEBOOK),
                FIRST_WIDGET,
                {**os.environ, **demo_environment()},
            )
            bare = _measure_voila(browser, button, BASELINE_WIDGET, dict(os.environ))
        finally:
            browser.close()
    demo_s, same_s, bare_s = (statistics.median(x) for x in (demo, same, bare))
    print(f"rounds:                                    {ROUNDS}")
    print(f"mfa-kit demo, server listening after:      {listening:5.2f} s")
    print(
        f"mfa-kit demo, page to first clickable:     median {demo_s:5.2f} s "
        f"(min {min(demo):.2f}, max {max(demo):.2f}; target <= {TARGET_S:.0f} s)"
    )
    print(f"mfa-kit demo, kernels with a page open:    {most} (at most {MAX_KERNELS})")
    print(
        f"plain voila, same notebook, page to widget: median {same_s:5.2f} s "
        f"(min {min(same):.2f}, max {max(same):.2f})"
    )
    print(f"plain voila, one-button notebook:          median {bare_s:5.2f} s")
    print(f"ratio demo / plain voila, same notebook:   {demo_s / same_s:.2f}")
    print(f"ratio demo / plain voila, one button:      {demo_s / bare_s:.2f}")
    print(f"ratio to target:                           {demo_s / TARGET_S:.2f}")
    return 0 if demo_s <= TARGET_S and most <= MAX_KERNELS else 1


if __name__ == "__main__":
    sys.exit(main())
