"""Secret-mode diagnosis and the offset finder: each verdict built from a phone with a clock."""

from __future__ import annotations

import hmac
import json
import random
from datetime import timedelta

import pyotp
import pytest

from mfa_kit.authenticator import STRICT_APP, Authenticator
from mfa_kit.clock import FixedClock, SkewedClock, to_unix
from mfa_kit.diagnose import (
    COINCIDENCE_LIMIT,
    Diagnosis,
    Verdict,
    chance_of_a_match_within,
    describe_duration,
    diagnose_code,
    find_offsets,
    time_zone_multiple,
)
from mfa_kit.offsets import (
    DEFAULT_WINDOW,
    find_offsets_near_to_far,
    matching_steps,
    window_steps_for,
)
from mfa_kit.otp import (
    DEFAULT_PROFILE,
    Algorithm,
    InvalidSecret,
    MalformedCode,
    Totp,
    TotpProfile,
    build_uri,
    decode_secret,
    hotp,
)
from mfa_kit.policy import DEFAULT_POLICY
from mfa_kit.training import TRAINING_INSTANT, TRAINING_LOGIN, TRAINING_SECRET, TrainingSecrets

AT = to_unix(TRAINING_INSTANT)
PERIOD = DEFAULT_PROFILE.period


def phone_code(offset_seconds: float, secret: str = TRAINING_SECRET) -> str:
    """The code a phone whose clock is off by ``offset_seconds`` shows at the training instant."""
    phone = Authenticator(SkewedClock(FixedClock(TRAINING_INSTANT), offset_seconds))
    return phone.enter_setup_key(TRAINING_LOGIN, secret).code()


def assert_no_secret_or_code(diagnosis: Diagnosis, code: str, secret: str = TRAINING_SECRET):
    for text in (diagnosis.explanation, diagnosis.fix, diagnosis.summary()):
        assert code not in text
        assert secret not in text


