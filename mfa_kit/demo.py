"""The customer demo: one page that walks the whole MFA story on the widget screens.

An agent enables MFA → Profile → Set Up Google Authenticator → the phone adds the account →
Save → log out → Log In → Security code → Submit; a step indicator says where you are.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .authenticator import Authenticator
from .clock import Clock, FixedClock, SystemClock
from .otp import DEFAULT_PROFILE, ISSUER, generate_secret
from .portal import Portal
from .store import Store
from .training import (
    TRAINING_DISPLAY_NAME,
    TRAINING_INSTANT,
    TRAINING_LOGIN,
    TRAINING_PASSWORD,
    TrainingSecrets,
)

MODE_VARIABLE = "MFA_KIT_DEMO_MODE"
"""Environment variable `mfa-kit demo` sets for the notebook: "simulated" or "live"."""
SIMULATED = "simulated"
LIVE = "live"


@dataclass(frozen=True)
class Step:
    """One stop on the demo's path: its title in the indicator and what to do there."""

    title: str
    explanation: str


STEPS: tuple[Step, ...] = (
    Step(
        f"{ISSUER} support switches MFA on (done for you)",
        f"Customers do not do this step: {ISSUER} support switches MFA on for the account, and "
        "until then it cannot be set up. For the demo, type "
        f"{TRAINING_LOGIN} into Login Name and click Enable MFA.",
    ),
    Step(
        "Profile",
        f"Now {TRAINING_DISPLAY_NAME} is logged in to the portal. Click the name in the top bar, "
        "then Profile.",
    ),
    Step(
        "Set Up Google Authenticator",
        "Under Change Account Security, click Set Up Google Authenticator: the portal shows a "
        "QR code that holds a new secret key for this account.",
    ),
    Step(
        "Phone adds the account",
        "On the phone, tap Add, then Scan a QR code. The app lists "
        f"{ISSUER} with a six-digit code that changes every {DEFAULT_PROFILE.period} seconds.",
    ),
    Step(
        "Passcode + Current Password → Save",
        "Type the code the phone shows into Passcode and the account's password into Current "
        "Password, then click Save. The portal checks the code before it turns MFA on.",
    ),
    Step(
        "Log Out",
        "MFA is active. Click Log Out; the next login will ask for a code as well as the password.",
    ),
    Step(
        "Log In",
        "A little later the user logs in again: type the Login Name and Password and click "
        "Log In (not Log in with Google: that is a different sign-in and skips the code).",
    ),
    Step(
        "Security code → Submit",
        "The password was right, so the portal asks for the Security code. Type the code the "
        "phone shows now and click Submit.",
    ),
    Step(
        "Logged in",
        "Done: the password and a code from the phone let the user in. Someone who knows only "
        "the password cannot log in. Click Reset demo to start over.",
    ),
)
AGENT, PROFILE, SET_UP, PHONE_ADDS, SAVE, LOG_OUT, LOG_IN, SECURITY_CODE, LOGGED_IN = range(
    len(STEPS)
)

# The buttons whose clicks can move the story on (their screens' agreed CSS classes).
AGENT_BUTTONS = ("mfa-agent-find", "mfa-agent-enable", "mfa-agent-reset", "mfa-agent-unlock")
PROFILE_BUTTONS = ("mfa-topbar-user", "mfa-topbar-profile", "mfa-setup-authenticator", "mfa-save")
LOGIN_BUTTONS = ("mfa-login-submit", "mfa-login-google", "mfa-security-submit", "mfa-login-logout")
PHONE_BUTTONS = ("mfa-phone-scan", "mfa-phone-key-add")

LIVE_SCAN_TEXT = (
    "Use your own phone: in Google Authenticator tap Add, then Scan a QR code, and point it at "
    "the QR code on this page."
)
LIVE_PHONE_TEXT = f"{LIVE_SCAN_TEXT} Type the code it shows into Passcode."
SIMULATED_CLOCK_TEXT = (
    "In this demo time stands still so the code doesn't change while we talk. Log Out moves it "
    f"on {DEFAULT_PROFILE.period} seconds, so the next login gets a fresh code."
)
LIVE_DEMO_ENTRY_TEXT = (
    f"This is a demo account: delete the {ISSUER} ({TRAINING_LOGIN}) entry from your app "
    "afterwards."
)
MFA_SWITCHED_ON_TEXT = f"✔ {ISSUER} support has switched MFA on for {TRAINING_LOGIN}."


def mode_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The demo's mode from MFA_KIT_DEMO_MODE: "live" or, by default, "simulated"."""
    value = (os.environ if environ is None else environ).get(MODE_VARIABLE, "").strip().lower()
    return LIVE if value == LIVE else SIMULATED


