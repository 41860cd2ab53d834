"""The customer demo's web server: voila, driven only by whoever started it.

A token in the URL (as for JupyterLab), Host headers of this machine only (a DNS-rebinding
page cannot reach it), and a bounded set of kernels: one kept warm so a page shows at once,
a few for open pages, and none left running for pages nobody is looking at.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
from typing import Any
from urllib.parse import urlsplit

import tornado.web
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Integer
from voila.app import Voila
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.handler import TornadoVoilaHandler

MAX_KERNELS = 4
"""Kernels the demo ever runs at once, the warm one included (a kernel is ~60 MiB and the
demo runs on a presenter's laptop, 2 cores or more): a flood of page loads cannot start more."""
WARM_KERNELS = 1
"""Kernels that have already run the demo notebook, waiting for the next page (voila's
preheated pool): the page shows at once instead of after a kernel start."""
REFILL_DELAY_SECONDS = 5
"""How long after a page took the warm kernel the next one starts: not while the page is
still loading (a kernel start takes a core for a few seconds)."""
IDLE_SECONDS = 120
"""A kernel no page is connected to is shut down after this long without activity (a page
left open keeps its kernel; a closed page shuts its own down at once)."""
IDLE_ENV = "MFA_KIT_DEMO_IDLE_SECONDS"
"""Overrides IDLE_SECONDS (whole seconds, at least 1)."""
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
"""The only Host header names the demo answers (with any port)."""
_HOST = re.compile(r"^(\[[^\]]*\]|[^:]*)(?::\d+)?$")
_FREE_SLOT_POLL_SECONDS = 0.25

BUSY_TITLE = "The demo is already open"
BUSY_TEXT = (
    f"The demo is open in {MAX_KERNELS - WARM_KERNELS} windows already. Close one of them, "
    "then reload this page."
)


def idle_seconds(environ: dict[str, str] | None = None) -> int:
    """How long an unwatched kernel lives: $MFA_KIT_DEMO_IDLE_SECONDS or IDLE_SECONDS."""
    value = (os.environ if environ is None else environ).get(IDLE_ENV, "").strip()
    if not value:
        return IDLE_SECONDS
    try:
        seconds = int(value)
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise ValueError(f"{IDLE_ENV} must be a whole number of seconds (1 or more), not {value!r}")
    return seconds


def host_is_local(host: str) -> bool:
    """Whether a Host header names this machine as the demo does (127.0.0.1 or localhost)."""
    match = _HOST.match(host.strip())
    return bool(match) and match.group(1).lower() in LOCAL_HOSTS


def kernels_in_use(kernel_manager: Any) -> int:
    """Kernels running or about to: running, starting, and warm ones waiting to start."""
    waiting = sum(
        1
        for pool in getattr(kernel_manager, "_pools", {}).values()
        for task in pool
        if not task.done()
    )
    return kernel_manager.kernels_running_or_starting() + waiting


class BoundedKernelManager(AsyncMappingKernelManager):
    """Never more than ``max_kernels`` kernels: a start beyond that waits for one to end.

    This is the hard bound (every kernel, warm or not, starts here); the page handler
    refuses early with 503 so that a page does not wait for a slot.
    """

    max_kernels = Integer(MAX_KERNELS, config=True, help="Kernels running at most, at once.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._starting = 0

    def kernels_running_or_starting(self) -> int:
        return len(self.list_kernel_ids()) + self._starting

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        if kwargs.get("kernel_id") in self:
            return await super().start_kernel(*args, **kwargs)
        while self.kernels_running_or_starting() >= self.max_kernels:
            await asyncio.sleep(_FREE_SLOT_POLL_SECONDS)
        self._starting += 1
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1


class _LocalHostOnly:
    """Refuses a request whose Host header is not this machine's (DNS rebinding)."""

    request: Any

    def prepare(self) -> Any:
        if not host_is_local(self.request.host):
            raise tornado.web.HTTPError(403, "this demo answers only 127.0.0.1 and localhost")
        return super().prepare()  # type: ignore[misc]


def _local_only(handler: type) -> type:
    return type(f"LocalOnly{handler.__name__}", (_LocalHostOnly, handler), {})


class DemoPageHandler(TornadoVoilaHandler):
    """The demo page, refused with 503 when it would need a kernel beyond MAX_KERNELS."""

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        # No await between this check and voila taking a kernel, so two pages loading at the
        # same moment cannot both pass it on the last free kernel.
        if kernels_in_use(self.kernel_manager) >= MAX_KERNELS:
            self.set_status(503)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Retry-After", "30")
            self.finish(
                f"<!DOCTYPE html><html><head><title>{html.escape(BUSY_TITLE)}</title></head>"
                f"<body><h1>{html.escape(BUSY_TITLE)}</h1><p>{html.escape(BUSY_TEXT)}</p>"
                "</body></html>"
            )
            return
        await super().get(path)


class PageClosedHandler(VoilaShutdownKernelHandler):
    """A closing page shuts its kernel down. Its request carries no XSRF token (voila's page
    does not send one), so it must come from the page itself: an Origin of this very server."""

    def check_xsrf_cookie(self) -> None:
        origin = self.request.headers.get("Origin", "")
        if origin and urlsplit(origin).netloc == self.request.host:
            return
        super().check_xsrf_cookie()


class DemoVoila(Voila):
    """voila with the demo's rules: token, local Host headers, bounded kernels."""

    def init_settings(self) -> dict:
        settings = super().init_settings()
        # voila allows any Host header; Jupyter's own check (on its handlers) refuses others.
        settings["allow_remote_access"] = False
        settings["local_hostnames"] = ["localhost"]
        return settings

    def init_handlers(self) -> list:
        """voila's handlers, each refusing foreign Host headers, the page bounded."""
        handlers = []
        for pattern, handler, *rest in super().init_handlers():
            if handler is TornadoVoilaHandler:
                handler = DemoPageHandler
            elif handler is VoilaShutdownKernelHandler:
                handler = PageClosedHandler
            handlers.append((pattern, _local_only(handler), *rest))
        return handlers

    def launch_browser(self) -> None:
        """Open the page with its token (voila's own opener leaves the token out)."""
        import webbrowser

        token = self.identity_provider.token
        url = self.connection_url + (f"?token={token}" if token else "")
        try:
            browser = webbrowser.get(self.browser or None)
        except webbrowser.Error as problem:
            self.log.warning("No web browser found: %s.", problem)
            return
        browser.open(url, new=self.webbrowser_open_new)
