"""The time-step window as a picture: which codes the portal accepts now, and where a
customer's code fell. Owns a small deterministic SVG built with plain code, and its text twin."""

from __future__ import annotations

from html import escape

from .clock import to_datetime, to_unix
from .policy import DEFAULT_POLICY, SecurityPolicy

SHOWN_EACH_SIDE = 4
"""Steps drawn either side of now; an offset beyond them gets a box of its own past a gap."""

_CELL, _HEIGHT, _GAP, _MARGIN, _TOP = 52, 42, 26, 8, 46
_CAPTION_SIZE, _CAPTION_LINE = 12, 16
_CAPTION_CHAR = 0.62
"""A generous width of one caption character, in font sizes (Helvetica averages about 0.5)."""
_ACCEPTED, _EXPIRED, _OTHER = "#d6f0dc", "#fbe9c8", "#eef1f4"
_MARK = "#c0392b"
_FONT = "font-family: Helvetica, Arial, sans-serif"


def _clock(unix_seconds: float) -> str:
    return to_datetime(unix_seconds).strftime("%H:%M:%S")


def _fill(offset: int, policy: SecurityPolicy) -> str:
    if abs(offset) <= policy.window_steps:
        return _ACCEPTED
    if -policy.expired_lookback_steps <= offset < -policy.window_steps:
        return _EXPIRED
    return _OTHER


def caption_lines(period: int, at: float) -> list[str]:
    """The picture's caption, one short line each (a long single line was cut off)."""
    return [
        f"Time steps of {period} s around {_clock(to_unix(at))} UTC, when the code was typed.",
        "Green: accepted now (each code once). Amber: refused as expired.",
    ]


def step_window_svg(
    offset_steps: int | None, at: float, *, policy: SecurityPolicy = DEFAULT_POLICY
) -> str:
    """An SVG strip of time steps around ``at``: green what the portal accepts, amber the
    steps it calls expired, a red frame round the step whose code the customer typed."""
    period = policy.profile.period
    centre = int(to_unix(at) // period)
    slots: list[tuple[float, int]] = []  # (x, offset)
    reach = SHOWN_EACH_SIDE
    if offset_steps is not None and abs(offset_steps) == SHOWN_EACH_SIDE + 1:
        reach += 1  # one step past the strip: draw it in line rather than past a gap
    far = offset_steps is not None and abs(offset_steps) > reach
    # Room for a far step's own box only on its side, so the picture stays narrow enough
    # for a notebook column beside JupyterLab's file browser.
    x = _MARGIN + (_CELL + _GAP if far and offset_steps < 0 else 0)  # type: ignore[operator]
    strip_left = x
    for offset in range(-reach, reach + 1):
        slots.append((x, offset))
        x += _CELL
    strip_right = x
    if far:
        side_x = _MARGIN if offset_steps < 0 else x + _GAP  # type: ignore[operator]
        slots.append((side_x, offset_steps))  # type: ignore[arg-type]
        if offset_steps > 0:  # type: ignore[operator]
            x += _GAP + _CELL
    width = x + _MARGIN
    caption = caption_lines(period, at)
    # Every caption line must fit inside the picture, or the viewer cuts it off.
    longest = max(len(line) for line in caption) * _CAPTION_SIZE * _CAPTION_CHAR
    width = max(width, int(_MARGIN * 2 + longest + 1))
    height = _TOP + _HEIGHT + 40
    parts = [
        # Scales down with a narrow page (the viewBox keeps the proportions), never up.
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" style="{_FONT}; max-width: 100%; height: auto">',
        *(
            f'<text x="{_MARGIN}" y="{14 + i * _CAPTION_LINE}" font-size="{_CAPTION_SIZE}"'
            f' fill="#333">{escape(line)}</text>'
            for i, line in enumerate(caption)
        ),
    ]
    if far:
        dots_x = strip_left - _GAP / 2 if offset_steps < 0 else strip_right + _GAP / 2  # type: ignore[operator]
        parts.append(
            f'<text x="{dots_x:.0f}" y="{_TOP + _HEIGHT / 2 + 5:.0f}" font-size="18"'
            ' text-anchor="middle" fill="#666">…</text>'
        )
    for left, offset in slots:
        start = (centre + offset) * period
        parts.append(
            f'<rect x="{left:.0f}" y="{_TOP}" width="{_CELL - 2}" height="{_HEIGHT}"'
            f' fill="{_fill(offset, policy)}" stroke="#9aa5b1" stroke-width="1"/>'
        )
        mid = left + (_CELL - 2) / 2
        parts.append(
            f'<text x="{mid:.0f}" y="{_TOP + 17}" font-size="13" text-anchor="middle"'
            f' fill="#222">{offset:+d}</text>'.replace(">+0<", ">0<")
        )
        parts.append(
            f'<text x="{mid:.0f}" y="{_TOP + 33}" font-size="10" text-anchor="middle"'
            f' fill="#555">{_clock(start)}</text>'
        )
        if offset == 0:
            parts.append(
                f'<text x="{mid:.0f}" y="{_TOP + _HEIGHT + 15}" font-size="11"'
                ' text-anchor="middle" fill="#333">now</text>'
            )
        if offset == offset_steps:
            parts.append(
                f'<rect x="{left - 1:.0f}" y="{_TOP - 1}" width="{_CELL}" height="{_HEIGHT + 2}"'
                f' fill="none" stroke="{_MARK}" stroke-width="3"/>'
            )
            parts.append(
                f'<text x="{mid:.0f}" y="{_TOP + _HEIGHT + 30}" font-size="11"'
                f' text-anchor="middle" fill="{_MARK}">code typed</text>'
            )
    parts.append("</svg>")
    return "\n".join(parts)


def step_window_text(
    offset_steps: int | None, at: float, *, policy: SecurityPolicy = DEFAULT_POLICY
) -> str:
    """The same picture in words, for a transcript or a screen reader."""
    period = policy.profile.period
    centre = int(to_unix(at) // period)
    window = policy.window_steps
    first, last = (centre - window) * period, (centre + window + 1) * period - 1
    accepted = (
        f"The portal accepts the codes of steps {-window:+d} to {window:+d} "
        f"({_clock(first)}–{_clock(last)} UTC)."
    )
    if offset_steps is None:
        return f"{accepted} The code typed is not the code of any step near then."
    start = (centre + offset_steps) * period
    seconds = offset_steps * period
    where = "inside" if abs(offset_steps) <= window else "outside"
    return (
        f"{accepted} The code typed is the code of step {offset_steps:+d} "
        f"({_clock(start)}–{_clock(start + period - 1)} UTC, {seconds:+d} s), {where} that window."
    )
