"""Background work: vacancies whose closing date has passed are closed as expired."""

from __future__ import annotations

import asyncio
import logging

from chasqui_common.bootstrap import ServiceRuntime

from chasqui_employment_matching.application import commands
from chasqui_employment_matching.application.matching import lima_today

log = logging.getLogger(__name__)
SWEEP_INTERVAL_SECONDS = 300.0


async def expire_vacancies(rt: ServiceRuntime) -> None:
    """Every few minutes, close what expired (matching already ignores them from the closing date)."""
    while True:
        try:
            async with rt.unit_of_work() as uow:
                expired = await commands.expire_vacancies(uow.conn, uow.publish, lima_today())
            if expired:
                log.info("closed %d expired vacancies", len(expired))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("expiring vacancies failed; retrying at the next sweep")
        await asyncio.sleep(SWEEP_INTERVAL_SECONDS)
