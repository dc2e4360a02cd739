"""Events the service reacts to: migrant referrals to employment become job seekers."""

from __future__ import annotations

import logging

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.events.employment import SeekerSource
from chasqui_common.events.migrants import ReferralIssued, ReferralTarget
from chasqui_common.events.registry import EducationLevel
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.topics import MIGRANT_SERVICES_CASES
from chasqui_common.values import is_mobile

from chasqui_employment_matching.application import commands
from chasqui_employment_matching.application.commands import RegisterReferredSeeker
from chasqui_employment_matching.domain import codes
from chasqui_employment_matching.domain.models import Availability, JobSeeker

log = logging.getLogger(__name__)

consumer = EventConsumer("employment-matching", topics=[MIGRANT_SERVICES_CASES])


@consumer.on(ReferralIssued)
async def on_referral(uow: UnitOfWork, event: ReferralIssued) -> None:
    """An employment referral with consent to be contacted creates or refreshes a job seeker.

    Consent is the person's consent on at least one contact channel; without it the referral
    is acknowledged and nothing is stored. The payload model applies the shared value rules
    (a refused value dead-letters the event with field, value and expectation before this runs);
    a document type the service does not register job seekers with (REFUGEE_APPLICANT, NONE)
    dead-letters it the same way (`InvalidCode`, `dlq_field` `person.document.type`).
    """
    if event.target is not ReferralTarget.EMPLOYMENT:
        return
    consent = event.person.contact.consent
    if not (consent.sms or consent.email or consent.whatsapp):
        log.info("referral %s to employment has no consent to contact: not registered", event.referral_id)
        return
    seeker = seeker_from_referral(event, commands.new_id())
    await commands.register_referred_seeker(uow, RegisterReferredSeeker(seeker))


def seeker_from_referral(event: ReferralIssued, seeker_id: str) -> JobSeeker:
    """The job seeker a referral describes.

    The document is checked by the shared rule (the event model did) and against the types a job
    seeker may hold. SMS/WhatsApp consent given for a phone that is not a mobile is recorded as
    false, with a log line: the person did consent to be contacted, so the referral is not lost,
    but a channel that cannot reach them is never used.
    """
    person = event.person
    number = codes.normalise_document("person.document", person.document.type, person.document.number)
    profile = event.employment
    occupations = tuple(c for c in (profile.occupations if profile else ()) if codes.is_occupation(c))
    skills = tuple(
        dict.fromkeys(s for s in (codes.normalise_skill(t) for t in (profile.skills if profile else ())) if s)
    )
    try:
        education = (
            EducationLevel(profile.education_level)
            if profile and profile.education_level
            else EducationLevel.NONE
        )
    except ValueError:
        education = EducationLevel.NONE
    consent = person.contact.consent
    phone = person.contact.phone
    sms, whatsapp = consent.sms, consent.whatsapp
    if (sms or whatsapp) and not (phone is not None and is_mobile(phone)):
        log.warning(
            "referral %s: SMS/WhatsApp consent without a mobile number is recorded as false",
            event.referral_id,
        )
        sms = whatsapp = False
    return JobSeeker(
        seeker_id=seeker_id,
        person_id=event.migrant_id,
        document_type=person.document.type,
        document_number=number,
        given_names=person.given_names,
        paternal_surname=person.paternal_surname,
        maternal_surname=person.maternal_surname,
        birth_date=person.birth_date,
        ubigeo=event.attention_point_ubigeo,
        occupations=occupations,
        skills=skills,
        education=education,
        experience_years=(profile.years_of_experience or 0) if profile else 0,
        disability=False,
        availability=Availability.ANY,
        expected_salary=None,
        phone=person.contact.phone,
        email=person.contact.email,
        consent_to_contact=True,
        consent_sms=sms,
        consent_email=consent.email,
        consent_whatsapp=whatsapp,
        source=SeekerSource.MIGRANT_REFERRAL,
        referral_id=event.referral_id,
    )
