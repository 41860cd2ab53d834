"""Only whoever started `mfa-kit demo` drives it: the token, Host headers of this machine only,
and a bounded set of kernels that a flood of page loads cannot grow (raw HTTP, no browser)."""

from __future__ import annotations

import http.client
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from mfa_kit import demo_server
from mfa_kit.demo_server import BUSY_TEXT, MAX_KERNELS, WARM_KERNELS
from tests.browser.demo_token import kernels, printed_url, token_of

DEMO_MARK = "<title>SpectrumVoIP: MFA on the Stratus Web Portal</title>"
PAGE_LOADS = 20
SETTLE_SECONDS = 120


def get(server, path: str, host: str | None = None) -> tuple[int, http.client.HTTPMessage, str]:
    """One raw GET, with the Host header given (or the server's own address)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{server.port}")
        connection.endheaders()
        response = connection.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        return response.status, response.msg, body
    finally:
        connection.close()


def wait_for_kernels(server, wanted, timeout: float = SETTLE_SECONDS) -> list[int]:
    """Poll until ``wanted(count)`` holds for the server's kernels; fail with the log if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = kernels(server)
        if wanted(len(running)):
            return running
        time.sleep(0.2)
    pytest.fail(f"kernels: {len(kernels(server))} after {timeout:.0f} s\n{server.log()}")


def test_the_demo_prints_its_url_with_a_token_and_the_token_opens_the_page(start_server):
    server = start_server("demo")
    url = printed_url(server)
    assert url.startswith(f"http://127.0.0.1:{server.port}/?token=")
    status, _, body = get(server, "/?token=" + token_of(server))
    assert status == 200 and DEMO_MARK in body


def test_without_the_right_token_the_page_is_refused_and_starts_no_kernel(start_server):
    server = start_server("demo")
    token = token_of(server)
    warm = wait_for_kernels(server, lambda n: n == WARM_KERNELS)
    for path in ("/", "/?token=", "/?token=" + token[:-1], "/?token=" + "0" * len(token)):
        status, headers, body = get(server, path)
        assert status == 302, (path, status)
        assert headers["Location"].startswith("/login?next=")
        assert DEMO_MARK not in body
    # A kernel's API (the page's widgets talk to it) asks for the token too.
    for kernel_path in ("/api/kernels/" + "0" * 32, "/api/kernels/" + "0" * 32 + "/channels"):
        status, headers, body = get(server, kernel_path)
        assert status in (302, 403) and DEMO_MARK not in body, (kernel_path, status)
        assert status == 403 or headers["Location"].startswith("/login?next="), kernel_path
    assert sorted(kernels(server)) == sorted(warm)  # nothing was started for them


FOREIGN_HOSTS = [
    "evil.example",
    "evil.example:{port}",
    "127.0.0.1.evil.example:{port}",
    "localhost.evil",
]


def test_a_foreign_host_header_is_refused_even_with_the_token(start_server):
    server = start_server("demo")
    token = token_of(server)
    warm = wait_for_kernels(server, lambda n: n == WARM_KERNELS)
    for host in FOREIGN_HOSTS:
        host = host.format(port=server.port)
        channels = f"/api/kernels/{'0' * 32}/channels?token={token}"
        for path in ("/?token=" + token, "/login", "/voila/static/voila.js", channels):
            status, _, body = get(server, path, host=host)
            assert status == 403 and DEMO_MARK not in body, (host, path, status)
    assert sorted(kernels(server)) == sorted(warm)  # nothing was started for them
    # The same request with this machine's names is served.
    for own in (f"localhost:{server.port}", f"127.0.0.1:{server.port}"):
        status, _, body = get(server, "/?token=" + token, host=own)
        assert status == 200 and DEMO_MARK in body, own


def test_twenty_page_loads_run_at_most_the_stated_kernels_and_idle_ones_are_shut_down(
    start_server,
):
    assert MAX_KERNELS <= 4 and WARM_KERNELS == 1
    server = start_server("demo", {demo_server.IDLE_ENV: "5"})
    token = token_of(server)
    wait_for_kernels(server, lambda n: n == WARM_KERNELS)
    most = 0
    statuses = []

    def load(_: int) -> int:
        status, _, body = get(server, "/?token=" + token)
        assert (status == 200 and DEMO_MARK in body) or (status == 503 and BUSY_TEXT in body)
        return status

    # Four at a time, as a page that reloads itself in a loop or a script would.
    with ThreadPoolExecutor(4) as pool:
        for status in pool.map(load, range(PAGE_LOADS)):
            statuses.append(status)
            most = max(most, len(kernels(server)))
    most = max(most, len(kernels(server)))
    assert most <= MAX_KERNELS, statuses
    assert statuses.count(200) >= MAX_KERNELS - WARM_KERNELS
    assert 503 in statuses
    # No page ever connected to those kernels: once idle they are shut down, the warm one
    # stays, and the demo serves a page again.
    wait_for_kernels(server, lambda n: n == WARM_KERNELS)
    status, _, body = get(server, "/?token=" + token)
    assert status == 200 and DEMO_MARK in body
    assert len(kernels(server)) <= MAX_KERNELS


@pytest.mark.browser
def test_a_page_closed_in_the_browser_shuts_its_kernel_down_at_once(start_server, web):
    server = start_server("demo")
    wait_for_kernels(server, lambda n: n == WARM_KERNELS)
    page = web.page
    page.goto(printed_url(server))
    page.locator("button.mfa-agent-enable").wait_for(state="visible")
    # The page's kernel plus a new warm one for the next page.
    wait_for_kernels(server, lambda n: n == WARM_KERNELS + 1)
    page.close(run_before_unload=True)
    # Well before any idle kernel would be shut down (IDLE_SECONDS).
    wait_for_kernels(server, lambda n: n == WARM_KERNELS, timeout=demo_server.IDLE_SECONDS / 2)


def post(server, path: str, cookie: str, origin: str | None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        headers = {"Cookie": cookie, "Content-Length": "0"}
        if origin is not None:
            headers["Origin"] = origin
        connection.request("POST", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_only_the_page_itself_can_shut_its_kernel_down(start_server):
    server = start_server("demo")
    wait_for_kernels(server, lambda n: n == WARM_KERNELS)
    status, headers, body = get(server, "/?token=" + token_of(server))
    assert status == 200
    kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', body).group(1)
    # The cookies the token bought, as the browser would send them back.
    cookie = "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie"))
    running = wait_for_kernels(server, lambda n: n == WARM_KERNELS + 1)
    shutdown = f"/voila/api/shutdown/{kernel}"
    # Refused: Jupyter answers a foreign Origin with 404, a missing XSRF token with 403.
    for origin in ("http://evil.example", f"http://evil.example:{server.port}", None):
        assert post(server, shutdown, cookie, origin) in (403, 404), origin
    assert sorted(kernels(server)) == sorted(running)
    assert post(server, shutdown, cookie, f"http://127.0.0.1:{server.port}") == 204
    wait_for_kernels(server, lambda n: n == WARM_KERNELS, timeout=demo_server.IDLE_SECONDS / 2)
