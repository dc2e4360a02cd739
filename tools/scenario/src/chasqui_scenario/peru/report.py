"""The scenario's report: what the platform did with it, as rich tables or JSON.

Figures come from the services' APIs (eligibility per household, employment and Migracentro
statistics as the change over the run) and from the events of this run (read from the offsets
captured at its start): registration and delivery times, delivery statuses, dead letters.
Monthly benefit = the amount paid every `period_months` months / `period_months` (the cash
programs pay every two months, so the monthly figure is half the bimonthly amount).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from .events import Event
from .ule_import import RegisteredHousehold

DISTRICTS = {
    "150142": "Villa El Salvador",
    "150132": "San Juan de Lurigancho",
    "150103": "Ate",
    "150143": "Villa María del Triunfo",
    "110101": "Ica",
    "110201": "Chincha Alta",
    "080101": "Cusco",
    "080108": "Wanchaq",
    "050101": "Ayacucho",
    "210101": "Puno",
    "090101": "Huancavelica",
    "200101": "Piura",
}


# Short names for the table (the eligibility API gives the official, long ones).
SHORT_NAMES = {
    "JUNTOS": "JUNTOS",
    "PENSION_65": "Pensión 65",
    "CONTIGO": "Contigo",
    "CUNA_MAS_DAY_CARE": "Cuna Más, cuidado diurno",
    "CUNA_MAS_HOME_VISITS": "Cuna Más, visitas",
    "BECA_18": "Beca 18",
    "CIAM": "CIAM (municipal)",
    "OMAPED": "OMAPED (municipal)",
    "ULE_RECLASSIFICATION": "Reclasificación ULE",
}


@dataclass
class ProgramLine:
    code: str
    name: str
    unit: str
    evaluated: int = 0
    eligible: int = 0
    monthly_centimos: int = 0

    @property
    def monthly_soles(self) -> float:
        return self.monthly_centimos / 100


@dataclass
class Report:
    seed: int
    households_requested: int
    run_tag: str
    started_at: str
    duration_s: float
    registry: dict[str, Any]
    households_by_district: dict[str, int]
    programs: list[ProgramLine]
    decisions_published: int
    employment: dict[str, int]
    migracentros: list[dict[str, Any]]
    notifications: dict[str, dict[str, int]]
    latency: dict[str, Any]
    dead_letters: dict[str, int]
    notes: list[str] = field(default_factory=list)
    dci: dict[str, Any] = field(default_factory=dict)  # the simulated programme's DCI exchange
    attention: dict[str, Any] = field(default_factory=dict)  # the attention day (peru.attention_day)

    @property
    def eligible_decisions(self) -> int:
        return sum(p.eligible for p in self.programs)

    @property
    def notifications_sent(self) -> int:
        return sum(by_status.get("sent", 0) for by_status in self.notifications.values())

    @property
    def dead_letter_total(self) -> int:
        return sum(self.dead_letters.values())

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["programs"] = [{**asdict(p), "monthly_soles": round(p.monthly_soles, 2)} for p in self.programs]
        data["totals"] = {
            "households_registered": self.registry["households_registered"],
            "people_registered": self.registry["people_registered"],
            "eligible_decisions": self.eligible_decisions,
            "monthly_benefit_soles": round(sum(p.monthly_soles for p in self.programs), 2),
            "matches": self.employment["matches"],
            "placements": self.employment["placements"],
            "formal_placements": self.employment["formal_placements"],
            "notifications_sent": self.notifications_sent,
            "dead_letters": self.dead_letter_total,
            "dci_searches_answered": self.dci.get("searches_answered", 0),
            "dci_notifications_acknowledged": self.dci.get("notifications_acknowledged", 0),
            "attentions_recorded": self.attention.get("this_run", {}).get("attentions", 0),
        }
        return data


# -- figures -------------------------------------------------------------------------------------


def program_lines(programs: list[dict[str, Any]], answers: list[dict[str, Any]]) -> list[ProgramLine]:
    """Per program: decisions evaluated, eligible ones and the monthly cash they pay (céntimos)."""
    lines = {
        p["code"]: ProgramLine(p["code"], (p.get("name") or {}).get("es", p["code"]), p["unit"])
        for p in programs
    }
    for answer in answers:
        for program in answer["programs"]:
            line = lines.setdefault(
                program["code"], ProgramLine(program["code"], program["code"], program["unit"])
            )
            for decision in program["decisions"]:
                line.evaluated += 1
                if not decision["eligible"]:
                    continue
                line.eligible += 1
                benefit = decision["benefit"]
                amount, period = benefit.get("amount_centimos"), benefit.get("period_months")
                if amount and period:
                    line.monthly_centimos += amount // period
    return list(lines.values())


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency(households: list[RegisteredHousehold], delivered: list[Event]) -> dict[str, Any]:
    """Registration (registry event time) to the first delivery status event for any member."""
    first: dict[str, datetime] = {}
    for event in delivered:
        person = str(event.data.get("person_id"))
        if person not in first or event.time < first[person]:
            first[person] = event.time
    seconds = []
    for household in households:
        times = [first[p] for p in household.person_ids if p in first]
        if times:
            seconds.append((min(times) - household.registered_at).total_seconds())
    if not seconds:
        return {"households_measured": 0, "p50_s": None, "p95_s": None, "max_s": None}
    return {
        "households_measured": len(seconds),
        "p50_s": round(percentile(seconds, 50), 2),
        "p95_s": round(percentile(seconds, 95), 2),
        "max_s": round(max(seconds), 2),
    }


def notifications(delivered: list[Event]) -> dict[str, dict[str, int]]:
    """Messages of this run by channel and their last status."""
    last: dict[str, tuple[str, str]] = {}
    for event in delivered:
        last[str(event.data.get("delivery_id"))] = (str(event.data["channel"]), str(event.data["status"]))
    table: dict[str, dict[str, int]] = {}
    for (channel, status), count in sorted(Counter(last.values()).items()):
        table.setdefault(channel, {})[status] = count
    return table


def districts(households: list[RegisteredHousehold]) -> dict[str, int]:
    counts = Counter(h.sample.ubigeo for h in households)
    return {f"{DISTRICTS.get(u, u)} ({u})": n for u, n in counts.most_common()}


def stats_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {key: after.get(key, 0) - before.get(key, 0) for key in after}


# -- rendering -----------------------------------------------------------------------------------


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", header_style="bold cyan")
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index == 0 else "right")
    return table


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f} min"


def _attention_tables(part: dict[str, Any]) -> list[Table]:
    """The attention map's main figures for the day (GET /v1/figures/attention) and this run's work."""
    if not part:
        return []
    offices = _table(
        f"Citizen attention, Villa El Salvador, {part['day']} (the service's figures for the day)",
        "office", "attentions", "service p50", "waiting p50", "tickets", "no-shows",
        "referrals made", "received", "completed",
    )  # fmt: skip
    for office, line in part["offices"].items():
        offices.add_row(
            office, str(line["attentions"]), _minutes(line["service_p50_s"]), _minutes(line["waiting_p50_s"]),
            str(line["tickets"]), str(line["no_shows"]), str(line["referrals_made"]),
            str(line["referrals_received"]), str(line["referrals_completed"]),
        )  # fmt: skip
    c = part["compliance"]
    offices.caption = (
        f"deadline compliance: referrals {c['referrals_on_time']}/{c['referrals_due']} on time, "
        f"S100 home visits {c['home_visits_on_time']}/{c['home_visits_due']}, "
        f"results {c['results_on_time']}/{c['results_due']}; service p50 ≈ the per-procedure medians "
        "weighted by attentions; waiting = real seconds of the run's queue"
    )
    run = part["this_run"]
    done = _table("Attention day (this run)", "", "count")
    migracentro = part["migracentro_referrals"]
    for label, value in (
        ("visitors (registry members found by document / registered at the counter)",
         f"{run['visitors']} ({run['from_registry']} / {run['registered_at_counter']})"),
        ("tickets / no-shows", f"{run['tickets']} / {run['no_shows']}"),
        ("attentions recorded", str(run["attentions"])),
        ("S100 requests / home visits", f"{run['s100_requests']} / {run['home_visits']}"),
        ("referrals made / accepted / rejected / completed",
         " / ".join(str(run["referrals"].get(k, 0)) for k in ("made", "accepted", "rejected", "completed"))),
        ("Migracentro referrals to registration received",
         f"{migracentro['received']} of {migracentro['expected']}"),
    ):  # fmt: skip
        done.add_row(label, value)
    for district, count in migracentro["by_district"].items():
        done.add_row(f"  at the ULE of {district}", str(count))
    if run["registry_not_projected"]:
        done.add_row(
            "registry members not yet in the service's projection", str(run["registry_not_projected"])
        )
    return [offices, done]


def render(report: Report, console: Console) -> None:
    reg = report.registry
    people = _table("Social registry (ULE import)", "", "count")
    people.add_row("households registered", str(reg["households_registered"]))
    people.add_row("people registered", str(reg["people_registered"]))
    people.add_row(
        "households skipped / rejected", f"{reg['households_skipped']} / {reg['households_rejected']}"
    )
    people.add_row("CSE assigned by the ULE after import", str(sum(reg["classified_after_import"].values())))
    places = _table("Households by district", "district", "households")
    for place, count in report.households_by_district.items():
        places.add_row(place, str(count))

    programs = _table("Eligibility (today)", "program", "unit", "evaluated", "eligible", "S/ per month")
    for line in report.programs:
        monthly = f"{line.monthly_soles:,.2f}" if line.monthly_centimos else "—"
        programs.add_row(
            SHORT_NAMES.get(line.code, line.name), line.unit, str(line.evaluated), str(line.eligible), monthly
        )
    total = sum(p.monthly_soles for p in report.programs)
    programs.add_row(
        "[bold]total[/bold]", "", "", str(report.eligible_decisions), f"[bold]{total:,.2f}[/bold]"
    )
    programs.caption = (
        "S/ per month = amount paid every two months ÷ 2, for eligible people/households; "
        f"{report.decisions_published} decision.changed events published"
    )

    emp = report.employment
    jobs = _table("Job fair, San Juan de Lurigancho", "", "count")
    for label, key in (
        ("employers", "employers"),
        ("vacancies (positions)", "vacancies"),
        ("job seekers at the fair", "seekers"),
        ("job seekers referred by Migracentros", "referred_seekers"),
        ("matches proposed", "matches"),
        ("applications", "applications"),
        ("placements", "placements"),
        ("formal placements (planilla)", "formal_placements"),
    ):
        value = f"{emp['vacancies']} ({emp['positions']})" if key == "vacancies" else str(emp[key])
        jobs.add_row(label, value)

    centres = _table("Migracentros", "attention point", "cases", "appointments", "referrals", "to employment")
    for point in report.migracentros:
        centres.add_row(
            point["name"],
            str(point["cases_opened"]),
            str(point["appointments_booked"]),
            str(point["referrals"]),
            str(point["referrals_by_target"].get("employment", 0)),
        )

    statuses = sorted({s for by_status in report.notifications.values() for s in by_status})
    notes = _table("Notifications (last status of each message)", "channel", *statuses, "total")
    for channel, by_status in report.notifications.items():
        notes.add_row(channel, *(str(by_status.get(s, 0)) for s in statuses), str(sum(by_status.values())))

    interop = _table(f"DCI interoperability ({report.dci.get('sender', 'no sender')})", "", "count")
    for label, key in (
        ("subscriptions", "subscriptions"),
        ("searches sent / answered", "searches_sent"),
        ("records returned", "records_returned"),
        ("async search answered by on-search callback", "async_searches_answered_by_callback"),
        ("notifications delivered and acknowledged", "notifications_acknowledged"),
        ("  with a valid gateway signature", "notifications_signed"),
        ("households notified as registered", "households_notified"),
        ("classifications notified", "classifications_notified"),
        ("duplicate deliveries (deduplicated by message_id)", "duplicate_deliveries"),
        ("subscriptions ended (unsubscribe)", "unsubscribed"),
    ):
        value = report.dci.get(key, 0)
        if key == "searches_sent":
            value = f"{value} / {report.dci.get('searches_answered', 0)}"
        interop.add_row(label, str(value))

    attention = _attention_tables(report.attention)

    lat = report.latency
    health = _table("Platform", "", "value")
    if lat["households_measured"]:
        health.add_row(
            "registration → first notification, p50 / p95",
            f"{lat['p50_s']:.2f} s / {lat['p95_s']:.2f} s",
        )
        health.add_row("households measured", str(lat["households_measured"]))
    else:
        health.add_row("registration → first notification", "no household member was notified")
    dlq = report.dead_letter_total
    health.add_row(
        "messages in dead-letter topics during the run",
        f"[green]{dlq}[/green]" if dlq == 0 else f"[red]{dlq}[/red]",
    )
    for topic, count in report.dead_letters.items():
        if count:
            health.add_row(f"  {topic}", f"[red]{count}[/red]")
    health.add_row("duration", f"{report.duration_s:.1f} s")

    console.print(
        Panel.fit(
            f"Chasqui scenario: {report.households_requested} households, seed {report.seed}, "
            f"run {report.run_tag}",
            style="bold",
        )
    )
    console.print(Group(people, places, programs, jobs, centres, notes, interop, *attention, health))
    if report.attention:
        console.print(f"Citizen attention console: [bold]{report.attention['console_url']}[/bold]")
    for note in report.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
