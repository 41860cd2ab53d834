"""The documented training fixtures: one instant, one secret, one user.

They are published on purpose so every run of a notebook prints the same codes. Never use
them on a real account.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

TRAINING_INSTANT = datetime(2026, 1, 15, 9, 0, 0, tzinfo=UTC)
"""Simulated-phone mode starts here: 15 January 2026, 09:00:00 UTC."""

TRAINING_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - published on purpose
"""A public, 160-bit training setup key (32 base32 characters). Not secret by design."""

TRAINING_LOGIN = "jordan.lee"
TRAINING_DISPLAY_NAME = "Jordan Lee"
TRAINING_PASSWORD = "Practice-Only-2026"  # noqa: S105 - published on purpose
"""The practice user's password, printed in the course; the portal stores only its hash."""


class TrainingSecrets:
    """The secrets a training portal hands out, in a fixed order.

    The first is TRAINING_SECRET; each later one (a second click on Set Up Google
    Authenticator, a setup after an agent reset) is derived from it, so runs repeat exactly.
    """

    def __init__(self) -> None:
        self.issued = 0

    def __call__(self) -> str:
        self.issued += 1
        if self.issued == 1:
            return TRAINING_SECRET
        seed = hashlib.sha256(f"{TRAINING_SECRET}/{self.issued}".encode("ascii")).digest()[:20]
        return base64.b32encode(seed).decode("ascii")
