"""The Technical Support Agent's console: find an account, Enable MFA, Reset MFA, Unlock.

Shows the account's MFA status and its most recent audit events (never secrets or codes).
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from ..clock import to_datetime
from ..errors import PortalError
from ..portal import AccountStatus, Portal
from ..store import AuditEvent
from ._view import (
    BORDER,
    FONT,
    PORTAL_NAME,
    Kind,
    Screen,
    banner,
    esc,
    heading,
    on_enter,
    paragraph,
    row,
    screen_layout,
)

AUDIT_ROWS = 8
"""How many of the account's latest audit events the console lists."""

AUDIT_COLUMNS = ("Time (UTC)", "Who", "Event", "Outcome")

ENABLED_MESSAGE = "MFA is enabled for {login}."
ALREADY_ENABLED_MESSAGE = "MFA is already enabled for {login}. Nothing was changed."


def audit_row(event: AuditEvent) -> tuple[str, str, str, str]:
    """One audit event as the console's table shows it."""
    when = to_datetime(event.at).strftime("%Y-%m-%d %H:%M:%S")
    return (when, event.actor, event.event, event.outcome)


def audit_table_html(rows: list[tuple[str, ...]]) -> str:
    """An HTML table of audit rows, every cell escaped."""
    if not rows:
        return paragraph("No audit events for this account yet.", muted=True)
    cell = "border-bottom: 1px solid #dde3ea; padding: 2px 8px; text-align: left"
    head = "".join(f'<th style="{cell}">{esc(name)}</th>' for name in AUDIT_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f'<td style="{cell}">{esc(value)}</td>' for value in row) + "</tr>"
        for row in rows
    )
    return (
        f'<table style="{FONT}; border-collapse: collapse; font-size: 90%">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


class AgentConsole(Screen):
    """Look an account up and act on it; every action works on the Login Name in the box."""

    plain_title = f"{PORTAL_NAME}: Technical Support Agent console"

    def __init__(self, portal: Portal) -> None:
        super().__init__("mfa-agent-message")
        self.portal = portal
        self._status: AccountStatus | None = None
        self._audit_rows: list[tuple[str, str, str, str]] = []

        self.login_name = self._tag(
            w.Text(
                description="Login Name",
                style={"description_width": "90px"},
                layout=w.Layout(width="100%", max_width="320px"),
            ),
            "mfa-agent-login",
        )
        self.find_button = self._tag(w.Button(description="Find", icon="search"), "mfa-agent-find")
        self.enable_button = self._tag(
            w.Button(description="Enable MFA", button_style="primary"), "mfa-agent-enable"
        )
        self.reset_button = self._tag(
            w.Button(description="Reset MFA", button_style="warning"), "mfa-agent-reset"
        )
        self.unlock_button = self._tag(w.Button(description="Unlock"), "mfa-agent-unlock")
        self.status_area = self._tag(w.HTML(""), "mfa-agent-status")
        self.audit_area = self._tag(w.HTML(""), "mfa-agent-audit")

        self.find_button.on_click(lambda _: self.find(self.login_name.value))
        self.enable_button.on_click(lambda _: self.enable_mfa(self.login_name.value))
        self.reset_button.on_click(lambda _: self.reset_mfa(self.login_name.value))
        self.unlock_button.on_click(lambda _: self.unlock(self.login_name.value))
        on_enter(self.login_name, lambda: self.find(self.login_name.value))

        self.widget = w.VBox(
            [
                w.HTML(banner(f"{PORTAL_NAME} · Technical Support Agent")),
                w.VBox(
                    [
                        w.HTML(heading("Find an account")),
                        row([self.login_name, self.find_button]),
                        row([self.enable_button, self.reset_button, self.unlock_button]),
                        self.message_area,
                        w.HTML(heading("Account", 4)),
                        self.status_area,
                        w.HTML(heading(f"Recent audit events (the newest {AUDIT_ROWS})", 4)),
                        self.audit_area,
                    ],
                    layout=w.Layout(padding="10px 14px"),
                ),
            ],
            layout=screen_layout(600, border=BORDER),
        )
        self.widget.add_class("mfa-agent-console")
        self._show_account(None)

    # state shown

    @property
    def status(self) -> AccountStatus | None:
        """The status of the account on screen, or None."""
        return self._status

    @property
    def status_text(self) -> str:
        """The account's status line as shown ("" when no account is on screen)."""
        return self._status.summary() if self._status else ""

    @property
    def audit_rows(self) -> list[tuple[str, str, str, str]]:
        """The audit table as shown: (time, who, event, outcome), oldest first."""
        return list(self._audit_rows)

    @property
    def text(self) -> str:
        """What the console shows now, as plain text (for notebook output)."""
        lines = [*self._message_lines(), f"Account: {self.status_text or '(none)'}"]
        lines += ["  ".join(row) for row in self._audit_rows]
        return "\n".join(lines)

    # actions (the buttons call exactly these, with the Login Name in the box)

    def find(self, login: str) -> AccountStatus | None:
        """Find: show the account's status and recent audit events."""
        return self._act(login, self.portal.status, "")

    def enable_mfa(self, login: str | None = None) -> AccountStatus | None:
        """Enable MFA, so the user is offered Set Up Google Authenticator on their Profile.

        On an account that already has it the console says so, and nothing changes.
        """
        if login is None:
            login = self.login_name.value
        try:
            already = self.portal.status(login).mfa_enabled
        except PortalError:
            already = False  # Enable MFA itself shows the portal's refusal
        # The portal changes nothing on an account that has MFA already; the words say so.
        if already:
            return self._act(login, self.portal.enable_mfa, ALREADY_ENABLED_MESSAGE, "info")
        return self._act(login, self.portal.enable_mfa, ENABLED_MESSAGE)

    def reset_mfa(self, login: str | None = None) -> AccountStatus | None:
        """Reset MFA (lost or replaced phone): the user sets Google Authenticator up again."""
        return self._act(
            login,
            self.portal.reset_mfa,
            "MFA was reset for {login}: the old app entry no longer works.",
        )

    def unlock(self, login: str | None = None) -> AccountStatus | None:
        """Unlock an account locked after too many failed attempts."""
        return self._act(login, self.portal.unlock, "{login} is unlocked.")

    # helpers

    def _act(
        self,
        login: str | None,
        action: Callable[[str], AccountStatus],
        done: str,
        kind: Kind = "ok",
    ) -> AccountStatus | None:
        """Run one portal action on ``login`` (default: the Login Name box) and show the result."""
        if login is None:
            login = self.login_name.value
        self.login_name.value = login
        try:
            status = action(login)
        except PortalError as error:
            self._refused(error)
            self._show_account(None)
            return None
        self._show_account(status)
        self._say(done.format(login=status.login) if done else "", kind)
        return status

    def _show_account(self, status: AccountStatus | None) -> None:
        self._status = status
        if status is None:
            self._audit_rows = []
            self.status_area.value = paragraph("No account on screen.", muted=True)
            self.audit_area.value = ""
            return
        self.status_area.value = paragraph(status.summary())
        self._audit_rows = [
            audit_row(event) for event in self.portal.audit_trail(status.login, AUDIT_ROWS)
        ]
        self.audit_area.value = audit_table_html(self._audit_rows)
