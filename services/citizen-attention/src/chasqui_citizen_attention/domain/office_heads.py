"""The head of each office, as the municipality's data file names them: who is told when a
referral to the office misses its deadline (issue 15, point 4), and how to reach them at work.

Least data: the head is named by role ("Jefatura de la ULE"), never by a person's name; their
contact is the office's institutional mailbox or phone. It leaves the service once, in
`office-head.designated` when the data file brings a new or changed head (notifications keeps it
as that id's contact card); `referral.deadline-missed` carries only `office_head_id`.

In the data file, under an office (optional; without it nobody is told):

    head:
      role: Jefatura de la ULE
      email: jefatura.ule@municipalidad.example    # at least one of email, phone
      phone: "+5112345678"                         # E.164 or a Peruvian number
      channels: [email]                            # email | sms | whatsapp, each with its contact
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chasqui_common.errors import InvalidValue
from chasqui_common.values import is_mobile
from chasqui_common.values.emails import check_email
from chasqui_common.values.phones import check_phone

from chasqui_citizen_attention.domain.errors import InvalidMunicipalData
from chasqui_citizen_attention.domain.municipalities import Office

CHANNELS = ("email", "sms", "whatsapp")


@dataclass(frozen=True)
class OfficeHead:
    ubigeo: str
    office: Office
    role: str
    email: str | None
    phone: str | None
    channels: tuple[str, ...]

    @property
    def office_head_id(self) -> str:
        """A stable id per municipality and office: a new head keeps the id, only the contact changes."""
        return office_head_id(self.ubigeo, self.office)


def office_head_id(ubigeo: str, office: Office) -> str:
    return f"office-head-{ubigeo}-{office.value}"


def _fail(where: str, value: Any, expected: str) -> InvalidMunicipalData:
    return InvalidMunicipalData(
        f"{where} is not valid: expected {expected}", field=where, value=value, expected=expected
    )


def parse_office_heads(raw: Any, ubigeo: str) -> tuple[OfficeHead, ...]:
    """The heads named under `offices[i].head` of a parsed data file (already checked by
    `parse_municipality`); InvalidMunicipalData naming the key at fault."""
    heads: list[OfficeHead] = []
    offices = raw.get("offices", []) if isinstance(raw, Mapping) else []
    for i, office_raw in enumerate(offices):
        if not isinstance(office_raw, Mapping) or "head" not in office_raw:
            continue
        where = f"offices[{i}].head"
        head = office_raw["head"]
        if not isinstance(head, Mapping):
            raise _fail(where, head, "a mapping with role, email or phone, and channels")
        role = head.get("role")
        if not isinstance(role, str) or not role.strip():
            raise _fail(f"{where}.role", role, "a non-empty text naming the role, e.g. Jefatura de la ULE")
        email = phone = None
        try:
            if head.get("email") is not None:
                email = check_email(head["email"], f"{where}.email")
            if head.get("phone") is not None:
                phone = check_phone(str(head["phone"]), f"{where}.phone")
        except InvalidValue as exc:
            raise _fail(exc.field or where, exc.value, exc.expected or "a valid contact") from None
        if email is None and phone is None:
            raise _fail(where, dict(head), "an email or a phone")
        channels = head.get("channels", [])
        if not isinstance(channels, list) or not channels or any(c not in CHANNELS for c in channels):
            raise _fail(f"{where}.channels", channels, "a non-empty list of email, sms, whatsapp")
        for channel in channels:
            if channel == "email" and email is None:
                raise _fail(f"{where}.channels", channels, "email only with an email")
            if channel in ("sms", "whatsapp") and (phone is None or not is_mobile(phone)):
                raise _fail(f"{where}.channels", channels, f"{channel} only with a mobile phone")
        heads.append(
            OfficeHead(ubigeo, Office(office_raw["office"]), role.strip(), email, phone, tuple(channels))
        )
    return tuple(heads)
