"""The Technical Support Agent's console driven by clicks: Find, Enable MFA, Reset MFA, Unlock.

The console shows the portal's status line and the latest audit events, escaped.
"""

from __future__ import annotations

import pytest

from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import FixedClock
from mfa_kit.errors import PortalError
from mfa_kit.policy import DEFAULT_POLICY
from mfa_kit.portal import Portal
from mfa_kit.screens._view import press_enter
from mfa_kit.screens.agent import ALREADY_ENABLED_MESSAGE, AUDIT_ROWS, AgentConsole, audit_row
from mfa_kit.training import TRAINING_LOGIN, TRAINING_PASSWORD


@pytest.fixture
def console(portal: Portal) -> AgentConsole:
    return AgentConsole(portal)


def click(console: AgentConsole, button: str, login: str = TRAINING_LOGIN) -> None:
    console.login_name.value = login
    console.control(f"mfa-agent-{button}").click()


def test_the_console_has_its_buttons_and_agreed_css_classes(console: AgentConsole) -> None:
    labels = {
        "mfa-agent-find": "Find",
        "mfa-agent-enable": "Enable MFA",
        "mfa-agent-reset": "Reset MFA",
        "mfa-agent-unlock": "Unlock",
        "mfa-agent-login": "Login Name",
    }
    for css_class, label in labels.items():
        control = console.control(css_class)
        assert css_class in control._dom_classes
        assert control.description == label
    for css_class in ("mfa-agent-status", "mfa-agent-audit", "mfa-agent-message"):
        assert css_class in console.control(css_class)._dom_classes
    assert console.status_text == ""
    assert console._repr_mimebundle_()["text/plain"] == (
        "Stratus Web Portal: Technical Support Agent console"
    )


def test_find_shows_status_and_audit_events(console: AgentConsole, portal: Portal) -> None:
    click(console, "find")

    assert console.status_text == portal.status(TRAINING_LOGIN).summary()
    assert console.status_text == (
        "jordan.lee: MFA not enabled; not locked; failed attempts in a row: 0"
    )
    assert console.audit_rows == [
        ("2026-01-15 09:00:00", "Technical Support Agent", "account_created", "ok")
    ]
    assert "<table" in console.audit_area.value and "account_created" in console.audit_area.value
    assert console.message == ""


def test_find_an_unknown_login_shows_the_portal_message(
    console: AgentConsole, portal: Portal
) -> None:
    click(console, "find")
    click(console, "find", "no.such.person")

    assert console.message == "There is no account with the Login Name 'no.such.person'."
    assert console.status is None and console.status_text == "" and console.audit_rows == []


def test_enable_mfa_offers_set_up_to_the_user(console: AgentConsole, portal: Portal) -> None:
    before = portal.status(TRAINING_LOGIN)
    assert not portal.can_set_up_authenticator(TRAINING_LOGIN)

    click(console, "enable")

    assert console.message == "MFA is enabled for jordan.lee."
    assert portal.can_set_up_authenticator(TRAINING_LOGIN)
    assert portal.status(TRAINING_LOGIN).mfa_enabled and not before.mfa_enabled
    assert "MFA enabled, not set up yet" in console.status_text
    assert console.audit_rows[-1][1:] == ("Technical Support Agent", "mfa_enabled", "ok")


def test_actions_on_an_unknown_login_change_nothing(console: AgentConsole, portal: Portal) -> None:
    logins = portal.store.logins()
    events = len(portal.audit_trail())
    for button in ("enable", "reset", "unlock"):
        click(console, button, "ghost")
        assert console.message == "There is no account with the Login Name 'ghost'."
    assert portal.store.logins() == logins
    assert len(portal.audit_trail()) == events


def test_reset_mfa_sends_the_user_back_to_set_up(enrolled: Portal, phone: Authenticator) -> None:
    console = AgentConsole(enrolled)
    assert enrolled.status(TRAINING_LOGIN).mfa_active

    click(console, "reset")

    assert console.message == "MFA was reset for jordan.lee: the old app entry no longer works."
    status = enrolled.status(TRAINING_LOGIN)
    assert status.mfa_enabled and not status.mfa_active
    assert "MFA enabled, not set up yet" in console.status_text
    assert console.audit_rows[-1][2] == "mfa_reset"


