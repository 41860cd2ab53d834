"""Every "Check my work" judge: each mistake is ✘ with its hint, each right outcome ✔ whatever
came before it; and the Check my work box itself (label, recording, Show solution)."""

from __future__ import annotations

import pytest

from mfa_kit import checks
from mfa_kit.authenticator import Authenticator
from mfa_kit.checks import CheckResult
from mfa_kit.clock import FixedClock
from mfa_kit.otp import Totp, format_code
from mfa_kit.portal import Portal
from mfa_kit.progress import Progress
from mfa_kit.screens.agent import AgentConsole
from mfa_kit.screens.check import CHECK_LABEL, SOLUTION_LABEL, CheckMyWork
from mfa_kit.screens.login import LoginScreen
from mfa_kit.screens.profile import ProfileScreen
from mfa_kit.training import TRAINING_LOGIN, TRAINING_PASSWORD

OTHER = "sam.ortiz"


def assert_fails(result: CheckResult, *hint_words: str) -> None:
    assert not result.ok, str(result)
    assert result.hint, "a ✘ always says what to do next"
    for words in hint_words:
        assert words in result.hint, (words, result.hint)
    assert str(result).startswith("✘ ")


def assert_passes(result: CheckResult) -> None:
    assert result.ok, str(result)
    assert str(result).startswith("✔ ") and result.hint == ""


# --- 02: Enable MFA ---------------------------------------------------------------------------


def test_enable_mfa_not_done_says_find_then_enable(portal: Portal) -> None:
    console = AgentConsole(portal)
    assert_fails(
        checks.agent_enabled_mfa(portal, TRAINING_LOGIN, console),
        "type jordan.lee into Login Name and click Find, then click Enable MFA",
    )


def test_enable_mfa_found_but_not_enabled_says_click_enable(portal: Portal) -> None:
    console = AgentConsole(portal)
    console.find(TRAINING_LOGIN)
    result = checks.agent_enabled_mfa(portal, TRAINING_LOGIN, console)
    assert_fails(result, "click Enable MFA")
    assert "Find" not in result.hint


def test_enable_mfa_passes_after_a_mistyped_find_and_a_second_enable(portal: Portal) -> None:
    console = AgentConsole(portal)
    console.find("jordan.le")  # a typo first: the console says no such account
    assert console.error is not None
    console.find(TRAINING_LOGIN)
    console.enable_mfa()
    console.enable_mfa()
    assert_passes(checks.agent_enabled_mfa(portal, TRAINING_LOGIN, console))


# --- 03: the QR code on the Profile page ------------------------------------------------------


@pytest.fixture
def enabled(portal: Portal) -> Portal:
    portal.enable_mfa(TRAINING_LOGIN)
    return portal


def test_qr_check_on_the_home_page_points_at_the_name_menu(enabled: Portal) -> None:
    profile = ProfileScreen(enabled, TRAINING_LOGIN)
    assert_fails(
        checks.qr_code_shown(enabled, TRAINING_LOGIN, profile),
        "click Jordan Lee at the right of the top bar, then Profile",
    )


def test_qr_check_on_the_profile_page_without_a_qr_code_points_at_set_up(enabled: Portal) -> None:
    profile = ProfileScreen(enabled, TRAINING_LOGIN)
    profile.toggle_user_menu()
    profile.open_profile()
    assert_fails(
        checks.qr_code_shown(enabled, TRAINING_LOGIN, profile), "click Set Up Google Authenticator"
    )


def test_qr_check_passes_whatever_was_clicked_before(enabled: Portal) -> None:
    profile = ProfileScreen(enabled, TRAINING_LOGIN)
    profile.toggle_user_menu()
    profile.toggle_user_menu()
    profile.save("123456", "wrong")  # Save first, by mistake: refused
    profile.set_up_google_authenticator()
    profile.set_up_google_authenticator()  # twice: the page shows the newest QR code
    assert_passes(checks.qr_code_shown(enabled, TRAINING_LOGIN, profile))


def test_qr_check_when_the_page_shows_a_qr_code_the_portal_dropped(enabled: Portal) -> None:
    profile = ProfileScreen(enabled, TRAINING_LOGIN)
    profile.set_up_google_authenticator()
    enabled.start_authenticator_setup(TRAINING_LOGIN)  # another tab asked for a new one
    assert_fails(
        checks.qr_code_shown(enabled, TRAINING_LOGIN, profile), "click Set Up Google Authenticator"
    )


