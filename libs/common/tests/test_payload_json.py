"""The event path serialises a payload once and builds rows without envelope objects (issue 17):
the bytes on the wire and the rows in the outbox stay exactly what they were."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from chasqui_common.envelope import Envelope
from chasqui_common.errors import InvalidValue
from chasqui_common.events.catalogue import CATALOGUE, EventCatalogue, EventPayload
from chasqui_common.events.eligibility import BenefitKind, DecisionCause, DecisionChanged
from chasqui_common.events.registry import (
    Classification,
    Contact,
    CseLevel,
    Household,
    HouseholdDeregistered,
    HouseholdRegistered,
    IdentityDocument,
    Member,
    MemberRemoved,
    Relationship,
    Sex,
)
from chasqui_common.messaging.context import handling
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.topics import Topic
from chasqui_common.values import check_phone


def _legacy_body(payload: EventPayload) -> bytes:
    """How the outbox serialised a payload before issue 17: dump to Python, then `json.dumps`."""
    return json.dumps(payload.model_dump(mode="json"), separators=(",", ":"), ensure_ascii=False).encode()


def _member(person_id: str, born: date, given_names: str, relationship: Relationship) -> Member:
    return Member(
        person_id=person_id,
        document=IdentityDocument(type="DNI", number="10117410-2"),
        given_names=given_names,
        paternal_surname="Quispe",
        birth_date=born,
        sex=Sex.FEMALE,
        relationship=relationship,
        contact=Contact(phone="987 654 321"),
    )


def _household() -> HouseholdRegistered:
    members = (
        _member("HH-Ñ-0", date(1950, 5, 1), "María José 🌄", Relationship.HEAD),
        _member("HH-Ñ-1", date(2019, 1, 2), 'Q"uispe\\', Relationship.CHILD),
    )
    hh = Household(
        household_id="HH-Ñ",
        ubigeo="150101",
        address="Jr. Ñandú 123, Villa El Salvador",
        residence_since=date(2020, 1, 1),
        registering_unit="ULE-150101",
        classification=Classification(
            level=CseLevel.POBRE, valid_from=date(2024, 1, 1), valid_until=date(2027, 1, 1), source="ULE"
        ),
        members=members,
    )
    return HouseholdRegistered(household_id=hh.household_id, household=hh, actor="ule-150101")


def _decision() -> DecisionChanged:
    return DecisionChanged.model_construct(
        decision_id="0f5d1c1e-5a44-4c67-9d5b-111111111111",
        household_id="HH-Ñ",
        program="JUNTOS",
        person_id=None,
        recipient_person_id="HH-Ñ-0",
        eligible=True,
        previous_eligible=False,
        benefit_kind=BenefitKind.CASH,
        benefit_amount_centimos=20000,
        previous_benefit_amount_centimos=None,
        benefit_period_months=2,
        priority_points=None,
        rule_set_version="2026.03",
        as_of=date(2026, 3, 1),
        failed_criteria=("cse", "edad"),
        cause=DecisionCause.REGISTRY_EVENT,
        caused_by_event_id=None,
    )


@pytest.mark.parametrize(
    "payload",
    [
        _household(),
        _decision(),
        MemberRemoved(
            household_id="HH-Ñ",
            household=_household().household,
            person_id="HH-Ñ-1",
            reason="Se mudó\tа Ica\r\n",
        ),
        HouseholdDeregistered(household_id="HH-Ñ", household=_household().household, reason="«fin» – ok"),
    ],
    ids=["registered", "decision", "member-removed", "deregistered"],
)
def test_a_payload_is_serialised_once_to_the_bytes_it_always_had(payload: EventPayload) -> None:
    spec = CATALOGUE.spec_for(payload)
    assert spec.payload_json(payload) == _legacy_body(payload)
    envelope = Outbox("/chasqui/test").envelope(payload)
    assert envelope.body() == _legacy_body(payload)
    assert envelope.data == payload.model_dump(mode="json")


FLOATS = EventCatalogue()
TOPIC = Topic(name="test.readings", owner="test", key="key", description="test", personal_data=False)


@FLOATS.event("pe.chasqui.test.reading.taken.v1", topic=TOPIC, subject="key")
class ReadingTaken(EventPayload):
    """A test event with a float, which pydantic and `json` may write differently."""

    key: str
    value: float


def test_a_type_with_floats_keeps_pythons_float_text() -> None:
    payload = ReadingTaken(key="r-1", value=2.5e-05)
    assert FLOATS.spec_for(ReadingTaken).payload_json(payload) == b'{"key":"r-1","value":2.5e-05}'
    assert payload.model_dump_json() == '{"key":"r-1","value":0.000025}', "why the fallback exists"


def test_rows_of_are_the_rows_of_the_envelopes_with_one_body_per_event_and_its_copy() -> None:
    outbox = Outbox("/chasqui/eligibility")
    cause = Outbox("/chasqui/registry").envelope(_household())
    decision, other = _decision(), _decision().model_copy(update={"program": "NOT_A_PROGRAM"})
    with handling(cause):
        expected = outbox.envelope(decision)
        rows = outbox.rows_of([decision, other])
    assert [(r[2], r[3]) for r in rows] == [
        ("eligibility.decisions", "HH-Ñ"),
        ("eligibility.decisions", "HH-Ñ"),
        ("eligibility.decisions.juntos", "HH-Ñ"),
    ], "originals in order, then the copies; a program without a topic has none"
    original, copy = rows[0], rows[2]
    assert original[1] == copy[1] == expected.type
    assert original[5] is copy[5], "one serialisation for the event and its copy"
    assert original[5] == expected.body()
    assert isinstance(original[0], UUID)
    assert original[0] != copy[0]
    headers, copy_headers = json.loads(original[4]), json.loads(copy[4])
    assert headers["ce_id"] == str(original[0])
    assert copy_headers["ce_id"] == str(copy[0])
    reference = expected.headers()
    for name in ("ce_id", "ce_time"):
        del headers[name], reference[name]
    assert headers == reference, "same attributes as `envelope` gives, cause and trace included"
    assert json.loads(copy[4])["ce_time"] == json.loads(original[4])["ce_time"]
    assert datetime.fromisoformat(json.loads(original[4])["ce_time"]).tzinfo == UTC


def test_a_copy_with_other_data_serialises_its_own_data() -> None:
    envelope = Outbox("/chasqui/test").envelope(_decision())
    changed = envelope.model_copy(update={"data": {"program": "PENSION_65"}})
    assert changed.body() == b'{"program":"PENSION_65"}'
    assert envelope.model_copy(update={"id": UUID(int=1)}).body() == envelope.body()
    assert Envelope(source="s", type="t", data={"a": "ñ"}).body() == '{"a":"ñ"}'.encode()


def test_a_phone_checked_again_gives_the_same_answer_and_names_the_field_of_this_call() -> None:
    assert check_phone("987 654 321", "a") == check_phone("987 654 321", "b") == "+51987654321"
    for field in ("contact.phone", "other.phone"):
        with pytest.raises(InvalidValue) as refused:
            check_phone("+5198765432", field)
        assert refused.value.field == field
