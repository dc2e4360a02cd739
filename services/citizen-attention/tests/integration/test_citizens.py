"""The citizen is known once: found by document in a projection of registry, migrant-services and
employment-matching events; people unknown to them are registered at the counter."""

from datetime import UTC, date, datetime

from chasqui_common.events.employment import JobSeekerRegistered
from chasqui_common.events.migrants import CaseOpened, MigrantIdentity, MigrantRegistered
from chasqui_common.events.registry import DisabilitySeverity, HouseholdRegistered, Relationship
from chasqui_common.values import DocumentType, IdentityDocument

from .conftest import READ, Attention, dni, household, member, publish


async def test_a_registry_member_is_found_by_dni_with_household_age_disability_and_cse(
    attention: Attention,
) -> None:
    grandmother, grandson = dni(), dni()
    h = household(
        member(grandmother, "Juana", date(1955, 6, 1), disability=DisabilitySeverity.SEVERE),
        member(grandson, "Luis", date(2015, 2, 1), relationship=Relationship.GRANDCHILD),
    )
    await publish(
        attention.bootstrap,
        "/chasqui/registry",
        HouseholdRegistered(household_id=h.household_id, household=h),
    )

    async def found() -> dict[str, object] | None:
        r = await attention.get("/v1/citizens", document_type="DNI", document_number=grandmother)
        return r.json() if r.status_code == 200 else None

    person = await attention.until(found)
    assert person["given_names"] == "Juana"
    assert person["paternal_surname"] == "Quispe"
    assert person["household_id"] == h.household_id
    assert person["age"] == 70  # on 9 March 2026
    assert person["disability_severity"] == "severe"
    assert person["disability_certified"] is True
    assert person["cse_in_force"] == "POBRE"
    assert person["known_from"] == "registry"


async def test_an_unknown_document_is_a_specific_problem(attention: Attention) -> None:
    r = await attention.get("/v1/citizens", READ, document_type="CE", document_number="X1234567")
    assert r.status_code == 404
    assert r.json()["type"] == "https://chasqui.pe/problems/citizen-not-found"
    bad = await attention.get("/v1/citizens", READ, document_type="DNI", document_number="12")
    assert bad.status_code == 422


async def test_a_person_unknown_to_the_registry_is_registered_at_the_counter_once(
    attention: Attention,
) -> None:
    number = dni()
    citizen_id = await attention.counter_citizen(number, "Carmen")
    r = await attention.get(f"/v1/citizens/{citizen_id}")
    assert r.json()["known_from"] == "counter"
    assert r.json()["household_id"] is None
    again = await attention.post(
        "/v1/citizens", {"document": {"type": "DNI", "number": number}, "given_names": "Carmen"}
    )
    assert again.status_code == 409
    assert again.json()["type"] == "https://chasqui.pe/problems/citizen-already-known"


async def test_migrants_and_job_seekers_are_found_by_their_documents_with_links(attention: Attention) -> None:
    cpp = f"CPP{dni()}"
    person = MigrantIdentity(
        migrant_id="M-" + cpp,
        document=IdentityDocument(type=DocumentType.CPP, number=cpp),
        given_names="Andreína",
        paternal_surname="Pérez",
        birth_date=date(1992, 4, 5),
        nationality="VEN",
    )
    now = datetime(2026, 3, 9, 15, tzinfo=UTC)
    await publish(
        attention.bootstrap,
        "/chasqui/migrant-services",
        MigrantRegistered(
            migrant_id=person.migrant_id, attention_point="VMT", registered_at=now, person=person
        ),
        CaseOpened(
            case_id="C-" + cpp,
            migrant_id=person.migrant_id,
            attention_point="VMT",
            requested_services=(),
            opened_at=now,
        ),
    )
    await publish(
        attention.bootstrap,
        "/chasqui/employment-matching",
        JobSeekerRegistered(
            seeker_id="S-" + cpp,
            person_id="P-" + cpp,
            document=person.document,
            given_names="Andreína",
            ubigeo="150142",
        ),
    )

    async def linked() -> dict[str, object] | None:
        r = await attention.get("/v1/citizens", document_type="CPP", document_number=cpp)
        body = r.json() if r.status_code == 200 else None
        return body if body and body["seeker_id"] and body["migrant_case_id"] else None

    found = await attention.until(linked)
    assert found["migrant_id"] == person.migrant_id
    assert found["migrant_case_id"] == "C-" + cpp
    assert found["seeker_id"] == "S-" + cpp
    assert found["known_from"] == "migrant-services"
    assert found["age"] == 33
