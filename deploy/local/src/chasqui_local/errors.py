"""Errors raised while starting or stopping the local stack, each naming its cause."""

from __future__ import annotations


class StackError(Exception):
    """Base class: the local stack could not do what was asked; the message says why."""


class JavaNotFoundError(StackError):
    """No Java runtime could be found to run the Kafka broker."""


class JavaTooOldError(StackError):
    """The Java runtime found is older than Kafka 4.x supports."""


class MavenNotFoundError(StackError):
    """Maven is needed once, to fetch the Kafka jars, and is not installed."""


class JarFetchError(StackError):
    """Maven could not fetch the Kafka jars (usually: no network to Maven Central)."""


class PortInUseError(StackError):
    """A port the stack needs is held by a process that is not ours."""


class ProcessCrashedError(StackError):
    """A component exited while it was starting."""


class ReadinessTimeoutError(StackError):
    """A component is running but did not answer within its startup timeout."""


class StorageMismatchError(StackError):
    """Existing state on disk was made for a different configuration."""


class PostgresInitError(StackError):
    """initdb failed to create the PostgreSQL data directory."""
