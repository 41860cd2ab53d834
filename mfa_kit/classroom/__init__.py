"""A class on JupyterHub: roster, hub configuration, trainee logins and the trainer's dashboard.

Nothing here is imported by ``import mfa_kit``; JupyterHub loads only inside the hub's process.
"""

from __future__ import annotations

from pathlib import Path

TRAINER = "trainer"
"""The trainer's (admin) login on the hub; no trainee may use it."""

DEFAULT_PORT = 8000
IDLE_TIMEOUT_MINUTES = 60
"""A trainee server idle this long is shut down by jupyterhub-idle-culler; the work is kept."""

DASHBOARD_SERVICE = "dashboard"
COURSE_START = "00_start_here.ipynb"
STATE_VARIABLE = "MFA_KIT_CLASSROOM"
"""Set on every process a classroom starts (hub, proxy, services, trainee servers, kernels), so
``stop`` can find each of them by process id, and nothing else."""


def default_state() -> Path:
    """Where a classroom keeps its hub's state: ``~/mfa-kit-classroom``."""
    return Path.home() / "mfa-kit-classroom"
