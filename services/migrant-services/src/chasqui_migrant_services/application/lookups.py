"""Loading what a use case names, or refusing with NotFound naming the field it came from."""

from __future__ import annotations

from chasqui_common.db.pool import Connection
from chasqui_common.errors import NotFound

from chasqui_migrant_services.adapters import repository
from chasqui_migrant_services.domain.appointments import Appointment
from chasqui_migrant_services.domain.attention_points import AttentionPoint
from chasqui_migrant_services.domain.cases import Case, Referral
from chasqui_migrant_services.domain.migrants import Migrant


async def load_point(conn: Connection, code: str, *, field: str = "attention_point") -> AttentionPoint:
    point = await repository.get_point(conn, code)
    if point is None:
        raise NotFound(
            f"attention point {code} does not exist",
            field=field,
            value=code,
            expected="the code of an attention point (GET /v1/attention-points)",
        )
    return point


async def load_migrant(conn: Connection, migrant_id: str, *, field: str = "migrant_id") -> Migrant:
    migrant = await repository.get_migrant(conn, migrant_id)
    if migrant is None:
        raise NotFound(
            f"migrant {migrant_id} does not exist",
            field=field,
            value=migrant_id,
            expected="the id of a registered migrant",
        )
    return migrant


async def load_case(
    conn: Connection, case_id: str, *, for_update: bool = False, field: str = "case_id"
) -> Case:
    case = await repository.get_case(conn, case_id, for_update=for_update)
    if case is None:
        raise NotFound(
            f"case {case_id} does not exist", field=field, value=case_id, expected="the id of a case"
        )
    return case


async def load_appointment(conn: Connection, appointment_id: str, *, for_update: bool = False) -> Appointment:
    appointment = await repository.get_appointment(conn, appointment_id, for_update=for_update)
    if appointment is None:
        raise NotFound(
            f"appointment {appointment_id} does not exist",
            field="appointment_id",
            value=appointment_id,
            expected="the id of an appointment",
        )
    return appointment


async def load_referral(conn: Connection, referral_id: str) -> Referral:
    referral = await repository.get_referral(conn, referral_id)
    if referral is None:
        raise NotFound(
            f"referral {referral_id} does not exist",
            field="referral_id",
            value=referral_id,
            expected="the id of a referral",
        )
    return referral
