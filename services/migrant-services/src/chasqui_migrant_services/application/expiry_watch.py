"""The document expiry watch: a background sweep that announces expiring CPPs and CEs once each."""

from __future__ import annotations

import asyncio
import logging

from chasqui_common.bootstrap import ServiceRuntime

from chasqui_migrant_services.application.commands import SweepExpiringDocuments, sweep_expiring_documents

log = logging.getLogger(__name__)


async def expiry_watch(rt: ServiceRuntime) -> None:
    """Sweep at start and then every `expiry_watch_interval_seconds`; a failed sweep is retried next time.

    Each sweep is one command in its own transaction (`rt.transactions`), "today" from `rt.clock`.
    Sweeping often is safe: each document expiry is announced once (see document_expiry_alerts).
    """
    interval = float(getattr(rt.settings, "expiry_watch_interval_seconds", 3600.0))
    if interval <= 0:
        log.info("document expiry watch is off (EXPIRY_WATCH_INTERVAL_SECONDS=0)")
        return
    while True:
        try:
            await rt.transactions.command(sweep_expiring_documents, SweepExpiringDocuments())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("document expiry sweep failed; retrying in %.0f s", interval)
        await asyncio.sleep(interval)
