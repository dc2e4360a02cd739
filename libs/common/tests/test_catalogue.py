"""The event catalogue: names, keys and JSON Schemas of every contract."""

from __future__ import annotations

import pytest
from chasqui_common.events.catalogue import CATALOGUE, EventCatalogue, EventPayload
from chasqui_common.topics import ARCO_TOPICS, AUDIT, REGISTRY_HOUSEHOLDS, TOPICS, topic_named


class Thing(EventPayload):
    """Something happened to a thing."""

    thing_id: str
    size: int


def test_event_type_must_follow_the_naming_rule() -> None:
    catalogue = EventCatalogue()
    with pytest.raises(ValueError, match="must look like"):
        catalogue.event("thing.happened", topic=REGISTRY_HOUSEHOLDS, subject="thing_id")(Thing)


def test_subject_field_must_exist() -> None:
    catalogue = EventCatalogue()
    with pytest.raises(ValueError, match="not a field"):
        catalogue.event("pe.chasqui.test.thing.happened.v1", topic=REGISTRY_HOUSEHOLDS, subject="nope")(Thing)


def test_registered_event_exports_json_schema_and_key() -> None:
    catalogue = EventCatalogue()
    catalogue.event("pe.chasqui.test.thing.happened.v1", topic=REGISTRY_HOUSEHOLDS, subject="thing_id")(Thing)
    spec = catalogue.spec_for(Thing(thing_id="t-1", size=3))
    assert spec.version == 1
    assert spec.subject_of(Thing(thing_id="t-1", size=3)) == "t-1"
    schema = catalogue.json_schemas()["pe.chasqui.test.thing.happened.v1"]
    assert schema["required"] == ["thing_id", "size"]
    assert schema["description"] == "Something happened to a thing."


def test_every_catalogued_event_has_a_topic_in_the_topic_catalogue() -> None:
    names = {topic.name for topic in (*TOPICS, *ARCO_TOPICS, AUDIT)}
    for spec in CATALOGUE:
        assert spec.topic.name in names, spec.type


def test_dlq_topics_are_derived_from_the_catalogue() -> None:
    assert topic_named("registry.households.dlq").name == "registry.households.dlq"
    with pytest.raises(LookupError):
        topic_named("nope")
