"""A stand-in progress record for notebook tests: it remembers what a Check my work box
recorded, so a test can assert the exact results without a progress file."""

from __future__ import annotations

from typing import Any


class Spy:
    """A progress record that remembers what was recorded."""

    trainee = "Grace Hopper"

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def record_check(self, notebook: str, check: str, passed: bool, *, at: Any = None) -> None:
        self.calls.append(("check", notebook, check, passed))

    def solution_opened(self, notebook: str, check: str) -> None:
        self.calls.append(("solution", notebook, check))
