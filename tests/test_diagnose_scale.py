"""Statistics that hold at scale: 100,000 accounts, random wrong codes, one diagnosis each.

The database is built in the test with direct SQL inserts (seeded, so every run is the same);
the portal's own Store then reads it as it would any practice portal.
"""

from __future__ import annotations

import base64
import random
import sqlite3
import statistics
import time
from pathlib import Path

import pytest

from mfa_kit import errors
from mfa_kit.clock import FixedClock
from mfa_kit.diagnose import (
    EVIDENCE_LIMIT,
    Verdict,
    diagnose_login,
    expected_chance_matches,
    find_account,
    tenant_of,
)
from mfa_kit.otp import Totp
from mfa_kit.passwords import hash_password
from mfa_kit.portal import Portal
from mfa_kit.store import Store
from mfa_kit.training import TRAINING_INSTANT
from mfa_kit.vault import Vault, key_path, read_key

ACCOUNTS = 100_000
COMPANY_SIZE = 20
AT = TRAINING_INSTANT.timestamp()
WRONG_CODES = 20
TIME_LIMIT = 0.2


def build(path: Path, *, companies: bool, seed: int = 20260115) -> list[tuple[str, str]]:
    """A portal file with ACCOUNTS enrolled accounts; (login, secret) of each, in order."""
    Store(path).close()  # the schema and the sealing key, through the Store itself
    seal = Vault(read_key(key_path(path, None))).seal
    rng = random.Random(seed)
    password_hash = hash_password("Not-Used-Here-2026")
    rows = []
    for number in range(ACCOUNTS):
        company = f"@company{number // COMPANY_SIZE}.example" if companies else ""
        login = f"user{number}{company}"
        secret = base64.b32encode(rng.randbytes(20)).decode()
        rows.append((login, secret))
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO accounts (login, display_name, password_hash, mfa_enabled, secret)"
            " VALUES (?, ?, ?, 1, ?)",
            [
                (login, login, password_hash, seal(secret, login, "secret"))
                for login, secret in rows
            ],
        )
    db.close()
    return rows


@pytest.fixture(scope="module")
def one_company(tmp_path_factory) -> tuple[Path, list[tuple[str, str]]]:
    path = tmp_path_factory.mktemp("scale") / "one-company.sqlite3"
    return path, build(path, companies=False)


@pytest.fixture(scope="module")
def many_companies(tmp_path_factory) -> tuple[Path, list[tuple[str, str]]]:
    path = tmp_path_factory.mktemp("scale") / "many-companies.sqlite3"
    return path, build(path, companies=True)


def random_wrong_codes(seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.randrange(10**6):06d}" for _ in range(WRONG_CODES)]


def diagnose_each(path: Path, login: str, codes: list[str]) -> tuple[list[Verdict], float]:
    """The verdicts, and the median processor time of one diagnosis (processor time, not
    the wall clock: the machine running the tests may be busy with other work)."""
    with Store(path, read_only=True) as store:
        portal = Portal(store, FixedClock(TRAINING_INSTANT))
        verdicts, times = [], []
        for code in codes:
            started = time.process_time()
            diagnosis = diagnose_login(portal, login, code, AT)
            times.append(time.process_time() - started)
            verdicts.append(diagnosis.verdict)
    return verdicts, statistics.median(times)


def test_the_expected_chance_matches_are_accounts_times_steps_over_ten_to_the_digits():
    assert expected_chance_matches(100_000, 21, 6) == pytest.approx(2.1)
    assert (
        expected_chance_matches(19, 21, 6) < EVIDENCE_LIMIT < expected_chance_matches(1_000, 21, 6)
    )


def test_tenant_is_the_domain_of_the_login_name():
    assert tenant_of("ivy.drift@Acme.example") == "acme.example"
    assert tenant_of("jordan.lee") == ""
    assert tenant_of("@odd") == ""


def test_100000_accounts_in_one_company_never_blame_another_account(one_company):
    path, rows = one_company
    verdicts, median = diagnose_each(path, rows[12_345][0], random_wrong_codes(1))
    assert verdicts.count(Verdict.OTHER_ACCOUNT) <= 1, verdicts  # none: never evidence here
    assert Verdict.OTHER_ACCOUNT not in verdicts
    assert median <= TIME_LIMIT, f"{median:.3f} s per diagnosis"


def test_100000_accounts_in_companies_of_20_blame_another_account_only_on_evidence(
    many_companies,
):
    path, rows = many_companies
    login = rows[54_321][0]
    verdicts, median = diagnose_each(path, login, random_wrong_codes(2))
    assert verdicts.count(Verdict.OTHER_ACCOUNT) <= 1, verdicts
    assert median <= TIME_LIMIT, f"{median:.3f} s per diagnosis"
    # A code from a colleague's entry on the same phone is still found, and quickly.
    colleague_secret = rows[54_322][1]
    assert tenant_of(rows[54_322][0]) == tenant_of(login)
    code = Totp(colleague_secret).at(AT)
    found, median = diagnose_each(path, login, [code])
    assert found == [Verdict.OTHER_ACCOUNT]
    assert median <= TIME_LIMIT
    # Another company's entry is not looked at (and so not blamed).
    stranger = Totp(rows[0][1]).at(AT)
    assert diagnose_each(path, login, [stranger])[0] != [Verdict.OTHER_ACCOUNT]


def test_a_login_name_in_other_capitals_is_found_and_a_near_miss_is_named(many_companies):
    path, rows = many_companies
    login = rows[777][0]
    with Store(path, read_only=True) as store:
        portal = Portal(store, FixedClock(TRAINING_INSTANT))
        assert find_account(portal, login.upper()).login == login
        started = time.process_time()
        with pytest.raises(errors.AccountNotFound, match=f"did you mean {login}\\?"):
            find_account(portal, login.replace("user", "usr"))
        assert time.process_time() - started < 2
