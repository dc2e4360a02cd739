"""Worklists fed by eligibility decisions: what an office should reach out to, and why.

Eligibility publishes `decision.changed.v2` (ids, programme, outcome, failed criteria; no contact)
when a programme's outcome changes for a person or a household. Three of its programmes are the
municipal offices' own (services/eligibility rules `ciam.json`, `omaped.json`,
`ule_reclassification.json`):

- **CIAM**: a person newly eligible for CIAM (criterion `aged_60_or_more`) is put on CIAM's list;
- **OMAPED**: a person newly eligible for OMAPED (`has_disability`) on OMAPED's list;
- **ULE**: a household *needs reclassification* when its `ULE_RECLASSIFICATION` decision is
  eligible: its criterion `cse_missing_expired_or_expiring` holds (no CSE, or the CSE expired or
  expires within 60 days; Directiva 001-2020-MIDIS: a classification is valid for a period and
  must then be renewed at the ULE). The failed criteria of other programmes (e.g. JUNTOS'
  `cse_poor_in_force`) are *not* read as "needs reclassification": a household classified
  NO_POBRE fails them for good, with a CSE in force.

An entry leaves its list when a later decision of the same programme says the person or household
is no longer eligible (turned 60 cannot be undone, but a disability can be corrected; a renewed
CSE ends the need to reclassify). Decisions of other programmes change no list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from chasqui_common.errors import InvalidValue

from chasqui_citizen_attention.domain.municipalities import Office

WORKLIST_PROGRAMMES: dict[str, tuple[Office, str]] = {
    "CIAM": (Office.CIAM, "newly_eligible_ciam"),
    "OMAPED": (Office.OMAPED, "newly_eligible_omaped"),
    "ULE_RECLASSIFICATION": (Office.ULE, "cse_missing_expired_or_expiring"),
}
"""Programme code (eligibility's rule files) -> the office whose list it feeds, and the reason."""

WORKLIST_OFFICES = (Office.CIAM, Office.OMAPED, Office.ULE)


class WorklistMove(StrEnum):
    ADD = "add"
    REMOVE = "remove"
    KEEP = "keep"


@dataclass(frozen=True)
class WorklistChange:
    """What one decision does to one office's list."""

    office: Office
    move: WorklistMove
    reason: str


def worklist_change(program: str, *, eligible: bool, previous_eligible: bool) -> WorklistChange | None:
    """The change a decision of `program` makes (None: no list of this service follows it).

    Newly eligible (eligible, not before) adds; no longer eligible removes; still eligible (only
    the benefit changed) keeps the entry as it is."""
    known = WORKLIST_PROGRAMMES.get(program.upper())
    if known is None:
        return None
    office, reason = known
    if eligible and not previous_eligible:
        return WorklistChange(office, WorklistMove.ADD, reason)
    if not eligible:
        return WorklistChange(office, WorklistMove.REMOVE, reason)
    return WorklistChange(office, WorklistMove.KEEP, reason)


def check_worklist_office(office: Office) -> Office:
    """The office if it has a worklist (CIAM, OMAPED, ULE), else InvalidValue on `office`."""
    if office not in WORKLIST_OFFICES:
        raise InvalidValue(
            f"{office.value} has no worklist fed by eligibility decisions",
            field="office",
            value=office.value,
            expected="CIAM, OMAPED or ULE",
        )
    return office


@dataclass(frozen=True)
class WorklistEntry:
    """One entry of an office's list: the decision's ids, and the person as the citizen
    projection knows them (None where it does not know them yet)."""

    office: Office
    household_id: str
    person_id: str | None
    recipient_person_id: str | None
    program: str
    reason: str
    decision_id: str
    since: date
    decided_at: datetime
    citizen_id: str | None = None
    municipality: str | None = None
    document_type: str | None = None
    document_number: str | None = None
    given_names: str | None = None
    paternal_surname: str | None = None
    maternal_surname: str | None = None
