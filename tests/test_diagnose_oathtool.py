"""Codes made by Debian's oathtool at shifted times: mfa-kit diagnose finds the shift.

oathtool computes each code independently of this kit; the diagnosis must place it within
one time step of the true shift, with the sign meaning "the phone's clock is ahead".
"""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta

import pytest

from mfa_kit.otp import DEFAULT_PROFILE, Algorithm, TotpProfile
from mfa_kit.training import TRAINING_INSTANT, TRAINING_SECRET

from .conftest import diagnose_secret, require_tool

# From −2 h to +2 h in uneven steps (so most shifts are not whole steps), plus ±1 h exactly.
SHIFTS = [*range(-7_200, 7_200, 1_111), 7_200, 3_600, -3_600, -61, -7, 0, 13, 44]


@pytest.fixture(scope="module")
def oathtool() -> str:
    return require_tool("oathtool", "MFA_KIT_REQUIRE_OATHTOOL")


def oathtool_code(oathtool: str, shift: int, profile: TotpProfile = DEFAULT_PROFILE) -> str:
    phone_time = TRAINING_INSTANT + timedelta(seconds=shift)
    result = subprocess.run(
        [
            oathtool,
            f"--totp={profile.algorithm.name}",
            "-d",
            str(profile.digits),
            "-s",
            f"{profile.period}s",
            "-b",
            "--now",
            f"{phone_time:%Y-%m-%d %H:%M:%S} UTC",
            TRAINING_SECRET,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return result.stdout.strip()


def diagnose_json(code: str, profile: TotpProfile = DEFAULT_PROFILE) -> dict:
    result = diagnose_secret(
        code,
        "--algorithm",
        profile.algorithm.value,
        "--digits",
        str(profile.digits),
        "--period",
        str(profile.period),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("shift", SHIFTS)
def test_offset_of_an_oathtool_code_is_found_within_one_step(oathtool, shift):
    data = diagnose_json(oathtool_code(oathtool, shift))
    period = DEFAULT_PROFILE.period
    assert data["offset_seconds"] == data["offset_steps"] * period
    assert abs(data["offset_seconds"] - shift) <= period, data
    if abs(shift) == 3_600:
        assert data["verdict"] == "TIME_ZONE"
        assert data["offset_seconds"] == shift  # the training instant is on a step boundary
    if abs(shift) < period:
        assert data["verdict"] == "VALID_NOW"


@pytest.mark.parametrize(
    "profile, shift",
    [
        (TotpProfile(Algorithm.SHA256, 8, 30), -3_600),
        (TotpProfile(Algorithm.SHA512, 6, 60), 5_000),
        (TotpProfile(Algorithm.SHA1, 7, 30), -1_234),
    ],
)
def test_other_profiles_agree_with_oathtool(oathtool, profile, shift):
    data = diagnose_json(oathtool_code(oathtool, shift, profile), profile)
    assert data["offset_seconds"] == data["offset_steps"] * profile.period
    assert abs(data["offset_seconds"] - shift) <= profile.period, data
