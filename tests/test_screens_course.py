"""The course helper: the two modes, the starting states and the check-cell verdicts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import FixedClock, SystemClock
from mfa_kit.course import EXPECTABLE, Course, CourseError, Mode
from mfa_kit.errors import CodeAlreadyUsed, PortalError
from mfa_kit.otp import DEFAULT_PROFILE, Totp, format_code
from mfa_kit.portal import SecurityCodeChallenge
from mfa_kit.training import TRAINING_INSTANT, TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_SECRET


def test_simulated_phone_is_the_default_and_repeats_exactly() -> None:
    course = Course()

    assert course.mode is Mode.SIMULATED_PHONE and course.simulated
    assert isinstance(course.clock, FixedClock)
    assert course.clock.now() == TRAINING_INSTANT.timestamp()
    assert course.phone is not None and course.phone.clock is course.clock
    assert course.portal.clock is course.clock
    assert course.secret_factory() == TRAINING_SECRET
    assert course.describe().startswith(
        "Mode: Simulated phone. The training clock stands at 2026-01-15 09:00:00 UTC"
    )


def test_own_phone_uses_real_time_fresh_secrets_and_no_simulated_phone() -> None:
    course = Course(Mode.OWN_PHONE).with_user().with_mfa_enabled()

    assert isinstance(course.clock, SystemClock)
    assert course.phone is None and not course.simulated
    first = course.portal.start_authenticator_setup(TRAINING_LOGIN).secret
    second = course.portal.start_authenticator_setup(TRAINING_LOGIN).secret
    assert TRAINING_SECRET not in (first, second) and first != second and len(first) == 32
    before = course.portal.store.account(TRAINING_LOGIN)
    with pytest.raises(CourseError, match="do notebooks 03 to 05 with your phone first"):
        course.with_authenticator_saved()
    assert course.portal.store.account(TRAINING_LOGIN) == before
    with pytest.raises(CourseError, match="has no simulated phone"):
        course.phone_code()
    with pytest.raises(CourseError, match="real clock"):
        course.let_time_pass(30)
    assert course.describe().startswith("Mode: Your own phone.")


def test_starting_states_chain_through_the_public_api() -> None:
    course = Course().with_user()
    assert course.status().summary() == (
        "jordan.lee: MFA not enabled; not locked; failed attempts in a row: 0"
    )

    course.with_mfa_enabled()
    assert course.portal.can_set_up_authenticator(TRAINING_LOGIN)

    course.with_authenticator_saved()
    assert course.status().mfa_active
    assert course.phone_code() == format_code(Totp(TRAINING_SECRET).at(course.clock.now()))
    events = [event.event for event in course.portal.audit_trail(TRAINING_LOGIN)]
    assert events[-2:] == ["authenticator_setup_started", "security_settings_saved"]


def test_the_code_used_to_save_is_spent_until_time_passes() -> None:
    course = Course().with_user().with_mfa_enabled().with_authenticator_saved()
    challenge = course.portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    assert isinstance(challenge, SecurityCodeChallenge)

    with pytest.raises(CodeAlreadyUsed):
        course.portal.submit_security_code(challenge, course.phone_code())

    assert course.let_time_pass(DEFAULT_PROFILE.period) == "09:00:30 UTC"
    session = course.portal.submit_security_code(challenge, course.phone_code())
    assert session.used_mfa


def test_phone_code_needs_an_entry() -> None:
    with pytest.raises(CourseError, match="no SpectrumVoIP entry"):
        Course().with_user().phone_code()


def test_verdict_says_what_is_right_and_where_to_look_when_not() -> None:
    course = Course().with_user()

    good = course.verdict(mfa_enabled=False, failures=0, locked=False)
    bad = course.verdict(mfa_enabled=True, mfa_active=True)

    assert good.ok and str(good).splitlines() == [
        "✔ MFA is not enabled on the account",
        "✔ failed attempts in a row: 0",
        "✔ the account is not locked",
        "  Portal says: jordan.lee: MFA not enabled; not locked; failed attempts in a row: 0",
    ]
    assert not bad.ok
    first, second = str(bad).splitlines()[:2]
    assert first == (
        "✘ expected: MFA is enabled on the account — look at the Agent console: "
        "Find the Login Name, then click Enable MFA"
    )
    assert second.startswith("✘ expected: MFA is active (Google Authenticator saved) — look at")
    assert "Passcode" in second and "Current Password" in second


def test_a_missing_qr_code_points_at_set_up_only_and_a_waiting_one_at_save() -> None:
    course = Course().with_user().with_mfa_enabled()

    missing = course.verdict(setup_pending=True)
    assert not missing.ok
    assert str(missing).splitlines()[0] == (
        "✘ expected: a QR code is waiting to be saved — On the Profile page click your name → "
        "Profile → Set Up Google Authenticator. Do not click Save yet."
    )
    course.portal.start_authenticator_setup(TRAINING_LOGIN)
    waiting = course.verdict(setup_pending=False)
    assert not waiting.ok
    assert "click Save" in str(waiting).splitlines()[0]
    assert course.verdict(setup_pending=True).ok


def test_a_waiting_setup_is_kept_and_its_secret_known_until_save() -> None:
    course = Course().with_user().with_mfa_enabled()
    assert course.waiting_setup_secret() is None
    setup = course.portal.start_authenticator_setup(TRAINING_LOGIN)
    assert course.waiting_setup_secret() == setup.secret
    course.portal.save_security_settings(
        TRAINING_LOGIN, Totp(setup.secret).at(course.clock.now()), TRAINING_PASSWORD
    )
    assert course.waiting_setup_secret() is None


def test_verdict_follows_the_portal_as_it_changes() -> None:
    course = Course().with_user().with_mfa_enabled()
    for _ in range(5):
        with pytest.raises(PortalError):
            course.portal.log_in(TRAINING_LOGIN, "wrong")

    assert course.verdict(locked=True, failures=5).ok
    unlocked = course.verdict(locked=False)
    assert not unlocked.ok and "click Unlock" in str(unlocked)


def test_expect_prints_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    course = Course().with_user()

    assert course.expect(mfa_enabled=False) is None

    assert capsys.readouterr().out.startswith("✔ MFA is not enabled on the account\n")


def test_an_unknown_expectation_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="mfa_on"):
        Course().with_user().verdict(mfa_on=True)
    assert set(EXPECTABLE) == {"mfa_enabled", "mfa_active", "setup_pending", "failures", "locked"}


def test_expect_logged_in_reads_the_login_screen(capsys: pytest.CaptureFixture[str]) -> None:
    course = Course().with_user().with_mfa_enabled().with_authenticator_saved()
    course.let_time_pass(DEFAULT_PROFILE.period)
    screen = course.login_screen()

    screen.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    course.expect_logged_in(screen)
    screen.submit_security_code(course.phone_code())
    course.expect_logged_in(screen)

    first, second = capsys.readouterr().out.splitlines()
    assert first.startswith("✘ not logged in (the screen is on the security code page)")
    assert second == "✔ logged in as jordan.lee"


def test_screens_built_by_the_course_share_its_portal_and_phone() -> None:
    course = Course().with_user().with_mfa_enabled()
    profile = course.profile_screen()
    phone = course.phone_screen(camera=lambda: profile.qr_png)
    console = course.agent_console()

    profile.set_up_google_authenticator()
    phone.scan_qr_code()
    console.find(TRAINING_LOGIN)

    assert phone.codes == [(f"SpectrumVoIP ({TRAINING_LOGIN})", course.phone_code())]
    assert "setup started" in console.status_text
    with pytest.raises(CourseError):
        Course(Mode.OWN_PHONE).phone_screen()


def test_importing_the_course_stays_light() -> None:
    heavy = ("ipywidgets", "PIL", "zxingcpp")
    code = f"import mfa_kit.course, sys; print([m for m in {heavy!r} if m in sys.modules])"

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_own_phone_progress_carries_over_to_the_next_notebook(_private_practice_portal) -> None:
    """With a real phone the practice portal is the embedded SQLite file, so the entry the
    trainee scanned in one notebook still logs in in the next."""
    first = Course(Mode.OWN_PHONE).with_user().with_mfa_enabled()
    setup = first.portal.start_authenticator_setup(TRAINING_LOGIN)
    real_phone = Authenticator(first.clock)  # stands in for the trainee's phone
    real_phone.add_uri(setup.uri)
    first.portal.save_security_settings(
        TRAINING_LOGIN, real_phone.entries[0].code(), TRAINING_PASSWORD
    )
    first.portal.store.close()

    later = Course(Mode.OWN_PHONE).with_user().with_mfa_enabled().with_authenticator_saved()
    assert later.portal.store.path == str(_private_practice_portal)
    assert later.status().mfa_active
    assert later.portal.store.logins() == [TRAINING_LOGIN]
