"""The portal's login page: Login Name + Password → Log In, then Security code → Submit.

A view over :class:`~mfa_kit.portal.Portal`; the portal decides, this screen only shows.
"""

from __future__ import annotations

from typing import Literal

import ipywidgets as w

from ..errors import AccountLocked, LoginTimedOut, PortalError
from ..otp import ISSUER
from ..portal import Portal, SecurityCodeChallenge, Session
from ._view import (
    BORDER,
    PORTAL_NAME,
    Screen,
    banner,
    heading,
    on_enter,
    paragraph,
    row,
    screen_layout,
    show,
)

Stage = Literal["credentials", "security_code", "logged_in"]
CREDENTIALS: Stage = "credentials"
SECURITY_CODE: Stage = "security_code"
LOGGED_IN: Stage = "logged_in"

_WIDE = {"description_width": "110px"}
_FIELD = {"width": "100%", "max_width": "340px"}
LOGGED_OUT_MESSAGE = "You are logged out."


class LoginScreen(Screen):
    """The two-step login, as buttons and as methods with the same names."""

    plain_title = f"{PORTAL_NAME}: Log In"

    def __init__(self, portal: Portal) -> None:
        super().__init__("mfa-login-message")
        self.portal = portal
        self._stage: Stage = CREDENTIALS
        self._challenge: SecurityCodeChallenge | None = None
        self._session: Session | None = None

        self.login_name = self._tag(
            w.Text(description="Login Name", style=_WIDE, layout=w.Layout(**_FIELD)),
            "mfa-login-name",
        )
        self.password = self._tag(
            w.Password(description="Password", style=_WIDE, layout=w.Layout(**_FIELD)),
            "mfa-login-password",
        )
        self.log_in_button = self._tag(
            w.Button(description="Log In", button_style="primary"), "mfa-login-submit"
        )
        self.google_button = self._tag(
            w.Button(description="Log in with Google", layout=w.Layout(width="auto")),
            "mfa-login-google",
        )
        self.security_code = self._tag(
            w.Text(
                description="Security code",
                placeholder="123 456",
                style=_WIDE,
                layout=w.Layout(**_FIELD),
            ),
            "mfa-security-code",
        )
        self.submit_button = self._tag(
            w.Button(description="Submit", button_style="primary"), "mfa-security-submit"
        )
        self.log_out_button = self._tag(w.Button(description="Log Out"), "mfa-login-logout")

        self.log_in_button.on_click(
            lambda _: self.log_in(self.login_name.value, self.password.value)
        )
        self.google_button.on_click(lambda _: self.log_in_with_google())
        self.submit_button.on_click(lambda _: self.submit_security_code(self.security_code.value))
        self.log_out_button.on_click(lambda _: self.log_out())
        # Enter in a field submits its form, as on the portal's web page.
        for box in (self.login_name, self.password):
            on_enter(box, lambda: self.log_in(self.login_name.value, self.password.value))
        on_enter(self.security_code, lambda: self.submit_security_code(self.security_code.value))

        self._credentials_page = w.VBox(
            [
                w.HTML(heading("Log In")),
                self.login_name,
                self.password,
                row([self.log_in_button]),
                w.HTML(paragraph("or", muted=True)),
                row([self.google_button]),
            ]
        )
        self._code_page = w.VBox(
            [
                w.HTML(heading("Security code")),
                w.HTML(
                    paragraph(
                        f"Open Google Authenticator and type the code shown for {ISSUER}.",
                        muted=True,
                    )
                ),
                self.security_code,
                row([self.submit_button]),
            ]
        )
        self._home_page = w.VBox([w.HTML(heading("Home")), self.log_out_button])
        self.widget = w.VBox(
            [
                w.HTML(banner(PORTAL_NAME)),
                w.VBox(
                    [self._credentials_page, self._code_page, self._home_page, self.message_area],
                    layout=w.Layout(padding="10px 14px"),
                ),
            ],
            layout=screen_layout(460, border=BORDER),
        )
        self.widget.add_class("mfa-login-screen")
        self._go(CREDENTIALS)

    # state shown

    @property
    def stage(self) -> Stage:
        """Which page is shown: "credentials", "security_code" or "logged_in"."""
        return self._stage

    @property
    def session(self) -> Session | None:
        """The portal session once fully logged in, else None."""
        return self._session

    @property
    def text(self) -> str:
        """What the screen shows now, as plain text (for notebook output)."""
        page = {
            CREDENTIALS: "Log In page: Login Name, Password, [Log In], [Log in with Google]",
            SECURITY_CODE: "Security code page: Security code, [Submit]",
            LOGGED_IN: "Logged in" + (f" as {self._session.login}" if self._session else ""),
        }[self._stage]
        return "\n".join([page, *self._message_lines()])

    # actions (the buttons call exactly these)

    def log_in(self, login: str, password: str) -> Session | SecurityCodeChallenge | None:
        """Log In. Returns the portal's answer, or None when it refused (see :attr:`message`)."""
        self.login_name.value = login
        # A portal never leaves a typed password in the box after an attempt.
        self.password.value = ""
        try:
            result = self.portal.log_in(login, password)
        except PortalError as error:
            self._refused(error)
            return None
        if isinstance(result, Session):
            self._logged_in(result)
        else:
            self._challenge = result
            self._go(SECURITY_CODE)
            self._say(result.message)
        return result

    def log_in_with_google(self) -> None:
        """The Log in with Google option (not the MFA path: the portal says why)."""
        try:
            self.portal.log_in_with_google()
        except PortalError as error:
            self._refused(error)

    def submit_security_code(self, code: str) -> Session | None:
        """Submit the Security code. Returns the session, or None when the portal refused."""
        self.security_code.value = ""
        try:
            session = self.portal.submit_security_code(self._challenge or "", code)
        except PortalError as error:
            self._refused(error)
            if isinstance(error, (LoginTimedOut, AccountLocked)):
                # This half-finished login is gone: the portal says to start again.
                self._challenge = None
                self._go(CREDENTIALS)
            return None
        self._logged_in(session)
        return session

    def log_out(self) -> None:
        """Log Out: the portal ends the session (its token stops working), then back to the
        Log In page."""
        if self._session is not None:
            self.portal.log_out(self._session)
        self._session = None
        self._challenge = None
        self._go(CREDENTIALS)
        self._say(LOGGED_OUT_MESSAGE)

    # page switching

    def _logged_in(self, session: Session) -> None:
        self._session = session
        self._challenge = None
        self._go(LOGGED_IN)
        self._say(session.message, "ok")

    def _go(self, stage: Stage) -> None:
        self._stage = stage
        show(self._credentials_page, stage == CREDENTIALS)
        show(self._code_page, stage == SECURITY_CODE)
        show(self._home_page, stage == LOGGED_IN)
