"""Structural checks over the committed notebooks, and their exercises run without a kernel.

Files: valid, executed in order, free of errors and unknown secrets, every KB label in a
compared output, a mode switch in each hands-on notebook, a closing check cell. Exercises:
each check cell says ✘ with a hint when the step was skipped, and own-phone mode runs cleanly.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest

from mfa_kit import qr
from mfa_kit.authenticator import Authenticator
from mfa_kit.clock import SystemClock
from mfa_kit.otp import DEFAULT_PROFILE, ISSUER, SECRET_BYTES, Totp, decode_secret, parse_uri
from mfa_kit.progress import read_report
from mfa_kit.screens.check import CheckMyWork
from mfa_kit.store import DB_ENV
from mfa_kit.training import TRAINING_LOGIN, TRAINING_PASSWORD, TRAINING_SECRET, TrainingSecrets
from mfa_kit.workspace import (
    CHECK_PREFIX,
    HOME_ENV,
    SOLVED_ENV,
    SOLVED_ONLY,
    checks_in,
    course_notebooks,
    init_workspace,
    study_minutes,
    trainee_copy,
)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ALL_NOTEBOOKS = sorted(NOTEBOOKS.glob("*.ipynb"))
HANDS_ON = (
    "02_agent_enables_mfa",
    "03_set_up_google_authenticator",
    "04_add_account_in_authenticator",
    "05_save_security_settings",
    "06_log_in_with_mfa",
)
COURSE = ("00_start_here", "01_what_is_mfa", *HANDS_ON)

KB_LABELS = (
    "Profile",
    "Change Account Security",
    "Set Up Google Authenticator",
    "Passcode",
    "Current Password",
    "Save",
    "Login Name",
    "Password",
    "Log In",
    "Log in with Google",
    "Security code",
    "Submit",
    "Add",
    "Scan a QR code",
    ISSUER,
)

# nbval compares every output key except these (model ids are random, pictures are binary).
NOT_COMPARED = {"application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg"}


# Secrets that may appear in committed outputs: the public training secret and the ones the
# training portal derives from it (a notebook rarely needs more than a handful).
def _training_secrets(count: int) -> frozenset[str]:
    issue = TrainingSecrets()
    return frozenset(issue() for _ in range(count))


ALLOWED_SECRETS = _training_secrets(50)
assert TRAINING_SECRET in ALLOWED_SECRETS
BASE32_RUN = re.compile(r"[A-Z2-7]{32,}")
PNG_BASE64 = "iVBORw0KGgo"

# What each exercise's check cell must point at when the step was skipped.
SKIPPED_STEP_HINTS = {
    "02_agent_enables_mfa": "type jordan.lee into Login Name and click Find, then click Enable MFA",
    "03_set_up_google_authenticator": (
        "click Jordan Lee at the right of the top bar, then Profile, "
        "then Set Up Google Authenticator"
    ),
    "04_add_account_in_authenticator": "tap Add, then Scan a QR code",
    "05_save_security_settings": (
        "type the app's code into Passcode and the password into Current Password, click Save"
    ),
    "06_log_in_with_mfa": "click Log In (not Log in with Google)",
}


def notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def converted(name: str) -> bool:
    """Whether a notebook follows the course pattern (Check my work boxes, solved-only cells);
    the others still have a Solution cell that runs in simulated mode."""
    return bool(checks_in(notebook(name)))


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def tags(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def compared_texts(cell: nbformat.NotebookNode) -> Iterator[str]:
    """The output text nbval compares for a cell."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            yield output.get("text", "")
        for key, value in output.get("data", {}).items():
            if key not in NOT_COMPARED:
                yield value if isinstance(value, str) else str(value)


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def secrets_in(text: str) -> Iterator[str]:
    """Base32 secrets written in ``text``, or held by a PNG QR code encoded in it."""
    if text.startswith(PNG_BASE64):
        try:
            decoded = qr.decode(base64.b64decode(text))
        except (binascii.Error, qr.QrDecodeError):
            return
        if decoded.startswith("otpauth:"):
            yield parse_uri(decoded).secret.upper()
        return
    yield from BASE32_RUN.findall(text)


