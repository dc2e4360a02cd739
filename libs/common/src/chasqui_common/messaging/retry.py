"""Bounded exponential backoff, and which failures are worth retrying."""

from __future__ import annotations

import random
from dataclasses import dataclass

import asyncpg


class TransientError(Exception):
    """Raised by a handler to ask for a retry (e.g. a dependency answered 503)."""


_TRANSIENT_SQLSTATES = {
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "53300",  # too_many_connections
    "57P01",  # admin_shutdown
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now
}


def is_transient(exc: BaseException) -> bool:
    """Failures of the environment (network, database restart, contention), not of the message."""
    if isinstance(exc, TransientError | OSError | TimeoutError | ConnectionError):
        return True
    if isinstance(exc, asyncpg.PostgresConnectionError | asyncpg.InterfaceError):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        return getattr(exc, "sqlstate", None) in _TRANSIENT_SQLSTATES
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt n waits base * 2**(n-1), capped, with full jitter in its upper half."""

    max_attempts: int = 6
    base_delay: float = 0.2
    max_delay: float = 5.0

    def delay(self, attempt: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)
