"""The offset finder: at which time steps around the moment a code was typed it was valid.

Owns the fast search over a window of steps (±7 days by default, nearest steps first) behind
every diagnosis.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import struct
from datetime import timedelta

from .clock import to_unix
from .otp import DEFAULT_PROFILE, TotpProfile, decode_secret, normalise_code

DEFAULT_WINDOW = timedelta(days=7)
"""How far either side of the typed time the finder looks: a phone set to the wrong time
zone, day or week is still found. Searched near to far, so a near match costs microseconds
and the whole week (40,321 steps) a few tens of milliseconds."""

NEAR_TO_FAR = (timedelta(minutes=5), timedelta(days=1))
"""The rings searched before the whole window: the portal's expired band and a bit more,
then a day (every time zone). The first ring that holds a match ends the search."""

_TRUNCATE = 0x7FFFFFFF  # RFC 4226 §5.3: drop the sign bit of the dynamic truncation.
_COUNTER = struct.Struct(">Q")  # the counter as 8 big-endian bytes (RFC 4226 §5.2)
_WORD = struct.Struct(">I")  # the 4 bytes picked by the dynamic truncation


def window_steps_for(window: timedelta, profile: TotpProfile = DEFAULT_PROFILE) -> int:
    """The number of time steps either side of now that ``window`` covers (rounded up)."""
    seconds = window.total_seconds()
    if seconds < 0:
        raise ValueError("the search window cannot be negative")
    return math.ceil(seconds / profile.period)


class _KeyedHmac:
    """HMAC (RFC 2104) with the key schedule done once.

    A search computes thousands of HMACs under one key; hashing the padded key into the
    inner and outer states once and copying them per counter halves the cost of each code
    compared with ``hmac.digest``, which redoes that work on every call. The result is the
    same HMAC, checked against :func:`mfa_kit.otp.hotp` by the tests.
    """

    def __init__(self, key: bytes, algorithm: str) -> None:
        new = getattr(hashlib, algorithm)
        block = new().block_size
        if len(key) > block:
            key = new(key).digest()
        key = key.ljust(block, b"\0")
        self._inner = new(key.translate(bytes(b ^ 0x36 for b in range(256))))
        self._outer = new(key.translate(bytes(b ^ 0x5C for b in range(256))))

    def matches(self, first: int, last: int, digits: int, wanted: bytes) -> list[int]:
        """Counters from first to last whose code (as 4 big-endian bytes) equals ``wanted``.

        Every candidate is compared in constant time and the whole range is always scanned.
        The loop is written out flat because it is the hot path of every diagnosis.
        """
        # Bound methods and precompiled structs: attribute lookups and int conversions
        # cost as much as the hashing at this scale.
        inner_copy, outer_copy, modulus = self._inner.copy, self._outer.copy, 10**digits
        pack_counter, read_word = _COUNTER.pack, _WORD.unpack_from
        compare = hmac.compare_digest
        found = []
        for counter in range(first, last + 1):
            h = inner_copy()
            h.update(pack_counter(counter))
            o = outer_copy()
            o.update(h.digest())
            digest = o.digest()
            value = (read_word(digest, digest[-1] & 0x0F)[0] & _TRUNCATE) % modulus
            if compare(value.to_bytes(4, "big"), wanted):
                found.append(counter)
        return found

    def search(self, first: int, last: int, digits: int, wanted: int) -> list[int]:
        """Like :meth:`matches`, for a diagnosis rather than a verifier: a plain comparison
        (the time it takes tells nothing an agent does not already see), a third faster."""
        inner_copy, outer_copy, modulus = self._inner.copy, self._outer.copy, 10**digits
        pack_counter, read_word = _COUNTER.pack, _WORD.unpack_from
        found = []
        for counter in range(first, last + 1):
            h = inner_copy()
            h.update(pack_counter(counter))
            o = outer_copy()
            o.update(h.digest())
            digest = o.digest()
            if (read_word(digest, digest[-1] & 0x0F)[0] & _TRUNCATE) % modulus == wanted:
                found.append(counter)
        return found


def matching_steps(
    secret_or_key: str | bytes,
    code: str,
    centre: int,
    window_steps: int,
    profile: TotpProfile = DEFAULT_PROFILE,
) -> list[int]:
    """Every time step in ``centre ± window_steps`` whose code equals ``code``, ascending.

    ``code`` is what was typed; it is normalised first (MalformedCode if it cannot be a code
    of ``profile.digits`` digits). Each candidate is compared in constant time and the whole
    window is always scanned, so the run time does not depend on where (or whether) it
    matched.
    """
    if window_steps < 0:
        raise ValueError("window_steps cannot be negative")
    key = decode_secret(secret_or_key) if isinstance(secret_or_key, str) else bytes(secret_or_key)
    wanted = int(normalise_code(code, profile.digits)).to_bytes(4, "big")
    first = max(0, centre - window_steps)  # there is no time step before the Unix epoch
    last = centre + window_steps
    return _KeyedHmac(key, profile.algorithm.value).matches(first, last, profile.digits, wanted)


def find_offsets(
    secret_or_key: str | bytes,
    code: str,
    at: float,
    *,
    profile: TotpProfile = DEFAULT_PROFILE,
    window_steps: int | None = None,
) -> list[int]:
    """Signed step offsets (positive: the phone's clock is ahead) at which ``code`` was valid.

    ``at`` is when the code was typed (Unix seconds or an aware datetime). The offsets are
    sorted nearest first, and at equal distance the negative one (typed late) first.
    """
    if window_steps is None:
        window_steps = window_steps_for(DEFAULT_WINDOW, profile)
    centre = int(to_unix(at) // profile.period)
    steps = matching_steps(secret_or_key, code, centre, window_steps, profile)
    return sorted((step - centre for step in steps), key=lambda offset: (abs(offset), offset))


def find_offsets_near_to_far(
    secret_or_key: str | bytes,
    code: str,
    at: float,
    *,
    profile: TotpProfile = DEFAULT_PROFILE,
    window_steps: int | None = None,
) -> tuple[list[int], int]:
    """Like :func:`find_offsets`, but ring by ring from the typed time outwards (the rings of
    NEAR_TO_FAR, then the whole window): the offsets found in the first ring that holds a
    match, and the reach of that ring in steps (the whole window when nothing matched).

    A diagnosis is not a verifier, so stopping early leaks nothing: the portal's own check
    (:func:`matching_steps` over its window) stays constant-time.
    """
    if window_steps is None:
        window_steps = window_steps_for(DEFAULT_WINDOW, profile)
    if window_steps < 0:
        raise ValueError("window_steps cannot be negative")
    key = decode_secret(secret_or_key) if isinstance(secret_or_key, str) else bytes(secret_or_key)
    wanted = int(normalise_code(code, profile.digits))
    hmac_ = _KeyedHmac(key, profile.algorithm.value)
    centre = int(to_unix(at) // profile.period)
    reaches = sorted(
        {min(window_steps, window_steps_for(ring, profile)) for ring in NEAR_TO_FAR}
        | {window_steps}
    )
    done = None  # the reach already searched
    for reach in reaches:
        if done is None:
            spans = [(centre - reach, centre + reach)]
        else:
            spans = [(centre - reach, centre - done - 1), (centre + done + 1, centre + reach)]
        steps: list[int] = []
        for first, last in spans:
            first = max(0, first)  # there is no time step before the Unix epoch
            if first <= last:
                steps += hmac_.search(first, last, profile.digits, wanted)
        if steps:
            offsets = sorted((step - centre for step in steps), key=lambda o: (abs(o), o))
            return offsets, reach
        done = reach
    return [], window_steps
