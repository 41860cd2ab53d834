"""Triage on a call: the agent asks the customer the questions and reads out the answer.

A view over :mod:`mfa_kit.triage`; the rules live there, this screen only asks and shows.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..clock import Clock, SystemClock, to_datetime
from ..triage import QUESTIONS, UNKNOWN, Answers, Triage, TriageError, phone_offset_from_times
from ..triage import triage as run_triage
from ._view import BORDER, FONT, Screen, esc, heading, message_html, paragraph

_WIDE = {"description_width": "0px"}


class TriageScreen(Screen):
    """The triage questions as widgets, and as a method: ``answer(**values)`` then
    ``triage()`` (the "Likely causes" button does the same)."""

    plain_title = "Triage: likely causes without the secret"

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__("mfa-triage-message")
        self.clock = clock or SystemClock()
        self.result: Triage | None = None
        self._inputs: dict[str, Any] = {}
        rows = []
        for question in QUESTIONS:
            if question.choices:
                field = w.Dropdown(
                    options=[(words, name) for name, words in question.choices.items()],
                    value=UNKNOWN,
                    layout=w.Layout(width="520px"),
                    style=_WIDE,
                )
            else:
                placeholder = "09:02:30 or -95" if question.name == "phone_offset_seconds" else "1"
                field = w.Text(placeholder=placeholder, layout=w.Layout(width="200px"), style=_WIDE)
            self._inputs[question.name] = self._tag(field, f"mfa-triage-{question.name}")
            rows.append(w.HTML(paragraph(question.prompt)))
            if question.name == "phone_offset_seconds":
                self.exact_time = self._tag(w.HTML(), "mfa-triage-exact-time")
                self.refresh_button = self._tag(
                    w.Button(description="Show the exact time now"), "mfa-triage-refresh"
                )
                self.refresh_button.on_click(lambda _: self.show_exact_time())
                rows.append(w.HBox([self.exact_time, self.refresh_button]))
            rows.append(field)
        self.triage_button = self._tag(
            w.Button(description="Likely causes", button_style="primary"), "mfa-triage-submit"
        )
        self.triage_button.on_click(lambda _: self.triage())
        self.result_area = self._tag(w.HTML(""), "mfa-triage-result")
        self.shown_at = self.clock.now()
        self.show_exact_time()
        self.widget = w.VBox(
            [w.HTML(heading("Triage: what the customer can tell")), *rows, self.triage_button,
             self.message_area, self.result_area],
            layout=w.Layout(border=BORDER, padding="8px", width="600px"),
        )  # fmt: skip

    def show_exact_time(self) -> str:
        """Show (and return) the exact time to read to the customer; the phone's time typed
        as HH:MM:SS is compared with this moment."""
        self.shown_at = self.clock.now()
        text = f"{to_datetime(self.shown_at):%Y-%m-%d %H:%M:%S} UTC"
        self.exact_time.value = f'<div style="{FONT}">The exact time now: <b>{esc(text)}</b></div>'
        return text

    def answer(self, **values: Any) -> None:
        """Fill in answers by question name (``message="expired"``, ``entries=2`` …)."""
        for name, value in values.items():
            if name not in self._inputs:
                raise TriageError(f"no question called {name!r}")
            field = self._inputs[name]
            field.value = value if isinstance(field, w.Dropdown) else str(value)

    def answers(self) -> Answers:
        values: dict[str, Any] = {}
        for name, field in self._inputs.items():
            text = str(field.value).strip()
            if name == "phone_offset_seconds" and ":" in text:
                values[name] = phone_offset_from_times(text, self.shown_at)
            else:
                values[name] = Answers.from_mapping({name: text or UNKNOWN}).as_dict()[name]
        return Answers(**values)

    def triage(self) -> Triage | None:
        """Likely causes for the answers on screen; a bad answer is shown, not raised."""
        try:
            self.result = run_triage(self.answers())
        except TriageError as problem:
            self.result = None
            self._say(str(problem), "error")
            self.result_area.value = ""
            return None
        self._say("")
        self.result_area.value = _result_html(self.result)
        return self.result

    @property
    def text(self) -> str:
        """What the screen shows, as plain text (for notebooks and tests)."""
        if self.result is None:
            return self.message or "No answers yet."
        return self.result.text()


def _result_html(result: Triage) -> str:
    parts = [heading("Likely causes, in the order to act on them", 4)]
    for number, cause in enumerate(result.diagnosis.causes, 1):
        mark = " (possible)" if cause.possible else ""
        parts.append(paragraph(f"{number}. {cause.title}{mark}: {cause.explanation}"))
        parts.append(paragraph(f"What to do: {cause.fix}", muted=True))
    for problem in result.contradictions:
        parts.append(message_html(f"These answers contradict each other: {problem}", "error"))
    parts.append(message_html(f"Read this to the customer: {result.read_out}", "ok"))
    return "".join(parts)
