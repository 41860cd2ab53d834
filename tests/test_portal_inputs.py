"""Names and inputs: one Login Name per person whatever its spelling, no look-alikes, limits,
and hostile input answered with the portal's own refusals (never a crash), state unchanged.
"""

from __future__ import annotations

import dataclasses

import pytest

from mfa_kit import errors
from mfa_kit.names import MAX_LOGIN_LENGTH, mixed_scripts, normalise_login
from mfa_kit.otp import Totp
from mfa_kit.portal import MAX_CODE_LENGTH, MAX_PASSWORD_LENGTH, Portal
from mfa_kit.store import Store
from mfa_kit.training import TRAINING_LOGIN, TRAINING_PASSWORD, TrainingSecrets

from .portal_helpers import cheap_hash, quick_password_checks  # noqa: F401

# Login Names


@pytest.mark.parametrize(
    "typed",
    [
        "jordan.lee",
        "JORDAN.LEE",
        "Jordan.Lee",
        " jordan.lee ",
        "ｊｏｒｄａｎ.ｌｅｅ",
        "JORDAN．LEE",
    ],
)
def test_every_spelling_of_a_login_name_is_the_same_account(portal, typed):
    assert normalise_login(typed) == TRAINING_LOGIN
    assert portal.status(typed).login == TRAINING_LOGIN
    assert portal.log_in(typed, TRAINING_PASSWORD).login == TRAINING_LOGIN
    before = portal.store.logins()
    with pytest.raises(errors.AccountExists):
        portal.create_account(typed, "Another-Password-1")
    assert portal.store.logins() == before


def test_case_folding_is_full_not_just_lower_case():
    assert normalise_login("STRASSE") == normalise_login("straße") == "strasse"


@pytest.mark.parametrize(
    ("typed", "scripts"),
    [
        ("jоrdan.lee", "Cyrillic and Latin"),  # Cyrillic о
        ("jordan.lее", "Cyrillic and Latin"),
        ("αlex", "Greek and Latin"),
        ("pаypal", "Cyrillic and Latin"),
    ],
)
def test_a_look_alike_mixing_alphabets_is_refused_when_created(portal, typed, scripts):
    before = portal.store.logins()
    with pytest.raises(errors.InvalidAccountDetails, match=f"different alphabets \\({scripts}\\)"):
        portal.create_account(typed, "Password-1")
    assert portal.store.logins() == before


@pytest.mark.parametrize("name", ["иван.петров", "γιώργος", "ali.2026", "山田.太郎", "たなか"])
def test_names_in_one_alphabet_are_accepted(portal, name):
    assert mixed_scripts(name) == []
    assert portal.create_account(name, "Password-1").login == normalise_login(name)


def test_login_name_length_is_limited_to_64(portal):
    assert portal.create_account("a" * MAX_LOGIN_LENGTH, "Password-1").login == "a" * 64
    before = portal.store.logins()
    with pytest.raises(errors.InvalidAccountDetails, match="at most 64 characters"):
        portal.create_account("b" * (MAX_LOGIN_LENGTH + 1), "Password-1")
    with pytest.raises(errors.InvalidInput, match="Login Name is too long: at most 64"):
        portal.create_account("c" * 10_000_000, "Password-1")
    assert portal.store.logins() == before


def test_passwords_up_to_1024_characters_work(portal):
    long_password = "p" * MAX_PASSWORD_LENGTH
    portal.create_account("long.pw", long_password)
    assert portal.log_in("long.pw", long_password).login == "long.pw"
    with pytest.raises(errors.InvalidInput, match="Password is too long: at most 1024"):
        portal.log_in("long.pw", long_password + "p")


# hostile input, method by method

