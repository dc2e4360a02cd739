"""Events in: the citizen projection from registry.households (name, household, age, disability,
CSE), migrant-services (migrants, cases, referrals to household registration) and
employment-matching (job seekers). Each handler calls the same use cases as the API would."""

from __future__ import annotations

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.events.employment import JobSeekerRegistered, JobSeekerUpdated
from chasqui_common.events.migrants import (
    CaseOpened,
    MigrantIdentity,
    MigrantRegistered,
    ReferralIssued,
    ReferralTarget,
)
from chasqui_common.events.registry import HOUSEHOLD_EVENTS, HouseholdEvent
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.topics import (
    EMPLOYMENT_JOB_SEEKERS,
    MIGRANT_SERVICES_CASES,
    MIGRANT_SERVICES_MIGRANTS,
    REGISTRY_HOUSEHOLDS,
)

from chasqui_citizen_attention.application.commands import (
    link_migrant_case,
    receive_migrant_referral,
    take_other_service_person,
    take_registry_household,
)
from chasqui_citizen_attention.application.models import (
    LinkMigrantCase,
    ReceiveMigrantReferral,
    TakeOtherServicePerson,
    TakeRegistryHousehold,
)


async def on_household_event(uow: UnitOfWork, event: HouseholdEvent) -> None:
    await take_registry_household(uow, TakeRegistryHousehold(event.household, uow.event.time))


def _migrant(person: MigrantIdentity, *, case_id: str | None = None) -> TakeOtherServicePerson:
    return TakeOtherServicePerson(
        document=person.document,
        given_names=person.given_names,
        paternal_surname=person.paternal_surname,
        maternal_surname=person.maternal_surname,
        birth_date=person.birth_date,
        sex=person.sex.value if person.sex else None,
        source="migrant-services",
        migrant_id=person.migrant_id,
        migrant_case_id=case_id,
    )


async def on_migrant_registered(uow: UnitOfWork, event: MigrantRegistered) -> None:
    await take_other_service_person(uow, _migrant(event.person))


async def on_case_opened(uow: UnitOfWork, event: CaseOpened) -> None:
    await link_migrant_case(uow, LinkMigrantCase(migrant_id=event.migrant_id, case_id=event.case_id))


async def on_referral_issued(uow: UnitOfWork, event: ReferralIssued) -> None:
    """A referral to household registration lands at the ULE; other targets only update the person."""
    person = _migrant(event.person, case_id=event.case_id)
    if event.target is not ReferralTarget.HOUSEHOLD_REGISTRATION:
        await take_other_service_person(uow, person)
        return
    await receive_migrant_referral(
        uow,
        ReceiveMigrantReferral(
            external_id=event.referral_id,
            case_id=event.case_id,
            migrant_id=event.migrant_id,
            district=event.attention_point_ubigeo,
            person=person,
            notes=event.notes,
        ),
    )


async def on_job_seeker(uow: UnitOfWork, event: JobSeekerRegistered | JobSeekerUpdated) -> None:
    await take_other_service_person(
        uow,
        TakeOtherServicePerson(
            document=event.document,
            given_names=event.given_names,
            paternal_surname=event.paternal_surname,
            maternal_surname=event.maternal_surname,
            birth_date=None,
            sex=None,
            source="employment-matching",
            seeker_id=event.seeker_id,
        ),
    )


def make_consumer(name: str = "citizen-attention") -> EventConsumer:
    """The consumer of the registry, migrant-services and employment-matching topics (`name` is
    its group and inbox name)."""
    consumer = EventConsumer(
        name,
        topics=[
            REGISTRY_HOUSEHOLDS,
            MIGRANT_SERVICES_MIGRANTS,
            MIGRANT_SERVICES_CASES,
            EMPLOYMENT_JOB_SEEKERS,
        ],
    )
    for model in HOUSEHOLD_EVENTS:
        consumer.on(model)(on_household_event)
    consumer.on(MigrantRegistered)(on_migrant_registered)
    consumer.on(CaseOpened)(on_case_opened)
    consumer.on(ReferralIssued)(on_referral_issued)
    consumer.on(JobSeekerRegistered)(on_job_seeker)
    consumer.on(JobSeekerUpdated)(on_job_seeker)
    return consumer
