"""Identifiers a service assigned: UUIDs, as text.

Rule: 32 hexadecimal digits in the 8-4-4-4-12 form (`0b5e2c1a-4f3d-4a8e-9c7b-2d1e0f9a8b7c`),
either case; kept as canonical lower-case text. Anything else (other layouts such as braces,
`urn:uuid:` or no hyphens included) is refused rather than "not found" or, worse, ignored: a
filter like `?migrant_id=` that is not a UUID is a 422 naming the parameter, never a list of
everyone (RFC 9562 §4 string representation).
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from pydantic import AfterValidator

from chasqui_common.errors import InvalidValue
from chasqui_common.values._base import JsonSchemaByMode, as_pydantic

__all__ = ["UUID_EXPECTED", "Uuid", "check_uuid"]

UUID_EXPECTED = "a UUID, 8-4-4-4-12 hexadecimal digits, e.g. 0b5e2c1a-4f3d-4a8e-9c7b-2d1e0f9a8b7c"
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def check_uuid(value: Any, field: str) -> str:
    """`value` as canonical lower-case UUID text, else InvalidValue."""
    if isinstance(value, str) and _UUID.fullmatch(value):
        return str(uuid.UUID(value))
    raise InvalidValue(f"{field} is not a UUID", field=field, value=value, expected=UUID_EXPECTED)


Uuid = Annotated[
    str,
    AfterValidator(as_pydantic("uuid", check_uuid)),
    JsonSchemaByMode(both={"format": "uuid", "minLength": 36, "maxLength": 36}),
]
"""An id a service assigned (`check_uuid`): a UUID as canonical lower-case text."""
