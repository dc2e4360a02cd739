"""The chaos workload: a ULE registry import, API writes at a steady rate, migrant and employment
traffic. It records what the platform accepted (2xx) so the checker can look for each one.

Refusals during a fault (a 503, a connection refused, a timeout) are counted, never retried as
the same write: the guarantee under test is about what was accepted.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from chasqui_common.auth.devtokens import issue_token
from chasqui_common.clock import LIMA
from chasqui_common.topics import (
    EMPLOYMENT_VACANCIES,
    MIGRANT_SERVICES_CASES,
    MIGRANT_SERVICES_MIGRANTS,
)
from chasqui_local import services
from chasqui_local.config import LocalConfig
from chasqui_scenario.peru.clients import SCOPES
from chasqui_scenario.peru.households import build, document_span
from chasqui_scenario.peru.job_fair import valid_ruc

TIMEOUT = httpx.Timeout(10.0, connect=2.0)
LIMA_CERCADO = "150101"
STALL_S = 120.0  # an import that makes no progress this long is reported as stalled


@dataclass
class Tally:
    """What the workload sent and what the platform accepted."""

    accepted_keys: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    accepted: int = 0
    refused: int = 0
    households_imported: int = 0
    import_status: str = "not started"

    def ok(self, topic: str | None = None, key: str | None = None) -> None:
        self.accepted += 1
        if topic is not None and key is not None:
            self.accepted_keys[topic].add(key)


class Workload:
    """One scenario's traffic against a running platform."""

    def __init__(self, config: LocalConfig, *, households: int, seed: int, run: int) -> None:
        self.config = config
        self.households = households
        self.seed = seed
        self.run = run
        self.tally = Tally()
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._stop = asyncio.Event()
        self._rng = random.Random(seed)

    async def __aenter__(self) -> Workload:
        auth = self.config.state_dir / "auth"
        for spec in services.specs(self.config):
            if spec.name not in SCOPES:
                continue  # a service the workload does not write to
            token = issue_token(auth, subject="chaos", scopes=list(SCOPES[spec.name]), ttl_seconds=7200)
            self._clients[spec.name] = httpx.AsyncClient(
                base_url=spec.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
            )
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def _send(self, service: str, method: str, path: str, **kwargs: Any) -> dict[str, Any] | None:
        """The JSON body if the write was accepted, else None (counted as refused)."""
        try:
            response = await self._clients[service].request(method, path, **kwargs)
        except httpx.HTTPError:
            self.tally.refused += 1
            await asyncio.sleep(0.2)
            return None
        if response.is_success:
            body = response.json() if response.content else {}
            return body if isinstance(body, dict) else {}
        if response.status_code >= 500 or response.status_code == 429:
            self.tally.refused += 1
            await asyncio.sleep(0.2)
            return None
        raise AssertionError(f"{service} {method} {path}: {response.status_code} {response.text[:400]}")

    # --- the registry import --------------------------------------------------------------

    async def import_households(self, timeout: float) -> None:
        """Upload the ULE CSV (retrying the upload until accepted), then follow it to the end."""
        today = datetime.now(LIMA).date()
        first = 20_000_000 + self.run * document_span(self.households) * 2
        sample = build(
            self.households, self.seed, run_tag=f"chaos{self.run}", first_document=first, today=today
        )
        deadline = time.monotonic() + timeout
        accepted = None
        while accepted is None:
            accepted = await self._send(
                "registry",
                "POST",
                "/v1/imports",
                files={"file": ("chaos.csv", sample.csv_bytes(), "text/csv")},
                data={"format": "csv"},
            )
            if time.monotonic() > deadline:
                raise AssertionError("the registry never accepted the import")
        import_id = str(accepted["import_id"])
        self.tally.accepted += 1
        self.tally.import_status = "accepted"
        progressed_at, done = time.monotonic(), -1
        while time.monotonic() < deadline:
            status = await self._send("registry", "GET", f"/v1/imports/{import_id}")
            if status is not None:
                self.tally.import_status = str(status["status"])
                self.tally.households_imported = int(status["households_imported"])
                if status["status"] in ("completed", "failed"):
                    return
                seen = sum(
                    int(status[k])
                    for k in ("households_imported", "households_skipped", "households_rejected")
                )
                if seen != done:
                    progressed_at, done = time.monotonic(), seen
            if time.monotonic() - progressed_at > STALL_S:
                self.tally.import_status = (
                    f"stalled at {done} of {self.households} ({self.tally.import_status})"
                )
                return
            await asyncio.sleep(1.0)
        raise AssertionError(f"import {import_id} still {self.tally.import_status} after {timeout:.0f}s")

    # --- steady API writes: migrants at the Migracentros, vacancies at employment ----------

    async def steady_writes(self, per_second: float) -> None:
        """Until stopped: one migrant attended (register, case, referral) or one vacancy per tick."""
        ruc = valid_ruc(random.Random(f"chaos-{self.run}"))
        while (
            await self._send(
                "employment-matching",
                "POST",
                "/v1/employers",
                json={"ruc": ruc, "name": f"Chaos SAC {self.run}", "sector": "G"},
            )
            is None
            and not self._stop.is_set()
        ):
            pass
        tick = 0
        while not self._stop.is_set():
            started = time.monotonic()
            if tick % 3 == 2:
                await self._vacancy(ruc)
            else:
                await self._migrant()
            tick += 1
            await asyncio.sleep(max(0.0, 1 / per_second - (time.monotonic() - started)))

    def stop(self) -> None:
        self._stop.set()

    async def _migrant(self) -> None:
        suffix = uuid.uuid4().hex[:8].upper()
        today = datetime.now(LIMA).date()
        person = await self._send(
            "migrant-services",
            "POST",
            "/v1/migrants",
            json={
                "attention_point": self._rng.choice(["ICA", "PURUCHUCO", "VMT", "PRIMAVERA"]),
                "documents": [
                    {
                        "type": "CPP",
                        "number": f"C{suffix}",
                        "expires_on": (today + timedelta(days=300)).isoformat(),
                    }
                ],
                "nationality": "VEN",
                "entry_date": "2019-02-11",
                "given_names": "María José",
                "paternal_surname": "Rondón",
                "maternal_surname": "Pérez",
                "birth_date": "1990-04-02",
                "contact": {"phone": f"+5198{int(suffix, 16) % 10_000_000:07d}", "consent": {"sms": True}},
                "occupations": ["5120"],
            },
        )
        if person is None:
            return
        migrant_id = str(person["migrant_id"])
        self.tally.ok(MIGRANT_SERVICES_MIGRANTS.name, migrant_id)
        case = await self._send(
            "migrant-services",
            "POST",
            "/v1/cases",
            json={
                "migrant_id": migrant_id,
                "attention_point": "ICA",
                "requested_services": ["employment_orientation"],
            },
        )
        if case is None:
            return
        case_id = str(case["case_id"])
        self.tally.ok(MIGRANT_SERVICES_CASES.name, case_id)
        if (
            await self._send(
                "migrant-services", "POST", f"/v1/cases/{case_id}/transitions", json={"status": "in_progress"}
            )
            is None
        ):
            return
        self.tally.ok()
        if (
            await self._send(
                "migrant-services", "POST", f"/v1/cases/{case_id}/referrals", json={"target": "employment"}
            )
            is not None
        ):
            self.tally.ok()

    async def _vacancy(self, ruc: str) -> None:
        today: date = datetime.now(LIMA).date()
        vacancy = await self._send(
            "employment-matching",
            "POST",
            "/v1/vacancies",
            json={
                "employer_ruc": ruc,
                "title": "Ayudante de cocina",
                "occupation_code": "5120",
                "skills": ["cocina"],
                "ubigeo": LIMA_CERCADO,
                "positions": 2,
                "formal": True,
                "salary_min": 1130,
                "salary_max": 1500,
                "education_required": "secondary",
                "experience_years_required": 0,
                "closes_on": (today + timedelta(days=30)).isoformat(),
            },
        )
        if vacancy is not None:
            self.tally.ok(EMPLOYMENT_VACANCIES.name, str(vacancy["vacancy_id"]))
