"""The audit trail says who did what, when and with what outcome, and never holds a secret."""

from __future__ import annotations

import pytest

from mfa_kit import errors
from mfa_kit.training import TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_SECRET


def test_a_busy_day_leaves_no_secret_code_or_password_in_the_trail(enrolled, phone, clock):
    codes = []
    code = phone.entries[0].code()
    codes.append(code)
    enrolled.submit_security_code(enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD), code)
    challenge = enrolled.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    for attempt in ["123456", code]:
        with pytest.raises(errors.CodeRejected):
            enrolled.submit_security_code(challenge, attempt)
    with pytest.raises(errors.LoginFailed):
        enrolled.log_in(TRAINING_LOGIN, "Wrong-Password-Typed")
    with pytest.raises(errors.LoginFailed):
        enrolled.log_in(TRAINING_PASSWORD, TRAINING_PASSWORD)  # password in the name box
    enrolled.reset_mfa(TRAINING_LOGIN)
    setup = enrolled.start_authenticator_setup(TRAINING_LOGIN)

    trail = enrolled.audit_trail()
    text = repr(trail)
    for secret in (TRAINING_SECRET, setup.secret, TRAINING_PASSWORD, "Wrong-Password-Typed"):
        assert secret not in text
    for typed in [*codes, "123456"]:
        assert typed not in text
    assert challenge.token not in text
    assert len(trail) >= 12
    assert {e.outcome for e in trail} >= {"ok", "invalid_code", "reused_code", "wrong_password"}


def test_each_event_names_actor_account_time_and_outcome(portal, clock):
    portal.enable_mfa(TRAINING_LOGIN, actor="agent.kim")
    clock.advance(60)
    portal.unlock(TRAINING_LOGIN, actor="agent.kim")
    first, second = portal.audit_trail(TRAINING_LOGIN)[-2:]
    assert (first.actor, first.login, first.event, first.outcome) == (
        "agent.kim",
        TRAINING_LOGIN,
        "mfa_enabled",
        "ok",
    )
    assert second.event == "unlocked" and second.at - first.at == 60


def test_the_newest_events_can_be_listed(portal):
    for _ in range(5):
        portal.unlock(TRAINING_LOGIN)
    recent = portal.audit_trail(TRAINING_LOGIN, limit=3)
    assert len(recent) == 3 and all(e.event == "unlocked" for e in recent)
