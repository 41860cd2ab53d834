"""The final assessment: 14 scored items in three sections, their answer key, and the score.

Owns the items (steps done on live practice screens, causes and words for the customer picked
for rebuilt tickets, two questions on the procedure), judging them from the screens as they are
when the trainee submits, the result per section, and recording it in the progress record.
Nothing here is shown before a submit, and the key never reaches the notebook.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .authenticator import Authenticator
from .cases import Case, CaseSpec, Cause, Fix, build_case, pick
from .clock import FixedClock
from .errors import PortalError
from .policy import DEFAULT_POLICY
from .portal import Portal, Session
from .training import TRAINING_INSTANT, TRAINING_PASSWORD, TrainingSecrets

if TYPE_CHECKING:
    from .screens.agent import AgentConsole
    from .screens.login import LoginScreen
    from .screens.phone import PhoneScreen
    from .screens.profile import ProfileScreen

NOTEBOOK = "09_assessment"
PASS_MARK = 0.8
"""The share of items right needed to pass (80 %)."""


class Section(enum.Enum):
    """The three parts of the assessment, in the order they are taken."""

    PROCEDURE = "The procedure on the screens"
    CAUSE = "Finding the cause"
    CUSTOMER = "What to tell the customer"


# The practice portal of the assessment: who is on it and in what state.
NEW_USER = "riley.chen"
SETUP_USER = "jordan.lee"
LOCKED_USER = "sam.patel"
_NAMES = {NEW_USER: "Riley Chen", SETUP_USER: "Jordan Lee", LOCKED_USER: "Sam Patel"}


@dataclass(frozen=True)
class Question:
    """A question with one right answer among its options (the key: ``right``)."""

    text: str
    options: tuple[str, ...]
    right: int


QUESTIONS = (
    Question(
        "A customer read in the help article that the code changes about every 60 seconds. "
        "How often does Google Authenticator really show a new code?",
        (
            "Every 60 seconds, as the article says",
            "Every 30 seconds",
            "Once for each login, when the portal asks",
            "Every 5 minutes",
        ),
        1,
    ),
    Question(
        "Where does a customer type the code from the app when logging in?",
        (
            "In Security code, after Login Name, Password and Log In",
            "In Password, straight after the password",
            "After clicking Log in with Google",
            "In Passcode, on the Profile page",
        ),
        0,
    ),
)


@dataclass
class Item:
    """One scored item: what it asks, where to review it, what to show, how to judge it now."""

    number: int
    section: Section
    question: str
    review: str
    judge: Callable[[], bool]
    answered: Callable[[], bool] = lambda: True
    """False while a pick is still open (steps on screens are always "answered")."""
    controls: list[Any] = field(default_factory=list)
    """The widgets the trainee uses for this item, below its question."""


@dataclass(frozen=True)
class Result:
    """A scored attempt. ``score`` and ``sections`` are percentages (0–100, one decimal)."""

    score: float
    passed: bool
    sections: dict[str, float]
    right: int
    total: int
    review: list[str]
    """What to go back to: each section with a wrong item, and the course parts for them."""

    def text(self) -> str:
        verdict = "Passed" if self.passed else "Not passed yet"
        lines = [
            f"{verdict}: {self.right} of {self.total} right ({self.score:g} %; the pass mark "
            f"is {pass_mark_percent()} %)."
        ]
        lines += [f"  {name}: {value:g} %" for name, value in self.sections.items()]
        if not self.passed:
            lines.append("Review, then take it again:")
            lines += [f"  - {line}" for line in self.review]
        return "\n".join(lines)


def pass_mark_percent() -> int:
    return round(PASS_MARK * 100)


def items_needed(total: int) -> int:
    """How many items right pass, out of ``total``."""
    return math.ceil(PASS_MARK * total - 1e-9)


def _percent(right: int, total: int) -> float:
    return round(100 * right / total, 1) if total else 0.0


def score(items: Sequence[Item]) -> Result:
    """Judge every item now and sum up per section."""
    right_by_section: dict[Section, list[bool]] = {}
    review_by_section: dict[Section, list[str]] = {}
    for item in items:
        ok = bool(item.judge())
        right_by_section.setdefault(item.section, []).append(ok)
        if not ok:
            parts = review_by_section.setdefault(item.section, [])
            if item.review not in parts:
                parts.append(item.review)
    right = sum(sum(v) for v in right_by_section.values())
    total = sum(len(v) for v in right_by_section.values())
    sections = {
        section.value: _percent(sum(marks), len(marks))
        for section, marks in right_by_section.items()
    }
    review = [
        f"{section.value}: {'; '.join(parts)}" for section, parts in review_by_section.items()
    ]
    passed = right >= items_needed(total)
    return Result(_percent(right, total), passed, sections, right, total, review)


# ------------------------------------------------------------------------------------------
# the practice portal and its screens


@dataclass
class Practice:
    """The assessment's own practice portal, phone and screens (rebuilt for each attempt)."""

    clock: FixedClock
    portal: Portal
    phone: Authenticator
    enable_console: AgentConsole
    profile: ProfileScreen
    phone_screen: PhoneScreen
    login: LoginScreen
    unlock_console: AgentConsole
    locked_secret: str | None

    @classmethod
    def build(cls) -> Practice:
        from .scenarios import _set_up, _wrong_code
        from .screens.agent import AgentConsole
        from .screens.login import LoginScreen
        from .screens.phone import PhoneScreen
        from .screens.profile import ProfileScreen

        clock = FixedClock(TRAINING_INSTANT)
        portal = Portal(":memory:", clock, DEFAULT_POLICY, TrainingSecrets())
        for login, name in _NAMES.items():
            portal.create_account(login, TRAINING_PASSWORD, name)
        portal.enable_mfa(SETUP_USER)
        # Sam set up on a phone of their own, then typed wrong codes until locked.
        portal.enable_mfa(LOCKED_USER)
        _set_up(portal, Authenticator(clock), LOCKED_USER)
        clock.advance(60)
        challenge = portal.log_in(LOCKED_USER, TRAINING_PASSWORD)
        for _ in range(portal.policy.max_failures):
            with contextlib.suppress(PortalError):
                portal.submit_security_code(challenge, _wrong_code(portal, LOCKED_USER))  # type: ignore[arg-type]
            clock.advance(5)
        clock.advance(60)
        phone = Authenticator(clock)
        profile = ProfileScreen(portal, SETUP_USER)
        return cls(
            clock=clock,
            portal=portal,
            phone=phone,
            enable_console=AgentConsole(portal),
            profile=profile,
            phone_screen=PhoneScreen(phone, camera=lambda: profile.qr_png),
            login=LoginScreen(portal),
            unlock_console=AgentConsole(portal),
            locked_secret=portal.store.account(LOCKED_USER).secret,  # type: ignore[union-attr]
        )

    # the judges of the steps: the portal and the phone as they are now

    def mfa_enabled_for_the_new_user(self) -> bool:
        account = self.portal.store.account(NEW_USER)
        return account is not None and account.mfa_enabled

    def set_up_and_saved(self) -> bool:
        account = self.portal.store.account(SETUP_USER)
        if account is None or not account.mfa_active:
            return False
        mine = self.phone.find(SETUP_USER)
        return bool(mine) and mine[-1].secret == account.secret

    def logged_in_with_mfa(self) -> bool:
        session: Session | None = self.login.session
        return (
            session is not None
            and session.login == SETUP_USER
            and session.used_mfa
            and self.set_up_and_saved()
        )

    def unlocked_without_a_reset(self) -> bool:
        account = self.portal.store.account(LOCKED_USER)
        if account is None or not account.mfa_active:
            return False
        locked = account.locked_until is not None and account.locked_until > self.clock.now()
        return not locked and account.secret == self.locked_secret


