"""Token bucket: at most `rate` sends per second per provider, with bursts up to `capacity`.

Pure: the caller passes the monotonic time, so tests need no sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    rate: float
    capacity: float
    tokens: float = field(default=-1.0)
    updated: float | None = None

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.capacity < 1:
            raise ValueError(
                f"token bucket needs rate > 0 and capacity >= 1, got rate={self.rate} "
                f"capacity={self.capacity}"
            )
        if self.tokens < 0:
            self.tokens = self.capacity

    def _refill(self, now: float) -> None:
        if self.updated is not None:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def take(self, now: float) -> float:
        """Take one token; returns 0 if granted, else the seconds to wait before asking again."""
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate
