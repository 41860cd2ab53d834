"""The time-step picture: where the customer's code fell against the portal's window."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mfa_kit.timeline import SHOWN_EACH_SIDE, caption_lines, step_window_svg, step_window_text
from mfa_kit.training import TRAINING_INSTANT

AT = TRAINING_INSTANT.timestamp()
SVG = "{http://www.w3.org/2000/svg}"


def boxes(svg: str) -> list[str]:
    """The step labels in the picture, left to right."""
    root = ET.fromstring(svg)  # noqa: S314 - the picture this project just drew
    labelled = [
        (float(t.get("x")), t.text)
        for t in root.iter(f"{SVG}text")
        if t.text and re.fullmatch(r"[+-]?\d+", t.text)
    ]
    return [label for _, label in sorted(labelled)]


def marked(svg: str) -> int:
    return svg.count("code typed")


def test_the_strip_shows_now_and_the_accepted_window():
    svg = step_window_svg(None, AT)
    labels = [f"{o:+d}" if o else "0" for o in range(-SHOWN_EACH_SIDE, SHOWN_EACH_SIDE + 1)]
    assert boxes(svg) == labels
    assert marked(svg) == 0 and "…" not in svg
    assert svg.count('fill="#d6f0dc"') == 3  # -1, 0, +1 are accepted


def test_a_code_inside_the_strip_is_framed_in_place():
    svg = step_window_svg(-3, AT)
    assert marked(svg) == 1 and "…" not in svg
    assert len(boxes(svg)) == 2 * SHOWN_EACH_SIDE + 1


@pytest.mark.parametrize("offset", [SHOWN_EACH_SIDE + 1, -(SHOWN_EACH_SIDE + 1)])
def test_one_step_past_the_strip_is_drawn_in_line_without_a_gap(offset):
    svg = step_window_svg(offset, AT)
    assert "…" not in svg
    labels = boxes(svg)
    assert labels[0 if offset < 0 else -1] == f"{offset:+d}"
    assert len(labels) == 2 * (SHOWN_EACH_SIDE + 1) + 1


@pytest.mark.parametrize("offset", [120, -40])
def test_a_far_offset_gets_its_own_box_past_a_gap(offset):
    svg = step_window_svg(offset, AT)
    assert "…" in svg and marked(svg) == 1
    labels = boxes(svg)
    assert labels[0 if offset < 0 else -1] == f"{offset:+d}"
    assert len(labels) == 2 * SHOWN_EACH_SIDE + 2


def test_the_picture_is_the_same_every_time():
    assert step_window_svg(5, AT) == step_window_svg(5, AT)


def test_the_text_twin_says_the_same():
    assert step_window_text(5, AT) == (
        "The portal accepts the codes of steps -1 to +1 (08:59:30–09:00:59 UTC). "
        "The code typed is the code of step +5 (09:02:30–09:02:59 UTC, +150 s), "
        "outside that window."
    )
    assert step_window_text(None, AT).endswith("is not the code of any step near then.")


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
"""A wide sans-serif font (Chromium's fallback for Helvetica on Debian)."""


NARROW_COLUMN = 590
"""Pixels an output has in JupyterLab at 1024 px wide with the file browser open."""


@pytest.mark.parametrize(
    "offset", [None, 0, -3, SHOWN_EACH_SIDE + 1, -(SHOWN_EACH_SIDE + 1), 120, -40]
)
def test_every_text_fits_inside_the_picture_and_the_picture_in_a_narrow_column(offset):
    if not DEJAVU.exists():
        pytest.skip(f"{DEJAVU} is not installed (apt-get install fonts-dejavu-core)")
    from PIL import ImageFont

    svg = step_window_svg(offset, AT)
    root = ET.fromstring(svg)  # noqa: S314 - the picture this project just drew
    width = float(root.get("width"))
    assert width <= NARROW_COLUMN
    texts = list(root.iter(f"{SVG}text"))
    captions = [t.text for t in texts if t.get("font-size") == "12"]
    assert captions == caption_lines(30, AT)
    for text in texts:
        length = ImageFont.truetype(str(DEJAVU), int(text.get("font-size"))).getlength(text.text)
        x = float(text.get("x"))
        left = x - length / 2 if text.get("text-anchor") == "middle" else x
        assert 0 <= left and left + length <= width, (text.text, left, left + length, width)
    # The whole legend is there, not cut at "amber: re".
    assert "Amber: refused as expired." in svg


def test_the_picture_scales_down_on_a_narrow_page():
    root = ET.fromstring(step_window_svg(None, AT))  # noqa: S314
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert "max-width: 100%" in root.get("style")
