"""The household aggregate: the rules a household and its members must keep, and its changes.

Pure functions over the contract snapshot (`chasqui_common.events.registry.Household`): each
change returns the new snapshot and what changed, or raises a DomainError naming every broken rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from chasqui_common.errors import NotFound
from chasqui_common.events.registry import (
    Classification,
    Consent,
    Contact,
    DisabilitySeverity,
    DocumentType,
    Household,
    HouseholdStatus,
    IdentityDocument,
    Member,
    Relationship,
    Sex,
)
from chasqui_common.values import is_mobile

from chasqui_registry.domain import ubigeo
from chasqui_registry.domain.documents import normalize_document
from chasqui_registry.domain.errors import DocumentError, HouseholdNotActive, InvalidHousehold, Violation
from chasqui_registry.domain.model import (
    ClassificationDraft,
    HouseholdDraft,
    HouseholdPatch,
    MemberDraft,
    MemberPatch,
)

OLDEST_BIRTH_DATE = date(1900, 1, 1)
MIN_PREGNANCY_AGE = 9
MOBILE_EXPECTED = (
    "consent to {channel} only with a mobile phone number (SMS and WhatsApp cannot reach a landline)"
)

IdFactory = Callable[[], str]
_NO_CONSENT = Consent()


def member_violations(member: MemberDraft | Member, today: date, field: str) -> list[Violation]:
    """Rules of one person that need nothing else: document, dates, pregnancy, disability, contact."""
    return _check_member(member, today, field)[0]


def _check_member(
    member: MemberDraft | Member, today: date, field: str
) -> tuple[list[Violation], IdentityDocument | None]:
    found: list[Violation] = []
    document: IdentityDocument | None = None
    try:
        document = normalize_document(member.document, f"{field}.document")
    except DocumentError as exc:
        found.append(exc.violation)
    if member.birth_date > today:
        found.append(
            Violation(f"{field}.birth_date", member.birth_date.isoformat(), f"a date not after {today}")
        )
    elif member.birth_date < OLDEST_BIRTH_DATE:
        found.append(
            Violation(
                f"{field}.birth_date", member.birth_date.isoformat(), f"a date from {OLDEST_BIRTH_DATE}"
            )
        )
    if member.pregnant:
        if member.sex is not Sex.FEMALE:
            found.append(Violation(f"{field}.pregnant", True, "pregnant only for a member of sex F"))
        elif age(member.birth_date, today) < MIN_PREGNANCY_AGE:
            found.append(
                Violation(f"{field}.pregnant", True, f"pregnant only for a member aged {MIN_PREGNANCY_AGE}+")
            )
    if member.disability.certified and member.disability.severity is DisabilitySeverity.NONE:
        found.append(
            Violation(
                f"{field}.disability.certified",
                True,
                "a certified disability has severity mild|moderate|severe",
            )
        )
    contact = member.contact
    if contact.phone is not None or contact.email is not None or contact.consent != _NO_CONSENT:
        found.extend(_contact_violations(contact, f"{field}.contact"))
    return found, document


def _contact_violations(contact: Contact, field: str) -> list[Violation]:
    """Consent needs its channel: a phone for SMS and WhatsApp, and a mobile one; an e-mail for e-mail.

    The phone and e-mail themselves are checked by the shared rules of the model (`PhoneNumber`,
    kept in E.164, and `Email`), before these rules run.
    """
    found = []
    for channel, needs in (("sms", "phone"), ("whatsapp", "phone"), ("email", "email")):
        if not getattr(contact.consent, channel):
            continue
        if getattr(contact, needs) is None:
            found.append(
                Violation(f"{field}.consent.{channel}", True, f"consent to {channel} only with a {needs}")
            )
        elif needs == "phone" and not is_mobile(contact.phone or ""):
            found.append(
                Violation(f"{field}.consent.{channel}", True, MOBILE_EXPECTED.format(channel=channel))
            )
    return found


def members_violations(members: Sequence[MemberDraft | Member], today: date) -> list[Violation]:
    """Rules across members: every member's own rules, exactly one head, no document twice."""
    found: list[Violation] = []
    documents: list[IdentityDocument | None] = []
    for index, member in enumerate(members):
        violations, document = _check_member(member, today, f"members.{index}")
        found.extend(violations)
        documents.append(document)
    heads = [i for i, m in enumerate(members) if m.relationship is Relationship.HEAD]
    if not heads:
        found.append(Violation("members", None, "exactly one member with relationship HEAD; found none"))
    for extra in heads[1:]:
        found.append(
            Violation(
                f"members.{extra}.relationship",
                "HEAD",
                f"exactly one member with relationship HEAD; members.{heads[0]} is already HEAD",
            )
        )
    seen: dict[tuple[str, str], int] = {}
    for index, (member, document) in enumerate(zip(members, documents, strict=True)):
        if document is None or document.number is None:
            continue
        key = (document.type.value, document.number)
        if key in seen:
            found.append(
                Violation(
                    f"members.{index}.document.number",
                    member.document.number,
                    f"a document not used by another member (members.{seen[key]} has it)",
                )
            )
        else:
            seen[key] = index
    return found


def household_violations(draft: HouseholdDraft | Household, today: date) -> list[Violation]:
    found: list[Violation] = []
    if not ubigeo.is_known(draft.ubigeo):
        found.append(Violation("ubigeo", draft.ubigeo, ubigeo.UBIGEO_EXPECTED))
    if draft.residence_since > today:
        found.append(
            Violation("residence_since", draft.residence_since.isoformat(), f"a date not after {today}")
        )
    if draft.classification is not None:
        found.extend(classification_violations(draft.classification, "classification"))
    found.extend(members_violations(draft.members, today))
    return found


