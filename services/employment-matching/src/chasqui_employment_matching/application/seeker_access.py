"""The access record of job seekers' personal data (chasqui_common.audit, docs/privacy.md): which
reads and writes are recorded, and under which operation names and ids."""

from __future__ import annotations

from collections.abc import Iterable

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.audit import NONE_FOUND, OK, Access, record_access
from chasqui_common.auth.scope import Caller

from chasqui_employment_matching.domain.models import JobSeeker

SERVICE = "employment-matching"


def _person_id(seeker: JobSeeker) -> str | None:
    """The platform person id, unless it was made from the document (`DNI-41835127` for a seeker
    registered without one): the record must hold no document in clear; its keyed hash finds them."""
    return None if seeker.document_number in seeker.person_id else seeker.person_id


async def record_seekers(
    uow: UnitOfWork,
    caller: Caller,
    verb: str,
    seekers: Iterable[JobSeeker],
    *,
    documents: Iterable[tuple[str, str]] = (),
) -> None:
    """Record `employment-matching.job-seeker.<verb>` by `caller` on `seekers` (their seeker and
    person ids, their documents as keyed hashes), in the use case's transaction; with no seeker
    (a lookup that found nobody) the outcome is `none-found` and `documents` name what was asked."""
    found = list(seekers)
    await record_access(
        uow,
        caller,
        Access(
            operation=f"{SERVICE}.job-seeker.{verb}",
            resource_type="job-seeker",
            resource_ids=[i for s in found for i in (s.seeker_id, _person_id(s)) if i],
            documents=[*documents, *((s.document_type.value, s.document_number) for s in found)],
            outcome=OK if found else NONE_FOUND,
        ),
    )
