"""The demo page as served (no browser needed): every asset it links is on 127.0.0.1, and the
notebook's code is not in it."""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import urljoin, urlsplit

from tests.browser.demo_token import printed_url

LINK = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']""")


def test_the_demo_page_links_nothing_outside_this_machine_and_shows_no_code(start_server):
    server = start_server("demo")
    with urllib.request.urlopen(printed_url(server), timeout=120) as response:  # noqa: S310
        assert response.status == 200
        page = response.read().decode("utf-8")
    links = [a or b for a, b in LINK.findall(page)]
    assert any("voila" in link for link in links), links  # the page really is voila's
    outside = [
        link
        for link in links
        if urlsplit(urljoin(server.url + "/", link)).scheme in ("http", "https", "ws", "wss")
        and urlsplit(urljoin(server.url + "/", link)).hostname != "127.0.0.1"
    ]
    assert outside == []
    assert "cdn." not in page
    assert "from mfa_kit.demo import" not in page
    assert "<title>SpectrumVoIP: MFA on the Stratus Web Portal</title>" in page