def test_qr_check_after_save_says_the_step_is_behind(enabled: Portal, phone: Authenticator) -> None:
    profile = ProfileScreen(enabled, TRAINING_LOGIN)
    profile.set_up_google_authenticator()
    entry = phone.scan_qr_code(profile.qr_png)
    profile.save(entry.code(), TRAINING_PASSWORD)
    assert_fails(checks.qr_code_shown(enabled, TRAINING_LOGIN, profile), "restart the notebook")


# --- 04: the phone's entry and the QR code shown now ------------------------------------------


@pytest.fixture
def shown(enabled: Portal) -> ProfileScreen:
    profile = ProfileScreen(enabled, TRAINING_LOGIN)
    profile.open_profile()
    profile.set_up_google_authenticator()
    return profile


def judge_phone(portal: Portal, profile: ProfileScreen, phone: Authenticator) -> CheckResult:
    return checks.phone_matches_qr(portal, TRAINING_LOGIN, profile, phone)


def test_phone_check_without_a_qr_code_points_at_set_up(
    enabled: Portal, phone: Authenticator
) -> None:
    profile = ProfileScreen(enabled, TRAINING_LOGIN)
    assert_fails(judge_phone(enabled, profile, phone), "click Set Up Google Authenticator")


def test_phone_check_without_an_entry_points_at_add_then_scan(
    enabled: Portal, shown: ProfileScreen, phone: Authenticator
) -> None:
    assert_fails(judge_phone(enabled, shown, phone), "tap Add, then Scan a QR code")


def test_scan_then_a_new_set_up_fails_with_the_older_qr_code_hint(
    enabled: Portal, shown: ProfileScreen, phone: Authenticator
) -> None:
    phone.scan_qr_code(shown.qr_png)
    assert_passes(judge_phone(enabled, shown, phone))
    shown.set_up_google_authenticator()  # the mistake the course warns about
    result = judge_phone(enabled, shown, phone)
    assert_fails(result, "delete the old SpectrumVoIP (jordan.lee) entry", "scan the QR code")
    assert "your phone's entry is from an older QR code" in result.message


def test_deleting_the_old_entry_and_scanning_the_new_qr_code_passes(
    enabled: Portal, shown: ProfileScreen, phone: Authenticator
) -> None:
    old = phone.scan_qr_code(shown.qr_png)
    shown.set_up_google_authenticator()
    phone.entries.remove(old)  # the app's Edit, then Delete
    phone.scan_qr_code(shown.qr_png)
    result = judge_phone(enabled, shown, phone)
    assert_passes(result)
    expected = format_code(
        Totp(enabled.store.account(TRAINING_LOGIN).pending_secret).at(phone.clock.now())
    )
    assert expected in result.message


def test_keeping_the_old_entry_beside_the_new_one_asks_to_delete_it(
    enabled: Portal, shown: ProfileScreen, phone: Authenticator
) -> None:
    phone.scan_qr_code(shown.qr_png)
    shown.set_up_google_authenticator()
    phone.scan_qr_code(shown.qr_png)
    result = judge_phone(enabled, shown, phone)
    assert_fails(result, "delete the older SpectrumVoIP (jordan.lee) entry")
    assert "1 entry from an older QR code" in result.message


def test_the_same_qr_code_scanned_twice_asks_to_delete_one(
    enabled: Portal, shown: ProfileScreen, phone: Authenticator
) -> None:
    phone.scan_qr_code(shown.qr_png)
    phone.scan_qr_code(shown.qr_png)
    assert_fails(judge_phone(enabled, shown, phone), "delete all but one")


