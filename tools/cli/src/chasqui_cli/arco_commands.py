"""`chasqui arco access|cancel|oppose|identify --document TYPE:NUMBER`: a person's ARCO rights.

Prints the assembled report (chasqui_cli.arco) as JSON: the request id, the right, the document,
the ids the person is known by, each service's part and the services that did not answer within
`--timeout` (then the exit status is 1: the request is not complete and may be sent again).
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from typing import Annotated, Any

import typer
from chasqui_common.events.arco import ArcoRight, Purpose

from chasqui_cli import arco
from chasqui_cli.errors import CliError
from chasqui_cli.settings import from_env

app = typer.Typer(
    help="ARCO rights of one person (Ley 29733): access report, cancellation, opposition.",
    no_args_is_help=True,
)

Document = Annotated[
    str, typer.Option("--document", help="the person's document as TYPE:NUMBER, e.g. DNI:41835127")
]
Timeout = Annotated[
    float, typer.Option("--timeout", min=1.0, help="seconds to wait for every service's answer, per step")
]


def _report(report: arco.ArcoReport) -> None:
    data: dict[str, Any] = asdict(report)
    data["complete"] = report.complete
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    if not report.complete:
        raise typer.Exit(1)


def _exercise(right: ArcoRight, document: str, timeout: float, purposes: list[Purpose] | None = None) -> None:
    person = arco.parse_document(document)
    report = asyncio.run(
        arco.exercise(
            from_env().kafka_bootstrap_servers, right, person, purposes=purposes or [], timeout=timeout
        )
    )
    _report(report)


@app.command("identify")
def identify(document: Document, timeout: Timeout = 30.0) -> None:
    """The ids each service knows the person by (no personal data)."""
    _exercise(ArcoRight.IDENTIFY, document, timeout)


@app.command("access")
def access(document: Document, timeout: Timeout = 30.0) -> None:
    """Everything each service holds about the person (Ley 29733 art. 19)."""
    _exercise(ArcoRight.ACCESS, document, timeout)


@app.command("cancel")
def cancel(
    document: Document,
    timeout: Timeout = 30.0,
    yes: Annotated[bool, typer.Option("--yes", help="confirm: the erasure cannot be undone")] = False,
) -> None:
    """Erase the person in every service, outboxes included (Ley 29733 art. 20)."""
    if not yes:
        raise CliError("cancellation erases the person in every service and cannot be undone; add --yes")
    _exercise(ArcoRight.CANCELLATION, document, timeout)


@app.command("oppose")
def oppose(
    document: Document,
    purpose: Annotated[
        list[Purpose], typer.Option("--purpose", help="a purpose to stop (repeat for several)")
    ],
    timeout: Timeout = 30.0,
) -> None:
    """Stop the uses the person opposes: contact per notification channel, being offered to
    employers (Ley 29733 art. 22)."""
    _exercise(ArcoRight.OPPOSITION, document, timeout, purposes=purpose)