# --- the offset finder -------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", list(Algorithm))
@pytest.mark.parametrize("digits", [6, 8])
def test_finder_agrees_with_the_hotp_core_on_every_step(algorithm, digits):
    profile = TotpProfile(algorithm, digits, PERIOD)
    key = decode_secret(TRAINING_SECRET)
    centre = int(AT // PERIOD)
    for step in range(centre - 40, centre + 41):
        code = hotp(key, step, profile)
        found = matching_steps(key, code, centre, 40, profile)
        assert step in found
        assert all(hmac.compare_digest(hotp(key, s, profile), code) for s in found)


def test_finder_handles_a_key_longer_than_the_hash_block():
    # HMAC hashes keys longer than the block first; the precomputed pads must do the same.
    long_secret = TRAINING_SECRET * 5  # 100 bytes, more than SHA1's 64-byte block
    code = pyotp.TOTP(long_secret).at(AT + 90)
    assert find_offsets(long_secret, code, AT, window_steps=5)[0] == 3


@pytest.mark.parametrize("seconds", [-86_400, -7_200, -31, 0, 29, 45, 3_600, 86_400])
def test_finder_reports_signed_offset_positive_when_phone_is_ahead(seconds):
    offsets = find_offsets(TRAINING_SECRET, phone_code(seconds), AT)
    assert offsets[0] == (int(AT + seconds) // PERIOD) - int(AT // PERIOD)


def test_default_window_is_a_week_either_side_40321_steps():
    assert DEFAULT_WINDOW == timedelta(days=7)
    assert 2 * window_steps_for(DEFAULT_WINDOW) + 1 == 40_321
    assert window_steps_for(timedelta(minutes=90), TotpProfile(period=60)) == 90


def test_finder_does_not_look_past_the_window():
    code = phone_code(3_600)
    assert find_offsets(TRAINING_SECRET, code, AT, window_steps=119) == []
    assert find_offsets(TRAINING_SECRET, code, AT, window_steps=120) == [120]


def test_finder_sorts_nearest_first_and_negative_first_at_equal_distance():
    # Collisions of 6 digits inside a day are expected (about 0.5 % of codes).
    centre = int(AT // PERIOD)
    by_code = _steps_by_code(centre, window_steps_for(DEFAULT_WINDOW))
    repeated = [(c, s) for c, s in by_code.items() if len(s) > 1]
    assert repeated
    for code, steps in repeated[:5]:
        offsets = find_offsets(TRAINING_SECRET, code, AT)
        assert offsets == sorted((s - centre for s in steps), key=lambda o: (abs(o), o))


def test_finder_refuses_malformed_codes_and_bad_secrets():
    with pytest.raises(MalformedCode):
        find_offsets(TRAINING_SECRET, "12345", AT)
    with pytest.raises(InvalidSecret):
        find_offsets("not base32!", "123456", AT)


def test_finder_never_searches_before_the_epoch():
    code = Totp(TRAINING_SECRET).code_for_step(0)
    assert find_offsets(TRAINING_SECRET, code, 60, window_steps=10)[0] == -2


# --- one test per secret-mode verdict ------------------------------------------------------


@pytest.mark.parametrize("seconds, steps", [(0, 0), (29, 0), (-20, -1), (30, 1)])
def test_code_from_a_correct_phone_is_valid_now(seconds, steps):
    diagnosis = diagnose_code(TRAINING_SECRET, phone_code(seconds), AT)
    assert diagnosis.verdict is Verdict.VALID_NOW
    assert diagnosis.offset_steps == steps
    assert diagnosis.offset_seconds == steps * PERIOD


@pytest.mark.parametrize("seconds", [600, -900, 200, -3_000])
def test_phone_clock_off_by_minutes_is_clock_drift(seconds):
    code = phone_code(seconds)
    diagnosis = diagnose_code(TRAINING_SECRET, code, AT)
    assert diagnosis.verdict is Verdict.CLOCK_DRIFT
    assert diagnosis.offset_seconds == diagnosis.offset_steps * PERIOD
    assert abs(diagnosis.offset_seconds - seconds) < PERIOD
    assert ("ahead" if seconds > 0 else "behind") in diagnosis.explanation
    assert_no_secret_or_code(diagnosis, code)


@pytest.mark.parametrize(
    "seconds, words",
    [
        (3_600, "1 hour ahead"),
        (-3_600, "1 hour behind"),
        (-5 * 3_600 - 30 * 60, "5 hours 30 minutes behind"),
        (2 * 3_600 + 25, "2 hours ahead"),
        (9 * 3_600 - 20, "9 hours ahead"),
    ],
)
def test_offset_of_whole_hours_or_half_hours_is_time_zone(seconds, words):
    diagnosis = diagnose_code(TRAINING_SECRET, phone_code(seconds), AT)
    assert diagnosis.verdict is Verdict.TIME_ZONE
    assert abs(diagnosis.offset_seconds - seconds) < PERIOD
    assert words in diagnosis.explanation
    assert "time zone" in diagnosis.explanation


def test_time_zone_needs_the_offset_within_one_step_of_a_half_hour():
    assert time_zone_multiple(3_600 + PERIOD, PERIOD) == 2
    assert time_zone_multiple(3_600 + 2 * PERIOD, PERIOD) is None
    assert time_zone_multiple(1_800 - PERIOD, PERIOD) == 1
    assert time_zone_multiple(PERIOD * 10, PERIOD) is None


@pytest.mark.parametrize("late_steps", [2, 5, DEFAULT_POLICY.expired_lookback_steps])
def test_code_a_few_steps_late_is_a_slow_phone_or_a_late_read_and_says_how_to_tell(late_steps):
    code = phone_code(-late_steps * PERIOD)
    diagnosis = diagnose_code(TRAINING_SECRET, code, AT)
    assert diagnosis.verdicts == [Verdict.CLOCK_DRIFT, Verdict.EXPIRED]
    assert diagnosis.offset_steps == -late_steps
    assert diagnosis.offset_seconds == -late_steps * PERIOD
    drift, expired = diagnosis.causes
    assert "Either the phone's clock is about" in drift.explanation
    assert "compare the time the phone shows with the exact time" in drift.explanation
    assert "automatic date and time" in drift.fix
    assert "If the phone's clock is right" in expired.explanation
    assert not any(c.possible for c in diagnosis.causes)
    assert_no_secret_or_code(diagnosis, code)


@pytest.mark.parametrize("late_steps", [2, 5])
def test_the_phones_clock_seen_right_settles_a_late_code_as_expired(late_steps):
    code = phone_code(-late_steps * PERIOD)
    diagnosis = diagnose_code(TRAINING_SECRET, code, AT, phone_offset_seconds=0)
    assert diagnosis.verdicts == [Verdict.EXPIRED]
    assert "Type the code as soon as the app shows it" in diagnosis.fix


def test_the_phones_clock_seen_behind_settles_a_late_code_as_drift():
    code = phone_code(-95)
    diagnosis = diagnose_code(TRAINING_SECRET, code, AT, phone_offset_seconds=-95)
    assert diagnosis.verdicts == [Verdict.CLOCK_DRIFT]
    assert "2 minutes behind" in diagnosis.explanation  # -95 s falls in the step 120 s back
    assert "automatic date and time" in diagnosis.fix


def test_beyond_the_expired_band_a_slow_phone_is_clock_drift():
    steps = DEFAULT_POLICY.expired_lookback_steps + 1
    diagnosis = diagnose_code(TRAINING_SECRET, phone_code(-steps * PERIOD), AT)
    assert diagnosis.verdict is Verdict.CLOCK_DRIFT
    assert diagnosis.offset_steps == -steps


@pytest.mark.parametrize(
    "typed, words",
    [
        ("", "Nothing was typed"),
        ("   ", "Nothing was typed"),
        (None, "Nothing was typed"),
        ("abcdef", "other than the digits 0 to 9"),
        ("12345", "has 5 digits"),
        ("123456789", "has 9 digits"),
        ("\u0661\u0662\u0663\u0664\u0665\u0666", "another script"),
        ("１２３４５６", "another script"),
    ],
)
def test_input_that_cannot_be_a_code_is_malformed(typed, words):
    diagnosis = diagnose_code(TRAINING_SECRET, typed, AT)
    assert diagnosis.verdict is Verdict.MALFORMED
    assert diagnosis.offset_steps is None and diagnosis.offset_seconds is None
    assert words in diagnosis.explanation


def test_spaces_and_dashes_in_a_code_are_forgiven():
    code = phone_code(0)
    diagnosis = diagnose_code(TRAINING_SECRET, f"{code[:3]} {code[3:]}", AT)
    assert diagnosis.verdict is Verdict.VALID_NOW


@pytest.mark.parametrize(
    "profile",
    [
        TotpProfile(period=60),
        TotpProfile(digits=8),
        TotpProfile(algorithm=Algorithm.SHA256),
        TotpProfile(Algorithm.SHA512, 8, 60),
    ],
)
def test_google_authenticator_code_for_a_non_default_profile_is_app_ignores_profile(profile):
    clock = FixedClock(TRAINING_INSTANT)
    uri = build_uri(TRAINING_SECRET, TRAINING_LOGIN, profile=profile)
    google_code = Authenticator(clock).add_uri(uri).code()
    diagnosis = diagnose_code(TRAINING_SECRET, google_code, AT, profile=profile)
    assert diagnosis.verdict is Verdict.APP_IGNORES_PROFILE
    assert diagnosis.offset_steps == 0
    assert str(profile.period) in diagnosis.explanation
    # An app that honours the URI gets it right, and the same diagnosis says so.
    strict_code = Authenticator(clock, STRICT_APP).add_uri(uri).code()
    assert diagnose_code(TRAINING_SECRET, strict_code, AT, profile=profile).verdict is (
        Verdict.VALID_NOW
    )


def test_a_code_from_nowhere_is_no_match():
    secrets = TrainingSecrets()
    secrets()
    other_secret = secrets()  # the documented second training secret
    code = phone_code(0, secret=other_secret)
    assert find_offsets(TRAINING_SECRET, code, AT) == []  # no chance collision in the day
    diagnosis = diagnose_code(TRAINING_SECRET, code, AT, window=timedelta(minutes=10))
    assert diagnosis.verdict is Verdict.NO_MATCH
    assert diagnosis.offset_steps is None and diagnosis.offset_seconds is None
    assert "10 minutes" in diagnosis.explanation


def _steps_by_code(centre: int, reach: int) -> dict[str, list[int]]:
    totp = Totp(TRAINING_SECRET)
    steps: dict[str, list[int]] = {}
    for step in range(centre - reach, centre + reach + 1):
        steps.setdefault(totp.code_for_step(step), []).append(step)
    return steps


def test_ambiguous_match_picks_the_nearest_and_says_so():
    day = timedelta(days=1)
    centre = int(AT // PERIOD)
    by_code = _steps_by_code(centre, window_steps_for(day))
    code, steps = next((c, s) for c, s in by_code.items() if len(s) > 1)
    nearest = min((s - centre for s in steps), key=lambda o: (abs(o), o))
    diagnosis = diagnose_code(TRAINING_SECRET, code, AT, window=day)
    assert diagnosis.ambiguous
    assert diagnosis.offset_steps == nearest
    assert "nearest" in diagnosis.summary()


def test_bad_secret_is_the_callers_error_not_a_verdict():
    with pytest.raises(InvalidSecret):
        diagnose_code("1!1", "123456", AT)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        diagnose_code(TRAINING_SECRET, "123456", TRAINING_INSTANT.replace(tzinfo=None))


# --- the catalogue and the value object ------------------------------------------------------


def test_every_verdict_has_title_explanation_and_fix_in_plain_words():
    for verdict in Verdict:
        assert verdict.title and verdict.explanation and verdict.fix
        assert verdict.explanation.endswith(".") and verdict.fix.endswith(".")
    assert len({v.title for v in Verdict}) == len(Verdict)


def test_catalogue_states_the_30_second_period_not_the_articles_60():
    text = " ".join(f"{v.explanation} {v.fix}" for v in Verdict)
    assert f"every {PERIOD} seconds" in text
    assert "60 seconds" not in text


def test_agent_can_unlock_is_in_the_locked_fix():
    assert "Unlock" in Verdict.LOCKED.fix


def test_diagnosis_as_dict_is_json_ready():
    diagnosis = diagnose_code(TRAINING_SECRET, phone_code(600), AT)
    data = json.loads(json.dumps(diagnosis.as_dict()))
    assert data["verdict"] == "CLOCK_DRIFT"
    assert data["offset_steps"] == 20 and data["offset_seconds"] == 600
    assert data["explanation"] == diagnosis.explanation and data["fix"] == diagnosis.fix
    assert data["ambiguous"] is False


def test_plain_diagnosis_uses_the_catalogue_words():
    diagnosis = Diagnosis(Verdict.GOOGLE_LOGIN)
    assert diagnosis.explanation == Verdict.GOOGLE_LOGIN.explanation
    assert diagnosis.summary().startswith(Verdict.GOOGLE_LOGIN.title)


def test_durations_read_naturally():
    assert describe_duration(5_430) == "1 hour 30 minutes 30 seconds"
    assert describe_duration(-60) == "1 minute"
    assert describe_duration(0) == "0 seconds"


def test_phone_a_day_off_is_a_wrong_date_not_a_time_zone():
    seconds = -86_400
    diagnosis = diagnose_code(TRAINING_SECRET, phone_code(seconds), AT)
    assert diagnosis.verdicts == [Verdict.CLOCK_DRIFT]
    assert diagnosis.offset_seconds == seconds
    assert "its date is 1 day" in diagnosis.explanation
    assert not diagnosis.causes[0].possible
    assert diagnosis.causes[0].odds == pytest.approx(chance_of_a_match_within(2_880, 6))


@pytest.mark.parametrize("days", [2, 3, -3, 7, -7])
def test_a_single_code_days_off_is_a_possible_clock_cause_with_its_odds(days):
    seconds = days * 86_400
    code = phone_code(seconds)
    centre = int(AT // PERIOD)
    step = seconds // PERIOD
    if any(
        Totp(TRAINING_SECRET).code_for_step(centre + o) == code
        for o in range(-abs(step) + 1, abs(step))
    ):
        pytest.skip("a nearer chance match")  # not with the training secret at these days
    diagnosis = diagnose_code(TRAINING_SECRET, code, AT)
    assert diagnosis.verdicts == [Verdict.NO_MATCH, Verdict.CLOCK_DRIFT]
    no_match, drift = diagnosis.causes
    assert drift.possible and not no_match.possible
    assert drift.offset_seconds == seconds
    assert drift.odds == pytest.approx(chance_of_a_match_within(step, 6))
    assert f"about one time in {round(1 / drift.odds):,}" in drift.explanation
    assert "A second code settles it" in drift.fix
    assert "Check the date and time the phone shows" in drift.fix
    assert "not a clock problem" not in diagnosis.read_out
    assert "Second, possibly: The phone's clock is wrong." in diagnosis.read_out
    assert diagnosis.read_out.startswith("Here is what to put right and what to check")
    assert diagnosis.offset_steps is None  # the verdict itself rests on no match
    assert_no_secret_or_code(diagnosis, code)


@pytest.mark.parametrize("days", [-7, -3, 3, 7])
def test_two_consecutive_codes_days_off_settle_clock_drift(days):
    seconds = days * 86_400
    code, following = phone_code(seconds), phone_code(seconds + PERIOD)
    diagnosis = diagnose_code(TRAINING_SECRET, code, AT, next_code=following)
    assert diagnosis.verdicts == [Verdict.CLOCK_DRIFT]
    assert diagnosis.offset_seconds == seconds
    cause = diagnosis.causes[0]
    assert not cause.possible and cause.odds < 1e-7
    assert f"its date is {abs(days)} day" in cause.explanation
    assert "Two codes the app showed one after the other both match" in cause.explanation


def test_two_codes_that_do_not_follow_each_other_confirm_nothing():
    code, unrelated = phone_code(600), phone_code(600 + 5 * PERIOD)
    diagnosis = diagnose_code(TRAINING_SECRET, code, AT, next_code=unrelated)
    assert diagnosis.verdicts == [Verdict.CLOCK_DRIFT]
    assert diagnosis.offset_seconds == 600
    assert "do not confirm each other" in diagnosis.explanation


def test_no_match_says_only_what_was_searched():
    secrets = TrainingSecrets()
    secrets()
    code = phone_code(0, secret=secrets())
    diagnosis = diagnose_code(TRAINING_SECRET, code, AT, window=timedelta(hours=2))
    assert diagnosis.verdicts == [Verdict.NO_MATCH]
    assert "not off by 2 hours or less" in diagnosis.explanation
    assert "not a clock problem" not in diagnosis.read_out


def test_offsets_wider_than_any_two_time_zones_are_drift():
    assert time_zone_multiple(26 * 3_600, PERIOD) == 52
    assert time_zone_multiple(27 * 3_600, PERIOD) is None
    assert time_zone_multiple(24 * 3_600, PERIOD) is None


# --- a wide search finds wrong codes by chance ---------------------------------------------

WIDE = timedelta(days=30)


def test_a_minutes_off_phone_is_still_clock_drift_in_the_widest_search():
    diagnosis = diagnose_code(TRAINING_SECRET, phone_code(7 * 60), AT, window=WIDE)
    assert (diagnosis.verdict, diagnosis.offset_seconds) == (Verdict.CLOCK_DRIFT, 420)


def test_a_far_match_is_reported_as_a_likely_coincidence_not_a_clock():
    centre = int(AT // PERIOD)
    far = 12 * 86_400 // PERIOD + 7  # 12 days and 3.5 minutes ahead
    by_code = _steps_by_code(centre, far)
    code = Totp(TRAINING_SECRET).code_for_step(centre + far)
    assert by_code[code] == [centre + far]  # the only match: any nearer would be chosen first
    diagnosis = diagnose_code(TRAINING_SECRET, code, AT, window=WIDE)
    assert diagnosis.verdict is Verdict.NO_MATCH
    assert diagnosis.offset_steps is None and not diagnosis.ambiguous
    assert (
        "The nearest time it matches is 12 days 3 minutes 30 seconds later, but a wrong code "
        "matches that near by chance about one time in 14, so that is no proof of a clock "
        "problem"
    ) in diagnosis.explanation
    assert diagnosis.verdicts == [Verdict.NO_MATCH, Verdict.CLOCK_DRIFT]
    assert diagnosis.causes[1].possible and diagnosis.causes[1].offset_steps == far
    assert_no_secret_or_code(diagnosis, code)


def test_random_codes_in_a_30_day_search_are_rarely_a_confident_clock_verdict():
    """Codes that match by chance somewhere in 30 days (where is uniform): only the few that
    happen to fall near the typed time may get a clock verdict. A fixed seed, so no flakes;
    a full scan costs 0.1 s, so 30 codes rather than hundreds."""
    rng = random.Random(20260115)
    centre = int(AT // PERIOD)
    reach = window_steps_for(WIDE)
    by_code = _steps_by_code(centre, reach)
    confident = 0
    for _ in range(30):
        code = Totp(TRAINING_SECRET).code_for_step(centre + rng.randint(-reach, reach))
        nearest = min((step - centre for step in by_code[code]), key=lambda o: (abs(o), o))
        diagnosis = diagnose_code(TRAINING_SECRET, code, AT, window=WIDE)
        if chance_of_a_match_within(nearest, DEFAULT_PROFILE.digits) > COINCIDENCE_LIMIT:
            assert diagnosis.verdict is Verdict.NO_MATCH, nearest
            assert "no proof of a clock problem" in diagnosis.explanation
            assert diagnosis.causes[1].possible
        else:
            assert diagnosis.offset_steps == nearest
            confident += 1
    assert 0 < confident <= 5  # before the chance check all 30 were clock verdicts


@pytest.mark.parametrize(
    ("steps", "chance"), [(0, 1e-6), (1, 3e-6), (2_880, 0.005761), (5_000, 0.010001)]
)
def test_chance_of_a_match_counts_both_sides_and_the_step_itself(steps, chance):
    assert chance_of_a_match_within(steps, 6) == pytest.approx(chance)
    assert chance_of_a_match_within(-steps, 6) == pytest.approx(chance)


# --- near to far ------------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [0, -95, 600, -3_600, 2 * 86_400, -6 * 86_400])
def test_near_to_far_finds_the_nearest_match_of_the_full_search(seconds):
    code = phone_code(seconds)
    everywhere = find_offsets(TRAINING_SECRET, code, AT)
    offsets, reach = find_offsets_near_to_far(TRAINING_SECRET, code, AT)
    assert offsets[0] == everywhere[0]
    assert len(set(offsets)) == len(offsets)  # no step searched twice at a ring's edge
    assert set(offsets) == {o for o in everywhere if abs(o) <= reach}
    assert reach in (10, 2_880, window_steps_for(DEFAULT_WINDOW))


def test_near_to_far_reports_the_whole_window_when_nothing_matches():
    secrets = TrainingSecrets()
    secrets()
    code = phone_code(0, secret=secrets())
    assert find_offsets_near_to_far(TRAINING_SECRET, code, AT, window_steps=100) == ([], 100)
    with pytest.raises(ValueError, match="negative"):
        find_offsets_near_to_far(TRAINING_SECRET, code, AT, window_steps=-1)
