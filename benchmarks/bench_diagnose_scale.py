"""Portal-mode diagnosis on a portal of 100,000 accounts, against the approach it replaced.

The old approach compared every wrong code with every other account's secret (±10 steps
each) and so called most random wrong codes OTHER_ACCOUNT at this size; the new one compares
only the customer's company, and only while a match would be evidence. Both run in this
process on the same database, interleaved, so machine load affects them alike.

Targets: a median of at most 0.2 s per diagnosis, and at most 1 of 20 random wrong codes
called OTHER_ACCOUNT.
"""

from __future__ import annotations

import base64
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mfa_kit.clock import FixedClock
from mfa_kit.diagnose import Verdict, diagnose_login
from mfa_kit.offsets import find_offsets
from mfa_kit.passwords import hash_password
from mfa_kit.portal import Portal
from mfa_kit.store import Store
from mfa_kit.training import TRAINING_INSTANT
from mfa_kit.vault import Vault, key_path, read_key

ACCOUNTS = 100_000
COMPANY_SIZE = 20
CODES = 20
OLD_CODES = 3  # the old scan takes seconds per code
MEDIAN_TARGET_S = 0.2
FALSE_BLAME_TARGET = 1


def build(path: Path, *, companies: bool) -> list[str]:
    Store(path).close()  # the schema and the sealing key, through the Store itself
    seal = Vault(read_key(key_path(path, None))).seal
    rng = random.Random(20260115)
    password_hash = hash_password("Not-Used-Here-2026")
    rows = []
    for number in range(ACCOUNTS):
        company = f"@company{number // COMPANY_SIZE}.example" if companies else ""
        login = f"user{number}{company}"
        secret = base64.b32encode(rng.randbytes(20)).decode()
        rows.append((login, login, password_hash, seal(secret, login, "secret")))
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO accounts (login, display_name, password_hash, mfa_enabled, secret)"
            " VALUES (?, ?, ?, 1, ?)",
            rows,
        )
    db.close()
    return [row[0] for row in rows]


def old_diagnosis(portal: Portal, login: str, code: str, at: float) -> Verdict:
    """The replaced approach, as it was: every other account's secret, then the clock."""
    policy = portal.policy
    for other in portal.store.logins():
        if other == login:
            continue
        account = portal.store.account(other)
        if account and account.secret:
            near = find_offsets(
                account.secret, code, at, window_steps=policy.expired_lookback_steps
            )
            if near:
                return Verdict.OTHER_ACCOUNT
    own = portal.store.account(login)
    find_offsets(own.secret, code, at, window_steps=2_880)  # type: ignore[union-attr]
    return Verdict.NO_MATCH


def timed(function, *args) -> tuple[Verdict, float]:
    started = time.perf_counter()
    result = function(*args)
    verdict = result.verdict if hasattr(result, "verdict") else result
    return verdict, time.perf_counter() - started


def main() -> int:
    at = TRAINING_INSTANT.timestamp()
    rng = random.Random(7)
    codes = [f"{rng.randrange(10**6):06d}" for _ in range(CODES)]
    status = 0
    with tempfile.TemporaryDirectory() as folder:
        for companies in (True, False):
            path = Path(folder) / f"portal-{companies}.sqlite3"
            started = time.perf_counter()
            logins = build(path, companies=companies)
            built = time.perf_counter() - started
            login = logins[54_321]
            with Store(path, read_only=True) as store:
                portal = Portal(store, FixedClock(TRAINING_INSTANT))
                new_times, old_times, new_blamed, old_blamed = [], [], 0, 0
                for number, code in enumerate(codes):
                    verdict, seconds = timed(diagnose_login, portal, login, code, at)
                    new_times.append(seconds)
                    new_blamed += verdict is Verdict.OTHER_ACCOUNT
                    if companies and number < OLD_CODES:
                        verdict, seconds = timed(old_diagnosis, portal, login, code, at)
                        old_times.append(seconds)
                        old_blamed += verdict is Verdict.OTHER_ACCOUNT
            scope = f"companies of {COMPANY_SIZE}" if companies else "one company"
            new_median = statistics.median(new_times)
            print(f"{ACCOUNTS:,} accounts, {scope} (built in {built:.1f} s)")
            print(
                f"  new: median {new_median * 1000:7.1f} ms, max {max(new_times) * 1000:7.1f} ms;"
                f" OTHER_ACCOUNT for {new_blamed} of {CODES} random wrong codes"
            )
            if old_times:
                old_median = statistics.median(old_times)
                print(
                    f"  old: median {old_median * 1000:7.1f} ms over {OLD_CODES} codes;"
                    f" OTHER_ACCOUNT for {old_blamed} of {OLD_CODES}"
                )
                print(f"  speed-up (median): {old_median / new_median:.0f}x")
            if new_median > MEDIAN_TARGET_S or new_blamed > FALSE_BLAME_TARGET:
                status = 1
    print(f"targets: median ≤ {MEDIAN_TARGET_S} s, ≤ {FALSE_BLAME_TARGET} of {CODES} blamed")
    return status


if __name__ == "__main__":
    sys.exit(main())
