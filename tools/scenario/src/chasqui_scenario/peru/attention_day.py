"""A day of citizen attention in Villa El Salvador (citizen-attention, over its HTTP API).

About 1.5 visitors per household of the scenario (300 for the default 200 households) come to the
municipality's four offices: registry household members of the district, found by document in
the service's projection of registry events (older people to the CIAM, people with a disability
to the OMAPED, parents to the DEMUNA, the rest to the ULE), and people unknown to the registry,
registered at the counter (many of them asking the ULE for a socioeconomic classification, the
S100). Everyone takes a ticket in the morning; each office's clerk calls them in order, and a
few have left (no-show); the others are attended and recorded (procedure, first step, sector,
outcome, a duration drawn per office). S100 requests are registered and most get their home
visit the same day (recorded as the visit's attention too). Some visitors are referred to another
office, which accepts (and then attends and completes), rejects with a reason, or leaves them
pending. The Migracentro referrals to household registration the scenario's Migracentro day made
are looked up where they landed (the ULE of the attention point's district; kept with no
municipality when no data file is loaded for it).

The service's clock is the real one, so waiting times are the seconds the queue really took
during the run (the order of the queue is realistic, its pace is not); service times are the
recorded durations. The figures come from `GET /v1/figures/attention` for today (all runs of
the day on this platform), next to the counts of this run.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..migracentro_day import PEOPLE
from .clients import ScenarioError, ServiceClient
from .ule_import import RegisteredHousehold

VILLA_EL_SALVADOR = "150142"
OFFICES = ("CIAM", "DEMUNA", "OMAPED", "ULE")
# Procedures a visitor of each kind asks for (codes of Villa El Salvador's data file), weighted.
ASKS: dict[str, tuple[tuple[str, int], ...]] = {
    "CIAM": (("inscripcion", 3), ("talleres", 4), ("orientacion", 3)),
    "DEMUNA": (("orientacion", 5), ("conciliacion_alimentos", 3), ("visita_seguimiento", 2)),
    "OMAPED": (("inscripcion_municipal", 5), ("certificado_conadis", 5)),
    "ULE": (("S100", 5), ("actualizacion", 3), ("reclamo", 1)),
}
# Median minutes of an attention per office (lognormal around it).
MINUTES = {"CIAM": 15, "DEMUNA": 30, "OMAPED": 20, "ULE": 12}
# Where a visitor is referred from each office, and why (the receiving office's procedure).
REFERRALS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "CIAM": (("OMAPED", "inscripcion_municipal", "Adulto mayor con discapacidad sin registro municipal"),
             ("ULE", "S100", "Hogar sin clasificación socioeconómica vigente")),
    "DEMUNA": (("ULE", "S100", "Familia sin clasificación socioeconómica para programas sociales"),),
    "OMAPED": (("CIAM", "inscripcion", "Persona con discapacidad de 60 años o más"),
               ("ULE", "actualizacion", "Actualizar la discapacidad en el padrón del hogar")),
    "ULE": (("CIAM", "talleres", "Adulto mayor interesado en los talleres del CIAM"),
            ("OMAPED", "certificado_conadis", "Orientación para el certificado de discapacidad")),
}  # fmt: skip
NO_SHOW = 0.07
REFERRED = 0.15
HOME_VISITED = 0.6
SECTORS_FALLBACK = ("S1",)
PROJECTION_WAIT = 90.0
"""Seconds to wait for the registry's people to reach the service's projection (it is fed by events)."""
STRAGGLER_WAIT = 5.0
REGISTRY_VISITORS = 50
"""At most this many registry members come (document lookups are rate-limited: 60 a minute per client)."""
Tick = Callable[[int, int], None]


@dataclass
class Visitor:
    citizen_id: str
    office: str
    procedure: str
    household_id: str | None
    from_registry: bool
    ticket_id: str = ""
    attended: bool = False


@dataclass
class DayCounts:
    """What this run did (the service's figures for the day come beside it)."""

    visitors: int = 0
    from_registry: int = 0
    registry_not_projected: int = 0
    registered_at_counter: int = 0
    tickets: int = 0
    no_shows: int = 0
    attentions: int = 0
    s100_requests: int = 0
    home_visits: int = 0
    referrals: Counter[str] = field(default_factory=Counter)


def _adult_age(row: dict[str, str], today: date) -> int | None:
    born = row.get("birth_date") or ""
    try:
        birth = date.fromisoformat(born)
    except ValueError:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _office_for(
    row: dict[str, str], household_rows: list[dict[str, str]], today: date, rng: random.Random
) -> str:
    age = _adult_age(row, today) or 30
    if age >= 60:
        return "CIAM"
    if row.get("disability_severity", "none") not in ("", "none"):
        return "OMAPED"
    has_child = any((_adult_age(r, today) or 30) < 18 for r in household_rows)
    if has_child and age >= 18 and rng.random() < 0.5:
        return "DEMUNA"
    return "ULE"


def _pick(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


class AttentionDay:
    """One day at the four offices, played through `attention` (read, write and DEMUNA scopes)."""

    def __init__(
        self, attention: ServiceClient, *, seed: int, run_tag: str, today: date, timeout: float
    ) -> None:
        self.http = attention
        self.rng = random.Random(seed)
        self.run_tag = run_tag
        self.today = today
        self.timeout = timeout
        self.counts = DayCounts()
        self.sectors: tuple[str, ...] = SECTORS_FALLBACK
        self.steps: dict[tuple[str, str], list[str]] = {}
        self.gate = asyncio.Semaphore(8)

    async def municipality(self) -> None:
        """Villa El Salvador's data (offices, procedures, steps, sectors), once the service has loaded it."""
        deadline = time.monotonic() + self.timeout
        while True:
            found = await self.http.get(f"/v1/municipalities/{VILLA_EL_SALVADOR}", expect=(404,))
            if found and "offices" in found:
                break
            if time.monotonic() > deadline:
                raise self.http.failure("Villa El Salvador's data file was not loaded")
            await asyncio.sleep(0.5)
        self.sectors = tuple(s["code"] for s in found["sectors"]) or SECTORS_FALLBACK
        for office in found["offices"]:
            for procedure in office["procedures"]:
                self.steps[(office["office"], procedure["code"])] = list(procedure["steps"])

    # -- who comes ----------------------------------------------------------------------------

    async def lookup(self, document_type: str, number: str) -> dict[str, Any] | None:
        """A person by document (None: not known). Lookups are rate-limited per client (60 a
        minute): a 429 waits the time the service names and asks again."""
        params = {"document_type": document_type, "document_number": number}
        while True:
            async with self.gate:
                found = await self.http.get("/v1/citizens", params=params, expect=(404, 429))
            if found and "citizen_id" in found:
                return dict(found)
            if found and str(found.get("type", "")).endswith("/rate-limited"):
                await asyncio.sleep(float(found.get("retry_after_seconds") or 1))
                continue
            return None

    async def registry_visitors(self, households: list[RegisteredHousehold], wanted: int) -> list[Visitor]:
        """Household members of the district with a document, found in the service's projection.
        It is fed by registry events, so it may lag the registry: the first is asked until the
        deadline, the others once (again after a few seconds if missing); one still missing is
        counted, not invented."""
        rows = [
            (h, row)
            for h in households
            if h.sample.ubigeo == VILLA_EL_SALVADOR
            for row in h.sample.rows
            if row.get("document_type") not in ("", "NONE")
        ]
        self.rng.shuffle(rows)
        rows = rows[:wanted]
        if not rows:
            return []
        deadline = time.monotonic() + min(self.timeout, PROJECTION_WAIT)
        probe = rows[0][1]
        while await self.lookup(probe["document_type"], probe["document_number"]) is None:
            if time.monotonic() > deadline:
                self.counts.registry_not_projected = len(rows)
                return []
            await asyncio.sleep(2)

        async def find(h: RegisteredHousehold, row: dict[str, str]) -> Visitor | None:
            for attempt in range(2):
                found = await self.lookup(row["document_type"], row["document_number"])
                if found is not None:
                    office = _office_for(row, h.sample.rows, self.today, self.rng)
                    procedure = _pick(self.rng, ASKS[office])
                    return Visitor(str(found["citizen_id"]), office, procedure, h.household_id, True)
                if not attempt:
                    await asyncio.sleep(STRAGGLER_WAIT)
            return None

        found = await asyncio.gather(*(find(h, row) for h, row in rows))
        visitors = [v for v in found if v is not None]
        self.counts.registry_not_projected = len(rows) - len(visitors)
        return visitors

    async def counter_visitors(self, count: int) -> list[Visitor]:
        """People unknown to the registry, registered at the counter (DNI, some with a CE)."""
        pick = random.SystemRandom()  # documents must not repeat across runs on one platform
        given = ("Rosa", "Juana", "Luz Marina", "Pedro", "José", "Ana", "Wilber", "Nayra", "Edith", "Percy")
        surnames = ("Quispe", "Mamani", "Huamán", "Ccori", "Flores", "Condori", "Rojas", "Salazar")

        async def one(n: int) -> Visitor:
            office = self.rng.choices(OFFICES, (2, 2, 1.5, 4.5))[0]
            age = self.rng.randrange(60, 86) if office == "CIAM" else self.rng.randrange(19, 59)
            born = date(self.today.year - age, 1 + self.rng.randrange(12), 1 + self.rng.randrange(28))
            foreign = self.rng.random() < 0.1
            for _ in range(10):
                number = (
                    f"{pick.randrange(10**8, 10**9)}"
                    if foreign
                    else f"{pick.randrange(20_000_000, 99_000_000)}"
                )
                body = {
                    "document": {"type": "CE" if foreign else "DNI", "number": number},
                    "given_names": given[n % len(given)],
                    "paternal_surname": surnames[(n // len(given)) % len(surnames)],
                    "birth_date": born.isoformat(),
                }
                async with self.gate:
                    made = await self.http.post("/v1/citizens", json=body, expect=(409,))
                if made and "citizen_id" in made:
                    procedure = (
                        "S100"
                        if office == "ULE" and self.rng.random() < 0.6
                        else _pick(self.rng, ASKS[office])
                    )
                    return Visitor(str(made["citizen_id"]), office, procedure, None, False)
            raise self.http.failure("found no free document number for a person at the counter in 10 tries")

        return list(await asyncio.gather(*(one(n) for n in range(count))))

    # -- the queue ----------------------------------------------------------------------------

    def _attention(
        self, visitor: Visitor, office: str, procedure: str, step: str, **extra: Any
    ) -> dict[str, Any]:
        minutes = MINUTES[office] * self.rng.lognormvariate(0, 0.45)
        return {
            "municipality": VILLA_EL_SALVADOR, "office": office, "procedure": procedure, "step": step,
            "citizen_id": visitor.citizen_id, "staff": f"{office.lower()}.{self.run_tag.lower()}",
            "outcome": self.rng.choice(("resolved", "resolved", "in_progress")),
            "duration_seconds": max(60, int(minutes * 60)),
            "sector": self.sectors[self.rng.randrange(len(self.sectors))], **extra,
        }  # fmt: skip

    async def issue(self, visitors: list[Visitor]) -> None:
        """Everyone takes a ticket at their office (in arrival order; the offices' machines at once)."""
        await asyncio.gather(*(self._issue([v for v in visitors if v.office == o]) for o in OFFICES))

    async def _issue(self, visitors: list[Visitor]) -> None:
        for visitor in visitors:
            ticket = await self.http.post(
                "/v1/tickets",
                json={"municipality": VILLA_EL_SALVADOR, "office": visitor.office,
                      "citizen_id": visitor.citizen_id, "procedure": visitor.procedure},
            )  # fmt: skip
            visitor.ticket_id = str(ticket["ticket_id"])
            self.counts.tickets += 1

    async def desk(self, office: str, queue: list[Visitor], on_done: Callable[[], None]) -> None:
        """One clerk calls the office's tickets in order; a few holders have left."""
        staff = {"staff": f"{office.lower()}.{self.run_tag.lower()}"}
        for visitor in queue:
            if self.rng.random() < NO_SHOW:
                await self.http.post(f"/v1/tickets/{visitor.ticket_id}/no-show", json=staff)
                self.counts.no_shows += 1
            else:
                await self.http.post(f"/v1/tickets/{visitor.ticket_id}/call", json=staff)
                first = self.steps.get((office, visitor.procedure), [""])[0]
                await self.http.post(
                    "/v1/attentions",
                    json=self._attention(
                        visitor, office, visitor.procedure, first, ticket_id=visitor.ticket_id
                    ),
                )
                visitor.attended = True
                self.counts.attentions += 1
            on_done()

    # -- after the counter --------------------------------------------------------------------

    async def s100(self, visitor: Visitor) -> None:
        """The classification request, and for most the home visit (FSU) the same day."""
        body: dict[str, Any] = {
            "municipality": VILLA_EL_SALVADOR, "citizen_id": visitor.citizen_id, "staff": "ule.empadronador",
        }  # fmt: skip
        if visitor.household_id:
            body["household_id"] = visitor.household_id
        request = await self.http.post("/v1/classification-requests", json=body)
        self.counts.s100_requests += 1
        if self.rng.random() < HOME_VISITED:
            await self.http.post(f"/v1/classification-requests/{request['request_id']}/home-visit", json={})
            step = self.steps.get(("ULE", "S100"), ["", "visita_domiciliaria_fsu"])[1]
            await self.http.post(
                "/v1/attentions", json=self._attention(visitor, "ULE", "S100", step, channel="home_visit")
            )
            self.counts.home_visits += 1
            self.counts.attentions += 1

    async def refer(self, visitor: Visitor) -> None:
        """Refer to another office, which accepts and attends (and completes), rejects, or not yet."""
        to_office, procedure, reason = self.rng.choice(REFERRALS[visitor.office])
        staff = f"{visitor.office.lower()}.{self.run_tag.lower()}"
        referral = await self.http.post(
            "/v1/referrals",
            json={"municipality": VILLA_EL_SALVADOR, "from_office": visitor.office, "to_office": to_office,
                  "citizen_id": visitor.citizen_id, "staff": staff, "procedure": procedure, "reason": reason},
        )  # fmt: skip
        self.counts.referrals["made"] += 1
        path = f"/v1/referrals/{referral['referral_id']}"
        receiver = {"staff": f"{to_office.lower()}.{self.run_tag.lower()}"}
        fate = self.rng.random()
        if fate < 0.1:
            await self.http.post(
                f"{path}/reject", json={**receiver, "reason": "No corresponde a esta oficina"}
            )
            self.counts.referrals["rejected"] += 1
            return
        if fate < 0.3:
            self.counts.referrals["pending"] += 1
            return
        await self.http.post(f"{path}/accept", json=receiver)
        self.counts.referrals["accepted"] += 1
        if self.rng.random() < 0.6:
            first = self.steps.get((to_office, procedure), [""])[0]
            await self.http.post("/v1/attentions", json=self._attention(visitor, to_office, procedure, first))
            self.counts.attentions += 1
            await self.http.post(f"{path}/complete", json=receiver)
            self.counts.referrals["completed"] += 1

    async def migracentro_referrals(self, cases: list[str], expected: int) -> dict[str, Any]:
        """Where this run's Migracentro referrals to household registration landed."""
        deadline = time.monotonic() + min(self.timeout, 60)
        ours: list[dict[str, Any]] = []
        while True:
            listed = await self.http.get("/v1/referrals", params={"to_office": "ULE", "limit": 1000})
            ours = [r for r in listed if r["source"] == "migracentro" and r["migrant_case_id"] in cases]
            if len(ours) >= expected or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        return {
            "expected": expected,
            "received": len(ours),
            "by_district": dict(
                Counter(f"{r['district']} ({r['municipality'] or 'no data file'})" for r in ours)
            ),
        }


async def play_day(
    attention: ServiceClient,
    households: list[RegisteredHousehold],
    *,
    size: int,
    seed: int,
    run_tag: str,
    today: date,
    timeout: float,
    migracentro_cases: list[str],
    migracentro_rounds: int,
    on_progress: Tick,
) -> dict[str, Any]:
    """Play the day with `size` visitors (at least 20); returns the report's citizen-attention part."""
    began = time.monotonic()
    day = AttentionDay(attention, seed=seed, run_tag=run_tag, today=today, timeout=timeout)
    await day.municipality()
    size = max(20, size)
    known = await day.registry_visitors(households, wanted=min(REGISTRY_VISITORS, size // 4))
    counter = await day.counter_visitors(size - len(known))
    visitors = known + counter
    day.rng.shuffle(visitors)
    c = day.counts
    c.visitors, c.from_registry, c.registered_at_counter = len(visitors), len(known), len(counter)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        on_progress(done, len(visitors))

    await day.issue(visitors)
    await asyncio.gather(*(day.desk(o, [v for v in visitors if v.office == o], tick) for o in OFFICES))
    attended = [v for v in visitors if v.attended]
    gate = asyncio.Semaphore(4)

    async def after(visitor: Visitor) -> None:
        async with gate:
            if visitor.office == "ULE" and visitor.procedure == "S100":
                await day.s100(visitor)
            if day.rng.random() < REFERRED:
                await day.refer(visitor)

    await asyncio.gather(*(after(v) for v in attended))
    to_registration = sum(1 for person in PEOPLE if person[-1] == "household_registration")
    migracentro = await day.migracentro_referrals(migracentro_cases, to_registration * migracentro_rounds)
    figures = await attention.get(
        "/v1/figures/attention",
        params={"municipality": VILLA_EL_SALVADOR, "from": today.isoformat(), "to": today.isoformat()},
    )
    return {
        "municipality": VILLA_EL_SALVADOR,
        "day": today.isoformat(),
        "console_url": f"{str(attention.http.base_url).rstrip('/')}/console/",
        "this_run": {
            **{k: v for k, v in vars(c).items() if k != "referrals"},
            "referrals": dict(c.referrals),
        },
        "migracentro_referrals": migracentro,
        "offices": office_figures(figures),
        "compliance": figures["compliance"],
        "duration_s": round(time.monotonic() - began, 1),
    }


def _weighted_median(pairs: list[tuple[float, int]]) -> float | None:
    """The median of values given with their weights (the rows' medians weighted by attentions)."""
    spread = [value for value, weight in pairs for _ in range(weight)]
    return statistics.median(spread) if spread else None


def office_figures(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per office, from `GET /v1/figures/attention`: attentions; service time median (≈: the
    medians of its procedure-and-sector rows weighted by their attentions); waiting median and
    no-shows of its queue; referrals made, received and completed."""
    offices: dict[str, dict[str, Any]] = {
        o: {"attentions": 0, "service_p50_s": None, "waiting_p50_s": None, "tickets": 0, "no_shows": 0,
            "referrals_made": 0, "referrals_received": 0, "referrals_completed": 0}
        for o in OFFICES
    }  # fmt: skip
    service: dict[str, list[tuple[float, int]]] = {o: [] for o in OFFICES}
    for row in figures["attentions"]:
        line = offices[row["office"]]
        line["attentions"] += row["attentions"]
        if row["service_p50_seconds"] is not None:
            service[row["office"]].append((row["service_p50_seconds"], row["attentions"]))
    for office, pairs in service.items():
        median = _weighted_median(pairs)
        offices[office]["service_p50_s"] = round(median, 1) if median is not None else None
    for queue in figures["queues"]:
        line = offices[queue["office"]]
        line["tickets"] += queue["tickets"]
        line["no_shows"] += queue["no_shows"]
        line["waiting_p50_s"] = queue["waiting_p50_seconds"]
    for referral in figures["referrals"]:
        line = offices[referral["office"]]
        line["referrals_made"] += referral["made"]
        line["referrals_received"] += referral["received"]
        line["referrals_completed"] += referral["completed"]
    return offices


def check(part: dict[str, Any]) -> None:
    """The day's figures hold this run's work (the service counted what the scenario did)."""
    counted = sum(o["attentions"] for o in part["offices"].values())
    if counted < part["this_run"]["attentions"]:
        raise ScenarioError(
            f"citizen-attention: the figures count {counted} attentions today, the scenario recorded "
            f"{part['this_run']['attentions']}"
        )
