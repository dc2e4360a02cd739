"""Plays the scenario against the running platform, shows progress, and builds the report."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chasqui_local import services
from chasqui_local.config import LocalConfig
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from . import dci, households, report
from .attention_day import check as check_attention
from .attention_day import play_day
from .clients import Platform, ScenarioError, ServiceClient
from .events import CATALOGUE, Offsets, TopicReader, dead_letters
from .job_fair import hold_job_fair
from .migracentros import attend
from .options import Options
from .settle import GROUPS, Backlog, deliveries, wait_until_settled
from .ule_import import RegisteredHousehold, free_document_block, register_households

LIMA = ZoneInfo("America/Lima")


@contextmanager
def _progress(console: Console) -> Iterator[Progress]:
    """Live progress bars on a terminal; on a pipe (CI logs) one line per finished step instead."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as progress:
        yield progress


class _Steps:
    """One progress line per step; the description says what it is doing now."""

    def __init__(self, progress: Progress, console: Console) -> None:
        self.progress = progress
        self.console = console
        self.began = time.monotonic()

    def add(self, description: str, total: int | None = None) -> TaskID:
        if self.progress.disable:
            self.console.print(f"[{self._clock()}] {description} …", highlight=False)
        return self.progress.add_task(description, total=total)

    def tick(self, task: TaskID, done: int, total: int | None = None) -> None:
        self.progress.update(task, completed=done, total=total)

    def describe(self, task: TaskID, description: str) -> None:
        self.progress.update(task, description=description)

    def finish(self, task: TaskID, description: str) -> None:
        total = self.progress.tasks[task].total or 1
        self.progress.update(
            task, description=f"[green]✓[/green] {description}", completed=total, total=total
        )
        if self.progress.disable:
            self.console.print(f"[{self._clock()}] ✓ {description}", highlight=False)

    def _clock(self) -> str:
        elapsed = int(time.monotonic() - self.began)
        return f"{elapsed // 60:02d}:{elapsed % 60:02d}"


async def _employment_totals(employment: ServiceClient) -> dict[str, int]:
    items = (await employment.get("/v1/stats/departments"))["items"]
    keys = ("seekers", "vacancies", "positions", "placements", "formal_placements")
    return {key: sum(int(item[key]) for item in items) for key in keys}


async def _migracentro_stats(migrants: ServiceClient, first: date, last: date) -> dict[str, dict[str, Any]]:
    answer = await migrants.get(
        "/v1/stats/attention-points", params={"from": first.isoformat(), "to": last.isoformat()}
    )
    return {point["attention_point"]: point for point in answer["attention_points"]}