def classification_violations(
    classification: ClassificationDraft | Classification, field: str = ""
) -> list[Violation]:
    prefix = f"{field}." if field else ""
    if classification.valid_until <= classification.valid_from:
        return [
            Violation(
                f"{prefix}valid_until",
                classification.valid_until.isoformat(),
                f"a date after valid_from ({classification.valid_from})",
            )
        ]
    return []


def age(birth: date, today: date) -> int:
    """Completed years on `today` of a person born on `birth`."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _raise_if(violations: list[Violation], what: str) -> None:
    if violations:
        detail = "; ".join(f"{v.field}: expected {v.expected}" for v in violations)
        raise InvalidHousehold(f"{what}: {detail}", violations)


def _member(draft: MemberDraft, person_id: str) -> Member:
    # The draft is already validated, so the snapshot is assembled without validating it again.
    fields = {name: getattr(draft, name) for name in MemberDraft.model_fields}
    document = draft.document
    if not (
        (document.type is DocumentType.NONE and document.number is None)
        or (document.type is DocumentType.DNI and document.number and len(document.number) == 8)
    ):
        fields["document"] = normalize_document(document)
    return Member.model_construct(person_id=person_id, **fields)


def register(draft: HouseholdDraft, *, household_id: str, new_id: IdFactory, today: date) -> Household:
    """A new active household from its draft; raises InvalidHousehold naming every broken rule."""
    _raise_if(household_violations(draft, today), "household cannot be registered")
    return build_household(draft, household_id=household_id, new_id=new_id)


def build_household(draft: HouseholdDraft, *, household_id: str, new_id: IdFactory) -> Household:
    """The snapshot of an already-validated draft (the bulk import validates first, then builds)."""
    return Household.model_construct(
        household_id=household_id,
        ubigeo=draft.ubigeo,
        address=draft.address,
        residence_since=draft.residence_since,
        registering_unit=draft.registering_unit,
        status=HouseholdStatus.ACTIVE,
        classification=draft.classification.to_classification() if draft.classification else None,
        members=tuple(_member(m, new_id()) for m in draft.members),
    )


@dataclass(frozen=True)
class Change:
    household: Household
    changed: tuple[str, ...]


def _ensure_active(household: Household) -> None:
    if household.status is not HouseholdStatus.ACTIVE:
        raise HouseholdNotActive(
            f"household {household.household_id} is deregistered; it can no longer change",
            [Violation("household_id", household.household_id, "an active household")],
        )


def update(household: Household, patch: HouseholdPatch, *, today: date) -> Change:
    _ensure_active(household)
    values = patch.model_dump(exclude_unset=True)
    changed = tuple(k for k, v in values.items() if v is not None and getattr(household, k) != v)
    updated = household.model_copy(update={k: values[k] for k in changed})
    _raise_if(
        [v for v in household_violations(updated, today) if v.field.split(".")[0] in changed],
        "household cannot be updated",
    )
    return Change(updated, changed)


def add_member(household: Household, draft: MemberDraft, *, person_id: str, today: date) -> Change:
    _ensure_active(household)
    updated = household.model_copy(update={"members": (*household.members, _member(draft, person_id))})
    _raise_if(members_violations(updated.members, today), "member cannot be added")
    return Change(updated, ())


def _find(household: Household, person_id: str) -> int:
    for index, member in enumerate(household.members):
        if member.person_id == person_id:
            return index
    raise NotFound(
        f"no member {person_id}",
        field="person_id",
        value=person_id,
        expected="the id of a registered member",
    )


def update_member(household: Household, person_id: str, patch: MemberPatch, *, today: date) -> Change:
    _ensure_active(household)
    index = _find(household, person_id)
    current = household.members[index]
    values: dict[str, Any] = {k: getattr(patch, k) for k in patch.model_fields_set}
    if values.get("document") is not None:
        try:
            values["document"] = normalize_document(values["document"], "document")
        except DocumentError as exc:
            raise InvalidHousehold(f"member cannot be updated: {exc}", [exc.violation]) from None
    nullable = {"paternal_surname", "maternal_surname"}
    values = {k: v for k, v in values.items() if v is not None or k in nullable}
    changed = tuple(sorted(k for k, v in values.items() if getattr(current, k) != v))
    member = current.model_copy(update={k: values[k] for k in changed})
    members = (*household.members[:index], member, *household.members[index + 1 :])
    _raise_if(members_violations(members, today), "member cannot be updated")
    return Change(household.model_copy(update={"members": members}), changed)


def remove_member(household: Household, person_id: str) -> Change:
    _ensure_active(household)
    index = _find(household, person_id)
    if household.members[index].relationship is Relationship.HEAD:
        raise InvalidHousehold(
            "the head of household cannot be removed; deregister the household instead",
            [Violation("person_id", person_id, "a member who is not the head of household")],
        )
    members = household.members[:index] + household.members[index + 1 :]
    return Change(household.model_copy(update={"members": members}), ())


def classify(household: Household, draft: ClassificationDraft) -> Change:
    """Assign a CSE; the one in force is replaced (the previous one stays in the history)."""
    _ensure_active(household)
    _raise_if(classification_violations(draft), "classification cannot be assigned")
    return Change(household.model_copy(update={"classification": draft.to_classification()}), ())


def deregister(household: Household) -> Change:
    _ensure_active(household)
    return Change(household.model_copy(update={"status": HouseholdStatus.DEREGISTERED}), ())