def test_unlock_ends_a_lockout(enrolled: Portal) -> None:
    for _ in range(DEFAULT_POLICY.max_failures):
        with pytest.raises(PortalError):
            enrolled.log_in(TRAINING_LOGIN, "wrong")
    console = AgentConsole(enrolled)
    click(console, "find")
    assert "locked until 2026-01-15 09:16 UTC" in console.status_text
    assert console.audit_rows[-1][2:] == ("account_locked", "locked")

    click(console, "unlock")

    assert console.message == "jordan.lee is unlocked."
    assert console.status_text == "jordan.lee: MFA active; not locked; failed attempts in a row: 0"
    assert enrolled.status(TRAINING_LOGIN).locked_until is None
    assert enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD).login == TRAINING_LOGIN


def test_methods_act_on_the_login_in_the_box(console: AgentConsole, portal: Portal) -> None:
    console.find(TRAINING_LOGIN)

    console.enable_mfa()

    assert console.login_name.value == TRAINING_LOGIN
    assert portal.status(TRAINING_LOGIN).mfa_enabled


def test_only_the_latest_audit_events_are_listed(
    console: AgentConsole, portal: Portal, clock: FixedClock
) -> None:
    for _ in range(AUDIT_ROWS):
        clock.advance(60)
        portal.unlock(TRAINING_LOGIN)

    click(console, "find")

    latest = portal.audit_trail(TRAINING_LOGIN)[-AUDIT_ROWS:]
    assert len(portal.audit_trail(TRAINING_LOGIN)) > AUDIT_ROWS
    assert console.audit_rows == [audit_row(event) for event in latest]
    assert console.audit_area.value.count("<tr>") == AUDIT_ROWS + 1  # plus the header row


def test_html_in_a_login_name_is_escaped_everywhere(console: AgentConsole, portal: Portal) -> None:
    hostile = "<img/src=x/onerror=alert(1)>"
    portal.create_account(hostile, "pw-for-hostile")
    portal.log_in(hostile, "pw-for-hostile")  # the user is the actor of this audit event

    click(console, "find", hostile)

    assert console.status_text.startswith(hostile)
    for area in (console.status_area, console.audit_area):
        assert "<img" not in area.value
        assert "&lt;img/src=x/onerror=alert(1)&gt;" in area.value


def test_html_in_an_unknown_login_is_escaped_in_the_message(console: AgentConsole) -> None:
    hostile = "<img src=x onerror=alert(1)>"

    click(console, "find", hostile)

    assert console.message == f"There is no account with the Login Name {hostile!r}."
    assert "<img" not in console.message_area.value
    assert "&lt;img src=x onerror=alert(1)&gt;" in console.message_area.value


def test_enable_mfa_a_second_time_says_so_and_changes_nothing(
    console: AgentConsole, portal: Portal
) -> None:
    click(console, "enable")
    account = portal.store.account(TRAINING_LOGIN)
    events = portal.audit_trail()

    click(console, "enable")

    assert console.message == ALREADY_ENABLED_MESSAGE.format(login=TRAINING_LOGIN)
    assert console.message == "MFA is already enabled for jordan.lee. Nothing was changed."
    assert "already enabled" in console.message_area.value
    assert portal.store.account(TRAINING_LOGIN) == account
    assert portal.audit_trail() == events
    assert [row[2] for row in console.audit_rows].count("mfa_enabled") == 1
    assert "MFA enabled, not set up yet" in console.status_text


def test_enable_mfa_on_an_active_account_keeps_its_authenticator(enrolled: Portal) -> None:
    console = AgentConsole(enrolled)
    account = enrolled.store.account(TRAINING_LOGIN)
    events = enrolled.audit_trail()

    click(console, "enable")

    assert console.message == "MFA is already enabled for jordan.lee. Nothing was changed."
    assert enrolled.store.account(TRAINING_LOGIN) == account
    assert enrolled.audit_trail() == events


def test_enter_in_the_login_name_box_clicks_find(console: AgentConsole, portal: Portal) -> None:
    console.login_name.value = TRAINING_LOGIN

    press_enter(console.login_name)

    assert console.status_text == portal.status(TRAINING_LOGIN).summary()
