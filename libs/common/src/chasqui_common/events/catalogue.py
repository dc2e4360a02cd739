"""The event catalogue: every event type, its payload model, topic and key, and its JSON Schema."""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from chasqui_common.topics import Topic

EVENT_TYPE_PREFIX = "pe.chasqui."


class EventPayload(BaseModel):
    """Base of every event's data. Unknown fields are ignored so additive changes stay compatible."""

    model_config = ConfigDict(extra="ignore", frozen=True)


@dataclass(frozen=True)
class EventSpec:
    """What the catalogue knows of one event type."""

    type: str
    model: builtins.type[EventPayload]
    topic: Topic
    subject_field: str
    description: str
    copy_to: Callable[[Any], Topic | None] | None = None
    copy_topics: tuple[Topic, ...] = ()

    @property
    def version(self) -> int:
        return int(self.type.rsplit(".v", 1)[1])

    @cached_property
    def dataschema(self) -> str:
        """The CloudEvents `dataschema` of this type: where its JSON Schema is published."""
        return f"https://chasqui.pe/schemas/{self.type}.json"

    def subject_of(self, payload: EventPayload) -> str:
        """The aggregate id: CloudEvents subject and Kafka key, so order holds per aggregate."""
        return str(getattr(payload, self.subject_field))

    def copies_of(self, payload: EventPayload) -> tuple[Topic, ...]:
        """The topics that also get this event, besides `topic`: `copy_to(payload)` when the
        type declares one (e.g. a program's own decisions topic, for least-privilege readers).
        Each copy is recorded in the outbox as its own CloudEvent (own `ce_id`; same type,
        subject, data, correlation and causation)."""
        if self.copy_to is None:
            return ()
        extra = self.copy_to(payload)
        if extra is None:
            return ()
        if extra not in self.copy_topics:  # the contracts (AsyncAPI, catalogue) list copy_topics
            raise LookupError(f"event {self.type}: copy topic {extra.name!r} is not in its copy_topics")
        return (extra,)

    def payload_json(self, payload: EventPayload) -> bytes:
        """The event data as it travels (the Kafka message value): compact UTF-8 JSON, fields in
        model order, non-ASCII unescaped; what `Envelope.body()` gives for the same data.

        Serialised once, by pydantic straight to bytes, for a type whose data has no float and no
        free-form JSON (`JsonValue`, `Any`); pydantic and Python's `json` write some floats
        differently (`2.5e-05` / `0.000025`), so such a type keeps `json.dumps` of its `model_dump`
        and the bytes stay exactly what they were (`test_payload_json.py`)."""
        if self._bytes_exact:
            return self.model.__pydantic_serializer__.to_json(payload)
        data = payload.model_dump(mode="json")
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()

    @cached_property
    def _bytes_exact(self) -> bool:
        return _without_floats(self.model.model_json_schema(mode="serialization"))

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = self.model.model_json_schema(mode="serialization")
        schema["$id"] = f"https://chasqui.pe/schemas/{self.type}.json"
        schema["title"] = self.type
        schema["description"] = self.description
        return schema


P = TypeVar("P", bound=type[EventPayload])


class EventCatalogue:
    """Maps event type names to their specs; one process-wide instance lives in `CATALOGUE`."""

    def __init__(self) -> None:
        self._by_type: dict[str, EventSpec] = {}
        self._by_model: dict[type[EventPayload], EventSpec] = {}

    def register(self, spec: EventSpec) -> None:
        _check_type_name(spec.type)
        if spec.subject_field not in spec.model.model_fields:
            raise ValueError(
                f"event {spec.type}: subject field {spec.subject_field!r} is not a field of "
                f"{spec.model.__name__}"
            )
        existing = self._by_type.get(spec.type)
        if existing is not None and existing.model is not spec.model:
            raise ValueError(f"event type {spec.type} is already registered to {existing.model}")
        self._by_type[spec.type] = spec
        self._by_model[spec.model] = spec

    def event(
        self,
        type_: str,
        *,
        topic: Topic,
        subject: str,
        copy_to: Callable[[Any], Topic | None] | None = None,
        copy_topics: tuple[Topic, ...] = (),
    ) -> Callable[[P], P]:
        """Class decorator: register a payload model under an event type.

        `copy_to(payload)` names one more topic that gets a copy of each event (or None);
        `copy_topics` lists every topic it can name, for the generated contracts."""

        def decorate(model: P) -> P:
            description = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
            self.register(EventSpec(type_, model, topic, subject, description, copy_to, copy_topics))
            return model

        return decorate

    def get(self, type_: str) -> EventSpec | None:
        return self._by_type.get(type_)

    def spec_for(self, payload: EventPayload | type[EventPayload]) -> EventSpec:
        model: type[EventPayload] = payload if isinstance(payload, type) else type(payload)
        try:
            return self._by_model[model]
        except KeyError:
            raise LookupError(f"{model.__name__} is not registered in the event catalogue") from None

    def json_schemas(self) -> dict[str, dict[str, Any]]:
        return {spec.type: spec.json_schema() for spec in self}

    def __iter__(self) -> Iterator[EventSpec]:
        return iter(sorted(self._by_type.values(), key=lambda spec: spec.type))

    def __len__(self) -> int:
        return len(self._by_type)


_ANNOTATIONS = frozenset({"title", "description", "default", "examples"})
_SCHEMA_MAPS = frozenset({"properties", "$defs", "patternProperties"})


def _without_floats(node: Any) -> bool:
    """Whether a JSON Schema admits no number but integers: no `"type": "number"` and no
    unconstrained schema (`Any`, `JsonValue`), anywhere. Errs on the side of False."""
    if isinstance(node, list):
        return all(_without_floats(item) for item in node)
    if not isinstance(node, dict):
        return True
    kind = node.get("type")
    if kind == "number" or (isinstance(kind, list) and "number" in kind):
        return False
    if not set(node) - _ANNOTATIONS or node.get("additionalProperties") is True:
        return False
    for key, value in node.items():
        if key in _SCHEMA_MAPS:  # field names -> schemas: every schema counts, whatever its name
            if not all(_without_floats(schema) for schema in value.values()):
                return False
        elif key not in _ANNOTATIONS and not _without_floats(value):
            return False
    return True


def _check_type_name(type_: str) -> None:
    parts = type_.split(".")
    if (
        not type_.startswith(EVENT_TYPE_PREFIX)
        or len(parts) < 5
        or not parts[-1].startswith("v")
        or not parts[-1][1:].isdigit()
    ):
        raise ValueError(
            f"event type {type_!r} must look like 'pe.chasqui.<service>.<aggregate>.<fact>.v<N>'"
        )


CATALOGUE = EventCatalogue()
event = CATALOGUE.event