def name_of(path: Path) -> str:
    return path.stem


# ---------------------------------------------------------------------------------------------
# The files as committed


def test_the_course_notebooks_are_all_there() -> None:
    present = {path.stem for path in ALL_NOTEBOOKS}
    assert set(COURSE) <= present, f"missing: {sorted(set(COURSE) - present)}"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=name_of)
def test_notebook_is_valid_nbformat_with_a_python_kernel(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=name_of)
def test_notebook_is_committed_executed_top_to_bottom(path: Path) -> None:
    cells = code_cells(nbformat.read(path, as_version=4))
    assert cells, "a notebook without code cannot be checked"
    counts = [cell.execution_count for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), f"run it top to bottom, not {counts}"
    for cell in cells:
        for output in cell.outputs:
            if output.output_type == "execute_result":
                assert output.execution_count == cell.execution_count


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=name_of)
def test_no_output_is_an_error(path: Path) -> None:
    for index, cell in enumerate(code_cells(nbformat.read(path, as_version=4)), start=1):
        for output in cell.outputs:
            assert output.output_type != "error", f"code cell {index}: {output.get('ename')}"
            text = output.get("text", "") if output.output_type == "stream" else ""
            assert "Traceback (most recent call last)" not in text, f"code cell {index}"
        for text in compared_texts(cell):
            assert "Traceback (most recent call last)" not in text, f"code cell {index}"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=name_of)
def test_no_output_holds_a_secret_other_than_the_training_ones(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    places = [(f"code cell {i}", cell.outputs) for i, cell in enumerate(code_cells(nb), start=1)]
    places.append(("notebook metadata", dict(nb.metadata)))
    for where, value in places:
        for text in strings_in(value):
            for secret in secrets_in(text):
                assert secret in ALLOWED_SECRETS, f"{where} shows a non-training secret"


def test_the_secret_scan_catches_a_fresh_secret_in_text_and_in_a_qr_picture() -> None:
    fresh = Totp("KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU").secret
    assert list(secrets_in(f"secret={fresh}&issuer")) == [fresh]
    picture = base64.b64encode(qr.png_bytes(Totp(fresh).uri(TRAINING_LOGIN))).decode("ascii")
    assert list(secrets_in(picture)) == [fresh]
    assert fresh not in ALLOWED_SECRETS


def test_every_kb_label_appears_in_a_compared_output() -> None:
    texts = [
        text
        for path in ALL_NOTEBOOKS
        for cell in code_cells(nbformat.read(path, as_version=4))
        for text in compared_texts(cell)
    ]
    for label in KB_LABELS:
        pattern = re.compile(rf"(?<![\w]){re.escape(label)}(?![\w])")
        assert any(pattern.search(text) for text in texts), f"no compared output shows {label!r}"


@pytest.mark.parametrize("name", HANDS_ON)
def test_hands_on_notebook_has_one_mode_switch_at_the_top_set_to_simulated(name: str) -> None:
    nb = notebook(name)
    cells = code_cells(nb)
    switches = [c for c in cells if re.search(r"^MODE\s*=", c.source, flags=re.M)]
    assert len(switches) == 1, "exactly one cell sets MODE"
    switch = switches[0]
    assert "mode-switch" in tags(switch)
    assert re.search(r"^MODE = Mode\.SIMULATED_PHONE\b.*Mode\.OWN_PHONE", switch.source, flags=re.M)
    before = cells[: cells.index(switch)]
    assert all(re.fullmatch(r"(from [\w.]+ import [\w, ]+\n?)*", c.source) for c in before), (
        "only imports come before the switch"
    )
    if converted(name):
        assert switch.source.count("\n") == 0, "the trainee's one visible code line"
    explained = [c for c in nb.cells[: nb.cells.index(switch)] if c.cell_type == "markdown"]
    assert explained and "Mode.OWN_PHONE" in explained[-1].source


CONVERTED = [name for name in HANDS_ON if converted(name)]


def test_every_hands_on_notebook_follows_the_course_pattern() -> None:
    assert CONVERTED == list(HANDS_ON), "each has Check my work boxes and solved-only cells"


@pytest.mark.parametrize("name", CONVERTED)
def test_each_check_my_work_is_followed_by_its_solved_run_cell(name: str) -> None:
    cells = code_cells(notebook(name))
    for index, cell in enumerate(cells):
        names = [t.removeprefix(CHECK_PREFIX) for t in tags(cell) if t.startswith(CHECK_PREFIX)]
        if not names:
            continue
        made = re.search(r"check_my_work\(\s*\"([\w-]+)\"", cell.source)
        assert made and made.group(1) == names[0], "the tag names the check the cell makes"
        assert "solution=" in cell.source, "every exercise has a solution to read"
        solved = cells[index + 1]
        assert SOLVED_ONLY in tags(solved)
        assert solved.source.startswith("if course.solved:")
        shown = "".join(compared_texts(solved))
        assert shown.rstrip().splitlines()[-1].startswith("✔"), "the solved run passes the check"
    # Nothing but solved-only cells does an exercise: no Solution cell runs for a trainee.
    assert not [c for c in cells if "solution" in tags(c)]


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=name_of)
def test_notebook_ends_with_a_cell_that_shows_state_as_text(path: Path) -> None:
    last = code_cells(nbformat.read(path, as_version=4))[-1]
    assert "".join(compared_texts(last)).strip(), "the last code cell prints nothing to compare"


