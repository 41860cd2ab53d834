"""The URL `mfa-kit demo` prints, token included, and the kernels its server is running."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.browser.conftest import SERVER_START_SECONDS, Server, _children

PRINTED_URL = re.compile(r"^(http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{32,}))$", re.MULTILINE)


def printed_url(server: Server, timeout: float = SERVER_START_SECONDS) -> str:
    """The URL with the token, as the demo printed it (it prints it once it listens)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = PRINTED_URL.search(server.log())
        if found:
            assert int(found.group(2)) == server.port
            return found.group(1)
        time.sleep(0.05)
    pytest.fail(f"the demo printed no URL with a token:\n{server.log()}")


def token_of(server: Server) -> str:
    return printed_url(server).split("?token=", 1)[1]


def kernels(server: Server) -> list[int]:
    """Process ids of the kernels the server is running now."""
    found = []
    for pid in _children(server.process.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"ipykernel_launcher" in command:
            found.append(pid)
    return found
