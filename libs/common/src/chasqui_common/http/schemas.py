"""Response bodies built from the typed results of use cases (dataclasses or models)."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict

__all__ = ["ResponseModel"]


class ResponseModel(BaseModel):
    """A response body read from a result's attributes of the same names.

    `XOut.of(result)` validates the result's attributes into the model: nested response models are
    read from nested objects the same way, tuples become lists, and the model's own field types
    decide the JSON. Keyword `overrides` give the fields that are computed, renamed or shaped
    differently (`job_fair_id=v.fair_id`); the other fields still come from `source`.
    """

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, source: Any, /, **overrides: Any) -> Self:
        if not overrides:
            return cls.model_validate(source, from_attributes=True)
        values = {
            name: getattr(source, name)
            for name in cls.model_fields
            if name not in overrides and hasattr(source, name)
        }
        values.update(overrides)
        return cls.model_validate(values, from_attributes=True)