@pytest.mark.parametrize("name", COURSE)
def test_course_notebook_ends_with_a_passing_check_cell(name: str) -> None:
    last = code_cells(notebook(name))[-1]
    assert "final-check" in tags(last)
    shown = "".join(compared_texts(last))
    assert "✔" in shown and "✘" not in shown, shown


# ---------------------------------------------------------------------------------------------
# The exercises, run in this process (no kernel): what a trainee would see


@dataclass
class Run:
    """Outputs of the code cells run so far, by tag."""

    namespace: dict[str, Any] = field(default_factory=dict)
    printed: list[tuple[list[str], str]] = field(default_factory=list)

    def output(self, tag: str) -> str:
        found = [text for cell_tags, text in self.printed if tag in cell_tags]
        assert len(found) == 1, f"expected one cell tagged {tag!r}, ran {len(found)}"
        return found[0]


Action = Callable[[dict[str, Any]], None]


def run(
    name: str,
    *,
    mode: str = "SIMULATED_PHONE",
    instead_of: dict[str, Action] | None = None,
    after: dict[str, Action] | None = None,
    solved: bool = False,
) -> Run:
    """Run a notebook's code cells in order, as a trainee in ``mode`` would: solved-only
    cells are skipped, as they are missing from a trainee's copy (``solved``: the tests'
    solved run instead, with ``MFA_KIT_SOLVED=1``).

    ``instead_of[tag]`` replaces the cell with that tag (the trainee acting on the widgets, or
    doing nothing); ``after[tag]`` runs once that cell has run.
    """
    instead_of, after = instead_of or {}, after or {}
    previous = os.environ.pop(SOLVED_ENV, None)
    if solved:
        os.environ[SOLVED_ENV] = "1"
    try:
        return _run(name, mode, instead_of, after, solved)
    finally:
        os.environ.pop(SOLVED_ENV, None)
        if previous is not None:
            os.environ[SOLVED_ENV] = previous


def _run(
    name: str, mode: str, instead_of: dict[str, Action], after: dict[str, Action], solved: bool
) -> Run:
    if mode != "SIMULATED_PHONE":
        # Own-phone mode keeps the practice portal in a file: never the user's own one.
        assert os.environ.get(DB_ENV), f"{DB_ENV} must point at a test file"
    result = Run()
    result.namespace["display"] = lambda *objects, **kwargs: None
    for cell in code_cells(notebook(name)):
        cell_tags = tags(cell)
        if SOLVED_ONLY in cell_tags and not solved:
            continue
        source = cell.source
        if "mode-switch" in cell_tags:
            source = source.replace("Mode.SIMULATED_PHONE", f"Mode.{mode}", 1)
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            replaced = [tag for tag in cell_tags if tag in instead_of]
            if replaced:
                instead_of[replaced[0]](result.namespace)
            else:
                exec(compile(source, f"{name}:{cell.id}", "exec"), result.namespace)  # noqa: S102
            for tag in cell_tags:
                if tag in after:
                    after[tag](result.namespace)
        result.printed.append((cell_tags, buffer.getvalue()))
    return result


