"""/v1/employers and /v1/vacancies: register employers, publish and close vacancies, explained matches."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import IdempotentUseCases, UseCases
from fastapi import Depends, Query

from chasqui_employment_matching.api.routing import READ, WRITE, v1_router
from chasqui_employment_matching.api.schemas import EmployerIn, EmployerOut, MatchesOut, VacancyIn, VacancyOut
from chasqui_employment_matching.application import commands, queries
from chasqui_employment_matching.application.commands import CloseVacancy, PublishVacancy, RegisterEmployer
from chasqui_employment_matching.application.matching import TOP_N
from chasqui_employment_matching.application.queries import (
    GetEmployerQuery,
    GetVacancyQuery,
    VacancyMatchesQuery,
)
from chasqui_employment_matching.domain import codes

router = v1_router()


@router.post("/employers", status_code=201)
async def register_employer(
    body: EmployerIn, run: IdempotentUseCases, _: Principal = Depends(WRITE)
) -> EmployerOut:
    command = RegisterEmployer(body.to_domain())
    return EmployerOut.of(await run.command(commands.register_employer, command))


@router.get("/employers/{ruc}")
async def get_employer(ruc: str, run: UseCases, _: Principal = Depends(READ)) -> EmployerOut:
    query = GetEmployerQuery(codes.normalise_ruc("ruc", ruc))
    return EmployerOut.of(await run.query(queries.get_employer, query))


@router.post("/vacancies", status_code=201)
async def publish_vacancy(
    body: VacancyIn, run: IdempotentUseCases, _: Principal = Depends(WRITE)
) -> VacancyOut:
    command = PublishVacancy(body.to_domain(commands.new_id()))
    return VacancyOut.of(await run.command(commands.publish_vacancy, command))


@router.get("/vacancies/{vacancy_id}")
async def get_vacancy(vacancy_id: str, run: UseCases, _: Principal = Depends(READ)) -> VacancyOut:
    query = GetVacancyQuery(codes.check_uuid("vacancy_id", vacancy_id))
    return VacancyOut.of(await run.query(queries.get_vacancy, query))


@router.post("/vacancies/{vacancy_id}/close")
async def close_vacancy(vacancy_id: str, run: UseCases, _: Principal = Depends(WRITE)) -> VacancyOut:
    command = CloseVacancy(codes.check_uuid("vacancy_id", vacancy_id))
    return VacancyOut.of(await run.command(commands.close_vacancy, command))


@router.get("/vacancies/{vacancy_id}/matches")
async def vacancy_matches(
    vacancy_id: str,
    run: UseCases,
    limit: int = Query(TOP_N, ge=1, le=TOP_N),
    _: Principal = Depends(READ),
) -> MatchesOut:
    query = VacancyMatchesQuery(codes.check_uuid("vacancy_id", vacancy_id), limit)
    return MatchesOut.of(await run.query(queries.vacancy_matches, query))