def _migracentro_delta(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    lines = []
    for code, point in after.items():
        old = before.get(code, {})
        targets = {
            target: count - (old.get("referrals_by_target") or {}).get(target, 0)
            for target, count in point["referrals_by_target"].items()
        }
        lines.append(
            {
                "attention_point": code,
                "name": point["name"],
                "cases_opened": point["cases_opened"] - old.get("cases_opened", 0),
                "appointments_booked": point["appointments_booked"] - old.get("appointments_booked", 0),
                "referrals": point["referrals"] - old.get("referrals", 0),
                "referrals_by_target": {t: n for t, n in targets.items() if n},
            }
        )
    return lines


async def _eligibility(
    eligibility: ServiceClient, registered: list[RegisteredHousehold], steps: _Steps
) -> list[dict[str, Any]]:
    task = steps.add("eligibility of each household (eligibility API)", total=len(registered))
    gate = asyncio.Semaphore(8)
    done = 0

    async def one(household: RegisteredHousehold) -> dict[str, Any]:
        nonlocal done
        async with gate:
            answer: dict[str, Any] = await eligibility.get(
                f"/v1/households/{household.household_id}/eligibility"
            )
        done += 1
        steps.tick(task, done)
        return answer

    answers = list(await asyncio.gather(*(one(h) for h in registered)))
    steps.finish(task, f"eligibility of {len(answers)} households read")
    return answers


def _settle_failure(config: LocalConfig, backlog: str, timeout: float) -> ScenarioError:
    blamed = [group for group in GROUPS if re.search(rf"\b{group} lag [1-9]", backlog)]
    if "0 messages to send" not in backlog:
        blamed.append("notifications")
    names = sorted(set(blamed)) or list(GROUPS)
    logs = ", ".join(f"{name}: {services.log_path(config, name)}" for name in names)
    return ScenarioError(
        f"{', '.join(names)}: the platform did not finish the scenario's work within {timeout:.0f}s "
        f"({backlog}); see the log of {logs}"
    )


async def play(config: LocalConfig, options: Options, console: Console) -> report.Report:
    """Run the whole scenario on the running platform; raises ScenarioError naming a service."""
    began = time.monotonic()
    started_at = datetime.now(UTC)
    today = datetime.now(LIMA).date()
    run_tag = "R" + started_at.strftime("%y%m%d%H%M%S")
    bootstrap = config.kafka_bootstrap_servers
    window = (today, today + timedelta(days=14))
    async with Platform(config) as platform, dci.running_receiver() as receiver:
        start = await Offsets.capture(bootstrap)
        employment_before = await _employment_totals(platform.employment)
        migrants_before = await _migracentro_stats(platform.migrants, *window)
        programs: list[dict[str, Any]] = await platform.eligibility.get("/v1/programs")
        async with TopicReader(bootstrap, CATALOGUE, start) as reader:
            with _progress(console) as progress:
                steps = _Steps(progress, console)
                dci_task = steps.add("DCI: JUNTOS registers as a sender and subscribes (dci-gateway)")
                programme = dci.Programme(platform["dci-gateway"], receiver)
                await programme.register()
                await programme.subscribe()
                steps.finish(
                    dci_task, f"DCI: JUNTOS subscribed ({len(programme.subscription_codes)} subscriptions)"
                )
                first = await free_document_block(platform.registry, options.households)
                sample = households.build(
                    options.households, options.seed, run_tag=run_tag, first_document=first, today=today
                )
                importing = steps.add("ULE import of households (registry)", total=len(sample.households))
                events = steps.add("household.registered events", total=len(sample.households))
                outcome = await register_households(
                    platform.registry,
                    reader,
                    sample,
                    seed=options.seed,
                    today=today,
                    on_import=lambda done, total: steps.tick(importing, done, total),
                    on_events=lambda done, total: steps.tick(events, done, total),
                    timeout=options.timeout,
                )
                steps.finish(
                    importing,
                    f"ULE import: {outcome.status['households_imported']} households, "
                    f"{outcome.people} people registered",
                )
                steps.finish(
                    events,
                    f"household.registered events for all; CSE assigned to "
                    f"{sum(outcome.classified.values())} by the ULE",
                )

                fair_task = steps.add("job fair in San Juan de Lurigancho (employment-matching)")
                fair = await hold_job_fair(
                    platform.employment,
                    outcome.households,
                    seed=options.seed,
                    today=today,
                    size=options.households,
                )
                steps.finish(
                    fair_task,
                    f"job fair: {fair.vacancies} vacancies, {fair.seekers} seekers, "
                    f"{fair.applications} applications, {fair.placements} placements",
                )

                migrants_task = steps.add("Migracentros Ica and Lima (migrant-services)")
                attended = await attend(platform.migrants, rounds=max(1, options.households // 100))
                steps.finish(
                    migrants_task,
                    f"Migracentros: {len(attended['cases'])} cases, {len(attended['referrals'])} referrals",
                )

                settling = steps.add("platform settling (consumers, outboxes, messages)")

                def show(backlog: Backlog) -> None:
                    steps.describe(settling, f"platform settling: {backlog.describe()}")

                persons = {p for h in outcome.households for p in h.person_ids} | set(attended["migrants"])
                try:
                    await wait_until_settled(
                        bootstrap, reader, persons, timeout=options.timeout, on_progress=show
                    )
                except TimeoutError as exc:
                    raise _settle_failure(config, str(exc), options.timeout) from None
                steps.finish(settling, "platform settled: every event handled, every message sent or held")
                answers = await _eligibility(platform.eligibility, outcome.households, steps)
                dci_task = steps.add("DCI: JUNTOS searches and takes its notifications (dci-gateway)")
                await programme.search(outcome.households)
                await programme.await_notifications(outcome.households, timeout=options.timeout)
                await programme.unsubscribe()
                figures = programme.report()
                steps.finish(
                    dci_task,
                    f"DCI: {figures['searches_answered']} searches answered, "
                    f"{figures['notifications_delivered']} notifications delivered and acknowledged",
                )

                day_task = steps.add(
                    "a day of attention in Villa El Salvador (citizen-attention)",
                    total=max(20, options.households * 3 // 2),
                )
                attention = await play_day(
                    platform["citizen-attention"],
                    outcome.households,
                    size=options.households * 3 // 2,
                    seed=options.seed,
                    run_tag=run_tag,
                    today=today,
                    timeout=options.timeout,
                    migracentro_cases=list(attended["cases"]),
                    migracentro_rounds=max(1, options.households // 100),
                    on_progress=lambda done, total: steps.tick(day_task, done, total),
                )
                check_attention(attention)
                run_counts = attention["this_run"]
                steps.finish(
                    day_task,
                    f"attention in Villa El Salvador: {run_counts['visitors']} visitors, "
                    f"{run_counts['attentions']} attentions, {run_counts['no_shows']} no-shows, "
                    f"{run_counts['referrals'].get('made', 0)} referrals, {run_counts['s100_requests']} S100 "
                    f"({attention['duration_s']:.0f} s)",
                )

            employment_after = await _employment_totals(platform.employment)
            migrants_after = await _migracentro_stats(platform.migrants, *window)
            dlq = await dead_letters(bootstrap, start)
            ours = {h.household_id for h in outcome.households}
            employment_delta = report.stats_delta(employment_before, employment_after)
            notes = []
            if attended.get("capacity_raised"):
                notes.append(
                    f"{attended['capacity_raised']} Migracentro service capacities were raised for the "
                    "next weekday (earlier runs had booked its slots)"
                )
            status = outcome.status
            return report.Report(
                seed=options.seed,
                households_requested=options.households,
                run_tag=run_tag,
                started_at=started_at.isoformat(),
                duration_s=round(time.monotonic() - began, 1),
                registry={
                    "import_id": outcome.import_id,
                    "households_registered": len(outcome.households),
                    "people_registered": outcome.people,
                    "households_skipped": int(status["households_skipped"]),
                    "households_rejected": int(status["households_rejected"]),
                    "classified_after_import": outcome.classified,
                },
                households_by_district=report.districts(outcome.households),
                programs=report.program_lines(programs, answers),
                decisions_published=sum(
                    1
                    for e in reader.of_type("eligibility.decision.changed")
                    if e.data.get("household_id") in ours
                ),
                employment={
                    "employers": fair.employers,
                    "vacancies": fair.vacancies,
                    "positions": fair.positions,
                    "seekers": fair.seekers,
                    "referred_seekers": sum(
                        1
                        for e in reader.of_type("employment.job_seeker.registered")
                        if e.data.get("source") == "migrant_referral" and e.data.get("person_id") in persons
                    ),
                    "matches": sum(
                        1
                        for e in reader.of_type("employment.match.proposed")
                        if e.data.get("person_id") in persons
                    ),
                    "applications": fair.applications,
                    "placements": employment_delta.get("placements", 0),
                    "formal_placements": employment_delta.get("formal_placements", 0),
                },
                migracentros=_migracentro_delta(migrants_before, migrants_after),
                notifications=report.notifications(deliveries(reader, persons)),
                latency=report.latency(outcome.households, deliveries(reader, persons)),
                dead_letters=dlq,
                notes=notes,
                dci=programme.report(),
                attention=attention,
            )
