"""The "Check my work" box under every exercise, with its "Show solution" button.

Check my work calls the exercise's judge at the moment of the click, shows ✔/✘ with the hint
and records the result in the trainee's progress; Show solution opens the steps as text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..checks import CheckResult
from ._view import BORDER, FONT, esc, message_html, screen_layout, show

if TYPE_CHECKING:
    from ..progress import Progress

CHECK_LABEL = "Check my work"
SOLUTION_LABEL = "Show solution"
HIDE_SOLUTION_LABEL = "Hide solution"


class CheckMyWork:
    """One exercise's check: ``judge()`` runs on each click of Check my work.

    ``progress`` receives every result (None: nothing is recorded). ``solution`` is the text
    Show solution opens; opening it is recorded too. It is only ever read, never executed.
    """

    def __init__(
        self,
        notebook: str,
        check: str,
        judge: Callable[[], CheckResult],
        progress: Progress | None,
        *,
        solution: str = "",
    ) -> None:
        self.notebook = notebook
        self.check = check
        self.judge = judge
        self.progress = progress
        self.solution = solution
        self.last: CheckResult | None = None
        self.clicks = 0
        self.solution_shown = False

        self.check_button = w.Button(
            description=CHECK_LABEL,
            icon="check",
            button_style="success",
            layout=w.Layout(width="auto"),
        )
        self.check_button.add_class("mfa-check-my-work")
        self.solution_button = w.Button(
            description=SOLUTION_LABEL, icon="eye", layout=w.Layout(width="auto")
        )
        self.solution_button.add_class("mfa-show-solution")
        self.result_area = w.HTML("")
        self.result_area.add_class("mfa-check-result")
        self.solution_area = w.HTML(
            f'<div style="{FONT}; background: #f7f7f2; border-left: 4px solid #b8a44c; '
            f'padding: 6px 10px; margin: 6px 0"><b>Solution.</b> {esc(solution)}</div>'
        )
        self.solution_area.add_class("mfa-solution")

        self.check_button.on_click(lambda _: self.click())
        self.solution_button.on_click(lambda _: self.toggle_solution())
        buttons = [self.check_button] + ([self.solution_button] if solution else [])
        self.widget = w.VBox(
            [w.HBox(buttons), self.result_area, self.solution_area],
            layout=screen_layout(600, border=BORDER, padding="6px 10px"),
        )
        self.widget.add_class("mfa-check")
        show(self.solution_area, False)

    @property
    def text(self) -> str:
        """What the box shows now, as plain text."""
        lines = [str(self.last) if self.last is not None else f"[{CHECK_LABEL}] not clicked yet"]
        if self.solution_shown:
            lines.append(f"Solution: {self.solution}")
        return "\n".join(lines)

    def click(self) -> CheckResult:
        """Check my work: judge the screens now, show the verdict and record it."""
        try:
            result = self.judge()
        except Exception as error:  # a trainee sees a sentence, never a traceback
            result = CheckResult(
                False,
                f"the check could not look at the screens ({error})",
                "run the cells above this one again, then click Check my work",
            )
            self._show(result)
            return result
        if self.progress is not None:
            self.progress.record_check(self.notebook, self.check, result.ok)
        self._show(result)
        return result

    def toggle_solution(self) -> None:
        """Show solution / Hide solution: the steps in words (recorded when first opened)."""
        self.solution_shown = not self.solution_shown
        show(self.solution_area, self.solution_shown)
        self.solution_button.description = (
            HIDE_SOLUTION_LABEL if self.solution_shown else SOLUTION_LABEL
        )
        if self.solution_shown and self.progress is not None:
            self.progress.solution_opened(self.notebook, self.check)

    def _show(self, result: CheckResult) -> None:
        self.last = result
        body = esc(result.message) + (f"<br><b>Next:</b> {esc(result.hint)}" if result.hint else "")
        mark = "✔" if result.ok else "✘"
        kind = "ok" if result.ok else "error"
        # message_html escapes its text; build the same box with the hint on its own line.
        box = message_html(mark, kind)
        self.clicks += 1
        # The click count lets a browser test wait for this click's verdict, not the last one.
        box = box.replace("<div ", f'<div data-clicks="{self.clicks}" ', 1)
        self.result_area.value = box.replace(f">{mark}</div>", f">{mark} {body}</div>", 1)

    # display

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = f"[{CHECK_LABEL}]"
        return bundle

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)

    def __repr__(self) -> str:
        return f"<{CHECK_LABEL}: {self.notebook} / {self.check}>"


class ProgressTable:
    """00_start_here's view of the trainee's progress: their name (asked once), a table of every
    exercise, and the next step. Refresh re-reads the record (other notebooks write to it)."""

    def __init__(
        self,
        progress: Progress | None,
        *,
        catalogue: list[tuple[str, str]] | None = None,
        assessment: str | None = None,
        note: str = "",
    ) -> None:
        self.progress = progress
        self.assessment = assessment
        self.note = note
        if progress is not None and catalogue:
            progress.add_expected(catalogue)
        self.name_field = w.Text(description="Your name", style={"description_width": "80px"})
        self.name_field.add_class("mfa-trainee-name")
        self.save_name_button = w.Button(description="Save my name", button_style="primary")
        self.save_name_button.add_class("mfa-trainee-save")
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.refresh_button.add_class("mfa-progress-refresh")
        self.name_message = w.HTML("")
        self.table_area = w.HTML("")
        self.table_area.add_class("mfa-progress-table")
        self._name_row = w.HBox([self.name_field, self.save_name_button])
        self.save_name_button.on_click(lambda _: self.save_name(self.name_field.value))
        self.refresh_button.on_click(lambda _: self.refresh())
        self.widget = w.VBox(
            [self._name_row, self.name_message, self.table_area, self.refresh_button],
            layout=w.Layout(border=BORDER, padding="6px 10px", width="760px"),
        )
        self.widget.add_class("mfa-progress")
        self.refresh()

    @property
    def report(self) -> dict[str, Any] | None:
        return self.progress.report() if self.progress is not None else None

    def save_name(self, name: str) -> None:
        """Save my name: put it on the progress record (asked once: the field goes away)."""
        if self.progress is None:
            return
        if not str(name).strip():
            self.name_message.value = message_html("Type your name first.", "error")
            return
        self.progress.set_trainee(name)
        self.name_message.value = message_html(f"Saved: {self.progress.trainee}.", "ok")
        self.refresh()

    def refresh(self) -> None:
        """Read the record again and redraw the table."""
        report = self.report
        show(self._name_row, report is not None and not report["trainee"])
        show(self.refresh_button, report is not None)
        self.table_area.value = self._html(report)

    @property
    def text(self) -> str:
        """The table and the next step as plain text."""
        from ..cli.course_commands import format_report

        report = self.report
        if report is None:
            return self.note or "No progress record here."
        return format_report(report, self.assessment)

    def _html(self, report: dict[str, Any] | None) -> str:
        from ..progress import next_step

        if report is None:
            return f'<div style="{FONT}">{esc(self.note or "No progress record here.")}</div>'
        marks = {"passed": "✔ passed", "failed": "✘ not yet", "not tried": "· not tried"}
        cell = "border-bottom: 1px solid #dde3ea; padding: 2px 8px; text-align: left"
        head = "".join(
            f'<th style="{cell}">{name}</th>'
            for name in ("Notebook", "Exercise", "Status", "Attempts", "Solution")
        )
        rows = "".join(
            "<tr>"
            + "".join(
                f'<td style="{cell}">{esc(value)}</td>'
                for value in (
                    notebook["name"],
                    check["name"],
                    marks.get(check["status"], check["status"]),
                    check["attempts"],
                    "opened" if check.get("solution_opened") else "",
                )
            )
            + "</tr>"
            for notebook in report["notebooks"]
            for check in notebook["checks"]
        )
        who = esc(report["trainee"] or "(no name yet: type it above)")
        return (
            f'<div style="{FONT}"><b>Trainee:</b> {who}</div>'
            f'<table style="{FONT}; border-collapse: collapse; font-size: 90%">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
            f'<div style="{FONT}; margin-top: 6px"><b>{esc(next_step(report, self.assessment))}'
            "</b></div>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = "[Your progress]"
        return bundle

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)