class CustomerDemo:
    """The whole story on one page: agent console, the user's portal, the phone, a login.

    ``mode`` "simulated" (default): a phone on the page and a training clock that only moves
    when the story says so, with the documented training secret, so every run shows the same
    QR code and codes. "live": the real time and a fresh secret, for a customer's own phone.
    Every button is also a method here, which is how tests drive the demo without a browser.
    """

    def __init__(self, mode: str = SIMULATED) -> None:
        import ipywidgets as w

        if mode not in (SIMULATED, LIVE):
            raise ValueError(f"mode must be {SIMULATED!r} or {LIVE!r}, not {mode!r}")
        self.mode = mode
        self.steps_html = w.HTML("")
        self.steps_html.add_class("mfa-demo-steps")
        self.explanation = w.HTML("")
        self.explanation.add_class("mfa-demo-explain")
        self.reset_button = w.Button(description="Reset demo", icon="refresh")
        self.reset_button.add_class("mfa-demo-reset")
        self.reset_button.on_click(lambda _: self.reset())
        self.body = w.VBox([])
        self.widget = w.VBox(
            [
                w.HBox(
                    [self.steps_html, self.reset_button],
                    layout=w.Layout(justify_content="space-between", align_items="flex-start"),
                ),
                self.explanation,
                self.body,
            ],
            layout=w.Layout(max_width="1060px"),
        )
        self.widget.add_class("mfa-demo")
        self._build()

    # the story's state

    def _build(self) -> None:
        """A fresh portal with the demo account, and fresh screens over it."""
        from .screens.agent import AgentConsole
        from .screens.login import LoginScreen
        from .screens.phone import PhoneScreen
        from .screens.profile import ProfileScreen

        self.clock: Clock
        if self.mode == SIMULATED:
            self.clock = FixedClock(TRAINING_INSTANT)
            secrets = TrainingSecrets()
        else:
            self.clock = SystemClock()
            secrets = generate_secret
        self.portal = Portal(Store(":memory:"), self.clock, secret_factory=secrets)
        self.portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_DISPLAY_NAME)
        self.logged_out = False

        self.agent = AgentConsole(self.portal)
        self.profile = ProfileScreen(self.portal, TRAINING_LOGIN)
        self.login = LoginScreen(self.portal)
        self.phone: PhoneScreen | None = None
        if self.mode == SIMULATED:
            self.phone = PhoneScreen(Authenticator(self.clock), camera=lambda: self.profile.qr_png)
        for screen, buttons in (
            (self.agent, AGENT_BUTTONS),
            (self.profile, PROFILE_BUTTONS),
            (self.login, LOGIN_BUTTONS),
            (self.phone, PHONE_BUTTONS),
        ):
            for css_class in buttons if screen is not None else ():
                # Runs after the screen's own handler: the page follows what just happened.
                screen.control(css_class).on_click(lambda _: self._update())
        self._layout()
        self._update()

    def _layout(self) -> None:
        import ipywidgets as w

        from .screens._view import paragraph, show

        account = paragraph(
            f"Demo account: Login Name {TRAINING_LOGIN}, Password {TRAINING_PASSWORD}", muted=True
        )
        self.account_note = w.HTML(account)
        self.log_out_button = w.Button(description="Log Out", button_style="primary")
        self.log_out_button.add_class("mfa-demo-logout")
        self.log_out_button.on_click(lambda _: self.log_out())
        self.agent_column = w.VBox([self._support_panel()])
        # Stays on the page after step 1, so the customer still sees that MFA was switched on.
        self.support_note = w.HTML(paragraph(MFA_SWITCHED_ON_TEXT))
        self.support_note.add_class("mfa-demo-support-done")
        self.portal_column = w.VBox(
            [self.profile.widget, w.HBox([self.log_out_button]), self.login.widget],
            layout=w.Layout(margin="0 16px 0 0"),
        )
        if self.phone is not None:
            # The phone's own time control is for trainees; in the demo Log Out moves time.
            for part in self.phone.widget.children:
                if self.phone.wait_button in getattr(part, "children", ()):
                    show(part, False)
            phone_side: Any = w.VBox([self.phone.widget, w.HTML(paragraph(SIMULATED_CLOCK_TEXT))])
        else:
            caption = w.HTML(paragraph(LIVE_DEMO_ENTRY_TEXT))
            caption.add_class("mfa-demo-live-caption")
            phone_side = w.VBox([w.HTML(paragraph(LIVE_PHONE_TEXT)), caption])
        self.phone_column = w.VBox([phone_side], layout=w.Layout(width="320px"))
        self.body.children = [
            self.account_note,
            self.agent_column,
            self.support_note,
            w.HBox([self.portal_column, self.phone_column]),
        ]

    def _support_panel(self) -> Any:
        """The part of the agent console a customer needs to see: the Login Name, Find,
        Enable MFA and the answer (no Reset MFA, Unlock or audit trail)."""
        import ipywidgets as w

        from .screens._view import BORDER, banner

        agent = self.agent
        panel = w.VBox(
            [
                w.HTML(banner(STEPS[AGENT].title)),
                w.VBox(
                    [
                        w.HBox([agent.login_name, agent.find_button, agent.enable_button]),
                        agent.message_area,
                        agent.status_area,
                    ],
                    layout=w.Layout(padding="10px 14px"),
                ),
            ],
            layout=w.Layout(border=BORDER, width="600px"),
        )
        panel.add_class("mfa-agent-console")
        panel.add_class("mfa-demo-support")
        return panel

    @property
    def step(self) -> int:
        """Index into STEPS of where the story is now (worked out from the portal's state)."""
        status = self.portal.status(TRAINING_LOGIN)
        if not status.mfa_enabled:
            return AGENT
        if not status.mfa_active:
            if self.profile.page != "profile":
                return PROFILE
            if self.profile.qr_png is None:
                return SET_UP
            if self.phone is None or not self.phone.authenticator.entries:
                # A real phone is out of the page's sight: its step lasts until Save.
                return PHONE_ADDS
            return SAVE
        if not self.logged_out:
            return LOG_OUT
        if self.login.session is not None:
            return LOGGED_IN
        if self.login.stage == "security_code":
            return SECURITY_CODE
        return LOG_IN

    @property
    def explanation_text(self) -> str:
        """What the page says to do now."""
        step = self.step
        if step == PHONE_ADDS and self.phone is None:
            return f"{LIVE_SCAN_TEXT} {STEPS[SAVE].explanation}"
        if step == LOGGED_IN and self.phone is None:
            return f"{STEPS[step].explanation} {LIVE_DEMO_ENTRY_TEXT}"
        return STEPS[step].explanation

    @property
    def text(self) -> str:
        """Where the demo is, as plain text (also the notebook's text/plain)."""
        step = self.step
        return (
            f"Customer demo ({self.mode} phone): step {step + 1} of {len(STEPS)}, "
            f"{STEPS[step].title}"
        )

    # the actions (the buttons call these, or the screens' methods of the same names)

    def enable_mfa(self, login: str = TRAINING_LOGIN) -> None:
        self.agent.enable_mfa(login)
        self._update()

    def open_profile(self) -> None:
        self.profile.toggle_user_menu()
        self.profile.open_profile()
        self._update()

    def set_up_google_authenticator(self) -> None:
        self.profile.set_up_google_authenticator()
        self._update()

    def scan_qr_code(self) -> None:
        """The simulated phone: Add → Scan a QR code."""
        if self.phone is None:
            raise RuntimeError("in live mode the customer's own phone scans the QR code")
        self.phone.open_add_menu()
        self.phone.scan_qr_code()
        self._update()

    def save(self, passcode: str, current_password: str) -> None:
        self.profile.save(passcode, current_password)
        self._update()

    def log_out(self) -> None:
        """Log Out after Save; in simulated mode the training clock moves on one period, so the
        login that follows needs the phone's next code (a code is never accepted twice)."""
        if isinstance(self.clock, FixedClock):
            self.clock.advance(DEFAULT_PROFILE.period)
            if self.phone is not None:
                self.phone.refresh()
        self.logged_out = True
        self.login.log_out()
        self._update()

    def log_in(self, login: str, password: str) -> None:
        self.login.log_in(login, password)
        self._update()

    def submit_security_code(self, code: str) -> None:
        self.login.submit_security_code(code)
        self._update()

    def reset(self) -> None:
        """Start over: a fresh portal, account, phone and screens."""
        old = [*self.body.children, self.agent.widget]
        self._build()
        for widget in old:
            _close_tree(widget)

    # page

    def _update(self) -> None:
        """Show the screens this step needs, and mark it in the indicator."""
        from .screens._view import show

        current = self.step
        self.steps_html.value = _steps_html(current)
        self.explanation.value = _explanation_html(self.explanation_text)
        show(self.agent_column, current == AGENT)
        show(self.support_note, current > AGENT)
        show(self.profile.widget, AGENT < current <= LOG_OUT)
        show(self.log_out_button, current == LOG_OUT)
        show(self.login.widget, current > LOG_OUT)
        show(self.phone_column, current >= SET_UP)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        # The widget's own text/plain lists every child; the step is what a reader needs.
        bundle["text/plain"] = self.text
        return bundle

    def __repr__(self) -> str:
        return f"<{self.text}>"


