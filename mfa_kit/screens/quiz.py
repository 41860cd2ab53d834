"""Exercise widgets: frozen snapshots of screens, and the cause/fix picker of a diagnosis case.

A snapshot is the screen as it was at one moment (static HTML plus the same text), so what a
trainee reads beside it never disagrees with it. The picker judges only what is picked now.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ._view import BORDER, FONT, esc, message_html

if TYPE_CHECKING:
    from ..cases import Case, Cause, CheckResult, Fix

NOT_PICKED = "(pick one)"


# ------------------------------------------------------------------------------------------
# snapshots


@dataclass(frozen=True)
class Snapshot:
    """A screen as it was when taken: ``html`` for the page, ``text`` for nbval and tests."""

    title: str
    html: str
    text: str

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": f"{self.title}\n{self.text}", "text/html": self.html}

    def __str__(self) -> str:
        return f"{self.title}\n{self.text}"


def snapshot(
    screen: Any, title: str = "", *, header_html: str = "", header_text: str = ""
) -> Snapshot:
    """Freeze ``screen`` (any mfa-kit screen, or a bare widget) as it looks now.

    ``header_html``/``header_text`` go above it (e.g. a phone's status bar with its clock).
    """
    widget = getattr(screen, "widget", screen)
    text = getattr(screen, "text", "")
    title = title or getattr(screen, "plain_title", "screen")
    caption = (
        f'<div style="{FONT}; font-size: 85%; color: #5a6470; margin: 8px 0 2px 0">'
        f"{esc(title)} · as it was then (a picture, not live)</div>"
    )
    body = header_html + widget_html(widget)
    page = f'{caption}<div class="mfa-snapshot" style="display: inline-block">{body}</div>'
    return Snapshot(title, page, "\n".join(t for t in (header_text, text) if t))


def _style(layout: Any, extra: str = "") -> str:
    parts = [extra] if extra else []
    for name, css in (
        ("border", "border"),
        ("border_bottom", "border-bottom"),
        ("width", "width"),
        ("max_width", "max-width"),
        ("padding", "padding"),
        ("margin", "margin"),
        ("align_items", "align-items"),
        ("flex", "flex"),
    ):
        value = getattr(layout, name, None)
        if value:
            parts.append(f"{css}: {value}")
    return html.escape("; ".join(parts), quote=True)


def widget_html(widget: Any) -> str:
    """Static HTML of a widget tree as it is now (hidden parts left out, nothing clickable).

    Passwords never appear; pictures are left out (a QR code is a live thing to scan).
    """
    layout = getattr(widget, "layout", None)
    if layout is not None and layout.display == "none":
        return ""
    if isinstance(widget, w.Box):
        direction = "row" if isinstance(widget, w.HBox) else "column"
        inner = "".join(widget_html(child) for child in widget.children)
        style = _style(layout, f"display: flex; flex-direction: {direction}; gap: 4px")
        return f'<div style="{style}">{inner}</div>'
    if isinstance(widget, w.HTML | w.HTMLMath):
        return str(widget.value)
    if isinstance(widget, w.Label):
        return f'<span style="{FONT}">{esc(widget.value)}</span>'
    if isinstance(widget, w.Button):
        return (
            f'<span style="{FONT}; display: inline-block; border: {BORDER}; border-radius: 3px; '
            f'padding: 3px 10px; margin: 2px; background: #f3f5f8">{esc(widget.description)}'
            "</span>"
        )
    if isinstance(widget, w.Password):
        return _field(widget.description, "")
    if isinstance(widget, w.Text | w.Textarea):
        return _field(widget.description, widget.value or "")
    if isinstance(widget, w.IntProgress):
        return (
            f'<div style="{FONT}; font-size: 85%">'
            f'<progress max="{int(widget.max)}" value="{int(widget.value)}"></progress> '
            f"{esc(widget.description)}</div>"
        )
    if isinstance(widget, w.Image):
        return f'<div style="{FONT}; color: #5a6470">[picture]</div>'
    return ""


def _field(label: str, value: str) -> str:
    return (
        f'<div style="{FONT}; margin: 2px 0"><span style="display: inline-block; width: 110px">'
        f'{esc(label)}</span><span style="display: inline-block; min-width: 160px; '
        f'border: {BORDER}; padding: 1px 6px; background: #fafbfc">{esc(value) or "&nbsp;"}'
        "</span></div>"
    )


def card(title: str, lines: Sequence[str]) -> Snapshot:
    """A plain card (a ticket, a note from the customer) as a snapshot."""
    body = "".join(f'<div style="{FONT}; margin: 2px 0">{esc(line)}</div>' for line in lines)
    page = (
        f'<div style="border: {BORDER}; border-left: 4px solid #24415f; padding: 6px 12px; '
        f'margin: 6px 0; max-width: 640px">'
        f'<div style="{FONT}; font-weight: 600; color: #1f3a5f">{esc(title)}</div>{body}</div>'
    )
    return Snapshot(title, page, "\n".join(lines))


# ------------------------------------------------------------------------------------------
# picking a cause and a fix


class Picker:
    """A labelled dropdown over an enum's members (their values are the words shown)."""

    def __init__(self, label: str, choices: Sequence[Any], css_class: str) -> None:
        self.choices = list(choices)
        options = [(NOT_PICKED, None), *[(choice.value, choice) for choice in self.choices]]
        self.widget = w.Dropdown(
            options=options,
            index=0,
            description=label,
            style={"description_width": "180px"},
            layout=w.Layout(width="640px"),
        )
        self.widget.add_class(css_class)

    @property
    def value(self) -> Any:
        return self.widget.value

    def pick(self, choice: Any) -> None:
        """What a trainee does with the dropdown (None: back to "(pick one)")."""
        if choice is None:
            self.clear()
        else:
            self.widget.value = choice

    def clear(self) -> None:
        self.widget.index = 0


def check_my_work(
    notebook: str,
    check: str,
    judge: Callable[[], CheckResult],
    progress: Any = None,
    *,
    solution: str = "",
) -> Any:
    """The course's "Check my work" box for one exercise."""
    from .check import CheckMyWork

    return CheckMyWork(notebook, check, judge, progress, solution=solution)


class CaseExercise:
    """One ticket to work: its screens (snapshots), a cause and a fix to pick, and Check my
    work (whose Show solution opens the answer in words, recorded as opened). The judge reads
    the two dropdowns at the moment it is called."""

    def __init__(
        self,
        case: Case,
        check: str,
        notebook: str = "07_troubleshooting",
        progress: Any = None,
    ) -> None:
        from ..cases import Cause, Fix

        self.case = case
        self.notebook = notebook
        self.cause = Picker("What is the cause?", list(Cause), "mfa-quiz-cause")
        self.fix = Picker("What do you tell them?", list(Fix), "mfa-quiz-fix")
        spec = case.spec
        solution = (
            f"Cause: {spec.cause.value}. Tell them: {spec.fix.value}. {spec.explanation} "
            f"Where it shows: {spec.look}"
        )
        self.check = check_my_work(notebook, check, self.judge, progress, solution=solution)
        screens = [w.HTML(shot.html) for shot in case.screens]
        parts: list[Any] = [*screens, self.cause.widget, self.fix.widget, self.check.widget]
        self.widget = w.VBox(parts, layout=w.Layout(margin="6px 0 12px 0"))
        self.widget.add_class("mfa-quiz-case")

    def judge(self) -> CheckResult:
        return self.case.judge(self.cause.value, self.fix.value)

    def answer(self, cause: Cause | None, fix: Fix | None) -> None:
        """Set both dropdowns, as a trainee would."""
        self.cause.pick(cause)
        self.fix.pick(fix)

    def work_it_in_the_solved_run(self) -> CheckResult | None:
        """The solved run only (the tests' and ``make notebooks``' switch): pick the key's
        answers and click Check my work. A trainee's run never does (returns None)."""
        from ..assessment import solved_run

        if not solved_run():
            return None
        self.answer(self.case.spec.cause, self.case.spec.fix)
        return self.check.click()

    @property
    def text(self) -> str:
        return f"Ticket {self.case.number}: pick the cause and the fix\n{self.case.text}"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.text
        return bundle

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)


def exercises(
    trainee: str | None, progress: Any = None, count: int = 4, notebook: str = "07_troubleshooting"
) -> list[CaseExercise]:
    """This trainee's tickets to work (the same on every run), as exercises whose checks are
    named ``ticket-1`` … in order (the same names for every trainee)."""
    from ..cases import build_case, pick

    return [
        CaseExercise(build_case(spec), f"ticket-{n}", notebook, progress)
        for n, spec in enumerate(pick(trainee or None, count), start=1)
    ]


def result_html(result: CheckResult) -> str:
    """✔/✘ with the hint, as the exercise shows it."""
    mark = "✔" if result.ok else "✘"
    return message_html(f"{mark} {result.message}", "ok" if result.ok else "error", result.hint)