# ------------------------------------------------------------------------------------------
# the assessment


@functools.cache
def _built(key: str) -> Case:
    """A ticket's screens: pictures of one moment, the same on every build (and a retake),
    so they are built once per process."""
    from .cases import BY_KEY

    return build_case(BY_KEY[key])


def _picker(options: Sequence[tuple[str, Any]], css_class: str) -> Any:
    import ipywidgets as w

    from .screens.quiz import NOT_PICKED

    picker = w.Dropdown(
        options=[(NOT_PICKED, None), *options],
        index=0,
        layout=w.Layout(width="640px"),
    )
    picker.add_class(css_class)
    return picker


class Assessment:
    """The 14 items for one trainee, their screens, Submit, and the result.

    Nothing is judged until :meth:`submit` (the Submit button); an unanswered pick stops the
    submit with a message and nothing is recorded. Each submit is recorded in ``progress``
    (``Progress.record_assessment``); :meth:`start_again` builds fresh screens for a retake.
    """

    def __init__(
        self,
        trainee: str | None = None,
        progress: Any = None,
        *,
        workspace: Path | None = None,
    ) -> None:
        self.trainee = trainee
        self.progress = progress
        self.workspace = workspace
        self.specs: list[CaseSpec] = pick(trainee, 4, salt="09", exclude=pick(trainee))
        self.result: Result | None = None
        self.attempts = 0
        self._boxes: dict[int, Any] = {}
        self._panel: Any = None
        self._build()

    # building

    def _build(self) -> None:
        self.practice = Practice.build()
        self.cases: list[Case] = [_built(spec.key) for spec in self.specs]
        self.items = self._make_items()
        for item in self.items:
            if item.number in self._boxes:
                self._boxes[item.number].children = self._children(item)

    def _make_items(self) -> list[Item]:
        p = self.practice
        items = [
            Item(
                1,
                Section.PROCEDURE,
                f"{_NAMES[NEW_USER]} (Login Name {NEW_USER}) is to use MFA. Do what a Technical "
                "Support Agent does first, on the agent console.",
                "02 Agent enables MFA",
                p.mfa_enabled_for_the_new_user,
                controls=[p.enable_console],
            ),
            Item(
                2,
                Section.PROCEDURE,
                f"An agent enabled MFA for {_NAMES[SETUP_USER]} ({SETUP_USER}). As Jordan, set "
                "up Google Authenticator: the Profile page and the phone, until it is saved.",
                "03 Set up Google Authenticator; 04 Add the account; 05 Save",
                p.set_up_and_saved,
                controls=[p.profile, p.phone_screen],
            ),
            Item(
                3,
                Section.PROCEDURE,
                f"Now log in as {SETUP_USER} (password {TRAINING_PASSWORD}) with MFA, using the "
                "phone above.",
                "06 Log in with MFA",
                p.logged_in_with_mfa,
                controls=[p.login],
            ),
            Item(
                4,
                Section.PROCEDURE,
                f"{_NAMES[LOCKED_USER]} ({LOCKED_USER}) typed wrong codes and is locked out; you "
                "have verified the caller. Let Sam log in again, keeping Sam's phone working.",
                "07 Troubleshooting: 2.10 Locked out",
                p.unlocked_without_a_reset,
                controls=[p.unlock_console],
            ),
        ]
        for number, question in enumerate(QUESTIONS, start=5):
            picker = _picker(
                [(text, i) for i, text in enumerate(question.options)], "mfa-exam-pick"
            )
            items.append(
                Item(
                    number,
                    Section.PROCEDURE,
                    question.text,
                    "01 What is MFA" if number == 5 else "06 Log in with MFA",
                    lambda picker=picker, right=question.right: picker.value == right,
                    lambda picker=picker: picker.value is not None,
                    controls=[picker],
                )
            )
        number = len(items) + 1
        for case in self.cases:
            cause = _picker([(c.value, c) for c in Cause], "mfa-exam-cause")
            fix = _picker([(f.value, f) for f in Fix], "mfa-exam-fix")
            items.append(
                Item(
                    number,
                    Section.CAUSE,
                    f"Ticket {case.number}: read the screens. What is the cause?",
                    case.spec.review,
                    lambda cause=cause, case=case: cause.value is case.spec.cause,
                    lambda cause=cause: cause.value is not None,
                    controls=[*case.screens, cause],
                )
            )
            items.append(
                Item(
                    number + 1,
                    Section.CUSTOMER,
                    f"Ticket {case.number}: what do you tell the customer (and do)?",
                    case.spec.review,
                    lambda fix=fix, case=case: fix.value is case.spec.fix,
                    lambda fix=fix: fix.value is not None,
                    controls=[fix],
                )
            )
            number += 2
        return items

    # what the trainee sees

    def item(self, number: int) -> Item:
        return self.items[number - 1]

    def _children(self, item: Item) -> list[Any]:
        import ipywidgets as w

        from .screens._view import FONT, esc

        head = (
            f'<div style="{FONT}; margin-top: 10px"><b>Item {item.number} of {len(self.items)}'
            f"</b> · {esc(item.section.value)}</div>"
            f'<div style="{FONT}; margin: 2px 0 6px 0">{esc(item.question)}</div>'
        )
        parts = [w.HTML(head)]
        for control in item.controls:
            if hasattr(control, "html") and hasattr(control, "text"):
                parts.append(w.HTML(control.html))  # a snapshot
            else:
                parts.append(getattr(control, "widget", control))
        return parts

    def show(self, *numbers: int) -> ItemsView:
        """The items ``numbers`` for display (their widgets stay live across a retake)."""
        import ipywidgets as w

        boxes = []
        for number in numbers:
            if number not in self._boxes:
                self._boxes[number] = w.VBox(self._children(self.item(number)))
                self._boxes[number].add_class("mfa-exam-item")
            boxes.append(self._boxes[number])
        return ItemsView(self, list(numbers), w.VBox(boxes))

    def describe(self) -> str:
        counts = {section: 0 for section in Section}
        for item in self.items:
            counts[item.section] += 1
        parts = ", ".join(f"{section.value} ({n})" for section, n in counts.items())
        total = len(self.items)
        return (
            f"{total} items: {parts}. Pass mark: {pass_mark_percent()} % "
            f"({items_needed(total)} of {total} right)."
        )

    # answering and scoring

    def unanswered(self) -> list[int]:
        return [item.number for item in self.items if not item.answered()]

    def submit(self) -> Result | None:
        """Score every item as it stands now and record it; None (nothing recorded) while a
        pick is still open."""
        if self.unanswered():
            self._show_status(self.status_text(), "error")
            return None
        result = score(self.items)
        self.result = result
        self.attempts += 1
        if self.progress is not None:
            self.progress.record_assessment(result.score, result.passed, result.sections)
        self._show_status(result.text(), "ok" if result.passed else "error")
        self._show_buttons()
        return result

    def start_again(self) -> None:
        """A retake: fresh practice screens, every pick cleared (earlier results stay
        recorded)."""
        self.result = None
        self._build()
        self._show_status("A fresh attempt: the screens and answers start again.", "info")
        self._show_buttons()

    def status_text(self) -> str:
        if self.result is not None:
            return self.result.text()
        open_items = self.unanswered()
        if open_items:
            listed = ", ".join(str(n) for n in open_items)
            return (
                f"Not submitted: {len(open_items)} of {len(self.items)} items still need an "
                f"answer (items {listed}). Answer every item, then click Submit my answers."
            )
        return "Every item has an answer: click Submit my answers when you are ready."

    # the certificate

    def write_certificate(self, output: Path | None = None) -> Path:
        """Write the certificate of the recorded pass (see :mod:`mfa_kit.certificate`)."""
        from .certificate import CertificateError, write_certificate

        if self.result is None or not self.result.passed:
            raise CertificateError("No pass yet: submit a passing attempt first.")
        if self.workspace is None:
            raise CertificateError("This assessment has no workspace to write into.")
        path = write_certificate(self.workspace, output)
        self._show_status(
            f"{self.result.text()}\nCertificate written: {path.name} (in your course folder). "
            "Open it in the browser and print it.",
            "ok",
        )
        return path

    # the submit panel

    def panel(self) -> Any:
        """Submit my answers, the result, Start again and (after a pass) Write my certificate."""
        import ipywidgets as w

        if self._panel is None:
            self.submit_button = w.Button(
                description="Submit my answers", button_style="primary", layout={"width": "auto"}
            )
            self.submit_button.add_class("mfa-exam-submit")
            self.again_button = w.Button(description="Start again", layout={"width": "auto"})
            self.again_button.add_class("mfa-exam-again")
            self.certificate_button = w.Button(
                description="Write my certificate",
                button_style="success",
                layout={"width": "auto"},
            )
            self.certificate_button.add_class("mfa-exam-certificate")
            self.status_area = w.HTML("")
            self.status_area.add_class("mfa-exam-result")
            self.submit_button.on_click(lambda _: self.submit())
            self.again_button.on_click(lambda _: self.start_again())
            self.certificate_button.on_click(lambda _: self._certificate_clicked())
            self._panel = Shown(
                w.VBox(
                    [
                        w.HBox([self.submit_button, self.again_button, self.certificate_button]),
                        self.status_area,
                    ]
                ),
                "[Submit my answers]",
            )
            self._show_status(self.status_text(), "info")
            self._show_buttons()
        return self._panel

    def _certificate_clicked(self) -> None:
        from .certificate import CertificateError

        try:
            self.write_certificate()
        except CertificateError as problem:
            self._show_status(str(problem), "error")

    def _show_status(self, text: str, kind: str) -> None:
        if self._panel is None:
            return
        from .screens._view import message_html

        lines = text.splitlines()
        self.status_area.value = message_html(lines[0], kind, "") + "".join(
            f'<div style="font-family: sans-serif; margin-left: 14px">{_esc(line)}</div>'
            for line in lines[1:]
        )

    def _show_buttons(self) -> None:
        if self._panel is None:
            return
        from .screens._view import show

        show(self.again_button, self.result is not None)
        show(self.certificate_button, self.result is not None and self.result.passed)


