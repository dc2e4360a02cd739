"""/console/ and /console/personas: find a person by document, register one the registry does not
know, their page (data, timeline), and from it issue a ticket or refer to another office.

Forms are checked with the API's own request schemas (api/schemas.py), so a value the API refuses
the console refuses too, with the same rule, only worded in Spanish beside the field.
"""

from __future__ import annotations

from typing import Annotated, Any

from chasqui_common.bootstrap import UseCases
from chasqui_common.values import IdentityDocument, Uuid
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from chasqui_citizen_attention.api.schemas import CitizenIn, ReferralIn, TicketIn
from chasqui_citizen_attention.application import commands, queries
from chasqui_citizen_attention.application.models import (
    FindCitizenQuery,
    GetTimelineQuery,
    IssueTicket,
    MakeReferral,
    RegisterCitizen,
)
from chasqui_citizen_attention.console.desk import (
    CSE,
    DOCUMENT_TYPES,
    KINDS,
    KNOWN_FROM,
    blank_to_none,
    desk_of,
    split_choice,
)
from chasqui_citizen_attention.console.messages import (
    DOCUMENT_FIELDS,
    REFERRAL_FIELDS,
    TICKET_FIELDS,
    FormErrors,
)
from chasqui_citizen_attention.console.pages import attempt, invalid, render, see_other
from chasqui_citizen_attention.console.session import DEMUNA, WRITE, Clerk, CurrentClerk

router = APIRouter()


def _search(request: Request, clerk: Clerk, **context: Any) -> Response:
    context.setdefault("unknown", None)
    return render(
        request,
        "search.html",
        title="Buscar persona",
        clerk=clerk,
        section="buscar",
        document_types=DOCUMENT_TYPES,
        **context,
    )


@router.get("/")
async def search_page(request: Request, run: UseCases, clerk: CurrentClerk) -> Response:
    return _search(request, clerk, desk=await desk_of(run, clerk))


@router.get("/personas")
async def find_person(
    request: Request, run: UseCases, clerk: CurrentClerk, tipo: str = "DNI", numero: str = ""
) -> Response:
    form = {"tipo": tipo, "numero": numero}
    try:
        document = IdentityDocument.model_validate({"type": tipo, "number": numero.strip() or None})
    except ValidationError as error:
        return _search(request, clerk, form=form, errors=invalid(error, DOCUMENT_FIELDS))
    if document.number is None:
        return _search(
            request,
            clerk,
            form=form,
            errors=FormErrors("Revise los datos marcados.", {"numero": "Escriba el número."}),
        )
    lookup = await run.command(queries.find_citizen, FindCitizenQuery(document, caller=clerk.caller))
    if lookup.view is None:
        return _search(request, clerk, form=form, unknown=document)
    return see_other(f"/personas/{lookup.view.citizen.citizen_id}")


@router.post("/personas")
async def register_person(
    request: Request,
    run: UseCases,
    clerk: CurrentClerk,
    tipo: Annotated[str, Form()] = "",
    numero: Annotated[str, Form()] = "",
    nombres: Annotated[str, Form()] = "",
    apellido_paterno: Annotated[str, Form()] = "",
    apellido_materno: Annotated[str, Form()] = "",
    nacimiento: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "tipo": tipo,
        "numero": numero,
        "nombres": nombres,
        "apellido_paterno": apellido_paterno,
        "apellido_materno": apellido_materno,
        "nacimiento": nacimiento,
    }
    clerk.require(WRITE)
    values = blank_to_none(form)
    try:
        body = CitizenIn.model_validate(
            {
                "document": {"type": tipo, "number": numero},
                "given_names": values["nombres"],
                "paternal_surname": values["apellido_paterno"],
                "maternal_surname": values["apellido_materno"],
                "birth_date": values["nacimiento"],
            }
        )
    except ValidationError as error:
        shown = IdentityDocument.model_construct(type=tipo, number=numero)  # type: ignore[arg-type]
        return _search(request, clerk, form=form, errors=invalid(error, DOCUMENT_FIELDS), unknown=shown)
    command = RegisterCitizen(
        document=body.document,
        given_names=body.given_names,
        paternal_surname=body.paternal_surname,
        maternal_surname=body.maternal_surname,
        birth_date=body.birth_date,
    )
    done = await attempt(run.command(commands.register_citizen, command), DOCUMENT_FIELDS)
    if done.value is None:
        return _search(request, clerk, form=form, errors=done.errors, unknown=body.document)
    return see_other(f"/personas/{done.value.citizen_id}", "Persona registrada en el mostrador.")