NOT_NAMES = [
    "",
    "   ",
    "\x00",
    "jordan.lee\x00",
    "\ud800",
    "jordan\udfff.lee",
    "a" * (MAX_LOGIN_LENGTH + 1),
    "a" * 10_000_000,
    "two words",
    "a:b",
    "\t",
    "line\nbreak",
    "\u202eeel.nadroj",
    "zero\u200bwidth",
    "jоrdan.lee",
    "'; DROP TABLE accounts; --",
]
NOT_PASSWORDS = [
    "",
    "\ud800",
    "pw\udc80",
    "p" * (MAX_PASSWORD_LENGTH + 1),
    "p" * 10_000_000,
    "\x00",
    # scrypt's HMAC pads the key with NUL bytes: this must not pass for the real password
    "Practice-Only-2026\x00",
]
WRONG_PASSWORDS = [" ", "'; --", "😀" * 300, "practice-only-2026", "Practice-Only-2026 "]
NOT_CODES = [
    "",
    "  ",
    "\x00",
    "12345\x00",
    "\ud800",
    "1" * (MAX_CODE_LENGTH + 1),
    "1" * 10_000_000,
    "١٢٣٤٥٦",
    "𝟏𝟐𝟑𝟒𝟓𝟔",
    "123 45",
    "abcdef",
    "-12345",
    "1e5678",
    "½½½½½½",
    "0x1234",
]
NOT_TOKENS = ["", "\x00", "\ud800", "t" * 300, "t" * 10_000_000, "forged-token"]
NON_STRINGS = [123, 1.5, b"jordan.lee", ["jordan.lee"], object()]


def snapshot(portal) -> dict[str, tuple]:
    db = portal.store._db
    tables = ("accounts", "challenges", "sessions", "audit", "attempts", "unknown_logins")
    return {
        table: tuple(tuple(r) for r in db.execute(f"SELECT * FROM {table}"))  # noqa: S608
        for table in tables
    }


@pytest.fixture
def stage(clock):
    """An enrolled user with a live MFA session and a half-finished login (built without the
    QR code round trip, which other tests cover: this fixture runs hundreds of times)."""
    portal = Portal(Store(":memory:"), clock, secret_factory=TrainingSecrets())
    portal.create_account(TRAINING_LOGIN, TRAINING_PASSWORD)
    portal.enable_mfa(TRAINING_LOGIN)
    totp = Totp(portal.start_authenticator_setup(TRAINING_LOGIN).secret)
    portal.save_security_settings(TRAINING_LOGIN, totp.at(clock.now()), TRAINING_PASSWORD)
    clock.advance(30)
    session = portal.submit_security_code(
        portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD), totp.at(clock.now())
    )
    clock.advance(30)
    challenge = portal.log_in(TRAINING_LOGIN, TRAINING_PASSWORD)
    portal.start_authenticator_setup(TRAINING_LOGIN, session=session)
    return portal, session, challenge


CALLS = {
    # label: (call, hostile inputs)
    "log_in/login": (lambda p, s, c, x: p.log_in(x, TRAINING_PASSWORD), NOT_NAMES),
    "log_in/password": (lambda p, s, c, x: p.log_in(TRAINING_LOGIN, x), NOT_PASSWORDS),
    "log_in/wrong password": (lambda p, s, c, x: p.log_in(TRAINING_LOGIN, x), WRONG_PASSWORDS),
    "submit/code": (lambda p, s, c, x: p.submit_security_code(c, x), NOT_CODES),
    "submit/token": (lambda p, s, c, x: p.submit_security_code(x, "123456"), NOT_TOKENS),
    "save/login": (
        lambda p, s, c, x: p.save_security_settings(x, "123456", TRAINING_PASSWORD, session=s),
        NOT_NAMES,
    ),
    "save/passcode": (
        lambda p, s, c, x: p.save_security_settings(
            TRAINING_LOGIN, x, TRAINING_PASSWORD, session=s
        ),
        NOT_CODES,
    ),
    "save/current password": (
        lambda p, s, c, x: p.save_security_settings(TRAINING_LOGIN, "123456", x, session=s),
        NOT_PASSWORDS,
    ),
    "save/session": (
        lambda p, s, c, x: p.save_security_settings(
            TRAINING_LOGIN, "123456", TRAINING_PASSWORD, session=x
        ),
        NOT_TOKENS,
    ),
    "setup/login": (lambda p, s, c, x: p.start_authenticator_setup(x, session=s), NOT_NAMES),
    "setup/session": (
        lambda p, s, c, x: p.start_authenticator_setup(TRAINING_LOGIN, session=x),
        NOT_TOKENS,
    ),
    "create/login": (lambda p, s, c, x: p.create_account(x, "Password-1"), NOT_NAMES),
    "create/password": (lambda p, s, c, x: p.create_account("new.user", x), NOT_PASSWORDS),
    "status": (lambda p, s, c, x: p.status(x), NOT_NAMES),
    "can_set_up": (lambda p, s, c, x: p.can_set_up_authenticator(x), NOT_NAMES),
    "enable_mfa": (lambda p, s, c, x: p.enable_mfa(x), NOT_NAMES),
    "reset_mfa": (lambda p, s, c, x: p.reset_mfa(x), NOT_NAMES),
    "disable_mfa": (lambda p, s, c, x: p.disable_mfa(x), NOT_NAMES),
    "unlock": (lambda p, s, c, x: p.unlock(x), NOT_NAMES),
    "unlock/actor": (
        lambda p, s, c, x: p.unlock(TRAINING_LOGIN, actor=x),
        ["\ud800", "a" * 10_000],
    ),
}
TABLE = [(label, index) for label, (_, inputs) in CALLS.items() for index in range(len(inputs))]
# Refusals that count a failure: the only change they make to an account is that count.
COUNTED = (
    errors.LoginFailed,
    errors.WrongCurrentPassword,
    errors.InvalidCode,
    errors.CodeExpired,
    errors.CodeAlreadyUsed,
)


