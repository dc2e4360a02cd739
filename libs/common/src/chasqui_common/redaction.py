"""What an error message may echo of the input: values cut short, personal values masked.

Used by every problem document (`chasqui_common.http.problems`) and every dead-letter detail
(`chasqui_common.messaging.deadletter`), so a 20 MB value never comes back 20 MB long and a
document number, phone number or e-mail never leaves in an error.

The rule (docs/integrators.md, "Errors"):

- **Cut**: an echoed value is at most `MAX_ECHO` (100) characters, then `…`. Lists and objects
  are shown as compact JSON text, cut the same way. Free text (`detail`, `expected`) is cut at
  `MAX_TEXT` (300).
- **Mask by field name**: a value whose field path names a document, phone or e-mail
  (`document`, `dni`, `passport`, `ruc`, `phone`, `mobile`, `msisdn`, `whatsapp`, `email`, …;
  but not a `…type`/`…kind`/`…country`/`…status` leaf such as `document.type`) keeps only its
  last 3 characters: `***321`. A value shorter than 6 characters is masked whole: `***`.
- **Mask by shape**, in any value and any free text: an e-mail address, and a run of 7 or more
  digits (optionally `+` and single spaces between them: DNI, CE, RUC, phone numbers in any
  form) keep their last 3 characters. Dates (`1958-14-03`, `14/03/1958`) are not touched.

Nothing here imports FastAPI: the consumer pipeline uses it too.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import FrozenInstanceError
from typing import Any

MAX_ECHO = 100
"""Characters of an echoed value before it is cut with `…`."""
MAX_TEXT = 300
"""Characters of a free-text message (`detail`, `expected`) before it is cut."""
ELLIPSIS = "…"
MASK = "***"
KEEP = 3
"""Characters a masked value keeps at its end."""
_SCAN = 2000  # only the start of a huge value is ever looked at
_CONTAINER_ITEMS = 10
_CONTAINER_DEPTH = 3

_PERSONAL_NAME = re.compile(
    r"(?i)(document|doc_?no|doc_?num|\bdni\b|dni_|passport|pasaporte|carnet|\bruc\b|\bcui\b|"
    r"phone|tel[eé]fono|celular|mobile|msisdn|whatsapp|e_?mail|correo)"
)
_NOT_PERSONAL_LEAF = re.compile(r"(?i)(type|kind|country|issuer|status|consent|verified)$")
_EMAIL = re.compile(r"[^\s@<>()\[\]{},;:\"'`]+@[^\s@<>()\[\]{},;:\"'`]+\.[A-Za-z]{2,}")
_LONG_NUMBER = re.compile(r"\+?\d(?: ?\d){6,}")
# Ids are not personal and must stay readable in a problem's detail: a UUID is never masked, even
# when its hex holds a run of 7+ digits.
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_DUNDER_FIELD = re.compile(r"'__\w+__'")


def cut(text: str, limit: int = MAX_ECHO) -> str:
    """`text` if it is at most `limit` characters, else its first `limit` characters and `…`."""
    return text if len(text) <= limit else text[:limit] + ELLIPSIS


def mask(text: str) -> str:
    """`***` and the last 3 characters (`***321`); `***` alone for fewer than 6 characters."""
    return MASK + text[-KEEP:] if len(text) >= 2 * KEEP else MASK


def mask_shapes(text: str) -> str:
    """Mask every e-mail address and every run of 7+ digits in `text` (phones, document numbers)."""
    text = _EMAIL.sub(lambda m: mask(m.group(0)), text)
    pieces = []
    last = 0
    for uuid in _UUID.finditer(text):
        pieces.append(_LONG_NUMBER.sub(lambda m: mask(m.group(0)), text[last : uuid.start()]))
        pieces.append(uuid.group(0))
        last = uuid.end()
    pieces.append(_LONG_NUMBER.sub(lambda m: mask(m.group(0)), text[last:]))
    return "".join(pieces)


def is_personal_field(field: str | None) -> bool:
    """Whether a field path (`members.0.document.number`, `phone`) names a personal value."""
    if not field:
        return False
    parts = [part for part in re.split(r"[.\[\]/]", field) if part and not part.isdigit()]
    if not parts or _NOT_PERSONAL_LEAF.search(parts[-1]):
        return False
    return any(_PERSONAL_NAME.search(part) for part in parts)


def redact_text(text: str, limit: int = MAX_TEXT) -> str:
    """A free-text message as it may be sent: personal shapes masked, cut at `limit`."""
    return cut(mask_shapes(_printable(text[:_SCAN])), limit)


def echo(value: Any, field: str | None = None) -> Any:
    """`value` as an error may show it: JSON-safe, cut at `MAX_ECHO`, personal parts masked.

    Scalars stay scalars (a masked number becomes a string); lists and objects become compact
    JSON text."""
    personal = is_personal_field(field)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value.bit_length() > 256:
            return "(an integer of more than 77 digits)"
        return mask(str(value)) if personal else value
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return mask(repr(value)) if personal else value
    if isinstance(value, bytes | bytearray):
        value = bytes(value[:_SCAN]).decode("utf-8", errors="replace")
    if isinstance(value, str):
        return _printable(mask(value)) if personal else cut(mask_shapes(_printable(value[:_SCAN])))
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        shown = json.dumps(_bounded(value, field or "", 0), ensure_ascii=False, default=str)
        return cut(shown)
    return cut(mask_shapes(_printable(_safe_repr(value)[:_SCAN])))


def echo_text(value: Any, field: str | None = None) -> str:
    """`echo` as one line of text: strings quoted as JSON, the rest as compact JSON."""
    return json.dumps(echo(value, field), ensure_ascii=False)


def real_cause(exc: BaseException) -> BaseException:
    """The exception that was raised, not the `FrozenInstanceError` that replaced it.

    An exception class that is a frozen dataclass refuses the attributes Python sets on it
    while it propagates (`__traceback__` in every `@contextmanager`, `__notes__`, …): a
    `FrozenInstanceError: cannot assign to field '__traceback__'` then replaces it, with the
    real exception as its `__context__`."""
    seen: set[int] = set()
    while (
        isinstance(exc, FrozenInstanceError)
        and _DUNDER_FIELD.search(str(exc))
        and exc.__context__ is not None
        and id(exc) not in seen
    ):
        seen.add(id(exc))
        exc = exc.__context__
    return exc


def describe_exception(exc: BaseException, limit: int = MAX_TEXT) -> str:
    """`Type: message` of any exception, without failing on odd ones (no args, broken `__str__`)."""
    try:
        message = str(exc)
    except Exception:  # a broken __str__ must not hide the error
        message = ""
    if not message:
        message = _safe_repr(exc)
    return f"{type(exc).__name__}: {redact_text(message, limit)}"


def _bounded(value: Any, field: str, depth: int) -> Any:
    if isinstance(value, Mapping):
        if depth >= _CONTAINER_DEPTH:
            return ELLIPSIS
        items = list(value.items())
        shown = {
            cut(str(key), 40): _bounded(item, f"{field}.{key}", depth + 1)
            for key, item in items[:_CONTAINER_ITEMS]
        }
        if len(items) > _CONTAINER_ITEMS:
            shown[ELLIPSIS] = f"{len(items) - _CONTAINER_ITEMS} more"
        return shown
    if isinstance(value, list | tuple | set | frozenset):
        if depth >= _CONTAINER_DEPTH:
            return ELLIPSIS
        listed = list(value)[: _CONTAINER_ITEMS + 1]
        shown_list = [_bounded(item, field, depth + 1) for item in listed[:_CONTAINER_ITEMS]]
        if len(listed) > _CONTAINER_ITEMS:
            shown_list.append(ELLIPSIS)
        return shown_list
    return echo(value, field)


def _printable(text: str) -> str:
    """Lone surrogates cannot be encoded as UTF-8 (a JSON body or a Kafka header): escape them."""
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception:
        return f"<{type(value).__name__}>"
