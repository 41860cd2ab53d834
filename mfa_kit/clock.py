"""Time as a dependency.

The portal and the phone never read the wall clock themselves: they are handed a clock, so
training runs and tests are repeatable and a phone can be given a clock that is wrong.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Anything that can tell the current time in Unix seconds."""

    def now(self) -> float:
        """Return the current time as Unix seconds (UTC)."""
        ...


def to_unix(when: float | int | datetime) -> float:
    """Unix seconds for a number or a timezone-aware datetime."""
    if isinstance(when, datetime):
        if when.tzinfo is None:
            # A naive datetime is ambiguous by hours: exactly the bug this kit teaches about.
            raise ValueError("a datetime needs a time zone (for example 2026-01-15T09:00:00Z)")
        return when.timestamp()
    return float(when)


def to_datetime(unix_seconds: float) -> datetime:
    """The UTC datetime for Unix seconds."""
    return datetime.fromtimestamp(unix_seconds, tz=UTC)


def until_text(unix_seconds: float) -> str:
    """When something ends, to the minute, as a person reads it: "2026-01-15 09:16 UTC".

    Rounded up, so that "locked until 09:16" is never still locked at 09:16. A lock that
    only an agent ends (infinity) reads "until a Technical Support Agent unlocks it".
    """
    if math.isinf(unix_seconds) and unix_seconds > 0:
        return "a Technical Support Agent unlocks it"
    return to_datetime(math.ceil(unix_seconds / 60) * 60).strftime("%Y-%m-%d %H:%M UTC")


class SystemClock:
    """The real time of this computer."""

    def now(self) -> float:
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that stands still until it is moved by hand (training and tests)."""

    def __init__(self, at: float | int | datetime) -> None:
        self._now = to_unix(at)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward (or back, with a negative number); return the new time."""
        self._now += seconds
        return self._now

    def set(self, at: float | int | datetime) -> None:
        """Jump to another instant."""
        self._now = to_unix(at)

    def __repr__(self) -> str:
        return f"FixedClock({to_datetime(self._now).isoformat()})"


class SkewedClock:
    """A clock that runs off another by a fixed number of seconds (a phone set wrong).

    A positive offset means this clock is ahead of the base clock.
    """

    def __init__(self, base: Clock, offset_seconds: float) -> None:
        self.base = base
        self.offset_seconds = float(offset_seconds)

    def now(self) -> float:
        return self.base.now() + self.offset_seconds

    def __repr__(self) -> str:
        return f"SkewedClock({self.base!r}, {self.offset_seconds:+g} s)"