def check_boxes(result: Run) -> list[CheckMyWork]:
    return [value for value in result.namespace.values() if isinstance(value, CheckMyWork)]


def click_every_check(result: Run) -> str:
    """Click Check my work on every box the run left, as the trainee would; what they show."""
    return "\n".join(str(box.click()) for box in check_boxes(result))


@pytest.mark.parametrize("name", CONVERTED)
def test_the_solved_run_does_every_exercise(name: str) -> None:
    solved = run(name, solved=True)
    assert len(check_boxes(solved)) == len(checks_in(notebook(name)))
    assert all(box.last is not None and box.last.ok for box in check_boxes(solved))
    assert "✘" not in click_every_check(solved), "checking again never undoes an exercise"
    assert "✘" not in solved.output("final-check")


@pytest.mark.parametrize("name", CONVERTED)
def test_run_all_in_a_trainees_copy_does_no_exercise(name: str) -> None:
    untouched = run(name)
    boxes = check_boxes(untouched)
    assert [box.check for box in boxes] == checks_in(notebook(name))
    assert all(box.last is None for box in boxes), "Run All clicks no Check my work"
    verdicts = click_every_check(untouched)
    assert verdicts.count("✘") == len(boxes) and "✔" not in verdicts
    assert all(box.last.hint for box in boxes), "each ✘ says what to do next"
    if name in SKIPPED_STEP_HINTS:
        assert SKIPPED_STEP_HINTS[name] in verdicts
    assert "✘" in untouched.output("final-check")


@pytest.mark.parametrize("name", HANDS_ON)
def test_own_phone_mode_runs_without_errors_and_leaves_the_steps_to_the_trainee(name: str) -> None:
    own = run(name, mode="OWN_PHONE")
    course = own.namespace["course"]
    assert isinstance(course.clock, SystemClock) and course.phone is None
    assert "✔" not in click_every_check(own)


def scan_with_a_real_app(namespace: dict[str, Any]) -> Authenticator:
    """What the trainee's own phone does: Google Authenticator on the real time scans the QR."""
    app = Authenticator(SystemClock())
    app.scan_qr_code(namespace["profile"].qr_png)
    return app


def test_own_phone_qr_code_is_one_google_authenticator_accepts() -> None:
    own = run("03_set_up_google_authenticator", mode="OWN_PHONE", after={SHOW_QR: click_set_up})
    assert "✘" not in click_every_check(own)
    uri = qr.decode(own.namespace["profile"].qr_png)
    parsed = parse_uri(uri)
    assert parsed.label_issuer == parsed.issuer == ISSUER
    assert parsed.account == TRAINING_LOGIN
    assert re.fullmatch(r"[A-Z2-7]{32}", parsed.secret), "32 base32 characters, no padding"
    assert len(decode_secret(parsed.secret)) == SECRET_BYTES
    assert parsed.secret not in ALLOWED_SECRETS, "own-phone mode must use a fresh secret"
    assert parsed.profile() == DEFAULT_PROFILE
    app_checks = [text for _, text in own.printed if "issuer is SpectrumVoIP" in text]
    assert len(app_checks) == 1 and "✘" not in app_checks[0]
    assert app_checks[0].count("✔") == 5 and "✔ the URI linter has no findings" in app_checks[0]


def test_own_phone_code_typed_from_the_app_passes_the_check() -> None:
    def scan_and_type(namespace: dict[str, Any]) -> None:
        app = scan_with_a_real_app(namespace)
        namespace["your_code"].value = app.entries[0].code()

    own = run("04_add_account_in_authenticator", mode="OWN_PHONE", after={SCAN: scan_and_type})
    assert click_every_check(own).startswith("✔ your app's code matches")


