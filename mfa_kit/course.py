"""The two ways to take the course, and the starting states the hands-on notebooks build on.

Simulated phone: a training clock that stands still and the documented training secrets, so
every run prints the same. Your own phone: the real time and fresh secrets for the real app.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .authenticator import Authenticator
from .clock import Clock, FixedClock, SystemClock, to_datetime
from .otp import ISSUER, format_code, generate_secret
from .portal import AccountStatus, Portal
from .store import MEMORY, Store
from .training import (
    TRAINING_DISPLAY_NAME,
    TRAINING_INSTANT,
    TRAINING_LOGIN,
    TRAINING_PASSWORD,
    TrainingSecrets,
)

if TYPE_CHECKING:
    from .checks import CheckResult
    from .progress import Progress
    from .screens.agent import AgentConsole
    from .screens.check import CheckMyWork
    from .screens.login import LoginScreen
    from .screens.phone import Camera, PhoneScreen
    from .screens.profile import ProfileScreen


_DEFAULT = object()


class Mode(enum.Enum):
    """The switch at the top of every hands-on notebook."""

    SIMULATED_PHONE = "Simulated phone"
    OWN_PHONE = "Your own phone"


class CourseError(RuntimeError):
    """A step the chosen mode cannot do (e.g. a simulated phone in own-phone mode)."""


@dataclass(frozen=True)
class Verdict:
    """The answer of a check cell: one line per expectation, ✔ or ✘ with what to look at."""

    ok: bool
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class _Expectation:
    """How a check cell words one fact about an account, and where to look when it is off."""

    said: Callable[[object], str]
    hint: Callable[[object], str]


_CONSOLE = "look at the Agent console: Find the Login Name, then "
_PROFILE_STEPS = (
    "look at the Profile page: Set Up Google Authenticator, scan the QR code, type the app's "
    "code into Passcode and the password into Current Password, click Save, and read the "
    "message under Save"
)
# Missing QR code: only the step that makes one, not the whole procedure up to Save.
_ASK_FOR_THE_QR_CODE = (
    "On the Profile page click your name → Profile → Set Up Google Authenticator. "
    "Do not click Save yet."
)
_EXPECTATIONS: dict[str, _Expectation] = {
    "mfa_enabled": _Expectation(
        lambda v: "MFA is enabled on the account" if v else "MFA is not enabled on the account",
        lambda v: _CONSOLE + ("click Enable MFA" if v else "read the audit events"),
    ),
    "mfa_active": _Expectation(
        lambda v: "MFA is active (Google Authenticator saved)" if v else "MFA is not active yet",
        lambda v: _PROFILE_STEPS if v else _CONSOLE + "read the audit events for the Save",
    ),
    "setup_pending": _Expectation(
        lambda v: "a QR code is waiting to be saved" if v else "no unsaved QR code is waiting",
        lambda v: _ASK_FOR_THE_QR_CODE if v else _PROFILE_STEPS,
    ),
    "failures": _Expectation(
        lambda v: f"failed attempts in a row: {v}",
        lambda v: "look at the messages the screens showed: each wrong password or code counts one",
    ),
    "locked": _Expectation(
        lambda v: "the account is locked" if v else "the account is not locked",
        lambda v: (
            "look at the failed attempts: the portal locks after too many in a row"
            if v
            else _CONSOLE + "click Unlock"
        ),
    ),
}
EXPECTABLE = tuple(_EXPECTATIONS)
"""The facts a check cell can expect about an account."""


def _practice_portal_path() -> str | None:
    """Own phone: the workspace's practice portal when the kernel runs in a workspace, else the
    embedded practice portal file (None lets the store choose it)."""
    from .workspace import PRACTICE_PORTAL, current_workspace

    folder = current_workspace()
    return str(folder / PRACTICE_PORTAL) if folder is not None else None


def _observed(status: AccountStatus, name: str) -> object:
    return status.locked_until is not None if name == "locked" else getattr(status, name)


class Course:
    """Clock, portal and (in simulated mode) phone for one notebook, plus starting states.

    ``Course()`` is the simulated phone: a FixedClock at TRAINING_INSTANT, an in-memory
    portal handing out the training secrets, and a simulated Google Authenticator on the same
    clock. ``Course(Mode.OWN_PHONE)`` runs on the real time with fresh secrets and no
    simulated phone: the trainee scans with the real app. ``store`` may name a database file;
    by default simulated runs use memory and own-phone runs the embedded practice portal file
    (:func:`mfa_kit.store.default_path`).
    """

    login = TRAINING_LOGIN
    password = TRAINING_PASSWORD
    display_name = TRAINING_DISPLAY_NAME

    def __init__(
        self,
        mode: Mode = Mode.SIMULATED_PHONE,
        store: Store | str | None | object = _DEFAULT,
        *,
        notebook: str = "",
    ) -> None:
        if store is _DEFAULT:
            # Simulated runs start from nothing every time; with a real phone the practice
            # portal lives in a SQLite file (the workspace's own, or the embedded one), so what
            # was set up in one notebook (the entry on the trainee's phone) still works in the
            # next.
            store = MEMORY if mode is Mode.SIMULATED_PHONE else _practice_portal_path()
        self.mode = mode
        self.notebook = notebook
        self._progress: tuple[Progress | None, str] | None = None
        self.clock: Clock
        self.secret_factory: Callable[[], str]
        if mode is Mode.SIMULATED_PHONE:
            self.clock = FixedClock(TRAINING_INSTANT)
            self.secret_factory = TrainingSecrets()
        else:
            self.clock = SystemClock()
            self.secret_factory = generate_secret
        self.portal = Portal(store, self.clock, secret_factory=self.secret_factory)
        self.phone: Authenticator | None = (
            Authenticator(self.clock) if mode is Mode.SIMULATED_PHONE else None
        )

    @property
    def simulated(self) -> bool:
        return self.mode is Mode.SIMULATED_PHONE

    @property
    def solved(self) -> bool:
        """The tests' solved run (``MFA_KIT_SOLVED=1``, simulated phone): the solved-only cells
        do the exercises. Never true in a trainee's copy by default."""
        from .workspace import solved_run

        return self.simulated and solved_run()

    @property
    def progress(self) -> Progress | None:
        """Where Check my work records results (see :func:`mfa_kit.workspace.kernel_progress`)."""
        return self._progress_and_note()[0]

    @property
    def progress_note(self) -> str:
        """One line saying where results are recorded."""
        return self._progress_and_note()[1]

    def _progress_and_note(self) -> tuple[Progress | None, str]:
        if self._progress is None:
            from .workspace import kernel_progress

            self._progress = kernel_progress()
        return self._progress

    def check_my_work(
        self, check: str, judge: Callable[[], CheckResult], *, solution: str = ""
    ) -> CheckMyWork:
        """The Check my work box of this notebook's exercise ``check``."""
        from .screens.check import CheckMyWork

        return CheckMyWork(self.notebook, check, judge, self.progress, solution=solution)

    def describe(self) -> str:
        """One paragraph saying which mode is on and what that means for the trainee."""
        if self.simulated:
            when = to_datetime(self.clock.now()).strftime("%Y-%m-%d %H:%M:%S UTC")
            return (
                f"Mode: {self.mode.value}. The training clock stands at {when} and only moves "
                "when you move it; the portal hands out the documented training secrets, so "
                "every run shows the same QR codes and codes."
            )
        return (
            f"Mode: {self.mode.value}. The portal runs on this computer's real time and makes a "
            "fresh secret for every QR code: scan it with Google Authenticator on your phone "
            "and type the code the app shows."
        )

    # starting states (each returns the course, so they chain)

    def with_user(self) -> Course:
        """The practice user exists (MFA not enabled yet, unless an earlier notebook on the
        embedded practice portal already went further: that progress is kept)."""
        if self.portal.store.account(self.login) is None:
            self.portal.create_account(self.login, self.password, self.display_name)
        return self

    def with_mfa_enabled(self) -> Course:
        """…and a Technical Support Agent has enabled MFA on it."""
        self.portal.enable_mfa(self.login)
        return self

    def with_authenticator_saved(self) -> Course:
        """…and the user has set up Google Authenticator on the simulated phone and saved
        (with a real phone: it must have been saved in an earlier notebook).

        Runs the real steps: Set Up Google Authenticator, scan the QR code, Save with the
        app's code. That code is then used up; :meth:`let_time_pass` brings the next one.
        """
        if self.phone is None:
            if self.status().mfa_active:
                return self  # saved in an earlier notebook with the trainee's own phone
            raise CourseError(
                "Google Authenticator is not set up for the practice user yet: do notebooks "
                "03 to 05 with your phone first, or switch to the simulated phone."
            )
        phone = self.phone
        setup = self.portal.start_authenticator_setup(self.login)
        entry = phone.scan_qr_code(setup.qr_png())
        self.portal.save_security_settings(self.login, entry.code(), self.password)
        return self

    def waiting_setup_secret(self) -> str | None:
        """The secret behind a QR code shown but not saved yet (with a real phone: scanned in
        an earlier notebook), so a notebook can keep that setup rather than make a new one."""
        account = self.portal.store.account(self.login)
        return account.pending_secret if account is not None else None

    def require_phone(self) -> Authenticator:
        """The simulated phone; in own-phone mode, a clear error instead."""
        if self.phone is None:
            raise CourseError(
                f"Mode {self.mode.value!r} has no simulated phone: use Google Authenticator on "
                f"your own phone, or switch to {Mode.SIMULATED_PHONE.value!r}."
            )
        return self.phone

    def let_time_pass(self, seconds: float) -> str:
        """Simulated mode: move the training clock on; returns the new time as text."""
        if not isinstance(self.clock, FixedClock):
            raise CourseError("On the real clock time passes by itself: just wait.")
        self.clock.advance(seconds)
        return to_datetime(self.clock.now()).strftime("%H:%M:%S UTC")

    def phone_code(self) -> str:
        """The code the simulated phone shows now for the practice user, as "123 456"."""
        entries = self.require_phone().find(self.login)
        if not entries:
            raise CourseError(f"The phone has no {ISSUER} entry for the practice user yet.")
        return format_code(entries[-1].code())

    # screens bound to this course's portal and phone

    def login_screen(self) -> LoginScreen:
        from .screens.login import LoginScreen

        return LoginScreen(self.portal)

    def profile_screen(self) -> ProfileScreen:
        from .screens.profile import ProfileScreen

        return ProfileScreen(self.portal, self.login)

    def agent_console(self) -> AgentConsole:
        from .screens.agent import AgentConsole

        return AgentConsole(self.portal)

    def phone_screen(self, camera: Camera | None = None) -> PhoneScreen:
        from .screens.phone import PhoneScreen

        return PhoneScreen(self.require_phone(), camera)

    def snapshot(self, screen: ProfileScreen, *, page: str = "profile") -> ProfileScreen:
        """A screen shown to explain one moment: ``page`` opened on a screen object of its own,
        which no later cell touches, so it keeps showing that moment (a live screen for the
        trainee to act on is a different object)."""
        if page == "profile":
            screen.open_profile()
        freeze = getattr(screen, "freeze", None)
        if callable(freeze):  # screens that can, stop responding: a picture of the moment
            freeze()
        return screen

    # check cells

    def status(self) -> AccountStatus:
        return self.portal.status(self.login)

    def verdict(self, status: AccountStatus | None = None, **expected: bool | int) -> Verdict:
        """Compare the account with what the exercise expects (see :data:`EXPECTABLE`)."""
        unknown = sorted(set(expected) - set(_EXPECTATIONS))
        if unknown:
            raise TypeError(f"cannot check {unknown}; choose from {list(EXPECTABLE)}")
        status = status or self.status()
        lines = []
        ok = True
        for name, wanted in expected.items():
            fact = _EXPECTATIONS[name]
            if _observed(status, name) == wanted:
                lines.append(f"✔ {fact.said(wanted)}")
            else:
                ok = False
                lines.append(f"✘ expected: {fact.said(wanted)} — {fact.hint(wanted)}")
        lines.append(f"  Portal says: {status.summary()}")
        return Verdict(ok, tuple(lines))

    def expect(self, status: AccountStatus | None = None, **expected: bool | int) -> None:
        """Print the verdict for a "Your turn" check cell."""
        print(self.verdict(status, **expected))

    def expect_logged_in(self, screen: LoginScreen) -> None:
        """Print whether the login screen reached the logged-in page, and what to look at."""
        if screen.stage == "logged_in":
            print(f"✔ logged in as {screen.session.login if screen.session else self.login}")
        else:
            shown = screen.message or "(no message yet)"
            print(
                f"✘ not logged in (the screen is on the {screen.stage.replace('_', ' ')} page) "
                f"— look at its message: {shown}"
            )
