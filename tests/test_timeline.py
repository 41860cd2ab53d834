"""The time-step picture: where the customer's code fell against the portal's window."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from mfa_kit.timeline import SHOWN_EACH_SIDE, step_window_svg, step_window_text
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
