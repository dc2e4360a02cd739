"""Office heads from the municipal data files (domain/office_heads.py): store them with the
municipality's data and announce a new or changed head once (`office-head.designated`)."""

from __future__ import annotations

from typing import Any

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.events.citizen_attention import OfficeHeadDesignated

from chasqui_citizen_attention.adapters import office_heads as repository
from chasqui_citizen_attention.domain.office_heads import OfficeHead, parse_office_heads


async def designate_office_heads(uow: UnitOfWork, ubigeo: str, raw: Any) -> tuple[OfficeHead, ...]:
    """Replace the municipality's heads with those its data file `raw` names; publish
    `office-head.designated` for each head that is new or whose role or contact changed
    (a restart that loads the same file publishes nothing). Raises InvalidMunicipalData."""
    heads = parse_office_heads(raw, ubigeo)
    before = {h.office: h for h in await repository.office_heads(uow.conn, ubigeo)}
    await repository.replace_office_heads(uow.conn, ubigeo, heads)
    for head in heads:
        if before.get(head.office) == head:
            continue
        await uow.publish(
            OfficeHeadDesignated(
                office_head_id=head.office_head_id,
                municipality=head.ubigeo,
                office=head.office.value,
                role=head.role,
                email=head.email,
                phone=head.phone,
                channels=head.channels,
            )
        )
    return heads
