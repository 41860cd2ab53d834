"""The pool of diagnosis exercises: every right pick is ✔, every wrong one ✘ with a hint that
points at the evidence on the case's screens, and each case shows what it claims to show."""

from __future__ import annotations

import re

import pytest

from mfa_kit import cases
from mfa_kit.cases import EVIDENCE, POOL, Cause, Fix, build_case, pick
from mfa_kit.diagnose import Verdict
from mfa_kit.screens.login import LOGGED_IN, SECURITY_CODE, LoginScreen
from mfa_kit.training import TRAINING_PASSWORD

KEYS = [spec.key for spec in POOL]
POINTS_AT_A_SCREEN = re.compile("|".join(re.escape(name) for name in EVIDENCE))

# What the kit's own diagnosis finds in each case: the case's cause is among its causes (a code
# 90 s late reads as a slow clock or a late read alike; the phone's clock on the screens
# decides, which is what the trainee has to look at).
EXPECTED_VERDICT = {
    "fast-phone": Verdict.CLOCK_DRIFT,
    "slow-phone": Verdict.CLOCK_DRIFT,
    "wrong-date": Verdict.CLOCK_DRIFT,
    "time-zone": Verdict.TIME_ZONE,
    "reused-code": Verdict.REUSED_CODE,
    "rescanned-qr": Verdict.PENDING_NOT_SAVED,
    "old-entry": Verdict.PREVIOUS_SECRET,
    "other-account": Verdict.OTHER_ACCOUNT,
    "expired": Verdict.EXPIRED,
    "locked": Verdict.LOCKED,
    "drift-lock": Verdict.LOCKED,
    "mfa-not-enabled": Verdict.MFA_NOT_ENABLED,
    "log-in-with-google": Verdict.GOOGLE_LOGIN,
}


@pytest.fixture(scope="module")
def built() -> dict[str, cases.Case]:
    return {spec.key: build_case(spec) for spec in POOL}


def test_the_pool_has_at_least_eight_cases_and_some_the_text_does_not_walk_through() -> None:
    assert len(POOL) >= 8
    assert len(set(KEYS)) == len(KEYS)
    new = {spec.key for spec in POOL if not spec.walked_through}
    assert {"slow-phone", "drift-lock"} <= new
    assert set(EXPECTED_VERDICT) == set(KEYS)


@pytest.mark.parametrize("key", KEYS)
def test_the_right_cause_and_fix_is_a_tick(built: dict[str, cases.Case], key: str) -> None:
    case = built[key]
    result = case.judge(case.spec.cause, case.spec.fix)
    assert result.ok, result
    assert result.message.startswith("Right: ")
    assert result.hint == ""


@pytest.mark.parametrize("key", KEYS)
def test_every_wrong_cause_is_a_cross_with_a_hint_at_the_screens(
    built: dict[str, cases.Case], key: str
) -> None:
    case = built[key]
    for cause in Cause:
        if cause is case.spec.cause:
            continue
        # The fix picked does not rescue a wrong cause.
        result = case.judge(cause, case.spec.fix)
        assert not result.ok, cause
        assert cause.value in result.message
        assert POINTS_AT_A_SCREEN.search(result.hint), (cause, result.hint)


@pytest.mark.parametrize("key", KEYS)
def test_every_wrong_fix_is_a_cross_with_a_hint_at_the_screens(
    built: dict[str, cases.Case], key: str
) -> None:
    case = built[key]
    for fix in Fix:
        if fix is case.spec.fix:
            continue
        result = case.judge(case.spec.cause, fix)
        assert not result.ok, fix
        assert result.message.startswith("The cause is right")
        assert fix.value in result.message
        assert POINTS_AT_A_SCREEN.search(result.hint), (fix, result.hint)


def test_nothing_picked_is_a_cross_that_says_what_to_pick(built: dict[str, cases.Case]) -> None:
    case = built["fast-phone"]
    nothing = case.judge(None, None)
    assert not nothing.ok and nothing.message == "Pick a cause first."
    assert POINTS_AT_A_SCREEN.search(nothing.hint)
    cause_only = case.judge(case.spec.cause, None)
    assert not cause_only.ok and "pick what you tell them" in cause_only.message


def test_a_specific_hint_beats_the_general_one(built: dict[str, cases.Case]) -> None:
    lock = built["drift-lock"]
    hint = lock.judge(Cause.LOCKED, None).hint
    assert "Why were fresh codes from the phone wrong?" in hint
    assert "locks again" in lock.judge(Cause.PHONE_CLOCK, Fix.UNLOCK).hint
    # The lock is on the screens: the answer never says the screens do not show it.
    said = lock.judge(Cause.LOCKED, None).message
    assert "do not show" not in said and "does not explain why it went wrong" in said


