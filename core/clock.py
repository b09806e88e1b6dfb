"""Injected time (STYLE habit 7): domain code takes a ``Clock``, tests pass a ``FixedClock``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Seconds since the epoch (NumericDate, RFC 7519 §2)."""
        ...


class SystemClock:
    def now(self) -> int:
        return int(time.time())


@dataclass
class FixedClock:
    """A clock that moves only when told to."""

    at: int

    def now(self) -> int:
        return self.at

    def advance(self, seconds: int) -> None:
        self.at += seconds