def _esc(text: str) -> str:
    from .screens._view import esc

    return esc(text)


@dataclass
class Shown:
    """A widget with a stable text for executed notebooks (the widget's own changes)."""

    widget: Any
    plain: str

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.plain
        return bundle


@dataclass
class ItemsView:
    """Some items as one displayable block, with a stable text for executed notebooks."""

    assessment: Assessment
    numbers: list[int]
    widget: Any

    def text(self) -> str:
        lines = []
        for number in self.numbers:
            item = self.assessment.item(number)
            lines.append(f"Item {number} · {item.section.value}: {item.question}")
            for control in item.controls:
                shown = getattr(control, "text", None)
                if isinstance(shown, str) and hasattr(control, "html"):
                    lines.append(f"{control.title}\n{shown}")
        return "\n".join(lines)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.text()
        return bundle


# ------------------------------------------------------------------------------------------
# opening the assessment in the notebook


def solved_run() -> bool:
    """The tests' and ``make notebooks``' solved run (the course's switch)."""
    from .workspace import solved_run as course_solved_run

    return course_solved_run()


def open_assessment(workspace: Path | None = None) -> Assessment:
    """The assessment for the trainee of this workspace (the notebook's folder).

    In a solved run (the tests' and ``make notebooks``' switch) nothing is recorded and no
    trainee's name is read: it shows exactly what a trainee's fresh copy shows.
    """
    if solved_run():
        return Assessment(None, None, workspace=None)
    folder = workspace
    if folder is None:
        from .workspace import current_workspace

        folder = current_workspace() or Path.cwd()
    progress = progress_in(folder)
    trainee = (getattr(progress, "trainee", None) or None) if progress is not None else None
    return Assessment(trainee, progress, workspace=folder)


def progress_in(folder: Path | None = None) -> Any:
    """The progress record of the workspace ``folder`` (default: the kernel's workspace), or
    None in a solved run, outside a workspace, or when the record cannot be opened (it is
    left untouched; Check my work and Submit then say nothing is recorded)."""
    from .progress import PROGRESS_FILE, Progress, ProgressError

    if solved_run():
        return None
    if folder is None:
        from .workspace import kernel_progress

        return kernel_progress()[0]
    record = folder / PROGRESS_FILE
    if not record.is_file():
        return None
    try:
        return Progress(record)
    except ProgressError:
        return None
