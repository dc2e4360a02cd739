"""The scenario's day of attention (peru.attention_day) against citizen-attention on the real broker
and database: the day is played through the API and the service's figures count it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from chasqui_citizen_attention.main import build_definition
from chasqui_citizen_attention.settings import AttentionSettings
from chasqui_scenario.peru.attention_day import OFFICES, office_figures, play_day
from chasqui_scenario.peru.clients import ServiceClient
from chasqui_testing import running_service

SCOPES = ("attention:read", "attention:write", "attention:demuna")


async def test_a_day_of_attention_is_recorded_and_counted_by_the_figures(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    async with running_service(
        build_definition(consumer_name=f"citizen-attention-{service_db.schema}"),
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
        settings_class=AttentionSettings,
    ) as svc:
        headers = {"Authorization": f"Bearer {svc.token(*SCOPES)}"}
        async with httpx.AsyncClient(base_url=svc.base_url, headers=headers, timeout=60) as http:
            ticks: list[tuple[int, int]] = []
            part = await play_day(
                ServiceClient("citizen-attention", tmp_path / "citizen-attention.log", http),
                [],
                size=30,
                seed=7,
                run_tag="RTEST",
                today=svc.runtime.clock.today(),
                timeout=30,
                migracentro_cases=[],
                migracentro_rounds=0,
                on_progress=lambda done, total: ticks.append((done, total)),
            )
    run = part["this_run"]
    assert run["visitors"] == run["registered_at_counter"] == 30  # no registry household in this test
    assert ticks[-1] == (30, 30)
    assert run["tickets"] == 30
    offices = part["offices"]
    assert set(offices) == set(OFFICES)
    # A fresh schema: the day's figures are exactly this run's work.
    assert sum(o["attentions"] for o in offices.values()) == run["attentions"] > 0
    assert sum(o["no_shows"] for o in offices.values()) == run["no_shows"]
    assert sum(o["tickets"] for o in offices.values()) == 30
    assert sum(o["referrals_made"] for o in offices.values()) == run["referrals"].get("made", 0)
    assert sum(o["referrals_completed"] for o in offices.values()) == run["referrals"].get("completed", 0)
    assert all(o["service_p50_s"] for o in offices.values() if o["attentions"])
    assert run["s100_requests"] > 0
    assert part["console_url"] == f"{svc.base_url}/console/"
    assert part["migracentro_referrals"] == {"expected": 0, "received": 0, "by_district": {}}


def test_office_figures_sum_the_rows_of_each_office() -> None:
    row = {"procedure": "talleres", "day": "2026-03-09", "service_p90_seconds": 0, "waiting_p50_seconds": 0,
           "waiting_p90_seconds": 0}  # fmt: skip
    figures = {
        "attentions": [
            {**row, "office": "CIAM", "sector": "S1", "attentions": 3, "service_p50_seconds": 600.0},
            {**row, "office": "CIAM", "sector": "S2", "attentions": 1, "service_p50_seconds": 1800.0},
        ],
        "queues": [{"office": "CIAM", "day": "2026-03-09", "tickets": 5, "no_shows": 1,
                    "waiting_p50_seconds": 120.0, "waiting_p90_seconds": 300.0}],
        "referrals": [{"office": "CIAM", "day": "2026-03-09", "made": 2, "received": 0, "completed": 0,
                       "completed_on_time": 0, "missed": 0},
                      {"office": "ULE", "day": "2026-03-09", "made": 0, "received": 2, "completed": 1,
                       "completed_on_time": 1, "missed": 0}],
    }  # fmt: skip
    offices = office_figures(figures)
    assert offices["CIAM"] == {
        "attentions": 4, "service_p50_s": 600.0, "waiting_p50_s": 120.0, "tickets": 5, "no_shows": 1,
        "referrals_made": 2, "referrals_received": 0, "referrals_completed": 0,
    }  # fmt: skip
    assert offices["ULE"]["referrals_received"] == 2
    assert offices["ULE"]["referrals_completed"] == 1
    assert offices["DEMUNA"]["attentions"] == 0
    assert offices["DEMUNA"]["service_p50_s"] is None
