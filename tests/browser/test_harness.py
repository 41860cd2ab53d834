"""The browser harness itself (no browser needed): what counts as leaving this machine, and
when a missing Chromium skips or fails."""

from __future__ import annotations

import pytest
from _pytest.outcomes import Failed, Skipped

from tests.browser.conftest import REQUIRE_BROWSER, Watched, _unavailable


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8866/",
        "ws://127.0.0.1:8866/api/kernels/abc/channels",
        "data:;base64,=",
        "blob:http://127.0.0.1:8866/0b6f",
    ],
)
def test_loopback_and_inline_requests_are_allowed(url):
    watched = Watched()
    assert watched.check(url) is True
    assert watched.external == [] and watched.requests == [url]


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@%5E5/css/all.min.css",
        "http://localhost:8866/",
        "http://127.0.0.1.example.com/",
        "wss://example.com/socket",
    ],
)
def test_anything_else_is_recorded_as_external(url):
    watched = Watched()
    assert watched.check(url) is False
    assert watched.external == [url]


def test_a_missing_browser_skips_with_the_reason(monkeypatch):
    monkeypatch.delenv(REQUIRE_BROWSER, raising=False)
    with pytest.raises(Skipped, match="chromium is not installed"):
        _unavailable("/usr/bin/chromium is not installed")


def test_a_missing_browser_fails_when_ci_requires_it(monkeypatch):
    monkeypatch.setenv(REQUIRE_BROWSER, "1")
    with pytest.raises(Failed, match=f"{REQUIRE_BROWSER}=1 requires the browser tests to run"):
        _unavailable("/usr/bin/chromium is not installed")
