"""The service's own domain errors; the rest come from `chasqui_common.errors`.

No HTTP here: the shared problem mapping turns a `Conflict` into 409, a `NotFound` into 404,
and any other `DomainError` into 422, with type `https://chasqui.pe/problems/<code>`.
"""

from __future__ import annotations

from chasqui_common.errors import Conflict, NotPermitted


class SlotUnavailable(Conflict):
    """The day's capacity for that service is used up (or another booker took the last slot)."""

    code = "slot-unavailable"
    title = "No free appointment slot"


class OutsideMigracentro(NotPermitted):
    """The case, referral or person belongs to a Migracentro the caller's token does not name."""

    code = "migrants-outside-migracentro"
    title = "Belongs to another Migracentro"
