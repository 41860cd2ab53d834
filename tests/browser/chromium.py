"""Debian's Chromium and the flags that keep it offline, for the browser tests and benchmarks.

One place for both facts, so a test and a benchmark always measure the same browser.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and no update, sync or QUIC traffic: a page may only talk to 127.0.0.1.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
