"""The event catalogue: every event type, its payload model, topic and key, and its JSON Schema."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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

    @property
    def version(self) -> int:
        return int(self.type.rsplit(".v", 1)[1])

    def subject_of(self, payload: EventPayload) -> str:
        """The aggregate id: CloudEvents subject and Kafka key, so order holds per aggregate."""
        return str(getattr(payload, self.subject_field))

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

    def event(self, type_: str, *, topic: Topic, subject: str) -> Callable[[P], P]:
        """Class decorator: register a payload model under an event type."""

        def decorate(model: P) -> P:
            description = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
            self.register(EventSpec(type_, model, topic, subject, description))
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
