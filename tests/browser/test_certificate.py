"""The certificate in Chromium: printed to PDF it is exactly one page, and the name, the date
and the score are on that page (checked in print layout, with a screenshot kept)."""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from mfa_kit import progress
from mfa_kit.certificate import CERTIFICATE_NAME
from mfa_kit.cli import main

PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
SECTIONS = {
    "The procedure on the screens": 100.0,
    "Finding the cause": 75.0,
    "What to tell the customer": 100.0,
}
# A long name must still fit on the one page.
TRAINEE = "Maximiliane Alexandra Oyelaran-Vanderbilt"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path):
    """The folder on 127.0.0.1 at a free port, as a trainee's browser would open the file."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_certificate_prints_on_one_page_with_name_date_and_score(web, tmp_path: Path):
    folder = tmp_path / "course"
    folder.mkdir()
    record = progress.Progress(folder / "progress.sqlite3")
    record.set_trainee(TRAINEE)
    record.record_assessment(92.9, True, SECTIONS)
    assert main(["certificate", "--workspace", str(folder)]) == 0

    page = web.page
    with serve(folder) as url:
        page.goto(f"{url}/{CERTIFICATE_NAME}")
        page.emulate_media(media="print")
        web.screenshot("certificate-print-layout")
        pdf = page.pdf(format="A4", landscape=True, prefer_css_page_size=True)
    (web.folder / "certificate.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    assert len(PDF_PAGE.findall(pdf)) == 1, "exactly one page"

    # On that page: A4 landscape is 210 mm high, less the 12 mm margins, at 96 px per inch.
    printable_height = (210 - 2 * 12) / 25.4 * 96
    for selector, text in (
        ("#trainee", TRAINEE),
        ("#date", None),
        ("#score", "92.9 %"),
    ):
        element = page.locator(selector)
        assert element.is_visible(), selector
        if text is not None:
            assert element.inner_text() == text
        box = element.bounding_box()
        assert box is not None and box["y"] + box["height"] < printable_height, selector
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", page.locator("#date").inner_text())
    body = page.locator("body").inner_text()
    for name, value in SECTIONS.items():
        assert name in body and f"{value:g} %" in body
