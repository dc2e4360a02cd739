"""`chasqui audit --document TYPE:NUMBER --since YYYY-MM-DD [--until YYYY-MM-DD]`.

Answers "who read or changed this person's data, between these dates" from the access record of
every service (chasqui_cli.audit). Run it as the auditor principal: only it may read
`chasqui.audit` (KAFKA_SASL_USERNAME=auditor or its KafkaUser certificate), with the platform's
AUDIT_DOCUMENT_KEY. Prints a table, or JSON with `--json`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from chasqui_cli import audit as access_record
from chasqui_cli.arco import parse_document
from chasqui_cli.errors import CliError
from chasqui_cli.settings import from_env


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{option} {text!r}: expected a date YYYY-MM-DD, e.g. 2026-01-01") from None


def audit(
    document: Annotated[
        str, typer.Option("--document", help="the person's document as TYPE:NUMBER, e.g. DNI:41835127")
    ],
    since: Annotated[str, typer.Option("--since", help="first day, YYYY-MM-DD (UTC days)")],
    until: Annotated[
        str | None, typer.Option("--until", help="last day, inclusive, YYYY-MM-DD (default: today)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Who read or changed this person's data, in every service, between two days (the access
    record on chasqui.audit; run as the auditor principal)."""
    person = parse_document(document)
    first = _day(since, "--since")
    assert first is not None
    last = _day(until, "--until")
    start, end = access_record.window(first, last, datetime.now(UTC).date())
    if end <= start:
        raise CliError(f"--until {until} is before --since {since}")
    entries = asyncio.run(access_record.audit(from_env().kafka_bootstrap_servers, person, start, end))
    if as_json:
        rows = [asdict(entry) for entry in entries]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False, default=str) + "\n")
        return
    table = Table(title=f"accesses to {person.type.value} {person.number} from {first} to {last or 'today'}")
    for column in ("when (UTC)", "service", "who", "purpose", "operation", "outcome", "ids"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        who = (
            entry.subject
            if entry.client_id in (None, entry.subject)
            else f"{entry.subject} ({entry.client_id})"
        )
        table.add_row(
            entry.occurred_at.isoformat(timespec="seconds"),
            entry.service,
            who,
            entry.purpose or "—",
            entry.operation,
            entry.outcome,
            " ".join(entry.resource_ids),
        )
    Console(soft_wrap=False, width=200).print(table)
