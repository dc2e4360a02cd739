"""Background tasks: load the municipal data files at start, and the referral deadline watch that
announces each missed deadline once."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from chasqui_common.bootstrap import ServiceRuntime

from chasqui_citizen_attention.application.commands import flag_missed_referrals, load_municipal_data
from chasqui_citizen_attention.application.models import FlagMissedReferrals, LoadMunicipalData

log = logging.getLogger(__name__)


async def load_data_files(rt: ServiceRuntime) -> None:
    """Load the packaged data files and those of MUNICIPAL_DATA_DIRS once at start; a broken file
    is logged with the key at fault and retried every 30 s (until fixed, its old data stays)."""
    dirs = tuple(Path(d) for d in getattr(rt.settings, "municipal_data_dirs", ()))
    while True:
        try:
            loaded = await rt.transactions.command(load_municipal_data, LoadMunicipalData(dirs))
            log.info("municipal data loaded: %s", ", ".join(loaded.municipalities))
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("municipal data files could not be loaded; retrying in 30 s")
            await asyncio.sleep(30)


async def referral_deadline_watch(rt: ServiceRuntime) -> None:
    """Every REFERRAL_WATCH_INTERVAL_SECONDS, flag open referrals past their deadline ("today" from
    `rt.clock`); each is announced once, so sweeping often is safe. 0 turns the watch off."""
    interval = float(getattr(rt.settings, "referral_watch_interval_seconds", 600.0))
    if interval <= 0:
        log.info("referral deadline watch is off (REFERRAL_WATCH_INTERVAL_SECONDS=0)")
        return
    while True:
        try:
            while (await rt.transactions.command(flag_missed_referrals, FlagMissedReferrals())).referral_ids:
                pass  # another batch may be waiting
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("referral deadline sweep failed; retrying in %.0f s", interval)
        await asyncio.sleep(interval)