def test_own_phone_code_of_another_secret_fails_the_check_with_a_hint() -> None:
    def type_training_code(namespace: dict[str, Any]) -> None:
        namespace["your_code"].value = Totp(TRAINING_SECRET).at(time.time())

    own = run("04_add_account_in_authenticator", mode="OWN_PHONE", after={SCAN: type_training_code})
    verdict = click_every_check(own)
    assert verdict.startswith("✘") and "newest SpectrumVoIP (jordan.lee) entry" in verdict


def test_own_phone_code_from_a_qr_code_replaced_by_a_new_set_up_is_named() -> None:
    def scan_then_set_up_again(namespace: dict[str, Any]) -> None:
        namespace["your_code"].value = scan_with_a_real_app(namespace).entries[0].code()
        namespace["profile"].set_up_button.click()

    own = run(
        "04_add_account_in_authenticator", mode="OWN_PHONE", after={SCAN: scan_then_set_up_again}
    )
    verdict = click_every_check(own)
    assert verdict.startswith("✘ your phone's entry is from an older QR code")


def save_with_the_app(apps: list[Authenticator]) -> Action:
    """The trainee scans the Profile page's QR code with their phone and saves with its code."""

    def act(namespace: dict[str, Any]) -> None:
        apps.append(scan_with_a_real_app(namespace))
        profile = namespace["profile"]
        profile.passcode.value = apps[-1].entries[0].code()
        profile.current_password.value = TRAINING_PASSWORD
        profile.save_button.click()

    return act


def submit_the_apps_next_code(apps: list[Authenticator]) -> Action:
    """The trainee waits for the app's next code (the one Save used is spent) and submits it;
    the portal already accepts it one step early."""

    def act(namespace: dict[str, Any]) -> None:
        secret = apps[-1].entries[0].secret
        namespace["login"].security_code.value = Totp(secret).at(
            time.time() + DEFAULT_PROFILE.period
        )
        namespace["login"].submit_button.click()

    return act


SHOW_QR = "check:show-qr-code"
SCAN = "check:scan-qr-code"
SAVE = "check:save-security-settings"
LOG_IN = "check:log-in-with-mfa"
SAVED = "✔ your security settings are saved"
LOGGED_IN = "✔ Jordan is logged in with the Security code"


def log_in_and_submit_the_apps_next_code(apps: list[Authenticator]) -> Action:
    """On 06's login page: Login Name, Password, Log In, then the app's next code."""
    submit = submit_the_apps_next_code(apps)

    def act(namespace: dict[str, Any]) -> None:
        login = namespace["login"]
        login.login_name.value = TRAINING_LOGIN
        login.password.value = TRAINING_PASSWORD
        login.log_in_button.click()
        submit(namespace)

    return act


def click_set_up(namespace: dict[str, Any]) -> None:
    namespace["profile"].set_up_button.click()


def save_in_notebook_05(apps: list[Authenticator]) -> Run:
    """Notebook 05 with the trainee's own phone, up to a successful Save."""
    done = run("05_save_security_settings", mode="OWN_PHONE", after={SAVE: save_with_the_app(apps)})
    assert click_every_check(done).startswith(SAVED)
    return done


def test_own_phone_save_with_the_apps_code_activates_mfa() -> None:
    own = save_in_notebook_05([])
    assert "✘" not in click_every_check(own)
    assert "✘" not in own.output("final-check")


def test_own_phone_login_after_a_setup_saved_in_the_same_notebook() -> None:
    apps: list[Authenticator] = []
    own = run(
        "06_log_in_with_mfa",
        mode="OWN_PHONE",
        after={
            "starting-state": save_with_the_app(apps),
            LOG_IN: log_in_and_submit_the_apps_next_code(apps),
        },
    )
    assert "scan this QR code" in own.output("starting-state")
    assert click_every_check(own) == LOGGED_IN
    assert "✘" not in own.output("final-check")


def test_own_phone_setup_saved_in_05_is_the_one_06_logs_in_with() -> None:
    apps: list[Authenticator] = []
    save_in_notebook_05(apps)
    own = run(
        "06_log_in_with_mfa",
        mode="OWN_PHONE",
        after={LOG_IN: log_in_and_submit_the_apps_next_code(apps)},
    )
    assert "saved in an earlier notebook" in own.output("starting-state")
    assert "profile" not in own.namespace, "no new QR code when the setup from 05 exists"
    assert click_every_check(own) == LOGGED_IN


