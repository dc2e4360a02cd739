"""The event being handled, so that the events it causes carry its correlation and causation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from chasqui_common.envelope import Envelope

_current: ContextVar[Envelope | None] = ContextVar("chasqui_current_event", default=None)


def current_event() -> Envelope | None:
    return _current.get()


@contextmanager
def handling(envelope: Envelope) -> Iterator[None]:
    token = _current.set(envelope)
    try:
        yield
    finally:
        _current.reset(token)
