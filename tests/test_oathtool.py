"""Agreement with an independent TOTP implementation: Debian's oathtool."""

from __future__ import annotations

import base64
import random
import subprocess

import pytest

from mfa_kit.otp import Algorithm, Totp, TotpProfile

from .conftest import require_tool

CASES = 240
SEED = 6238  # fixed, so a failure names a case that can be rerun


def _cases():
    rng = random.Random(SEED)
    for index in range(CASES):
        key = rng.randbytes(rng.choice([10, 16, 20, 32, 64]))
        yield pytest.param(
            base64.b32encode(key).decode("ascii").rstrip("="),
            rng.randrange(0, 4_102_444_800),  # 1970 … 2100
            rng.choice(list(Algorithm)),
            rng.choice([6, 7, 8]),
            rng.choice([30, 30, 60]),
            id=f"case{index}",
        )


@pytest.fixture(scope="module")
def oathtool() -> str:
    return require_tool("oathtool", "MFA_KIT_REQUIRE_OATHTOOL")


@pytest.mark.parametrize(("secret", "at", "algorithm", "digits", "period"), list(_cases()))
def test_codes_agree_with_oathtool(oathtool, secret, at, algorithm, digits, period):
    expected = subprocess.run(
        [
            oathtool,
            f"--totp={algorithm.name}",
            "--base32",
            f"--digits={digits}",
            f"--time-step-size={period}s",
            f"--now=@{at}",
            secret,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Totp(secret, TotpProfile(algorithm, digits, period)).at(at) == expected


def test_the_cases_cover_every_algorithm_and_length():
    params = [p.values for p in _cases()]
    assert {p[2] for p in params} == set(Algorithm)
    assert {p[3] for p in params} == {6, 7, 8}
    assert len(params) >= 200