@pytest.mark.parametrize("key", KEYS)
def test_the_kits_diagnosis_agrees_with_the_case(built: dict[str, cases.Case], key: str) -> None:
    diagnosis = built[key].diagnose()
    causes = [c.verdict for c in diagnosis.causes]
    assert causes[0] is diagnosis.verdict
    assert EXPECTED_VERDICT[key] in causes, causes


def test_the_diagnosis_sees_the_drift_behind_the_lock(built: dict[str, cases.Case]) -> None:
    causes = [c.verdict for c in built["drift-lock"].diagnose().causes]
    assert causes[:2] == [Verdict.LOCKED, Verdict.CLOCK_DRIFT]
    plain = [c.verdict for c in built["locked"].diagnose().causes]
    assert Verdict.CLOCK_DRIFT not in plain


@pytest.mark.parametrize("key", KEYS)
def test_each_case_shows_four_screens_that_agree_with_each_other(
    built: dict[str, cases.Case], key: str
) -> None:
    case = built[key]
    titles = [shot.title for shot in case.screens]
    assert titles[0] == f"Ticket {case.number}"
    assert titles[1:] == [
        "The customer's phone",
        "The customer's Log In page, just after",
        "The agent console, as you open the ticket",
    ]
    ticket, phone = case.screens[0], case.screens[1]
    if key in ("mfa-not-enabled", "log-in-with-google"):
        assert "Code typed" not in ticket.text
    else:
        typed = f"{case.typed_code[:3]} {case.typed_code[3:]}"
        # The code on the ticket is one the phone showed when it was read.
        assert f"Code typed: {typed}" in ticket.text
        assert typed in phone.text
    for shot in case.screens:
        assert shot.text in shot._repr_mimebundle_()["text/plain"]
        assert "<button" not in shot.html and "model_id" not in shot.html
    # The screens show what the portal and the phone showed, never the kit's verdict.
    assert key not in ticket.text
    for verdict in Verdict:
        assert verdict.name not in case.text
    assert "drift" not in case.text


def test_the_phone_clock_is_on_the_phone_screen(built: dict[str, cases.Case]) -> None:
    assert "Phone's clock: Thu 15 Jan 2026, 08:53:00" in built["slow-phone"].screens[1].text
    assert "Phone's clock: Wed 14 Jan 2026, 09:00:00" in built["wrong-date"].screens[1].text
    assert "Phone's clock: Thu 15 Jan 2026, 08:58:30" in built["expired"].screens[1].text


def test_a_lock_caused_by_drift_comes_back_after_an_unlock_alone(
    built: dict[str, cases.Case],
) -> None:
    case = build_case(cases.BY_KEY["drift-lock"])
    s = case.situation
    account = s.portal.store.account(s.login)
    assert account.locked_until is not None and account.failures == s.portal.policy.max_failures
    s.portal.unlock(s.login)
    screen = LoginScreen(s.portal)
    for _ in range(s.portal.policy.max_failures):
        s.clock.advance(30)
        screen.log_in(s.login, TRAINING_PASSWORD)
        if screen.stage == SECURITY_CODE:
            screen.submit_security_code(s.own_entry().code())
    assert screen.stage != LOGGED_IN
    assert s.portal.store.account(s.login).locked_until is not None, "it locked again"
    # Unlock and the right clock: in.
    s.portal.unlock(s.login)
    s.phone_clock.offset_seconds = 0
    s.clock.advance(30)
    screen.log_in(s.login, TRAINING_PASSWORD)
    screen.submit_security_code(s.own_entry().code())
    assert screen.stage == LOGGED_IN


def test_a_trainee_gets_the_same_cases_every_time_and_at_least_one_new() -> None:
    first = pick("Ada Lovelace")
    assert first == pick("  ada   LOVELACE ")
    assert len(first) == 4 and len(set(first)) == 4
    assert any(not spec.walked_through for spec in first)
    names = [f"trainee {n}" for n in range(40)]
    picks = {tuple(spec.key for spec in pick(name)) for name in names}
    assert len(picks) > 20, "different trainees get different cases"
    for name in names:
        assert any(not spec.walked_through for spec in pick(name)), name


def test_a_second_pick_can_leave_out_the_first() -> None:
    first = pick("Ada Lovelace")
    second = pick("Ada Lovelace", 5, salt="09", exclude=first)
    assert not set(first) & set(second)
    assert any(not spec.walked_through for spec in second)
