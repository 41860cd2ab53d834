"""The course certificate: one self-contained HTML page that prints on one sheet.

Owns reading a pass from a workspace's progress record and writing the page: the trainee's
name, the date, the score and the result per section. No network, no scripts, no pictures.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CERTIFICATE_NAME = "certificate.html"
"""Where the certificate goes in the workspace unless told otherwise."""

COURSE_TITLE = "MFA support on the Stratus Web Portal"
ISSUER_LINE = "SpectrumVoIP support training · mfa-kit"


class CertificateError(RuntimeError):
    """No certificate can be written; the message says why, in one line."""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _date(at: str | None) -> str:
    """ISO 8601 → "15 January 2026" (the date the assessment was passed)."""
    if not at:
        when = datetime.now(UTC)
        return f"{when.day} {when:%B %Y}"
    when = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return f"{when.day} {when:%B %Y}"


def certificate_html(
    trainee: str,
    passed_on: str,
    score: float,
    sections: dict[str, float],
    pass_mark: float,
) -> str:
    """The certificate page. ``score``, ``sections`` and ``pass_mark`` are percentages."""
    rows = "".join(
        f"<tr><td>{_esc(name)}</td><td class='num'>{value:g} %</td></tr>"
        for name, value in sections.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Certificate · {_esc(trainee)}</title>
<style>
  @page {{ size: A4 landscape; margin: 12mm; }}
  * {{ box-sizing: border-box; }}
  html, body {{ margin: 0; padding: 0; }}
  body {{ font-family: Georgia, 'Times New Roman', serif; color: #1f2a36; background: white; }}
  .sheet {{ border: 6px double #1f3a5f; padding: 14mm 18mm; margin: 0 auto; max-width: 270mm;
           min-height: 170mm; text-align: center; page-break-inside: avoid;
           break-inside: avoid; }}
  .kicker {{ letter-spacing: 4px; text-transform: uppercase; color: #1f3a5f; font-size: 13pt; }}
  h1 {{ font-size: 30pt; margin: 6mm 0 2mm 0; color: #1f3a5f; font-weight: normal; }}
  .name {{ font-size: 26pt; margin: 6mm 0 2mm 0; border-bottom: 1px solid #9aa7b5;
          display: inline-block; padding: 0 10mm 1mm 10mm; }}
  .line {{ font-size: 13pt; margin: 3mm 0; }}
  table {{ margin: 6mm auto 0 auto; border-collapse: collapse; font-size: 12pt; }}
  td, th {{ padding: 1.5mm 6mm; border-bottom: 1px solid #d5dce4; text-align: left; }}
  th {{ color: #1f3a5f; }}
  td.num, th.num {{ text-align: right; }}
  .footer {{ margin-top: 8mm; font-size: 10pt; color: #5a6470; }}
  @media print {{ .sheet {{ min-height: 0; }} }}
</style>
</head>
<body>
<div class="sheet">
  <div class="kicker">Certificate of completion</div>
  <h1>{_esc(COURSE_TITLE)}</h1>
  <div class="line">This certifies that</div>
  <div class="name" id="trainee">{_esc(trainee)}</div>
  <div class="line">passed the final assessment on <b id="date">{_esc(passed_on)}</b>
    with a score of <b id="score">{score:g} %</b> (pass mark {pass_mark:g} %).</div>
  <table>
    <thead><tr><th>Section</th><th class="num">Result</th></tr></thead>
    <tbody>{rows}</tbody>
  </table>
  <div class="footer">{_esc(ISSUER_LINE)}. Practice portal and training accounts only:
    the holder has shown the procedure and ticket diagnosis on simulated screens.</div>
</div>
</body>
</html>
"""


def certificate_from_report(report: dict[str, Any]) -> str:
    """The certificate for a progress report (``mfa-kit progress --json``), or
    CertificateError when it holds no pass."""
    from .assessment import pass_mark_percent

    assessment = report.get("assessment")
    if not assessment:
        raise CertificateError("no assessment taken yet: take 09_assessment first")
    if not assessment.get("passed"):
        raise CertificateError(
            f"the last assessment was not passed ({assessment.get('score', 0):g} %): "
            "review and take 09_assessment again"
        )
    trainee = (report.get("trainee") or "").strip()
    if not trainee:
        raise CertificateError(
            "the progress record has no trainee name: set it with mfa-kit course init --trainee"
        )
    return certificate_html(
        trainee,
        _date(assessment.get("at")),
        float(assessment["score"]),
        dict(assessment.get("sections") or {}),
        pass_mark_percent(),
    )


def write_certificate(workspace: Path, output: Path | None = None) -> Path:
    """Write the certificate of the workspace's pass to ``output`` (default: the workspace's
    certificate.html). Raises CertificateError (nothing written) without a pass, and
    ``mfa_kit.progress.ProgressError`` for a progress record that cannot be read."""
    from .progress import read_report

    page = certificate_from_report(read_report(Path(workspace)))
    target = Path(output) if output is not None else Path(workspace) / CERTIFICATE_NAME
    target.write_text(page, encoding="utf-8")
    return target
