"""Text in a DCI message: every string anywhere in `header` and `message` (ids, names, query
values, sort attributes, meta) follows Chasqui's text rule (`chasqui_common.values.text`: no
control characters, unpaired surrogates or noncharacters), so the refusal names the very field
(`message.search_request.0.search_criteria.query.value`) before anything else is looked at."""

from __future__ import annotations

from typing import Any

from chasqui_common.values import check_text

MAX_DEPTH = 32


def check_message_text(document: Any, path: str = "", depth: int = 0) -> None:
    """InvalidValue naming the first string under `document` that breaks the text rule."""
    if depth > MAX_DEPTH:
        return
    if isinstance(document, str):
        check_text(document, path or "(body)")
    elif isinstance(document, dict):
        for key, value in document.items():
            check_message_text(value, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(document, list):
        for position, value in enumerate(document):
            check_message_text(value, f"{path}.{position}" if path else str(position), depth + 1)