def test_own_phone_notebook_02_starts_over_after_a_saved_setup() -> None:
    save_in_notebook_05([])
    own = run("02_agent_enables_mfa", mode="OWN_PHONE")
    assert "an agent switched it off" in own.output("starting-state")
    assert "jordan.lee: MFA not enabled; not locked" in own.output("starting-state")
    assert SKIPPED_STEP_HINTS["02_agent_enables_mfa"] in click_every_check(own)


def test_own_phone_notebook_03_starts_at_set_up_after_a_saved_setup() -> None:
    apps: list[Authenticator] = []
    save_in_notebook_05(apps)
    own = run("03_set_up_google_authenticator", mode="OWN_PHONE", after={SHOW_QR: click_set_up})
    assert "an agent reset MFA" in own.output("starting-state")
    assert "MFA enabled, not set up yet" in own.output("starting-state")
    assert "✘" not in click_every_check(own)
    shown = parse_uri(qr.decode(own.namespace["profile"].qr_png)).secret
    assert shown != apps[-1].entries[0].secret, "the new QR code holds a new secret"


def test_own_phone_notebook_04_final_check_asks_for_the_apps_code_until_it_is_typed() -> None:
    empty = run("04_add_account_in_authenticator", mode="OWN_PHONE")
    assert click_every_check(empty) == (
        "✘ the box is empty — type the six digits your app shows for SpectrumVoIP (jordan.lee)"
    )
    final = empty.output("final-check").splitlines()
    assert final[-1] == (
        "✘ the box is empty — type the six digits your app shows for SpectrumVoIP (jordan.lee)"
    )

    def scan_and_type(namespace: dict[str, Any]) -> None:
        namespace["your_code"].value = scan_with_a_real_app(namespace).entries[0].code()

    typed = run("04_add_account_in_authenticator", mode="OWN_PHONE", after={SCAN: scan_and_type})
    assert "✘" not in typed.output("final-check")
    assert typed.output("final-check").splitlines()[-1].startswith("✔ your app's code matches")


def scan_in_notebook_04(apps: list[Authenticator]) -> Run:
    """Notebook 04 with the trainee's own phone: the QR code scanned and its code typed."""

    def scan_and_type(namespace: dict[str, Any]) -> None:
        apps.append(scan_with_a_real_app(namespace))
        namespace["your_code"].value = apps[-1].entries[0].code()

    return run("04_add_account_in_authenticator", mode="OWN_PHONE", after={SCAN: scan_and_type})


def save_with_the_entry_from_04(apps: list[Authenticator]) -> Action:
    """The trainee saves with the entry scanned in notebook 04 (no new QR code to scan)."""

    def act(namespace: dict[str, Any]) -> None:
        profile = namespace["profile"]
        profile.passcode.value = apps[-1].entries[0].code()
        profile.current_password.value = TRAINING_PASSWORD
        profile.save_button.click()

    return act


def test_own_phone_notebook_05_keeps_the_qr_code_scanned_in_04() -> None:
    apps: list[Authenticator] = []
    scan_in_notebook_04(apps)
    own = run(
        "05_save_security_settings",
        mode="OWN_PHONE",
        after={SAVE: save_with_the_entry_from_04(apps)},
    )
    assert "the QR code you scanned in notebook 04 is still waiting" in own.output("starting-state")
    assert own.namespace["profile"].qr_png is None, "no third QR code to scan"
    assert click_every_check(own) == SAVED + ": MFA is active on the account"


def test_own_phone_notebook_06_finishes_the_setup_waiting_from_04_without_a_new_qr_code() -> None:
    apps: list[Authenticator] = []
    scan_in_notebook_04(apps)
    own = run(
        "06_log_in_with_mfa",
        mode="OWN_PHONE",
        after={
            "starting-state": save_with_the_entry_from_04(apps),
            LOG_IN: log_in_and_submit_the_apps_next_code(apps),
        },
    )
    assert "still waiting to be saved" in own.output("starting-state")
    assert own.namespace["profile"].qr_png is None
    assert click_every_check(own) == LOGGED_IN