def _steps_html(current: int) -> str:
    from .screens._view import FONT, esc

    items = []
    for index, step in enumerate(STEPS):
        state = "current" if index == current else ("done" if index < current else "todo")
        style = {
            "current": "background: #1f3a5f; color: white; font-weight: 600",
            "done": "background: #e8f5ec; color: #1b6e35",
            "todo": "background: #f1f3f5; color: #5a6470",
        }[state]
        items.append(
            f'<li class="mfa-demo-step mfa-demo-step-{state}" style="{style}; '
            f'list-style: none; padding: 3px 8px; margin: 2px; border-radius: 4px">'
            f"{index + 1}. {esc(step.title)}</li>"
        )
    return (
        f'<ol style="{FONT}; display: flex; flex-wrap: wrap; padding: 0; margin: 0 0 6px 0; '
        f'font-size: 90%">{"".join(items)}</ol>'
    )


def _explanation_html(text: str) -> str:
    from .screens._view import FONT, esc

    return (
        f'<div style="{FONT}; font-size: 105%; padding: 6px 10px; margin: 4px 0 10px 0; '
        f'border-left: 4px solid #1f3a5f; background: #eef3f8">{esc(text)}</div>'
    )


def _close_tree(widget: Any) -> None:
    """Close a widget and everything inside it (a reset must not leak front-end views)."""
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
