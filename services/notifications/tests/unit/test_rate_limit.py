"""Token bucket per provider: bursts up to capacity, then `rate` per second."""

from __future__ import annotations

import pytest
from chasqui_notifications.domain.rate_limit import TokenBucket


def test_a_burst_up_to_capacity_passes_then_the_next_waits_one_interval() -> None:
    bucket = TokenBucket(rate=2.0, capacity=3)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(0.5)


def test_tokens_refill_with_time_but_never_beyond_capacity() -> None:
    bucket = TokenBucket(rate=1.0, capacity=2)
    bucket.take(0.0)
    bucket.take(0.0)
    assert bucket.take(1.0) == 0.0
    assert bucket.take(100.0) == 0.0
    assert bucket.take(100.0) == 0.0
    assert bucket.take(100.0) > 0


def test_a_bucket_without_rate_is_refused_with_the_values() -> None:
    with pytest.raises(ValueError, match="rate=0"):
        TokenBucket(rate=0, capacity=1)