async def person_page(
    request: Request,
    run: UseCases,
    clerk: Clerk,
    citizen_id: str,
    *,
    notice: str | None = None,
    errors: FormErrors | None = None,
    form_name: str = "",
    form: dict[str, str] | None = None,
) -> Response:
    query = GetTimelineQuery(
        citizen_id=citizen_id, may_read_confidential=clerk.can(DEMUNA), caller=clerk.caller
    )
    found = await attempt(run.command(queries.get_timeline, query))
    if found.value is None:
        return render(
            request,
            "message.html",
            title="Persona no encontrada",
            clerk=clerk,
            section="buscar",
            errors=found.errors,
            status_code=404,
        )
    desk = await desk_of(run, clerk)
    timeline = found.value
    citizen = timeline.citizen.citizen
    name = " ".join(p for p in (citizen.given_names, citizen.paternal_surname, citizen.maternal_surname) if p)
    return render(
        request,
        "person.html",
        desk=desk,
        title=name,
        clerk=clerk,
        section="buscar",
        notice=notice,
        errors=errors,
        form_name=form_name,
        form=form or {},
        citizen=citizen,
        age=timeline.citizen.age,
        cse=timeline.citizen.cse_in_force,
        cse_words=CSE,
        known_from_words=KNOWN_FROM,
        kind_words=KINDS,
        timeline=timeline.entries,
        office_options=desk.office_options(),
        procedure_groups=desk.procedure_groups(),
        procedure_names=desk.procedure_names(),
    )


@router.get("/personas/{citizen_id}")
async def show_person(request: Request, citizen_id: Uuid, run: UseCases, clerk: CurrentClerk) -> Response:
    return await person_page(request, run, clerk, citizen_id)


@router.post("/personas/{citizen_id}/turnos")
async def issue_ticket(
    request: Request,
    citizen_id: Uuid,
    run: UseCases,
    clerk: CurrentClerk,
    tramite: Annotated[str, Form()] = "",
) -> Response:
    clerk.require(WRITE)
    form = {"tramite": tramite}
    office, procedure = split_choice(tramite)
    try:
        body = TicketIn.model_validate(
            {
                "municipality": clerk.municipality,
                "office": office,
                "citizen_id": citizen_id,
                "procedure": procedure,
            }
        )
    except ValidationError as error:
        errors = invalid(error, TICKET_FIELDS)
        return await person_page(request, run, clerk, citizen_id, errors=errors, form_name="turno", form=form)
    command = IssueTicket(
        municipality=body.municipality,
        office=body.office,
        citizen_id=body.citizen_id,
        procedure=body.procedure,
    )
    done = await attempt(run.command(commands.issue_ticket, command), TICKET_FIELDS)
    if done.value is None:
        return await person_page(
            request, run, clerk, citizen_id, errors=done.errors, form_name="turno", form=form
        )
    return see_other(f"/turnos?oficina={body.office.value}", f"Turno {done.value.code} emitido.")


@router.post("/personas/{citizen_id}/derivaciones")
async def refer(
    request: Request,
    citizen_id: Uuid,
    run: UseCases,
    clerk: CurrentClerk,
    desde: Annotated[str, Form()] = "",
    hacia: Annotated[str, Form()] = "",
    motivo: Annotated[str, Form()] = "",
    plazo: Annotated[str, Form()] = "",
) -> Response:
    clerk.require(WRITE)
    form = {"desde": desde, "hacia": hacia, "motivo": motivo, "plazo": plazo}
    to_office, procedure = split_choice(hacia)
    values = blank_to_none(form)
    try:
        body = ReferralIn.model_validate(
            {
                "municipality": clerk.municipality,
                "from_office": values["desde"],
                "to_office": to_office or None,
                "citizen_id": citizen_id,
                "staff": clerk.name,
                "procedure": procedure,
                "reason": values["motivo"],
                "due_on": values["plazo"],
            }
        )
    except ValidationError as error:
        errors = invalid(error, REFERRAL_FIELDS)
        return await person_page(
            request, run, clerk, citizen_id, errors=errors, form_name="derivacion", form=form
        )
    command = MakeReferral(
        municipality=body.municipality,
        from_office=body.from_office,
        to_office=body.to_office,
        citizen_id=body.citizen_id,
        staff=body.staff,
        may_read_confidential=clerk.can(DEMUNA),
        procedure=body.procedure,
        reason=body.reason,
        due_on=body.due_on,
    )
    done = await attempt(run.command(commands.make_referral, command), REFERRAL_FIELDS)
    if done.value is None:
        return await person_page(
            request, run, clerk, citizen_id, errors=done.errors, form_name="derivacion", form=form
        )
    due = done.value.due_on.strftime("%d/%m/%Y")
    return see_other(
        f"/personas/{citizen_id}",
        f"Derivación a {done.value.to_office.value} registrada; plazo hasta el {due}.",
    )
