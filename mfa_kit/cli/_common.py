"""What every mfa-kit command shares: the one-line error contract and argument parsing."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime

from ..otp import DEFAULT_PROFILE, DIGIT_CHOICES, Algorithm, TotpProfile

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the command line: reported as one line on stderr, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr and exit 2, never a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


_UNIX = re.compile(r"^-?\d+(\.\d+)?$")
LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()
"""TOTP time steps start in 1970; past 9999 no date can be printed."""


def parse_when(text: str) -> float:
    """WHEN: ISO 8601 with a zone (2026-01-01T09:00:00Z) or Unix seconds, 1970 to 9999."""
    text = (text or "").strip()
    if _UNIX.match(text):
        return _in_range(text, float(text))
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"cannot read the time {text!r}: use ISO 8601 with a zone, "
            "like 2026-01-15T09:00:00Z, or Unix seconds"
        ) from None
    if when.tzinfo is None:
        raise UsageError(
            f"the time {text!r} has no time zone: add Z for UTC or an offset like +02:00"
        )
    try:
        return _in_range(text, when.timestamp())
    except (OverflowError, ValueError):  # a year-1 time with an offset falls off the calendar
        raise UsageError(f"the time {text!r} must be between 1970 and 9999") from None


def _in_range(text: str, unix_seconds: float) -> float:
    if not 0 <= unix_seconds <= LATEST:  # also false for inf and nan
        raise UsageError(f"the time {text!r} must be between 1970 and 9999")
    return unix_seconds


def add_profile_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--algorithm",
        default=DEFAULT_PROFILE.algorithm.value,
        type=str.lower,
        choices=[algorithm.value for algorithm in Algorithm],
    )
    *most, last = map(str, DIGIT_CHOICES)
    parser.add_argument(
        "--digits", type=int, default=DEFAULT_PROFILE.digits, help=f"{', '.join(most)} or {last}"
    )
    parser.add_argument(
        "--period", type=int, default=DEFAULT_PROFILE.period, help="seconds per code"
    )


def profile_from(args: argparse.Namespace) -> TotpProfile:
    try:
        return TotpProfile(Algorithm.parse(args.algorithm), args.digits, args.period)
    except ValueError as problem:
        raise UsageError(str(problem)) from None
