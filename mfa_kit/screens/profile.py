"""The logged-in user's portal pages: the name menu → Profile → Change Account Security.

Set Up Google Authenticator shows the portal's QR code; Passcode + Current Password → Save.
"""

from __future__ import annotations

from typing import Literal

import ipywidgets as w

from ..errors import PortalError
from ..portal import AccountStatus, AuthenticatorSetup, Portal, Session
from ._view import (
    BORDER,
    BRAND,
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

Page = Literal["home", "profile"]

SECTION_TITLE = "Change Account Security"
SET_UP_LABEL = "Set Up Google Authenticator"
_WIDE = {"description_width": "130px"}
_FIELD = {"width": "100%", "max_width": "360px"}

NOT_ENABLED_TEXT = (
    "Multi-factor authentication is not enabled for this account yet. "
    f"{SET_UP_LABEL} appears here after a Technical Support Agent switches MFA on."
)
ENABLED_TEXT = (
    f"Multi-factor authentication is enabled for this account. Click {SET_UP_LABEL}, scan the "
    "QR code with the app, then type its code into Passcode and your password into Current "
    "Password, and click Save."
)
ACTIVE_TEXT = "MFA is active: every login now asks for the Security code from Google Authenticator."
SCAN_TEXT = (
    "In Google Authenticator tap Add, then Scan a QR code, and point the phone at this code. "
    "Then type the code the app shows into Passcode."
)
SAVED_TEXT = "Your security settings were saved. MFA is now active on this account."
REPLACED_TEXT = (
    "A new QR code replaced the earlier one: an entry scanned from the earlier QR code stops "
    "working. Delete it in Google Authenticator, then tap Add and scan this QR code."
)


class ProfileScreen(Screen):
    """The portal as ``login`` sees it after logging in."""

    def __init__(self, portal: Portal, login: str, session: Session | None = None) -> None:
        """``session`` is the user's login; the portal asks for one that passed the
        Security code before it lets an authenticator in force be replaced."""
        self.session = session
        super().__init__("mfa-profile-message")
        self.portal = portal
        status = portal.status(login)
        self.login = status.login
        self.plain_title = f"{PORTAL_NAME}: {status.display_name}"
        self._page: Page = "home"
        self._qr_png: bytes | None = None
        self._offered = False
        self._state_text = ""

        self.user_menu_button = self._tag(
            w.Button(
                description=status.display_name,
                icon="user",
                layout=w.Layout(width="auto", height="auto"),
                style={"button_color": BRAND, "text_color": "white"},
            ),
            "mfa-topbar-user",
        )
        self.profile_button = self._tag(w.Button(description="Profile"), "mfa-topbar-profile")
        self.set_up_button = self._tag(
            w.Button(
                description=SET_UP_LABEL, button_style="primary", layout=w.Layout(width="auto")
            ),
            "mfa-setup-authenticator",
        )
        self.qr_image = self._tag(
            w.Image(value=b"", format="png", layout=w.Layout(width="220px", height="220px")),
            "mfa-qr-image",
        )
        self.passcode = self._tag(
            w.Text(
                description="Passcode",
                placeholder="123 456",
                style=_WIDE,
                layout=w.Layout(**_FIELD),
            ),
            "mfa-passcode",
        )
        self.current_password = self._tag(
            w.Password(description="Current Password", style=_WIDE, layout=w.Layout(**_FIELD)),
            "mfa-current-password",
        )
        self.save_button = self._tag(
            w.Button(description="Save", button_style="primary"), "mfa-save"
        )
        self.section_state = self._tag(w.HTML(""), "mfa-profile-state")

        self.user_menu_button.on_click(lambda _: self.toggle_user_menu())
        self.profile_button.on_click(lambda _: self.open_profile())
        self.set_up_button.on_click(lambda _: self.set_up_google_authenticator())
        self.save_button.on_click(
            lambda _: self.save(self.passcode.value, self.current_password.value)
        )
        # Enter in either field clicks Save, as on the portal's web page.
        for box in (self.passcode, self.current_password):
            on_enter(box, lambda: self.save(self.passcode.value, self.current_password.value))

        self._menu = w.VBox([self.profile_button], layout=w.Layout(border=BORDER, padding="4px"))
        top_bar = w.HBox(
            [
                w.HTML(banner(PORTAL_NAME), layout=w.Layout(flex="1 1 auto", min_width="0")),
                self.user_menu_button,
            ],
            layout=w.Layout(align_items="stretch"),
        )
        self._qr_box = w.VBox([self.qr_image])
        self._form = w.VBox([self.passcode, self.current_password, row([self.save_button])])
        section = w.VBox(
            [
                w.HTML(heading(SECTION_TITLE, 4)),
                self.section_state,
                row([self.set_up_button]),
                self._qr_box,
                self._form,
            ],
            layout=w.Layout(border=BORDER, padding="8px 12px"),
        )
        self._home = w.VBox(
            [
                w.HTML(heading("Home")),
                w.HTML(
                    paragraph("To change your account security, click your name, then Profile.")
                ),
            ]
        )
        self._profile = w.VBox(
            [
                w.HTML(heading("Profile")),
                w.HTML(
                    paragraph(f"Login Name: {status.login}")
                    + paragraph(f"Name: {status.display_name}")
                ),
                section,
            ]
        )
        self.widget = w.VBox(
            [
                top_bar,
                w.HBox([self._menu], layout=w.Layout(justify_content="flex-end")),
                w.VBox(
                    [self._home, self._profile, self.message_area],
                    layout=w.Layout(padding="10px 14px"),
                ),
            ],
            layout=screen_layout(520, border=BORDER),
        )
        self.widget.add_class("mfa-profile-screen")
        show(self._menu, False)
        self._show_qr(None)
        self._refresh_section()
        self._go("home")

    # state shown

    @property
    def page(self) -> Page:
        """Which page is shown: "home" or "profile"."""
        return self._page

    @property
    def qr_png(self) -> bytes | None:
        """The PNG of the QR code on screen, or None when none is shown (a phone's camera)."""
        return self._qr_png

    @property
    def set_up_offered(self) -> bool:
        """Whether Set Up Google Authenticator can be clicked on the page."""
        return self._offered

    @property
    def text(self) -> str:
        """What the screen shows now, as plain text (for notebook output)."""
        if self._page == "home":
            lines = ["Home page (click your name, then Profile)"]
        else:
            offered = "offered" if self.set_up_offered else "not offered"
            lines = [
                f"Profile page → {SECTION_TITLE}",
                self._state_text,
                f"[{SET_UP_LABEL}]: {offered}",
            ]
            if self._qr_png is not None:
                lines.append("QR code shown; fields Passcode, Current Password, [Save]")
        return "\n".join([*lines, *self._message_lines()])

    # actions (the buttons call exactly these)

    def toggle_user_menu(self) -> None:
        """Click the user's name in the top bar: the menu with Profile opens or closes."""
        show(self._menu, self._menu.layout.display == "none")

    def open_profile(self) -> AccountStatus:
        """Name menu → Profile: the profile page, with the account's current MFA state."""
        show(self._menu, False)
        self._go("profile")
        self._say("")
        return self._refresh_section()

    def set_up_google_authenticator(self) -> AuthenticatorSetup | None:
        """Set Up Google Authenticator: show the QR code. None when the portal refused."""
        self._go("profile")
        earlier_qr_code = self.portal.status(self.login).setup_pending
        try:
            setup = self.portal.start_authenticator_setup(self.login, session=self.session)
        except PortalError as error:
            self._refused(error)
            self._refresh_section()
            return None
        self._show_qr(setup.qr_png())
        self._refresh_section()
        self._say(REPLACED_TEXT if earlier_qr_code else SCAN_TEXT)
        return setup

    def save(self, passcode: str, current_password: str) -> AccountStatus | None:
        """Save with Passcode and Current Password. None when the portal refused."""
        self._go("profile")
        self.current_password.value = ""
        try:
            status = self.portal.save_security_settings(
                self.login, passcode, current_password, session=self.session
            )
        except PortalError as error:
            self._refused(error)
            self._refresh_section()
            return None
        self.passcode.value = ""
        self._show_qr(None)
        self._refresh_section()
        self._say(SAVED_TEXT, "ok")
        return status

    # page content

    def _refresh_section(self) -> AccountStatus:
        status = self.portal.status(self.login)
        offered = self.portal.can_set_up_authenticator(self.login)
        if status.mfa_active:
            text = ACTIVE_TEXT
        elif offered:
            text = ENABLED_TEXT
        else:
            text = NOT_ENABLED_TEXT
        self._state_text = text
        self.section_state.value = paragraph(text)
        self._offered = offered
        self.set_up_button.disabled = not offered or self.frozen
        # Grey, not a pale blue, while it is not offered: it must not look like a way in.
        self.set_up_button.button_style = "primary" if offered else ""
        show(self._form, offered)
        return status

    def _show_qr(self, png: bytes | None) -> None:
        self._qr_png = png
        self.qr_image.value = png or b""
        show(self._qr_box, png is not None)

    def _go(self, page: Page) -> None:
        self._page = page
        show(self._home, page == "home")
        show(self._profile, page == "profile")
