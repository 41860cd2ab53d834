"""Codes made by Debian's oathtool at shifted times: mfa-kit diagnose finds the shift.

oathtool computes each code independently of this kit; the diagnosis must place it within
one time step of the true shift, with the sign meaning "the phone's clock is ahead".
"""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta

import pytest

from mfa_kit.diagnose import EVIDENCE_LIMIT, chance_of_a_match_within
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


# --- the grid: −6 h … +6 h, the slow phones of the tickets, and −7 … +7 days ---------

HOURS = [*range(-6 * 3_600, 6 * 3_600 + 1, 2_345), -6 * 3_600, 6 * 3_600]
SLOW_PHONES = [-95, -180, -270]
# Whole days, and a bit less than three (not a whole number of steps).
DAYS = [d * 86_400 for d in range(-7, 8) if d] + [3 * 86_400 - 1_013, -3 * 86_400 + 1_013]


def matched_offset(data: dict) -> int:
    """Where the code matched: the verdict's own offset, else the first cause that has one."""
    if data["offset_seconds"] is not None:
        return data["offset_seconds"]
    return next(c["offset_seconds"] for c in data["causes"] if c["offset_seconds"] is not None)


def verdicts(data: dict) -> list[str]:
    return [cause["verdict"] for cause in data["causes"]]


@pytest.mark.parametrize("shift", HOURS + SLOW_PHONES + [95, 180, 270])
def test_oathtool_codes_within_six_hours_are_found_and_named(oathtool, shift):
    data = diagnose_json(oathtool_code(oathtool, shift))
    period = DEFAULT_PROFILE.period
    assert abs(matched_offset(data) - shift) <= period, data
    assert data["verdict"] == verdicts(data)[0]
    assert not any(c["possible"] for c in data["causes"])  # within 6 h a match is evidence
    if abs(shift) > 2 * period:
        assert data["verdict"] in ("CLOCK_DRIFT", "TIME_ZONE"), data
        assert "automatic date and time" in data["fix"]


@pytest.mark.parametrize("shift", SLOW_PHONES)
def test_a_slow_phone_is_never_only_told_to_type_faster(oathtool, shift):
    data = diagnose_json(oathtool_code(oathtool, shift))
    assert verdicts(data) == ["CLOCK_DRIFT", "EXPIRED"]
    drift = data["causes"][0]
    assert "Either the phone's clock is about" in drift["explanation"]
    assert "compare the time the phone shows with the exact time" in drift["explanation"]
    assert "automatic date and time" in drift["fix"]
    assert data["read_out"].index("automatic date and time") < data["read_out"].index(
        "Type the code as soon as"
    )


def test_a_phone_95_s_ahead_is_clock_drift_alone(oathtool):
    data = diagnose_json(oathtool_code(oathtool, 95))
    assert verdicts(data) == ["CLOCK_DRIFT"]


@pytest.mark.parametrize("shift", DAYS)
def test_oathtool_codes_days_off_are_found_and_two_codes_settle_them(oathtool, shift):
    period = DEFAULT_PROFILE.period
    data = diagnose_json(oathtool_code(oathtool, shift))
    found = matched_offset(data)
    drift = next(c for c in data["causes"] if c["verdict"] == "CLOCK_DRIFT")
    if abs(found - shift) > period:
        # A nearer step has the same code by chance (it happens: that is what the odds
        # say); the pair of codes below settles where the clock really is.
        assert abs(found) < abs(shift), data
    chance = chance_of_a_match_within(found // period, DEFAULT_PROFILE.digits)
    if chance > EVIDENCE_LIMIT:
        assert verdicts(data) == ["NO_MATCH", "CLOCK_DRIFT"]
        assert drift["possible"] and drift["odds"] == pytest.approx(chance)
        assert "A second code settles it" in drift["fix"]
    else:
        assert not drift["possible"]
    pair = diagnose_json_codes(oathtool_code(oathtool, shift), oathtool_code(oathtool, shift + 30))
    assert verdicts(pair) == ["CLOCK_DRIFT"], pair
    assert abs(pair["offset_seconds"] - shift) <= period
    assert not pair["causes"][0]["possible"] and pair["causes"][0]["odds"] < 1e-7


def diagnose_json_codes(first: str, second: str) -> dict:
    result = diagnose_secret(first, "--code", second, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
