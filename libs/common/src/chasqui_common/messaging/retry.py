"""Which failures come from the environment (retried without limit, the consumer paused) and which
from the message (dead-lettered), and the capped exponential backoff between attempts."""

from __future__ import annotations

import errno
import random
from dataclasses import dataclass

import asyncpg
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError


class TransientError(Exception):
    """Raised by a handler to ask for a retry (e.g. a dependency answered 503)."""


_TRANSIENT_SQLSTATES = {
    "25006",  # read_only_sql_transaction: a demoted primary during a failover
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "55P03",  # lock_not_available (lock_timeout)
    "53000",  # insufficient_resources
    "53100",  # disk_full
    "53200",  # out_of_memory
    "53300",  # too_many_connections
    "57P01",  # admin_shutdown
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now (starting up, shutting down, in recovery)
    "58000",  # system_error
    "58030",  # io_error
}

# OSErrors that are about files, not the network: a bug or the message's content, never an outage.
_LOCAL_OS_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)
_NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EPIPE,
    errno.ETIMEDOUT,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ENETDOWN,
    errno.EHOSTDOWN,
    errno.EADDRNOTAVAIL,
}


def is_transient(exc: BaseException) -> bool:
    """True for failures of the environment (network, database or broker down or restarting,
    pool exhausted, contention), which retrying the same message later fixes; False for failures
    the message causes (invalid data, a DomainError, a bug), which no retry fixes.

    Transient: `TransientError`; timeouts (`TimeoutError`, which `asyncio.TimeoutError` is, and
    asyncpg's command and connect timeouts raise); connection refused/reset/aborted and other
    network `OSError`s (not file errors such as `FileNotFoundError`); asyncpg's connection errors
    (`PostgresConnectionError`, class 08), `ConnectionDoesNotExistError` and an `InterfaceError`
    about a closed connection or pool; the SQLSTATEs of a server that is starting, shutting down,
    read-only, out of resources or of connections (`CannotConnectNowError`,
    `TooManyConnectionsError`, `AdminShutdownError`...), and serialization failures and deadlocks;
    and Kafka errors the client marks retriable (no leader, not enough replicas, timeouts) or a
    broker that cannot be reached.
    """
    if isinstance(exc, TransientError | TimeoutError | ConnectionError):
        return True
    if isinstance(exc, asyncpg.PostgresConnectionError | asyncpg.exceptions.ConnectionDoesNotExistError):
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        text = str(exc).lower()
        return "closed" in text or "closing" in text or "connection was lost" in text
    if isinstance(exc, asyncpg.PostgresError):
        return getattr(exc, "sqlstate", None) in _TRANSIENT_SQLSTATES
    if isinstance(exc, KafkaError):
        return bool(getattr(exc, "retriable", False)) or isinstance(
            exc, KafkaConnectionError | KafkaTimeoutError
        )
    if isinstance(exc, OSError):
        # asyncio reports a failed connect to several addresses as a bare OSError ("Multiple
        # exceptions: ..."), without errno: count every OSError but the file ones as the network's.
        if isinstance(exc, _LOCAL_OS_ERRORS):
            return False
        return exc.errno is None or exc.errno in _NETWORK_ERRNOS or "connect" in str(exc).lower()
    return False


def environment_reason(exc: BaseException) -> str:
    """A short label for what is unreachable, for the `reason` of `chasqui_consumer_paused`."""
    if isinstance(exc, KafkaError):
        return "broker_unavailable"
    if isinstance(exc, TransientError):
        return "dependency_unavailable"
    if isinstance(exc, asyncpg.PostgresError) and getattr(exc, "sqlstate", "") in {"40001", "40P01", "55P03"}:
        return "database_contention"
    if isinstance(exc, TimeoutError):
        return "database_timeout"
    return "database_unavailable"


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt n waits base * 2**(n-1), capped at `max_delay`, with full jitter in its upper half.

    `max_attempts` no longer bounds environment failures (they are retried until they pass); it
    is kept for callers that still count attempts (the dead letter's `dlq_attempts`)."""

    max_attempts: int = 6
    base_delay: float = 0.2
    max_delay: float = 5.0

    def delay(self, attempt: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** (min(attempt, 32) - 1))
        return random.uniform(ceiling / 2, ceiling)
