"""Shared plumbing of the value rules: one check function per kind, reused by its pydantic type.

Every rule is written once, as a plain function that raises `InvalidValue(detail, field=, value=,
expected=)`. The pydantic types call the same function and turn its `expected` text into the
validation error's message (`PydanticCustomError`), so a model and a file import refuse the same
values with the same words; the HTTP layer shows that message as `expected`, the consumer's dead
letter as the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, GetJsonSchemaHandler, ValidationInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from chasqui_common.errors import InvalidValue

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

STORED = "chasqui.stored"
"""Validation context key: the data is the service's own storage, validated when it came in."""


def is_stored(info: ValidationInfo | None) -> bool:
    """Whether a validation reads the service's own stored data (`read_stored`)."""
    context = info.context if info is not None else None
    return isinstance(context, dict) and bool(context.get(STORED))


def read_stored(model: type[M], data: str | bytes | dict[str, Any]) -> M:
    """`model` from data the service stored itself (a JSON snapshot or a dict): types are still
    parsed (a date string becomes a date, nested objects models), but the value rules are not
    applied again, so a value that was legal when it was stored (a phone `987654321` kept as
    typed, a name from before a character was refused) never fails a read. Input from outside
    (requests, files, events) is never read this way. See docs/values.md, "Data stored before the rules"."""
    context = {STORED: True}
    if isinstance(data, dict):
        return model.model_validate(data, context=context)
    return model.model_validate_json(data, context=context)


def as_pydantic(kind: str, check: Callable[[Any, str], T]) -> Callable[[Any, ValidationInfo], T]:
    """A pydantic validator running `check(value, field)`; its InvalidValue becomes a validation error.

    The error type is `kind` (e.g. `phone_number`) and its message the rule's `expected` text;
    the field is the error's `loc`, which pydantic knows and the check does not. Under
    `read_stored` the check is skipped and the value kept as stored.
    """

    def validate(value: Any, info: ValidationInfo) -> T:
        if is_stored(info):
            return value  # type: ignore[no-any-return]
        try:
            return check(value, "value")
        except InvalidValue as exc:
            raise PydanticCustomError(kind, "{expected}", {"expected": exc.expected or exc.detail}) from None

    return validate


class JsonSchemaByMode:
    """Annotation adding keywords to a type's JSON Schema, per mode (what is read vs what is written).

    A phone is read in several national forms but always written in E.164: the serialization
    schema (events, response bodies) carries the E.164 pattern, the validation schema (request
    bodies) only the description.
    """

    def __init__(
        self, *, both: dict[str, Any] | None = None, serialization: dict[str, Any] | None = None
    ) -> None:
        self.both = both or {}
        self.serialization = serialization or {}

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema = handler.resolve_ref_schema(json_schema)
        json_schema.update(self.both)
        if handler.mode == "serialization":
            json_schema.update(self.serialization)
        return json_schema


def shown(value: Any) -> str:
    """A value for an error's detail: repr, cut to about 100 characters (values can be huge)."""
    text = repr(value)
    return text if len(text) <= 100 else text[:97] + "..."
