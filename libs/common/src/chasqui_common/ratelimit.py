"""Per-client token buckets in PostgreSQL, for requests that must not be made in bulk.

A lookup of a person by document number answers "is this number registered?": made in bulk
(100 consecutive DNIs in 0.6 s found 28 people, issue 14) it enumerates the registry. Each client
(token subject) gets a bucket per kind of request: `capacity` requests at once, refilled at
`capacity / period_seconds` per second; a request that finds the bucket empty is refused with
`RateLimited` (429, Retry-After: when one token will be back).

Why PostgreSQL and not process memory (docs/adr/0011-rate-limits-and-access-record.md): a service runs
as several replicas behind one Service, so a bucket per process would allow replicas x capacity
and reset on every restart or rollout; the service's own database is shared by its replicas, is
already in the request's transaction, and one `INSERT ... ON CONFLICT DO UPDATE` on the bucket's
row takes a token atomically (concurrent requests of one client queue on that row lock). The
cost is one row write per limited request, on a table with one row per client and kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from chasqui_common.db.pool import Connection
from chasqui_common.errors import RateLimited

__all__ = ["DOCUMENT_LOOKUPS", "BucketRule", "RateLimited", "take_token"]


@dataclass(frozen=True)
class BucketRule:
    """`capacity` requests of kind `bucket` per `period_seconds`, in bursts of up to `capacity`."""

    bucket: str
    capacity: int
    period_seconds: float = 60.0

    def __post_init__(self) -> None:
        if self.capacity < 1 or self.period_seconds <= 0:
            raise ValueError(f"rate limit {self.bucket}: capacity must be >= 1 and period_seconds > 0")

    @property
    def refill_per_second(self) -> float:
        return self.capacity / self.period_seconds


DOCUMENT_LOOKUPS = BucketRule("document-lookup", capacity=60, period_seconds=60)
"""Lookups of a person by document number, per client (token subject), in every service that offers
one: 60 a minute, in bursts of up to 60. Enough for a person at a counter; too few to enumerate a
registry (issue 14: 100 consecutive DNIs found 28 people in 0.6 s). Bulk needs go through
imports, events or the DCI gateway."""


# The level after refilling is min(capacity, old + elapsed * rate); a request takes one token if
# that level holds one. The SET list sees the old row, RETURNING the new one (hence `allowed`).
_REFILLED = (
    "LEAST($3::float8, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM ($5::timestamptz - b.updated_at))::float8)"
    " * $4::float8)"
)
_TAKE = f"""
INSERT INTO rate_limit_buckets AS b (bucket, client, tokens, allowed, updated_at)
VALUES ($1, $2, $3::float8 - 1, true, $5::timestamptz)
ON CONFLICT (bucket, client) DO UPDATE SET
    tokens = {_REFILLED} - CASE WHEN {_REFILLED} >= 1 THEN 1 ELSE 0 END,
    allowed = {_REFILLED} >= 1,
    updated_at = GREATEST(b.updated_at, $5::timestamptz)
RETURNING tokens, allowed
"""


async def take_token(conn: Connection, rule: BucketRule, client: str, now: datetime) -> None:
    """Take one token of `client`'s `rule.bucket` at `now` (aware), or raise RateLimited.

    Runs in the caller's transaction: a request that is refused later (rolled back) gives its
    token back. RateLimited carries `retry_after_seconds`, when the bucket will hold one token.
    """
    row = await conn.fetchrow(_TAKE, rule.bucket, client, float(rule.capacity), rule.refill_per_second, now)
    assert row is not None
    if not row["allowed"]:
        missing = 1.0 - float(row["tokens"])
        retry = max(1, math.ceil(missing / rule.refill_per_second))
        raise RateLimited(
            f"client {client!r} may make {rule.capacity} {rule.bucket} requests per "
            f"{rule.period_seconds:g} s; retry in {retry} s",
            retry_after_seconds=retry,
            limit=rule.capacity,
            period_seconds=math.ceil(rule.period_seconds),
        )