def test_the_table_is_large_enough():
    assert len(TABLE) >= 60
    print(f"{len(TABLE)} hostile inputs, {len(CALLS) * len(NON_STRINGS)} non-strings")


@pytest.mark.parametrize(("label", "index"), TABLE, ids=[f"{lb}-{i}" for lb, i in TABLE])
def test_hostile_input_is_refused_by_the_portal_and_changes_nothing(stage, label, index):
    portal, session, challenge = stage
    call, inputs = CALLS[label]
    hostile = inputs[index]
    before = snapshot(portal)
    account_before = portal.store.account(TRAINING_LOGIN)
    with pytest.raises(errors.PortalError) as refused:
        call(portal, session, challenge, hostile)
    problem = refused.value
    assert str(problem) and "Traceback" not in str(problem)
    after = snapshot(portal)
    if isinstance(problem, (errors.MissingInput, errors.InvalidInput)):
        assert after == before  # nothing written at all, not even an audit line
        return
    assert after["sessions"] == before["sessions"]
    if isinstance(problem, COUNTED):
        # a wrong guess: counted, and nothing else changes
        account = portal.store.account(TRAINING_LOGIN)
        if label.startswith("log_in/login"):
            assert account == account_before  # counted under the unknown name, not here
        else:
            assert account == dataclasses.replace(
                account_before, failures=account_before.failures + 1
            )
    else:
        assert after["accounts"] == before["accounts"]
        assert after["unknown_logins"] == before["unknown_logins"]
        if not isinstance(problem, errors.MalformedSecurityCode):
            assert after["attempts"] == before["attempts"]


@pytest.mark.parametrize("label", list(CALLS))
def test_a_non_string_is_a_type_error_that_names_the_parameter(stage, label):
    portal, session, challenge = stage
    call, _ = CALLS[label]
    before = snapshot(portal)
    for value in NON_STRINGS:
        with pytest.raises(TypeError, match=rf"must be a str, not {type(value).__name__}"):
            call(portal, session, challenge, value)
    assert snapshot(portal) == before


def test_log_out_with_a_hostile_token_ends_nothing(stage):
    portal, _, _ = stage
    before = snapshot(portal)
    for token in NOT_TOKENS:
        try:
            assert portal.log_out(token) is False
        except errors.InvalidInput:
            pass
    assert snapshot(portal) == before


def test_audit_trail_refuses_a_bad_limit(stage):
    portal, _, _ = stage
    with pytest.raises(TypeError, match="limit must be an int"):
        portal.audit_trail(TRAINING_LOGIN, limit="3")
    with pytest.raises(errors.InvalidInput):
        portal.audit_trail(TRAINING_LOGIN, limit=-1)
    with pytest.raises(errors.InvalidInput):
        portal.audit_trail(TRAINING_LOGIN, limit=2**70)
    with pytest.raises(errors.InvalidInput):
        portal.audit_trail("\ud800")
