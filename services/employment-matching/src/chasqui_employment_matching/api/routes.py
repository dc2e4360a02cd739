"""HTTP API /v1: parse, call the application, answer; errors are problem details."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from chasqui_common.auth import Principal, require_scopes
from chasqui_common.bootstrap import ServiceRuntime, runtime
from chasqui_common.events.employment import SeekerSource
from chasqui_common.events.registry import Consent, DocumentType, EducationLevel
from chasqui_common.http.problems import FieldError, ProblemError
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from chasqui_employment_matching.adapters import repository
from chasqui_employment_matching.application import commands, queries
from chasqui_employment_matching.application.matching import TOP_N, lima_today
from chasqui_employment_matching.domain import codes
from chasqui_employment_matching.domain.codes import InvalidValue
from chasqui_employment_matching.domain.models import Availability, Employer, JobFair, JobSeeker, Vacancy

router = APIRouter(prefix="/v1", tags=["employment"])
READ = require_scopes("employment:read")
WRITE = require_scopes("employment:write")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- errors --------------------------------------------------------------------------------------


@contextmanager
def problems() -> Iterator[None]:
    """Application and domain errors as problem details naming the field, value and expectation."""
    try:
        yield
    except InvalidValue as exc:
        raise ProblemError(
            422,
            "validation",
            "Request is not valid",
            str(exc),
            errors=[FieldError(field=exc.field, value=_jsonable(exc.value), expected=exc.expected)],
        ) from None
    except commands.NotFound as exc:
        raise ProblemError(404, "not-found", f"{exc.what.capitalize()} not found", str(exc)) from None
    except commands.Conflict as exc:
        raise ProblemError(
            409,
            exc.kind,
            "Conflict",
            exc.detail,
            extra={"existing_id": exc.existing_id} if exc.existing_id else None,
        ) from None


def _jsonable(value: object) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


# -- job seekers ---------------------------------------------------------------------------------


class DocumentIn(_In):
    type: DocumentType
    number: str = Field(min_length=1, max_length=20)


class ContactIn(_In):
    phone: str | None = Field(None, pattern=r"^\+?\d{6,15}$", description="digits, optional leading +")
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    consent: Consent = Field(default_factory=Consent)


class JobSeekerIn(_In):
    document: DocumentIn
    person_id: str | None = Field(None, description="platform person id; assigned when absent")
    given_names: str = Field(min_length=1, max_length=120)
    paternal_surname: str | None = Field(None, max_length=80)
    maternal_surname: str | None = Field(None, max_length=80)
    birth_date: date | None = None
    ubigeo: str
    occupations: list[str] = Field(
        min_length=1, max_length=10, description="CNO 2015 / ISCO-08 4-digit codes"
    )
    skills: list[str] = Field(default_factory=list, max_length=50)
    education: EducationLevel = EducationLevel.NONE
    experience_years: int = Field(0, ge=0, le=70)
    disability: bool = False
    availability: Availability = Availability.ANY
    expected_salary: int | None = Field(None, ge=0, description="whole soles per month")
    contact: ContactIn = Field(default_factory=ContactIn)
    consent_to_contact: bool = False
    source: SeekerSource = SeekerSource.CENTRO_DE_EMPLEO

    def to_domain(self, seeker_id: str) -> JobSeeker:
        number = codes.normalise_document("document", self.document.type, self.document.number)
        return JobSeeker(
            seeker_id=seeker_id,
            person_id=self.person_id or f"{self.document.type.value}-{number}",
            document_type=self.document.type,
            document_number=number,
            given_names=self.given_names,
            paternal_surname=self.paternal_surname,
            maternal_surname=self.maternal_surname,
            birth_date=self.birth_date,
            ubigeo=codes.check_ubigeo("ubigeo", self.ubigeo),
            occupations=tuple(
                dict.fromkeys(
                    codes.check_occupation(f"occupations.{i}", c) for i, c in enumerate(self.occupations)
                )
            ),
            skills=codes.normalise_skills("skills", self.skills),
            education=self.education,
            experience_years=self.experience_years,
            disability=self.disability,
            availability=self.availability,
            expected_salary=self.expected_salary,
            phone=self.contact.phone,
            email=self.contact.email,
            consent_to_contact=self.consent_to_contact,
            consent_sms=self.contact.consent.sms,
            consent_email=self.contact.consent.email,
            consent_whatsapp=self.contact.consent.whatsapp,
            source=self.source,
        )


class JobSeekerOut(BaseModel):
    seeker_id: str
    person_id: str
    document: dict[str, str]
    given_names: str
    paternal_surname: str | None
    maternal_surname: str | None
    birth_date: date | None
    ubigeo: str
    occupations: list[str]
    skills: list[str]
    education: EducationLevel
    experience_years: int
    disability: bool
    availability: Availability
    expected_salary: int | None
    contact: dict[str, Any]
    consent_to_contact: bool
    source: SeekerSource
    referral_id: str | None
    active: bool
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, s: JobSeeker) -> JobSeekerOut:
        return cls(
            seeker_id=s.seeker_id,
            person_id=s.person_id,
            document={"type": s.document_type.value, "number": s.document_number},
            given_names=s.given_names,
            paternal_surname=s.paternal_surname,
            maternal_surname=s.maternal_surname,
            birth_date=s.birth_date,
            ubigeo=s.ubigeo,
            occupations=list(s.occupations),
            skills=list(s.skills),
            education=s.education,
            experience_years=s.experience_years,
            disability=s.disability,
            availability=s.availability,
            expected_salary=s.expected_salary,
            contact={
                "phone": s.phone,
                "email": s.email,
                "consent": {"sms": s.consent_sms, "email": s.consent_email, "whatsapp": s.consent_whatsapp},
            },
            consent_to_contact=s.consent_to_contact,
            source=s.source,
            referral_id=s.referral_id,
            active=s.active,
            created_at=s.created_at,
            updated_at=s.updated_at,
        )


@router.post("/job-seekers", status_code=201)
async def register_seeker(
    body: JobSeekerIn, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
) -> JobSeekerOut:
    with problems():
        seeker = body.to_domain(commands.new_id())
        async with rt.unit_of_work() as uow:
            saved = await commands.register_seeker(uow.conn, uow.publish, seeker)
    return JobSeekerOut.of(saved)


@router.put("/job-seekers/{seeker_id}")
async def update_seeker(
    seeker_id: str, body: JobSeekerIn, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
) -> JobSeekerOut:
    with problems():
        _check_uuid("seeker_id", seeker_id)
        seeker = body.to_domain(seeker_id)
        async with rt.unit_of_work() as uow:
            saved = await commands.update_seeker(uow.conn, uow.publish, seeker)
    return JobSeekerOut.of(saved)


class JobSeekerList(BaseModel):
    items: list[JobSeekerOut]


@router.get("/job-seekers")
async def find_seekers(
    document_type: DocumentType = Query(..., description="document type of the person"),
    document_number: str = Query(..., min_length=1, max_length=20),
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = Depends(READ),
) -> JobSeekerList:
    """Look a job seeker up by identity document (at most one)."""
    with problems():
        number = codes.normalise_document("document", document_type, document_number)
        async with rt.pool.acquire() as conn:
            seeker = await repository.find_seeker_by_document(conn, document_type, number)
    return JobSeekerList(items=[JobSeekerOut.of(seeker)] if seeker else [])


@router.get("/job-seekers/{seeker_id}")
async def get_seeker(
    seeker_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> JobSeekerOut:
    with problems():
        _check_uuid("seeker_id", seeker_id)
        async with rt.pool.acquire() as conn:
            seeker = await repository.get_seeker(conn, seeker_id)
        if seeker is None:
            raise commands.NotFound("job seeker", seeker_id)
    return JobSeekerOut.of(seeker)


class ComponentOut(BaseModel):
    name: str
    points: int
    max_points: int
    detail: str


class MatchOut(BaseModel):
    seeker_id: str
    vacancy_id: str
    score: int
    components: list[ComponentOut]


class MatchesOut(BaseModel):
    items: list[MatchOut]


@router.get("/job-seekers/{seeker_id}/matches")
async def seeker_matches(
    seeker_id: str,
    limit: int = Query(TOP_N, ge=1, le=TOP_N),
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = Depends(READ),
) -> MatchesOut:
    with problems():
        _check_uuid("seeker_id", seeker_id)
        async with rt.pool.acquire() as conn:
            views = await queries.seeker_matches(conn, seeker_id, limit)
    return MatchesOut(items=[MatchOut.model_validate(asdict(v)) for v in views])


# -- employers -----------------------------------------------------------------------------------


class EmployerIn(_In):
    ruc: str
    name: str = Field(min_length=1, max_length=200)
    sector: str | None = Field(None, max_length=120, description="economic sector (e.g. CIIU section)")


class EmployerOut(BaseModel):
    ruc: str
    name: str
    sector: str | None


@router.post("/employers", status_code=201)
async def register_employer(
    body: EmployerIn, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
) -> EmployerOut:
    with problems():
        employer = Employer(codes.normalise_ruc("ruc", body.ruc), body.name, body.sector)
        async with rt.unit_of_work() as uow:
            await commands.register_employer(uow.conn, employer)
    return EmployerOut(**asdict(employer))


@router.get("/employers/{ruc}")
async def get_employer(
    ruc: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> EmployerOut:
    with problems():
        ruc = codes.normalise_ruc("ruc", ruc)
        async with rt.pool.acquire() as conn:
            employer = await repository.get_employer(conn, ruc)
        if employer is None:
            raise commands.NotFound("employer", ruc)
    return EmployerOut(**asdict(employer))


# -- vacancies -----------------------------------------------------------------------------------


class VacancyIn(_In):
    employer_ruc: str
    title: str = Field(min_length=1, max_length=200)
    occupation_code: str = Field(description="CNO 2015 / ISCO-08 4-digit unit group")
    skills: list[str] = Field(default_factory=list, max_length=30)
    ubigeo: str
    positions: int = Field(ge=1, le=10_000)
    formal: bool = Field(description="formal contract (planilla)")
    salary_min: int | None = Field(None, ge=0, description="whole soles per month")
    salary_max: int | None = Field(None, ge=0, description="whole soles per month")
    inclusive: bool = Field(False, description="reserved for people with a disability")
    education_required: EducationLevel = EducationLevel.NONE
    experience_years_required: int = Field(0, ge=0, le=50)
    closes_on: date
    job_fair_id: str | None = None

    @model_validator(mode="after")
    def _salary_range(self) -> VacancyIn:
        if self.salary_min is not None and self.salary_max is not None and self.salary_max < self.salary_min:
            raise ValueError(f"salary_max {self.salary_max} is below salary_min {self.salary_min}")
        return self

    def to_domain(self, vacancy_id: str) -> Vacancy:
        if self.job_fair_id is not None:
            _check_uuid("job_fair_id", self.job_fair_id)
        return Vacancy(
            vacancy_id=vacancy_id,
            employer_ruc=codes.normalise_ruc("employer_ruc", self.employer_ruc),
            title=self.title,
            occupation_code=codes.check_occupation("occupation_code", self.occupation_code),
            skills=codes.normalise_skills("skills", self.skills),
            ubigeo=codes.check_ubigeo("ubigeo", self.ubigeo),
            positions=self.positions,
            formal=self.formal,
            salary_min=self.salary_min,
            salary_max=self.salary_max,
            inclusive=self.inclusive,
            education_required=self.education_required,
            experience_years_required=self.experience_years_required,
            closes_on=self.closes_on,
            fair_id=self.job_fair_id,
        )


class VacancyOut(BaseModel):
    vacancy_id: str
    employer_ruc: str
    title: str
    occupation_code: str
    skills: list[str]
    ubigeo: str
    positions: int
    placements: int
    formal: bool
    salary_min: int | None
    salary_max: int | None
    inclusive: bool
    education_required: EducationLevel
    experience_years_required: int
    closes_on: date
    status: str
    job_fair_id: str | None
    published_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, v: Vacancy) -> VacancyOut:
        data = asdict(v)
        data["job_fair_id"] = data.pop("fair_id")
        data["skills"] = list(v.skills)
        data["status"] = v.status.value
        return cls(**data)


@router.post("/vacancies", status_code=201)
async def publish_vacancy(
    body: VacancyIn, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
) -> VacancyOut:
    with problems():
        vacancy = body.to_domain(commands.new_id())
        async with rt.unit_of_work() as uow:
            saved = await commands.publish_vacancy(uow.conn, uow.publish, vacancy, lima_today())
    return VacancyOut.of(saved)


@router.get("/vacancies/{vacancy_id}")
async def get_vacancy(
    vacancy_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> VacancyOut:
    with problems():
        _check_uuid("vacancy_id", vacancy_id)
        async with rt.pool.acquire() as conn:
            vacancy = await repository.get_vacancy(conn, vacancy_id)
        if vacancy is None:
            raise commands.NotFound("vacancy", vacancy_id)
    return VacancyOut.of(vacancy)


@router.post("/vacancies/{vacancy_id}/close")
async def close_vacancy(
    vacancy_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
) -> VacancyOut:
    with problems():
        _check_uuid("vacancy_id", vacancy_id)
        async with rt.unit_of_work() as uow:
            closed = await commands.close_vacancy(uow.conn, uow.publish, vacancy_id)
    return VacancyOut.of(closed)


@router.get("/vacancies/{vacancy_id}/matches")
async def vacancy_matches(
    vacancy_id: str,
    limit: int = Query(TOP_N, ge=1, le=TOP_N),
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = Depends(READ),
) -> MatchesOut:
    with problems():
        _check_uuid("vacancy_id", vacancy_id)
        async with rt.pool.acquire() as conn:
            views = await queries.vacancy_matches(conn, vacancy_id, limit)
    return MatchesOut(items=[MatchOut.model_validate(asdict(v)) for v in views])


# -- job fairs -----------------------------------------------------------------------------------


class JobFairIn(_In):
    name: str = Field(min_length=1, max_length=200)
    held_on: date
    ubigeo: str
    venue: str = Field(min_length=1, max_length=200)


class JobFairOut(BaseModel):
    fair_id: str
    name: str
    held_on: date
    ubigeo: str
    venue: str
    vacancies: int
    positions: int
    attendees: int


class AttendeeIn(_In):
    seeker_id: str


@router.post("/job-fairs", status_code=201)
async def create_fair(
    body: JobFairIn, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
) -> JobFairOut:
    with problems():
        fair = JobFair(
            commands.new_id(), body.name, body.held_on, codes.check_ubigeo("ubigeo", body.ubigeo), body.venue
        )
        async with rt.unit_of_work() as uow:
            await commands.create_fair(uow.conn, fair)
    return JobFairOut(**asdict(fair))


@router.get("/job-fairs/{fair_id}")
async def get_fair(
    fair_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> JobFairOut:
    with problems():
        _check_uuid("fair_id", fair_id)
        async with rt.pool.acquire() as conn:
            fair = await repository.get_fair(conn, fair_id)
        if fair is None:
            raise commands.NotFound("job fair", fair_id)
    return JobFairOut(**asdict(fair))


@router.post("/job-fairs/{fair_id}/attendees", status_code=201)
async def register_attendee(
    fair_id: str, body: AttendeeIn, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
) -> JobFairOut:
    with problems():
        _check_uuid("fair_id", fair_id)
        _check_uuid("seeker_id", body.seeker_id)
        async with rt.unit_of_work() as uow:
            await commands.register_attendee(uow.conn, fair_id, body.seeker_id)
            fair = await repository.get_fair(uow.conn, fair_id)
    assert fair is not None
    return JobFairOut(**asdict(fair))


# -- applications and placements -----------------------------------------------------------------


class ApplicationIn(_In):
    seeker_id: str
    vacancy_id: str


class ApplicationOut(BaseModel):
    application_id: str
    seeker_id: str
    vacancy_id: str
    match_score: int | None
    submitted_at: datetime


@router.post("/applications", status_code=201)
async def submit_application(
    body: ApplicationIn, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
) -> ApplicationOut:
    with problems():
        _check_uuid("seeker_id", body.seeker_id)
        _check_uuid("vacancy_id", body.vacancy_id)
        async with rt.unit_of_work() as uow:
            application = await commands.submit_application(
                uow.conn, uow.publish, body.seeker_id, body.vacancy_id, lima_today()
            )
    return ApplicationOut(**asdict(application))


@router.get("/applications/{application_id}")
async def get_application(
    application_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> ApplicationOut:
    with problems():
        _check_uuid("application_id", application_id)
        async with rt.pool.acquire() as conn:
            application = await repository.get_application(conn, application_id)
        if application is None:
            raise commands.NotFound("application", application_id)
    return ApplicationOut(**asdict(application))


class PlacementIn(_In):
    seeker_id: str
    vacancy_id: str
    start_date: date
    monthly_salary: int | None = Field(None, ge=0, description="whole soles per month")
    formal: bool | None = Field(
        None, description="formal contract (planilla); defaults to the vacancy's flag"
    )


class PlacementOut(BaseModel):
    placement_id: str
    seeker_id: str
    vacancy_id: str
    formal: bool
    start_date: date
    monthly_salary: int | None
    confirmed_at: datetime


@router.post("/placements", status_code=201)
async def confirm_placement(
    body: PlacementIn, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
) -> PlacementOut:
    with problems():
        _check_uuid("seeker_id", body.seeker_id)
        _check_uuid("vacancy_id", body.vacancy_id)
        async with rt.unit_of_work() as uow:
            placement = await commands.confirm_placement(
                uow.conn,
                uow.publish,
                seeker_id=body.seeker_id,
                vacancy_id=body.vacancy_id,
                start_date=body.start_date,
                monthly_salary=body.monthly_salary,
                formal=body.formal,
            )
    return PlacementOut(**asdict(placement))


@router.get("/placements/{placement_id}")
async def get_placement(
    placement_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> PlacementOut:
    with problems():
        _check_uuid("placement_id", placement_id)
        async with rt.pool.acquire() as conn:
            placement = await repository.get_placement(conn, placement_id)
        if placement is None:
            raise commands.NotFound("placement", placement_id)
    return PlacementOut(**asdict(placement))


# -- statistics ----------------------------------------------------------------------------------


class DepartmentStatsOut(BaseModel):
    department: str
    name: str
    seekers: int
    vacancies: int
    positions: int
    placements: int
    formal_placements: int


class DepartmentStatsList(BaseModel):
    items: list[DepartmentStatsOut]


@router.get("/stats/departments")
async def department_stats(
    rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> DepartmentStatsList:
    async with rt.pool.acquire() as conn:
        stats = await queries.department_stats(conn)
    return DepartmentStatsList(items=[DepartmentStatsOut(**asdict(s)) for s in stats])


def _check_uuid(field: str, value: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError:
        raise InvalidValue(field, value, "a UUID") from None
