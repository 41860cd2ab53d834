"""The ticket-ready report of a reproduction: an HTML page, a plain-text summary and a report
notebook, all built in-process from the same :class:`~mfa_kit.scenarios.Reproduction`.

No code cells, no parameters, no defaults: only what the ticket said, what the customer saw
(the login screen as it was after their attempt), the causes in order, the time steps with
their caption, the fix and the words to read out. Times are in UTC and the customer's zone.
"""

from __future__ import annotations

import base64
import re
from dataclasses import fields
from datetime import timedelta, tzinfo
from html import escape
from typing import TYPE_CHECKING, Any

from .clock import to_datetime
from .otp import format_code

if TYPE_CHECKING:
    from .scenarios import Reproduction
    from .ticket import Ticket

REPORT_LIMIT_BYTES = 100 * 1024
"""A report goes into a ticket: each rendering stays under this size."""
JSON_METADATA = "mfa_kit"
"""The report notebook's metadata key holding the reproduction as JSON."""
PRACTICE_NOTE = (
    "Rebuilt on an in-memory practice portal with the documented training secrets: no real "
    "account, secret or password was used."
)


# --- times: UTC and the customer's zone ---------------------------------------------------


def customer_zone(ticket: Ticket) -> tuple[tzinfo, str] | None:
    """The customer's zone and its name: customer_timezone, else typed_at's own offset when
    it is not UTC, else None (UTC only)."""
    if ticket.customer_timezone:
        from .ticket import zone

        return zone(ticket.customer_timezone), ticket.customer_timezone
    offset = ticket.typed_at.utcoffset()
    if offset:
        return ticket.typed_at.tzinfo, f"{_offset_text(offset)}, as in typed_at"  # type: ignore[return-value]
    return None


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def both_times(at: float, ticket: Ticket, *, date: bool = True) -> str:
    """``2026-01-15 09:00:00 UTC (14:30:00 IST, Asia/Kolkata)``: the instant in both zones."""
    utc = to_datetime(at)
    shown = utc.strftime("%Y-%m-%d %H:%M:%S UTC" if date else "%H:%M:%S UTC")
    zone = customer_zone(ticket)
    if zone is None:
        return shown
    local = utc.astimezone(zone[0])
    form = "%H:%M:%S" if local.date() == utc.date() or not date else "%Y-%m-%d %H:%M:%S"
    abbreviation = local.tzname() or ""
    label = zone[1]
    if abbreviation and abbreviation not in label:
        label = f"{abbreviation}, {label}"
    return f"{shown} ({local.strftime(form)} {label})"


