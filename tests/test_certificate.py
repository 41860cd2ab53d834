"""The certificate: written only for a pass, one self-contained page, and the command's
one-line answers (exit 1 without a pass, 2 for a bad argument) that leave nothing behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mfa_kit import progress
from mfa_kit.certificate import CERTIFICATE_NAME, certificate_from_report, certificate_html
from mfa_kit.cli import main

SECTIONS = {
    "The procedure on the screens": 100.0,
    "Finding the cause": 75.0,
    "What to tell the customer": 100.0,
}


def workspace(tmp_path: Path, *, trainee: str = "Ada Lovelace", result: bool | None = True) -> Path:
    folder = tmp_path / "course"
    folder.mkdir()
    record = progress.Progress(folder / "progress.sqlite3")
    if trainee.strip():
        record.set_trainee(trainee)
    if result is not None:
        record.record_assessment(92.9 if result else 71.4, result, SECTIONS)
    return folder


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("progress.sqlite3"))


def test_a_pass_writes_the_certificate_into_the_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = workspace(tmp_path)
    assert main(["certificate", "--workspace", str(folder)]) == 0
    target = folder / CERTIFICATE_NAME
    assert capsys.readouterr().out == f"Certificate written: {target}\n"
    page = target.read_text(encoding="utf-8")
    assert "Ada Lovelace" in page and "92.9 %" in page and "pass mark 80 %" in page
    for name, value in SECTIONS.items():
        assert re.search(rf"{re.escape(name)}</td><td class='num'>{value:g} %", page)


def test_the_page_is_self_contained_and_escapes_the_name() -> None:
    page = certificate_html("<b>Eve</b> & co", "15 January 2026", 85.7, SECTIONS, 80)
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp; co" in page and "<b>Eve</b>" not in page
    for outside in ("http://", "https://", "<script", "src=", "@import", "url("):
        assert outside not in page
    assert "@page" in page and "size: A4 landscape" in page


def test_the_date_is_the_day_of_the_pass() -> None:
    report = {
        "trainee": "Ada Lovelace",
        "assessment": {
            "score": 100.0,
            "passed": True,
            "sections": SECTIONS,
            "at": "2026-03-04T10:00:00+00:00",
        },
    }
    assert '<b id="date">4 March 2026</b>' in certificate_from_report(report)


@pytest.mark.parametrize(
    ("result", "says"),
    [(None, "no assessment taken yet"), (False, "the last assessment was not passed (71.4 %)")],
)
def test_no_pass_is_one_line_exit_1_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], result: bool | None, says: str
) -> None:
    folder = workspace(tmp_path, result=result)
    before = files_in(folder)
    out = tmp_path / "cert.html"
    assert main(["certificate", "--workspace", str(folder), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and says in captured.err
    assert files_in(folder) == before and not out.exists()


def test_a_record_without_a_name_gets_no_certificate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = workspace(tmp_path, trainee="  ")
    assert main(["certificate", "--workspace", str(folder)]) == 1
    assert "no trainee name" in capsys.readouterr().err
    assert not (folder / CERTIFICATE_NAME).exists()


def test_a_corrupt_progress_record_is_one_line_exit_2_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "course"
    folder.mkdir()
    record = folder / "progress.sqlite3"
    record.write_bytes(b"not a database at all" * 10)
    before = record.read_bytes()
    assert main(["certificate", "--workspace", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "progress.sqlite3" in err and "Traceback" not in err
    assert record.read_bytes() == before
    assert not (folder / CERTIFICATE_NAME).exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--workspace", "{tmp}/nowhere"], "is not a course folder"),
        (["--workspace", "{ws}", "-o", "{tmp}/cert.pdf"], "must end in .html"),
        (["--workspace", "{ws}", "-o", "{tmp}/no/such/dir/cert.html"], "is not a directory"),
    ],
)
def test_bad_arguments_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    folder = workspace(tmp_path)
    filled = [a.format(tmp=tmp_path, ws=folder) for a in args]
    assert main(["certificate", *filled]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err
    assert not (folder / CERTIFICATE_NAME).exists()
    assert not list(tmp_path.glob("cert.*"))


def test_the_workspace_defaults_to_mfa_kit_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = workspace(tmp_path)
    monkeypatch.setenv("MFA_KIT_HOME", str(folder))
    assert main(["certificate"]) == 0
    assert (folder / CERTIFICATE_NAME).exists()
