"""Background work: vacancies whose closing date has passed are closed as expired."""

from __future__ import annotations

import asyncio
import logging

from chasqui_common.bootstrap import ServiceRuntime

from chasqui_employment_matching.application import commands
from chasqui_employment_matching.application.commands import ExpireVacancies

log = logging.getLogger(__name__)
SWEEP_INTERVAL_SECONDS = 300.0


async def expire_vacancies(rt: ServiceRuntime) -> None:
    """Every few minutes, close what expired (matching already ignores them from the closing date)."""
    while True:
        try:
            expired = await rt.transactions.command(commands.expire_vacancies, ExpireVacancies())
            if expired:
                log.info("closed %d expired vacancies", len(expired))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("expiring vacancies failed; retrying at the next sweep")
        await asyncio.sleep(SWEEP_INTERVAL_SECONDS)
