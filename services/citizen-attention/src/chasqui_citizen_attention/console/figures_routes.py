"""/console/panel (an office's day: queue, attentions, referrals received, S100 deadlines) and
/console/cifras (the attention map: figures of a period and a procedure's process map)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from chasqui_common.bootstrap import UseCases, runtime
from chasqui_common.values import IsoDate, Uuid, text
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from chasqui_citizen_attention.application import commands, queries
from chasqui_citizen_attention.application.models import (
    AttentionFigureRow,
    AttentionFiguresQuery,
    GetCitizenQuery,
    ListClassificationDeadlinesQuery,
    ListReferralsQuery,
    MoveReferral,
    ProcessMapQuery,
)
from chasqui_citizen_attention.console.desk import OUTCOMES, desk_of, split_choice
from chasqui_citizen_attention.console.messages import FormErrors
from chasqui_citizen_attention.console.pages import attempt, invalid, render, see_other
from chasqui_citizen_attention.console.session import DEMUNA, WRITE, CurrentClerk
from chasqui_citizen_attention.domain.municipalities import Office
from chasqui_citizen_attention.domain.referrals import ReferralStatus

router = APIRouter()

DEFAULT_PERIOD_DAYS = 7
DEADLINE_WORDS = {
    "on_time": "a tiempo",
    "at_risk": "en riesgo",
    "missed": "vencido",
    "met": "cumplido",
    "late": "cumplido con retraso",
}


class Period(BaseModel):
    desde: IsoDate
    hasta: IsoDate


class Rejection(BaseModel):
    motivo: Annotated[str, text(min_length=1, max_length=500, multiline=True)]


@router.get("/panel")
async def dashboard(request: Request, run: UseCases, clerk: CurrentClerk, oficina: str = "") -> Response:
    chosen = oficina or clerk.office or ""
    office = Office(chosen) if chosen in Office.__members__ else Office.ULE
    desk = await desk_of(run, clerk)
    today = runtime(request).clock.today()
    figures = await run.query(
        queries.get_attention_figures,
        AttentionFiguresQuery(municipality=clerk.municipality, first=today, last=today, office=office),
    )
    referrals = [
        r
        for status in (ReferralStatus.PENDING, ReferralStatus.ACCEPTED)
        for r in await run.query(
            queries.list_referrals,
            ListReferralsQuery(
                may_read_confidential=clerk.can(DEMUNA),
                municipality=clerk.municipality,
                to_office=office,
                status=status,
            ),
        )
    ]
    names: dict[str, str] = {}
    for referral in referrals:
        if referral.citizen_id not in names:
            view = await run.command(
                queries.get_citizen, GetCitizenQuery(referral.citizen_id, caller=clerk.caller)
            )
            names[referral.citizen_id] = " ".join(
                p for p in (view.citizen.given_names, view.citizen.paternal_surname) if p
            )
    deadlines = None
    if office is Office.ULE:
        deadlines = await run.query(
            queries.list_classification_deadlines, ListClassificationDeadlinesQuery(clerk.municipality)
        )
    queue = next((q for q in figures.queues if q.office == office.value), None)
    return render(
        request,
        "dashboard.html",
        desk=desk,
        title=f"Panel de la oficina · {office.value}",
        clerk=clerk,
        section="panel",
        office=office.value,
        office_options=desk.office_options(),
        today=today,
        queue=queue,
        attentions=sum(row.attentions for row in figures.attentions),
        by_procedure=_by_procedure(figures.attentions),
        procedure_names=desk.procedure_names(),
        referrals=referrals,
        names=names,
        deadlines=deadlines,
        deadline_words=DEADLINE_WORDS,
        outcome_words=OUTCOMES,
    )


def _by_procedure(rows: tuple[AttentionFigureRow, ...]) -> list[tuple[str, str, int]]:
    """Attentions per (office, procedure) over the rows' days and sectors."""
    totals: dict[tuple[str, str], int] = {}
    for row in rows:
        totals[(row.office, row.procedure)] = totals.get((row.office, row.procedure), 0) + row.attentions
    return [(office, procedure, count) for (office, procedure), count in sorted(totals.items())]


