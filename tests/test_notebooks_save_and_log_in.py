"""Notebooks 05 and 06 judged by outcome: what the trainee did on the screens, in any order.

The notebooks run in this process as a trainee's Run All would (solved-only cells skipped);
the trainee's actions are done on the live screens after the exercise cell, as in the browser.
"""

from __future__ import annotations

from typing import Any

from mfa_kit.training import TRAINING_LOGIN, TRAINING_PASSWORD
from tests.test_notebooks import click_every_check, run

SAVE = "check:save-security-settings"
LOG_IN = "check:log-in-with-mfa"


def _log_in(namespace: dict[str, Any], *codes: str) -> None:
    login = namespace["login"]
    login.login_name.value = TRAINING_LOGIN
    login.password.value = TRAINING_PASSWORD
    login.log_in_button.click()
    for code in codes:
        login.security_code.value = code
        login.submit_button.click()


def _next_code(namespace: dict[str, Any]) -> str:
    namespace["phone"].wait_button.click()  # the code on the phone was used for Save
    return namespace["course"].phone_code()


def wrong_codes_then_the_right_one(namespace: dict[str, Any]) -> None:
    _log_in(namespace, "000 000", "123 456")
    _log_in(namespace, _next_code(namespace))


def logged_in_then_out(namespace: dict[str, Any]) -> None:
    _log_in(namespace, _next_code(namespace))
    namespace["login"].log_out_button.click()


def test_06_wrong_codes_first_still_pass_the_check_and_the_final_check() -> None:
    done = run("06_log_in_with_mfa", after={LOG_IN: wrong_codes_then_the_right_one})

    assert click_every_check(done) == "✔ Jordan is logged in with the Security code"
    final = done.output("final-check")
    assert "✘" not in final, final
    assert final.startswith("✔ Jordan is logged in with the Security code")
    assert "✔ failed attempts in a row: 0" in final


def test_06_never_says_logged_in_while_the_page_shows_log_in() -> None:
    out = run("06_log_in_with_mfa", after={LOG_IN: logged_in_then_out})

    assert out.namespace["login"].stage == "credentials"
    verdict = click_every_check(out)
    assert verdict.startswith("✘ Jordan is not logged in: the screen shows the Log In page")
    final = out.output("final-check")
    assert final.startswith("✘ Jordan is not logged in") and "✔ Jordan is logged in" not in final


def test_06_the_wrong_phone_code_is_named_when_it_is_another_accounts() -> None:
    def other_entry(namespace: dict[str, Any]) -> None:
        from mfa_kit.otp import format_code

        course = namespace["course"]
        other = course.phone.enter_setup_key("sam.other", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX7")
        namespace["phone"].refresh()
        _log_in(namespace, format_code(other.code()))

    out = run("06_log_in_with_mfa", after={LOG_IN: other_entry})

    assert click_every_check(out).startswith(
        "✘ the Security code came from the SpectrumVoIP (sam.other) entry, another account"
    )


def test_06_running_the_cells_after_a_finished_exercise_never_undoes_it() -> None:
    done = run("06_log_in_with_mfa", after={LOG_IN: wrong_codes_then_the_right_one})
    namespace = done.namespace
    # Shift+Enter on the audit-trail cell and the final check again.
    for source in ("story = course.agent_console()\nstory.find(course.login)",):
        exec(source, namespace)  # noqa: S102

    assert click_every_check(done) == "✔ Jordan is logged in with the Security code"


def save_after_a_wrong_password(namespace: dict[str, Any]) -> None:
    profile = namespace["profile"]
    profile.passcode.value = namespace["code_on_the_phone_now"]()
    profile.current_password.value = "not-the-password"
    profile.save_button.click()
    profile.passcode.value = namespace["code_on_the_phone_now"]()
    profile.current_password.value = TRAINING_PASSWORD
    profile.save_button.click()


def test_05_a_wrong_password_first_still_passes() -> None:
    done = run("05_save_security_settings", after={SAVE: save_after_a_wrong_password})

    assert click_every_check(done) == (
        "✔ your security settings are saved: MFA is active on the account"
    )
    assert "✘" not in done.output("final-check")


def test_05_an_empty_save_is_asked_for_and_not_counted() -> None:
    def empty_save(namespace: dict[str, Any]) -> None:
        namespace["profile"].save_button.click()

    out = run("05_save_security_settings", after={SAVE: empty_save})

    profile = out.namespace["profile"]
    assert profile.message == "Type the Passcode that Google Authenticator shows, then click Save."
    assert out.namespace["course"].status().failures == 0
    assert click_every_check(out).startswith("✘ Save was refused: Type the Passcode")


class Shown:
    """What the notebook displayed, with each screen's words at that moment."""

    def __init__(self) -> None:
        self.screens: list[tuple[Any, str]] = []

    def __call__(self, *objects: Any, **kwargs: Any) -> None:
        for shown in objects:
            if hasattr(shown, "text") and hasattr(shown, "frozen"):
                self.screens.append((shown, shown.text))

    def watch(self, namespace: dict[str, Any]) -> None:
        namespace["display"] = self


def test_explanatory_screens_are_pictures_that_keep_their_moment() -> None:
    for name, action, pictures in (
        ("05_save_security_settings", save_after_a_wrong_password, 3),
        ("06_log_in_with_mfa", wrong_codes_then_the_right_one, 4),
    ):
        shown = Shown()
        check = SAVE if name.startswith("05") else LOG_IN
        run(name, after={"starting-state": shown.watch, check: action})

        frozen = [(screen, text) for screen, text in shown.screens if screen.frozen]
        assert len(frozen) == pictures, name
        # After the exercise and the final check, each picture still says what it said.
        assert [screen.text for screen, _ in frozen] == [text for _, text in frozen]
        live = [screen for screen, _ in shown.screens if not screen.frozen]
        assert live and all(not screen.frozen for screen in live)
