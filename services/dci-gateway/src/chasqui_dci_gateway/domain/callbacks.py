"""Callback delivery policy: when a failed callback is tried again. It is never given up: after
`FAILING_AFTER` attempts it is reported as failing (for operators) and keeps being retried at
the longest interval, so a receiver that comes back gets every callback, in order of creation."""

from __future__ import annotations

BASE_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 300.0
FAILING_AFTER = 10


def retry_delay(attempts: int, *, base: float = BASE_DELAY_SECONDS, cap: float = MAX_DELAY_SECONDS) -> float:
    """Seconds before attempt `attempts + 1`: exponential from `base`, at most `cap`."""
    exponent: int = max(0, min(attempts - 1, 30))
    return float(min(cap, base * float(2**exponent)))