def test_another_accounts_entry_on_the_phone_does_not_matter(
    enabled: Portal, shown: ProfileScreen, phone: Authenticator
) -> None:
    phone.enter_setup_key(OTHER, "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
    phone.scan_qr_code(shown.qr_png)
    assert_passes(judge_phone(enabled, shown, phone))


# --- 04 with the trainee's own phone: the code typed from the app -----------------------------


def test_typed_code_checks(enabled: Portal, clock: FixedClock) -> None:
    profile = ProfileScreen(enabled, TRAINING_LOGIN)
    assert_fails(
        checks.typed_code_matches_qr("123456", profile, clock.now()), "Set Up Google Authenticator"
    )
    first = profile.set_up_google_authenticator().secret
    second = profile.set_up_google_authenticator().secret
    now = clock.now()

    def judge(text: str) -> CheckResult:
        return checks.typed_code_matches_qr(text, profile, now, earlier=[first, second])

    assert_fails(judge("  "), "type the six digits")
    assert_fails(judge("12a456"), "type the six digits")
    older = judge(Totp(first).at(now))
    assert_fails(older, "delete the old SpectrumVoIP (jordan.lee) entry")
    wrong = format_code(str((int(Totp(second).at(now)) + 1) % 1_000_000).zfill(6))
    assert_fails(judge(wrong), "newest SpectrumVoIP (jordan.lee) entry")
    assert_passes(judge(format_code(Totp(second).at(now))))


# --- 05: Save ---------------------------------------------------------------------------------


def with_other_account_on_the_phone(portal: Portal, phone: Authenticator) -> None:
    portal.create_account(OTHER, "Another-Practice-2026", "Sam Ortiz")
    portal.enable_mfa(OTHER)
    phone.scan_qr_code(portal.start_authenticator_setup(OTHER).qr_png())


def judge_save(portal: Portal, profile: ProfileScreen, phone: Authenticator) -> CheckResult:
    return checks.security_settings_saved(portal, TRAINING_LOGIN, profile, phone)


def test_save_before_scanning_fails_and_says_scan_first(
    enabled: Portal, shown: ProfileScreen, phone: Authenticator
) -> None:
    shown.save("123 456", TRAINING_PASSWORD)
    result = judge_save(enabled, shown, phone)
    assert_fails(result, "scan the QR code first")
    assert "Save was clicked before scanning" in result.message


def test_a_passcode_from_the_other_accounts_entry_is_named(
    enabled: Portal, shown: ProfileScreen, phone: Authenticator
) -> None:
    with_other_account_on_the_phone(enabled, phone)
    phone.scan_qr_code(shown.qr_png)
    shown.passcode.value = phone.find(OTHER)[0].code()
    shown.current_password.value = TRAINING_PASSWORD
    shown.save_button.click()
    result = judge_save(enabled, shown, phone)
    assert_fails(result, "type the code the phone shows under SpectrumVoIP (jordan.lee)")
    assert "SpectrumVoIP (sam.ortiz)" in result.message


def test_a_refused_save_says_what_the_portal_said(
    enabled: Portal, shown: ProfileScreen, phone: Authenticator
) -> None:
    entry = phone.scan_qr_code(shown.qr_png)
    shown.save(entry.code(), "not the password")
    result = judge_save(enabled, shown, phone)
    assert_fails(result, "click Save again")
    assert "Current Password" in result.message


def test_save_passes_after_wrong_tries(
    enabled: Portal, shown: ProfileScreen, phone: Authenticator
) -> None:
    with_other_account_on_the_phone(enabled, phone)
    assert_fails(judge_save(enabled, shown, phone), "scan the QR code first")
    shown.save("000000", TRAINING_PASSWORD)
    entry = phone.scan_qr_code(shown.qr_png)
    shown.save(entry.code(), "wrong")
    shown.save(entry.code(), TRAINING_PASSWORD)
    assert_passes(judge_save(enabled, shown, phone))


def test_save_when_locked_points_at_unlock(
    enabled: Portal, shown: ProfileScreen, phone: Authenticator
) -> None:
    phone.scan_qr_code(shown.qr_png)
    for _ in range(enabled.policy.max_failures):
        shown.save("000000", TRAINING_PASSWORD)
    assert_fails(judge_save(enabled, shown, phone), "Unlock")


# --- 06: the login with the Security code -----------------------------------------------------


@pytest.fixture
def saved(enabled: Portal, phone: Authenticator, clock: FixedClock) -> Portal:
    setup = enabled.start_authenticator_setup(TRAINING_LOGIN)
    entry = phone.scan_qr_code(setup.qr_png())
    enabled.save_security_settings(TRAINING_LOGIN, entry.code(), TRAINING_PASSWORD)
    clock.advance(30)
    return enabled


def test_login_check_on_the_log_in_page_explains_the_whole_login(saved: Portal) -> None:
    screen = LoginScreen(saved)
    assert_fails(checks.logged_in(screen, TRAINING_LOGIN), "click Log In (not Log in with Google)")


def test_login_check_waiting_for_the_code(saved: Portal) -> None:
    screen = LoginScreen(saved)
    screen.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    assert_fails(checks.logged_in(screen, TRAINING_LOGIN), "into Security code and click Submit")


def test_a_security_code_from_the_other_account_is_named(
    saved: Portal, phone: Authenticator
) -> None:
    with_other_account_on_the_phone(saved, phone)
    screen = LoginScreen(saved)
    typed = checks.LastTyped(screen.security_code)
    screen.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    screen.security_code.value = phone.find(OTHER)[0].code()
    screen.submit_button.click()
    assert screen.security_code.value == ""  # the screen cleared it; the check still knows
    result = checks.logged_in(screen, TRAINING_LOGIN, phone, typed)
    assert_fails(result, "under SpectrumVoIP (jordan.lee)")
    assert "SpectrumVoIP (sam.ortiz)" in result.message


def test_login_passes_after_wrong_codes_first(saved: Portal, phone: Authenticator) -> None:
    screen = LoginScreen(saved)
    screen.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    screen.submit_security_code("000000")
    screen.submit_security_code("111111")
    screen.submit_security_code(phone.find(TRAINING_LOGIN)[0].code())
    result = checks.logged_in(screen, TRAINING_LOGIN, phone)
    assert_passes(result)
    assert "with the Security code" in result.message


# --- the Check my work box --------------------------------------------------------------------


def test_check_my_work_judges_at_each_click_and_records_it(tmp_path, portal: Portal) -> None:
    progress = Progress(tmp_path / "progress.sqlite3")
    console = AgentConsole(portal)
    box = CheckMyWork(
        "02_agent_enables_mfa",
        "enable-mfa",
        lambda: checks.agent_enabled_mfa(portal, TRAINING_LOGIN, console),
        progress,
        solution=checks.SOLUTIONS["enable-mfa"],
    )
    assert box.check_button.description == CHECK_LABEL == "Check my work"
    assert box.text == "[Check my work] not clicked yet"

    box.check_button.click()
    assert box.text.startswith("✘ MFA is not enabled for jordan.lee")
    assert "✘" in box.result_area.value and "Next:" in box.result_area.value
    console.find(TRAINING_LOGIN)
    console.enable_mfa()
    box.check_button.click()
    assert box.text.startswith("✔ MFA is enabled for jordan.lee")

    (check,) = progress.report()["notebooks"][0]["checks"]
    assert (check["name"], check["status"], check["attempts"]) == ("enable-mfa", "passed", 2)
    assert check["solution_opened"] is False


def test_show_solution_opens_the_words_and_records_it(tmp_path, portal: Portal) -> None:
    progress = Progress(tmp_path / "progress.sqlite3")
    box = CheckMyWork(
        "02_agent_enables_mfa",
        "enable-mfa",
        lambda: checks.agent_enabled_mfa(portal, TRAINING_LOGIN),
        progress,
        solution=checks.SOLUTIONS["enable-mfa"],
    )
    assert box.solution_button.description == SOLUTION_LABEL
    assert box.solution_area.layout.display == "none"
    box.solution_button.click()
    assert box.solution_area.layout.display is None
    assert "Enable MFA" in box.text
    assert not portal.status(TRAINING_LOGIN).mfa_enabled, "a solution is read, never executed"
    (check,) = progress.report()["notebooks"][0]["checks"]
    assert check["solution_opened"] is True and check["status"] == "not tried"


def test_a_judge_that_breaks_shows_a_sentence_and_records_nothing(tmp_path) -> None:
    progress = Progress(tmp_path / "progress.sqlite3")

    def broken() -> CheckResult:
        raise KeyError("profile")

    box = CheckMyWork("02_agent_enables_mfa", "enable-mfa", broken, progress)
    result = box.click()
    assert not result.ok and "run the cells above" in result.hint
    assert "Traceback" not in box.result_area.value
    assert progress.report()["notebooks"] == []
