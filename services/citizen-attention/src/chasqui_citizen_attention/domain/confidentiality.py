"""Who reads what: DEMUNA records concern minors, so only the attention:demuna scope reads their
content (Ley 29733 and its regulation DS 016-2024-JUS treat data of minors as sensitive)."""

from __future__ import annotations

from chasqui_citizen_attention.domain.errors import DemunaConfidential
from chasqui_citizen_attention.domain.municipalities import CONFIDENTIAL_OFFICES, Office

DEMUNA_SCOPE = "attention:demuna"


def is_confidential(office: Office) -> bool:
    return office in CONFIDENTIAL_OFFICES


def check_confidential_access(office: Office, may_read_confidential: bool, what: str) -> None:
    """Raise DemunaConfidential when `what` belongs to a confidential office and the caller lacks the scope."""
    if is_confidential(office) and not may_read_confidential:
        raise DemunaConfidential(
            f"{what} belongs to {office.value}; its content is reserved to tokens with {DEMUNA_SCOPE}",
            field="scope",
            value=office.value,
            expected=f"a token with {DEMUNA_SCOPE}",
        )
