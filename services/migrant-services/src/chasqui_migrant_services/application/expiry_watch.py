"""The document expiry watch: a background sweep that announces expiring CPPs and CEs once each."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from chasqui_common.bootstrap import ServiceRuntime

from chasqui_migrant_services.application import commands

log = logging.getLogger(__name__)


async def sweep(rt: ServiceRuntime, today: datetime | None = None) -> int:
    """One sweep in one transaction; returns how many documents were announced."""
    day = commands.lima_today(today or datetime.now(UTC))
    async with rt.unit_of_work() as uow:
        events = await commands.sweep_expiring_documents(uow, day)
    if events:
        log.info("document expiry watch announced %d expiring documents", len(events))
    return len(events)


async def expiry_watch(rt: ServiceRuntime) -> None:
    """Sweep at start and then every `expiry_watch_interval_seconds`; a failed sweep is retried next time.

    Sweeping often is safe: each document expiry is announced once (see document_expiry_alerts).
    """
    interval = float(getattr(rt.settings, "expiry_watch_interval_seconds", 3600.0))
    if interval <= 0:
        log.info("document expiry watch is off (EXPIRY_WATCH_INTERVAL_SECONDS=0)")
        return
    while True:
        try:
            await sweep(rt)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("document expiry sweep failed; retrying in %.0f s", interval)
        await asyncio.sleep(interval)
