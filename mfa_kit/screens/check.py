"""The "Check my work" box under every exercise, with its "Show solution" button.

Check my work calls the exercise's judge at the moment of the click, shows ✔/✘ with the hint
and records the result in the trainee's progress; Show solution opens the steps as text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..checks import CheckResult
from ._view import BORDER, FONT, esc, message_html, show

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
            layout=w.Layout(border=BORDER, padding="6px 10px", width="600px"),
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