def local_window_text(r: Reproduction) -> str:
    """The portal's accepted window (and the typed step) in the customer's zone, or ""."""
    zone = customer_zone(r.ticket)
    if zone is None:
        return ""
    period = r.policy.profile.period
    centre = int(r.situation.typed_at // period)
    first = (centre - r.policy.window_steps) * period
    last = (centre + r.policy.window_steps + 1) * period - 1

    def local(at: float) -> str:
        return to_datetime(at).astimezone(zone[0]).strftime("%H:%M:%S")

    text = (
        f"In the customer's time ({zone[1]}): the code was typed at "
        f"{local(r.situation.typed_at)}; the portal accepted codes made from {local(first)} "
        f"to {local(last)}."
    )
    steps = r.diagnosis.offset_steps
    if steps is not None:
        start = (centre + steps) * period
        text += f" The code typed was made from {local(start)} to {local(start + period - 1)}."
    return text


def phone_clock_local(r: Reproduction) -> str:
    """The phone's clock when the code was read, in the customer's zone (or "")."""
    zone = customer_zone(r.ticket)
    if zone is None:
        return ""
    shown = to_datetime(r.phone_shown_at).astimezone(zone[0])
    return f"Phone clock in the customer's time ({zone[1]}): {shown.strftime('%H:%M:%S %Z')}"


# --- the ticket as the customer's file said it -------------------------------------------


def ticket_rows(ticket: Ticket) -> list[tuple[str, str]]:
    """The ticket's fields that say something: the required ones and every one not left at
    its default, as (name, value) text; typed_at in both zones."""
    from .ticket import REQUIRED, Ticket

    defaults = {item.name: item.default for item in fields(Ticket)}
    rows: list[tuple[str, str]] = []
    for item in fields(Ticket):
        value = getattr(ticket, item.name)
        if item.name not in REQUIRED and value == defaults[item.name]:
            continue
        if item.name == "summary":
            continue  # shown as the customer's words above the table
        if item.name == "typed_at":
            text = both_times(value.timestamp(), ticket)
        elif item.name == "reported_code":
            text = format_code(value) if value.replace(" ", "").isdigit() else repr(value)
        elif hasattr(value, "value") and not isinstance(value, bool | int):
            text = str(value.value)
        elif isinstance(value, bool):
            text = "yes" if value else "no"
        else:
            text = str(value)
        rows.append((item.name, text))
    return rows


# --- a screen as it was: static HTML of an ipywidgets tree --------------------------------


def snapshot_html(widget: Any) -> str:
    """The widget as it looks now, as static HTML (no script, no live model): hidden parts
    left out, a password shown as dots. Later changes to the widget do not reach it."""
    import ipywidgets as w

    def walk(item: Any) -> str:
        layout = getattr(item, "layout", None)
        if layout is not None and layout.display == "none":
            return ""
        if isinstance(item, w.HTML):
            return item.value
        if isinstance(item, w.Password):
            return _field(item.description, "•" * len(item.value), "")
        if isinstance(item, w.Text | w.Textarea):
            return _field(item.description, item.value, item.placeholder)
        if isinstance(item, w.Button):
            primary = item.button_style == "primary"
            colours = "background:#1f6fb2;color:#fff" if primary else "background:#eee;color:#222"
            return (
                f'<span class="button" style="{colours};padding:4px 12px;border-radius:2px;'
                f'display:inline-block;margin:3px 0">{escape(item.description)}</span>'
            )
        if isinstance(item, w.Label):
            return f"<div>{escape(str(item.value))}</div>"
        if isinstance(item, w.Box):
            style = []
            if layout is not None:
                for attribute, css in (("border", "border"), ("width", "width")):
                    value = getattr(layout, attribute, None)
                    if value:
                        style.append(f"{css}:{value}")
                if layout.padding:
                    style.append(f"padding:{layout.padding}")
            if isinstance(item, w.HBox):
                style.append("display:flex;gap:6px;align-items:center")
            inner = "".join(walk(child) for child in item.children)
            return f'<div style="{";".join(style)}">{inner}</div>' if inner else ""
        return ""

    return walk(widget)


def _field(label: str, value: str, placeholder: str) -> str:
    shown = (
        escape(value) if value else f'<span style="color:#999">{escape(placeholder or "")}</span>'
    )
    return (
        '<div style="margin:3px 0;display:flex;align-items:center">'
        f'<span style="width:110px;display:inline-block">{escape(label)}</span>'
        '<span style="border:1px solid #aab;min-width:180px;padding:2px 6px;'
        f'display:inline-block;background:#fff">{shown}&#8203;</span></div>'
    )


# --- the picture --------------------------------------------------------------------------

_SVG_TEXT = re.compile(r'<text x="\d+" y="(\d+)"[^>]*>([^<]*)</text>\n?')


def picture_and_caption(r: Reproduction) -> tuple[str, str]:
    """The time-step SVG without its caption lines (the text above the steps), and those
    lines as one caption: a page shows a caption in full and wraps it with the page."""
    from html import unescape

    svg = r.picture_svg
    top = svg.find("<rect")
    head, rest = (svg, "") if top < 0 else (svg[:top], svg[top:])
    strip = re.match(r'<rect x="[\d.]+" y="(\d+)"', rest)
    strip_top = int(strip.group(1)) if strip else 0
    lines: list[str] = []

    def lift(found: re.Match[str]) -> str:
        if int(found.group(1)) < strip_top:  # text above the strip of steps: the caption
            lines.append(unescape(found.group(2)))
            return ""
        return found.group(0)

    head = _SVG_TEXT.sub(lift, head)
    return head + rest, " ".join(lines)


# --- the words ----------------------------------------------------------------------------


def read_out(r: Reproduction) -> list[str]:
    """What to read to the customer, in the order they act: the fix of each cause."""
    lines: list[str] = []
    for cause in r.causes:
        if cause.fix in lines:
            continue
        if cause.possible:
            odds = f" (about {cause.odds:.0%} chance it is a coincidence)" if cause.odds else ""
            lines.append(f"If it is this ({cause.title.lower()}{odds}): {cause.fix}")
        else:
            lines.append(cause.fix)
    return lines


def result_line(r: Reproduction) -> str:
    expected = r.ticket.expected_verdict
    if expected is None:
        agreement = "the ticket named no expected verdict"
    elif r.expected_matches:
        agreement = "as the ticket expected"
    else:
        agreement = f"but the ticket expected {expected}"
    login = "the customer logs in" if r.logged_in else "the customer still cannot log in"
    if r.accepted:
        login = "the replayed code logged the customer in; no fix was needed"
    return f"Verdict {r.verdict.name}, {agreement}; after the fix, {login}."


def typed_line(r: Reproduction) -> str:
    s = r.situation
    shown = format_code(s.typed_code) if s.typed_code.isdigit() else repr(s.typed_code)
    if not s.typed_code:
        shown = "(nothing)"
    when = both_times(s.typed_at, r.ticket)
    how = {
        "code rejected": "Log In, then the code into Security code and Submit",
        "no code asked": "Log In",
        "log in with google": "Log in with Google",
    }[r.ticket.symptom.value]
    if r.record is None and r.ticket.symptom.value == "code rejected":
        return (
            f"The customer clicked Log In at {when}; the portal refused before it asked for "
            f"the Security code, so the code ({shown}) never reached it."
        )
    return f"The customer clicked {how}; code typed: {shown}, at {when}."


def lock_end_local(r: Reproduction) -> str:
    """When the lock ends, in the customer's zone (or "")."""
    zone = customer_zone(r.ticket)
    until = r.diagnosis.until
    if zone is None or until is None:
        return ""
    import math

    shown = to_datetime(math.ceil(until / 60) * 60).astimezone(zone[0])
    return f"In the customer's time ({zone[1]}) the lock ends at {shown.strftime('%H:%M %Z')}."


def text_summary(r: Reproduction) -> str:
    """The plain-text summary, ready to paste into a ticketing system."""
    from .scenarios import verdict_line

    t, s = r.ticket, r.situation
    lines = [f"Ticket {t.id}: reproduction on a practice portal", ""]
    if t.summary:
        lines += [f"Customer's words: {t.summary}", ""]
    lines.append("Ticket:")
    lines += [f"  {name}: {value}" for name, value in ticket_rows(t)]
    lines += ["", "Before the ticket:", *[f"  - {step}" for step in s.steps]]
    lines += ["", "The phone when the code was read:", *_indent(r.phone_before)]
    if phone_clock_local(r):
        lines.append(f"  {phone_clock_local(r)}")
    if not r.code_checked:
        lines += ["", f"Note: {_not_checked_words()}"]
    lines += ["", "What the customer saw:", f"  {typed_line(r)}", *_indent(r.saw_text)]
    lines.append(f"  {r.record_line()}")
    lines += ["", "Causes, in order:"]
    for number, cause in enumerate(r.causes, 1):
        mark = " (possible, to confirm)" if cause.possible else ""
        found = f" [{cause.found}]" if cause.found else ""
        lines.append(f"  {number}. {cause.verdict.name}: {cause.title}{mark}{found}")
        lines.append(f"     {cause.explanation}")
        if cause.verdict.name == "LOCKED" and lock_end_local(r):
            lines.append(f"     {lock_end_local(r)}")
    lines += ["", f"The diagnosis of the attempt: {verdict_line(r.diagnosis)}"]
    _, caption = picture_and_caption(r)
    lines += ["", "Time steps:", *([f"  {caption}"] if caption else []), f"  {r.picture_text}"]
    local = local_window_text(r)
    if local:
        lines.append(f"  {local}")
    lines += ["", "The fix, done on the practice portal:"]
    if r.accepted:
        lines.append("  - No fix: the replayed code was accepted.")
    for round_ in r.rounds:
        lines += [f"  - {step}" for step in round_.steps]
        if round_.refused:
            lines.append(f"  ! {round_.refused}")
        if round_.finding:
            lines.append(f"  ! {round_.finding}")
    lines += [f"  After the fix: {' | '.join(r.outcome.splitlines())}"]
    lines += ["", "Read this to the customer:"]
    lines += [f"  {n}. {words}" for n, words in enumerate(read_out(r), 1)]
    lines += ["", result_line(r), PRACTICE_NOTE, ""]
    return "\n".join(lines)


def _not_checked_words() -> str:
    from .scenarios import NOT_CHECKED

    return NOT_CHECKED


def _indent(text: str) -> list[str]:
    return [f"  {line}" for line in text.splitlines()]


# --- the HTML page ------------------------------------------------------------------------

_STYLE = """
body{font-family:'Segoe UI',Helvetica,Arial,sans-serif;line-height:1.45;color:#222;
max-width:860px;margin:24px auto;padding:0 16px}
h1{font-size:1.5em;color:#1f3a5f;margin-bottom:4px}h2{font-size:1.15em;color:#1f3a5f;
border-bottom:1px solid #c8d1dc;padding-bottom:3px;margin-top:26px}
table{border-collapse:collapse}td,th{border:1px solid #d5dbe3;padding:3px 8px;
text-align:left;vertical-align:top}th{background:#f3f6f9;font-weight:600}
pre{background:#f6f8fa;padding:8px 10px;white-space:pre-wrap}
.verdict{font-size:1.1em;font-weight:600}.ok{color:#1b6e35}.bad{color:#a0001c}
.note{background:#fff7e0;border-left:4px solid #d9a400;padding:6px 10px}
.finding{background:#fdecee;border-left:4px solid #a0001c;padding:6px 10px;margin:6px 0}
.readout{background:#e8f5ec;border-left:4px solid #1b6e35;padding:8px 12px}
figure{margin:8px 0}figure svg{max-width:100%;height:auto}
figcaption{font-size:.95em;color:#333;margin-top:4px}.muted{color:#5a6470;font-size:.9em}
.screen{display:inline-block;min-width:460px}
"""


def html_page(r: Reproduction) -> str:
    """The report as one self-contained HTML page (no script, nothing fetched)."""

    t, s = r.ticket, r.situation
    e = escape
    good = "ok" if r.ok else "bad"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Ticket {e(t.id)}: {e(r.verdict.name)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Ticket {e(t.id)}</h1>",
        f'<p class="verdict">{e(r.verdict_line())}</p>',
        f'<p class="{good}">{e(result_line(r))}</p>',
    ]
    if t.summary:
        parts.append(f"<p><b>The customer says:</b> {e(t.summary)}</p>")

    parts.append("<h2>The ticket</h2><table>")
    parts += [f"<tr><th>{e(name)}</th><td>{e(value)}</td></tr>" for name, value in ticket_rows(t)]
    parts.append("</table>")

    parts.append("<h2>Before the ticket</h2><ol>")
    parts += [f"<li>{e(step)}</li>" for step in s.steps]
    parts.append("</ol>")

    parts.append("<h2>The phone when the code was read</h2>")
    local_phone = f"\n{phone_clock_local(r)}" if phone_clock_local(r) else ""
    parts.append(f"<pre>{e(r.phone_before + local_phone)}</pre>")
    if not r.code_checked:
        parts.append(f'<p class="note">{e(_not_checked_words())}</p>')

    parts.append("<h2>What the customer saw</h2>")
    parts.append(f"<p>{e(typed_line(r))}</p>")
    parts.append(f'<div class="screen">{r.saw_html}</div>')
    parts.append(
        '<p class="muted">The login screen right after the customer\'s attempt, as it was then.</p>'
    )
    parts.append(f"<p>{e(r.record_line())}</p>")

    parts.append("<h2>Causes, in order</h2><ol>")
    for cause in r.causes:
        mark = " <i>(possible: to confirm)</i>" if cause.possible else ""
        odds = (
            f" <span class='muted'>Chance of a coincidence: about {cause.odds:.1%}.</span>"
            if cause.possible and cause.odds
            else ""
        )
        found = f" <span class='muted'>({e(cause.found)})</span>" if cause.found else ""
        local = lock_end_local(r) if cause.verdict.name == "LOCKED" else ""
        parts.append(
            f"<li><b>{e(cause.verdict.name)}: {e(cause.title)}</b>{mark}{found}<br>"
            f"{e(cause.explanation)}{odds}" + (f" {e(local)}" if local else "") + "</li>"
        )
    parts.append("</ol>")

    svg, caption = picture_and_caption(r)
    parts.append("<h2>The time steps</h2><figure>")
    parts.append(svg)
    words = " ".join(part for part in (caption, r.picture_text) if part)
    local = local_window_text(r)
    parts.append(f"<figcaption>{e(words)}" + (f"<br>{e(local)}" if local else "") + "</figcaption>")
    parts.append("</figure>")

    parts.append("<h2>The fix, done on the practice portal</h2>")
    if r.accepted:
        parts.append("<p>No fix: the replayed code was accepted.</p>")
    for round_ in r.rounds:
        parts.append("<ul>" + "".join(f"<li>{e(step)}</li>" for step in round_.steps) + "</ul>")
        for problem in (round_.refused, round_.finding):
            if problem:
                parts.append(f'<p class="finding">{e(problem)}</p>')
    outcome = " | ".join(r.outcome.splitlines())
    parts.append(f"<p><b>After the fix:</b> {e(outcome)}</p>")

    parts.append('<h2>Read this to the customer</h2><div class="readout"><ol>')
    parts += [f"<li>{e(words)}</li>" for words in read_out(r)]
    parts.append("</ol></div>")
    parts.append(f'<p class="muted">{e(PRACTICE_NOTE)}</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --- the report notebook ------------------------------------------------------------------


def report_notebook(r: Reproduction) -> dict[str, Any]:
    """The report as a notebook of text cells only (nothing to run), the reproduction's JSON
    in its metadata: opens in JupyterLab beside the course notebooks."""
    svg, caption = picture_and_caption(r)
    text = text_summary(r)
    sections = text.split("\n\n")

    def markdown(source: str, attachments: dict[str, Any] | None = None) -> dict[str, Any]:
        cell: dict[str, Any] = {"cell_type": "markdown", "metadata": {}, "source": source}
        if attachments:
            cell["attachments"] = attachments
        return cell

    cells = [markdown(f"# Ticket {r.ticket.id}\n\n**{_md(result_line(r))}**")]
    cells += [markdown("```text\n" + section.strip("\n") + "\n```") for section in sections[1:]]
    picture = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    cells.append(
        markdown(
            f"![The time steps](attachment:time-steps.svg)\n\n{_md(caption)} {_md(r.picture_text)}",
            {"time-steps.svg": {"image/svg+xml": picture}},
        )
    )
    cells.append(markdown("### What the customer saw\n\n" + r.saw_html))
    for number, cell in enumerate(cells):
        cell["id"] = f"report-{number}"
    return {
        "cells": cells,
        "metadata": {
            JSON_METADATA: {"reproduction": r.as_dict(), "diagnosis": r.diagnosis.as_dict()},
            "title": f"Ticket {r.ticket.id}",
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _md(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)
