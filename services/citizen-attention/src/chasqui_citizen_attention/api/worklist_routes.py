"""/v1/worklists: the lists eligibility decisions feed (newly CIAM- or OMAPED-eligible people,
households that need ULE reclassification)."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import UseCases
from chasqui_common.values import Ubigeo
from fastapi import APIRouter, Depends, Query

from chasqui_citizen_attention.application import worklists
from chasqui_citizen_attention.domain.municipalities import Office

from . import schemas as s
from .scopes import READ

router = APIRouter()


@router.get("/worklists/{office}")
async def get_worklist(
    office: Office,
    run: UseCases,
    municipality: Ubigeo | None = None,
    limit: int = Query(100, ge=1, le=1000),
    _: Principal = Depends(READ),
) -> s.WorklistOut:
    """An office's worklist, newest first; `municipality` keeps the people of households in that
    district (422 invalid-value on `office` for DEMUNA, which has none)."""
    found = await run.query(worklists.list_worklist, worklists.ListWorklistQuery(office, municipality, limit))
    return s.WorklistOut(
        office=found.office,
        municipality=found.municipality,
        entries=[
            s.WorklistEntryOut(
                household_id=e.household_id,
                person_id=e.person_id,
                program=e.program,
                reason=e.reason,
                decision_id=e.decision_id,
                since=e.since,
                citizen_id=e.citizen_id,
                municipality=e.municipality,
                document_type=e.document_type,
                document_number=e.document_number,
                given_names=e.given_names,
                paternal_surname=e.paternal_surname,
                maternal_surname=e.maternal_surname,
            )
            for e in found.entries
        ],
    )
