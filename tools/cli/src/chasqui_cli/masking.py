"""Dead-letter bodies as an inspector sees them: the structure, ids, types, times and statuses
kept, every other value (names, documents, phones, addresses, amounts, free text) masked.

`chasqui dlq show` masks by default; `--unmasked` shows the body as the DLQ holds it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from chasqui_common.redaction import redact_text

MASK = "***"
# Field names whose values identify records or describe them, never a person.
_KEEP = re.compile(
    r"(?i)(^|_)(id|ids|uuid)$|_at$|_on$|^(seq|version|type|kind|status|state|program|channel|template|"
    r"reason|outcome|decision|language|source|subject|topic|event_type|count|attempt|attempts)$|"
    r"_(type|kind|status|code|count|version)$"
)


def _masked(value: Any, key: str | None) -> Any:
    if isinstance(value, dict):
        return {name: _masked(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, key) for item in value]
    if value is None or isinstance(value, bool):
        return value
    if key is not None and _KEEP.search(key):
        return value
    return MASK


def mask_body(value: bytes | None) -> str | None:
    """The body (JSON text) with personal values masked; a non-JSON body is not shown at all."""
    if value is None:
        return None
    try:
        document = json.loads(value)
    except (UnicodeDecodeError, ValueError):
        return f"{MASK} ({len(value)} bytes, not JSON)"
    return json.dumps(_masked(document, None), ensure_ascii=False, sort_keys=True)


def mask_detail(text: str) -> str:
    """A failure detail with document numbers, phones and e-mails masked (chasqui_common.redaction)."""
    return redact_text(text)