def test_own_phone_notebook_06_without_a_setup_types_no_code_on_the_log_in_page() -> None:
    own = run("06_log_in_with_mfa", mode="OWN_PHONE")
    printed = "".join(text for _, text in own.printed)
    assert "The login page is not on the Security code step" in printed
    assert "This login has timed out" not in printed
    assert own.namespace["course"].status().failures == 0


# ---------------------------------------------------------------------------------------------
# The trainee's copy, as `mfa-kit lab` makes it, run top to bottom (Run All)

COURSE_FILES = [path.stem for path in course_notebooks(NOTEBOOKS)]


@pytest.fixture(scope="module")
def fresh_workspace(tmp_path_factory) -> Path:
    """One trainee's workspace as `mfa-kit course init` makes it; each test takes a copy."""
    return init_workspace(tmp_path_factory.mktemp("template") / "course", trainee="Test Trainee")


@pytest.mark.parametrize("name", COURSE_FILES)
def test_run_all_of_a_trainees_copy_has_no_error_and_leaves_every_exercise_undone(
    name: str, tmp_path: Path, monkeypatch, fresh_workspace: Path
) -> None:
    folder = Path(shutil.copytree(fresh_workspace, tmp_path / "course"))
    monkeypatch.delenv(SOLVED_ENV, raising=False)
    monkeypatch.delenv(HOME_ENV, raising=False)
    monkeypatch.chdir(folder)  # JupyterLab runs a kernel in its notebook's folder
    copy = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    namespace: dict[str, Any] = {"display": lambda *objects, **kwargs: None}
    for cell in code_cells(copy):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            exec(compile(cell.source, f"{name}:{cell.id}", "exec"), namespace)  # noqa: S102
        assert "Traceback" not in buffer.getvalue(), buffer.getvalue()
    boxes = [value for value in namespace.values() if isinstance(value, CheckMyWork)]
    assert [box.check for box in boxes] == checks_in(copy)
    report = read_report(folder)
    mine = [n for n in report["notebooks"] if n["name"] == name]
    assert all(c["status"] == "not tried" for n in mine for c in n["checks"])
    for box in boxes:
        assert not box.click().ok, f"{box.check} is done without the trainee"
    assert all(
        c["status"] == "failed" and c["attempts"] == 1
        for n in read_report(folder)["notebooks"]
        if n["name"] == name
        for c in n["checks"]
    )


@pytest.mark.parametrize("name", COURSE_FILES)
def test_a_trainees_copy_shows_one_code_input_at_most(name: str) -> None:
    copy = trainee_copy(notebook(name))
    shown = [c for c in code_cells(copy) if not c.metadata.get("jupyter", {}).get("source_hidden")]
    assert len(shown) <= 1, [c.source for c in shown]
    assert all("mode-switch" in tags(c) for c in shown)


TIMING = re.compile(
    r"\*About (\d+) minutes to study · (no exercises|(\d+) exercises?) · "
    r"Run All takes about (\d+) s\*"
)


@pytest.mark.parametrize("name", COURSE)
def test_the_notebook_states_its_measured_time_at_the_top(name: str) -> None:
    nb = notebook(name)
    stated = TIMING.search(nb.cells[0].source)
    assert stated, "the first cell says how long the notebook takes"
    minutes, _, exercises = study_minutes(nb)
    assert int(stated.group(1)) == minutes, "re-measure: the text changed"
    assert int(stated.group(3) or 0) == exercises
    assert 0 < int(stated.group(4)) <= 60


@pytest.mark.parametrize("name", CONVERTED)
def test_running_the_cells_after_a_finished_exercise_again_never_undoes_it(name: str) -> None:
    solved = run(name, solved=True)
    cells = code_cells(notebook(name))
    last_check = max(
        i for i, c in enumerate(cells) if any(t.startswith(CHECK_PREFIX) for t in tags(c))
    )
    for cell in cells[last_check + 2 :]:  # Shift+Enter through everything after the exercise
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(cell.source, f"{name}:{cell.id}", "exec"), solved.namespace)  # noqa: S102
    assert "✘" not in click_every_check(solved)