async def _move_referral(
    request: Request,
    run: UseCases,
    clerk: CurrentClerk,
    referral_id: Uuid,
    status: ReferralStatus,
    reason: str | None,
    done_notice: str,
) -> Response:
    clerk.require(WRITE)
    command = MoveReferral(referral_id, status, clerk.name, clerk.can(DEMUNA), reason)
    done = await attempt(run.command(commands.move_referral, command), {"reason": "motivo"})
    if done.errors is not None or done.value is None:
        return render(
            request,
            "message.html",
            title="No se pudo cambiar la derivación",
            clerk=clerk,
            section="panel",
            errors=done.errors,
        )
    return see_other(f"/panel?oficina={done.value.to_office.value}", done_notice)


@router.post("/derivaciones/{referral_id}/aceptar")
async def accept_referral(
    request: Request, referral_id: Uuid, run: UseCases, clerk: CurrentClerk
) -> Response:
    return await _move_referral(
        request, run, clerk, referral_id, ReferralStatus.ACCEPTED, None, "Derivación aceptada."
    )


@router.post("/derivaciones/{referral_id}/completar")
async def complete_referral(
    request: Request, referral_id: Uuid, run: UseCases, clerk: CurrentClerk
) -> Response:
    return await _move_referral(
        request, run, clerk, referral_id, ReferralStatus.COMPLETED, None, "Derivación completada."
    )


@router.post("/derivaciones/{referral_id}/rechazar")
async def reject_referral(
    request: Request,
    referral_id: Uuid,
    run: UseCases,
    clerk: CurrentClerk,
    motivo: Annotated[str, Form()] = "",
) -> Response:
    try:
        rejection = Rejection(motivo=motivo.strip())
    except ValidationError as error:
        errors = invalid(error)
        return render(
            request,
            "message.html",
            title="No se pudo rechazar la derivación",
            clerk=clerk,
            section="panel",
            errors=FormErrors("Para rechazar una derivación escriba el motivo.", errors.fields),
        )
    return await _move_referral(
        request, run, clerk, referral_id, ReferralStatus.REJECTED, rejection.motivo, "Derivación rechazada."
    )


@router.get("/cifras")
async def figures(
    request: Request, run: UseCases, clerk: CurrentClerk, desde: str = "", hasta: str = "", tramite: str = ""
) -> Response:
    desk = await desk_of(run, clerk)
    today = runtime(request).clock.today()
    form = {
        "desde": desde or (today - timedelta(days=DEFAULT_PERIOD_DAYS - 1)).isoformat(),
        "hasta": hasta or today.isoformat(),
        "tramite": tramite,
    }
    page: dict[str, Any] = {
        "desk": desk,
        "title": "Cifras de atención",
        "clerk": clerk,
        "section": "cifras",
        "form": form,
        "procedure_groups": [
            (g, [o for o in opts if not o[0].endswith("|")]) for g, opts in desk.procedure_groups()
        ],
        "procedure_names": desk.procedure_names(),
        "figures": None,
        "process": None,
        "office_names": {o.office.value: o.name for o in desk.municipality.offices},
    }
    try:
        period = Period(desde=form["desde"], hasta=form["hasta"])
    except ValidationError as error:
        return render(request, "figures.html", errors=invalid(error), **page)
    found = await attempt(
        run.query(
            queries.get_attention_figures,
            AttentionFiguresQuery(municipality=clerk.municipality, first=period.desde, last=period.hasta),
        ),
        {"to": "hasta", "from": "desde"},
    )
    if found.errors is not None:
        return render(request, "figures.html", errors=found.errors, **page)
    page["figures"] = found.value
    office, procedure = split_choice(tramite)
    if office in Office.__members__ and procedure:
        mapped = await attempt(
            run.query(
                queries.get_process_map,
                ProcessMapQuery(
                    municipality=clerk.municipality,
                    office=Office(office),
                    procedure=procedure,
                    first=period.desde,
                    last=period.hasta,
                    may_read_confidential=clerk.can(DEMUNA),
                ),
            ),
            {"scope": "tramite", "procedure": "tramite", "office": "tramite", "to": "hasta"},
        )
        if mapped.errors is not None:
            return render(request, "figures.html", errors=mapped.errors, **page)
        page["process"] = mapped.value
    return render(request, "figures.html", **page)
