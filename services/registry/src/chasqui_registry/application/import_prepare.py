"""The CPU stage of the bulk import: parsed households in, validated COPY records out. No I/O.

`prepare_chunk` takes households as `ImportFile.groups()` yields them (grouped and numbered, not
validated) and returns, for each household, either its errors or its ready-made COPY records
(household, persons, CSE history, one outbox row). Its inputs and outputs pickle, so the import
runs it in worker processes, one chunk per batch, while the main process checks uniqueness
against the database and COPYs; row numbers travel with the households, so errors name the
file line whichever process found them.

Two ways through, with one result:

- **Fast path** (CSV rows in the common, well-formed shape): plain functions check every rule
  and build the event's JSON directly. It is deliberately narrower than the rules: whenever
  anything is unusual (a value to normalise, a rule broken, text with control characters) it
  declines, and the household takes
- **the reference path**: the pydantic draft and `domain.household` rules, which find and word
  every error. Errors therefore always come from the reference path; a unit test holds the fast
  path's output equal to the reference path's on generated and mutated households.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import orjson
from chasqui_common.envelope import H_ID, H_SUBJECT, H_TIME
from chasqui_common.errors import InvalidValue
from chasqui_common.events.registry import (
    CseLevel,
    DisabilitySeverity,
    DocumentType,
    EducationLevel,
    Household,
    HouseholdRegistered,
    IdentityDocument,
    Pension,
    Relationship,
)
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.values import check_email, check_phone, is_mobile

from chasqui_registry.adapters.import_files import (
    JsonObject,
    ParsedHousehold,
    RowError,
    parse_date,
    parse_flag,
)
from chasqui_registry.domain import household as rules
from chasqui_registry.domain import ubigeo
from chasqui_registry.domain.documents import normalize_document
from chasqui_registry.domain.errors import DocumentError

_DOCUMENT_TYPES = {t.value: t for t in DocumentType}
_RELATIONSHIPS = frozenset(r.value for r in Relationship)
_SEVERITIES = frozenset(s.value for s in DisabilitySeverity)
_PENSIONS = frozenset(p.value for p in Pension)
_EDUCATION = frozenset(e.value for e in EducationLevel)
_CSE_LEVELS = frozenset(c.value for c in CseLevel)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_MEMBERS = 40


@dataclass(frozen=True)
class EventTemplate:
    """What every `household.registered` event of one import shares (computed where the import
    runs, since trace and correlation context live there, not in the worker)."""

    event_type: str
    topic: str
    headers: dict[str, str]  # CloudEvents headers less id, time and subject

    @classmethod
    def of(cls, outbox: Outbox) -> EventTemplate:
        probe = HouseholdRegistered.model_construct(
            household_id="-",
            household=Household.model_construct(
                household_id="-",
                ubigeo="000000",
                address="-",
                residence_since=date(2000, 1, 1),
                registering_unit="-",
                members=(),
            ),
        )
        envelope = outbox.envelope(probe)
        headers = {k: v for k, v in envelope.headers().items() if k not in (H_ID, H_TIME, H_SUBJECT)}
        topic = outbox.catalogue.spec_for(probe).topic.name
        return cls(envelope.type, topic, headers)


DocumentRef = tuple[str, str, int, str]

IMPORT_ACTOR = "registry-import"
"""The actor of the events of a bulk import; the import's access record (`registry.import.start`,
with the import id) names the client who started it."""
"""(type, canonical number, file row, column) of a member's document, for the uniqueness checks."""


class ValidHousehold(NamedTuple):
    """A household that passed every rule needing no database, before it becomes records."""

    event_data: JsonObject  # the household.registered data, as `model_dump(mode="json")` gives it
    documents: list[DocumentRef]


class PreparedHousehold(NamedTuple):
    """A household that passed every rule needing no database, as COPY records (a tuple: it
    crosses from the worker process, and tuples pickle cheaply)."""

    import_key: str
    household_key: str
    documents: list[DocumentRef]
    household: tuple[Any, ...]
    persons: list[tuple[Any, ...]]
    classification: tuple[Any, ...] | None
    outbox: tuple[Any, ...]  # its household.registered event, a row for `Outbox.copy_rows`


@dataclass
class PreparedChunk:
    households: int  # households read (with a key)
    prepared: list[PreparedHousehold] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rejected: int = 0
    fast: int = 0  # how many took the fast path (for profiling and tests)


def prepare_chunk(
    groups: list[ParsedHousehold], template: EventTemplate, today: date, now: datetime
) -> PreparedChunk:
    """Validate each household and build its records; runs in a worker process.

    `today` (Lima) judges dates; `now` (aware) is the time of the chunk's events."""
    chunk = PreparedChunk(households=sum(1 for g in groups if g.household_key))
    event_time = now.astimezone(UTC).isoformat().replace("+00:00", "Z")
    for parsed in groups:
        valid: ValidHousehold | None = None
        if not parsed.errors and isinstance(parsed.raw, list):
            valid = fast_csv_household(parsed, parsed.raw, today)
            if valid is not None:
                chunk.fast += 1
        if valid is None:
            valid = reference_household(parsed, today)
            if valid is None:
                chunk.errors.extend(parsed.errors)
                chunk.rejected += 1
                continue
        chunk.prepared.append(_records(parsed, valid, template, event_time))
    return chunk


def uuid7() -> str:
    """A UUID version 7 (RFC 9562): millisecond time first, then 74 random bits.

    Ids made in the same moment sort together, so a million households' rows go to the right
    end of the primary-key and household indexes instead of to random pages all over them
    (random version 4 ids made the index maintenance of a large import thrash the buffer cache).
    """
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10)) & _RANDOM_BITS | _V7_BITS
    text = value.to_bytes(16).hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# Of the 80 bits after the timestamp: version 7 in the top 4, then 12 random bits, the variant
# (binary 10), and 62 random bits.
_V7_BITS = 0x7 << 76 | 0b10 << 62
_RANDOM_BITS = 0xFFF << 64 | (1 << 62) - 1


def _dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # e.g. a lone surrogate from a JSONL "\ud800" escape
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _records(
    parsed: ParsedHousehold,
    valid: ValidHousehold,
    template: EventTemplate,
    now: str,
) -> PreparedHousehold:
    data, documents = valid
    household = data["household"]
    household_id = household["household_id"]
    classification = household["classification"]
    event_id = uuid7()
    headers = {**template.headers, H_ID: event_id, H_TIME: now, H_SUBJECT: household_id}
    try:
        body = orjson.dumps(data)
    except orjson.JSONEncodeError:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return PreparedHousehold(
        import_key=parsed.import_key,
        household_key=parsed.household_key,
        documents=documents,
        household=(
            household_id,
            household["ubigeo"],
            household["address"],
            date.fromisoformat(household["residence_since"]),
            household["registering_unit"],
            household["status"],
            None if classification is None else _dumps(classification),
            parsed.import_key,
        ),
        persons=[
            (m["person_id"], household_id, i, m["document"]["type"], m["document"]["number"], _dumps(m))
            for i, m in enumerate(household["members"])
        ],
        classification=(
            None
            if classification is None
            else (
                household_id,
                classification["level"],
                date.fromisoformat(classification["valid_from"]),
                date.fromisoformat(classification["valid_until"]),
                classification["source"],
            )
        ),
        outbox=(event_id, template.event_type, template.topic, household_id, _dumps(headers), body),
    )


# --- the reference path: pydantic draft + domain rules, which word every error ------------------


def reference_household(parsed: ParsedHousehold, today: date) -> ValidHousehold | None:
    parsed.build()
    if parsed.draft is not None and not parsed.errors:
        for violation in rules.household_violations(parsed.draft, today):
            row, column = parsed.locate(violation.field)
            parsed.errors.append(
                RowError(row, parsed.household_key, column, violation.value, violation.expected)
            )
    if parsed.errors or parsed.draft is None:
        return None
    household = rules.build_household(parsed.draft, household_id=uuid7(), new_id=uuid7)
    data = HouseholdRegistered(
        household_id=household.household_id, household=household, actor=IMPORT_ACTOR
    ).model_dump(mode="json")
    documents: list[DocumentRef] = []
    for index, member in enumerate(household.members):
        if member.document.number is not None:
            row, column = parsed.locate(f"members.{index}.document.number")
            documents.append((member.document.type.value, member.document.number, row, column))
    return ValidHousehold(data, documents)


# --- the fast path: CSV rows in the common shape, checked with plain functions -------------------


def _fast_date(value: str) -> date | None:
    value = parse_date(value)
    if len(value) != 10 or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _text(value: str, longest: int) -> bool:
    """Non-empty, not too long, and nothing (control characters, odd spaces) that pydantic's
    whitespace stripping could read differently."""
    return 0 < len(value) <= longest and value.isprintable()


def fast_csv_household(
    parsed: ParsedHousehold, rows: list[dict[str, str]], today: date
) -> ValidHousehold | None:
    """The household's event data and documents if it is plainly valid, else None (no verdict)."""
    if not rows or len(rows) > _MAX_MEMBERS:
        return None
    members: list[JsonObject] = []
    documents: list[DocumentRef] = []
    seen: set[tuple[str, str]] = set()
    head: dict[str, str] | None = None
    for index, row in enumerate(rows):
        member = _fast_member(row, today)
        if member is None:
            return None
        if member["relationship"] == "HEAD":
            if head is not None:
                return None
            head = row
        number = member["document"]["number"]
        if number is not None:
            key = (member["document"]["type"], number)
            if key in seen:
                return None
            seen.add(key)
            documents.append((key[0], number, parsed.member_rows[index], "document_number"))
        members.append(member)
    if head is None:
        return None
    code = head.get("ubigeo", "")
    address = head.get("address", "")
    unit = head.get("registering_unit", "")
    since = _fast_date(head.get("residence_since", ""))
    if (
        not ubigeo.is_known(code)
        or not _text(address, 300)
        or not _text(unit, 80)
        or since is None
        or since > today
    ):
        return None
    classification: JsonObject | None = None
    level = head.get("cse_level", "")
    if level:
        level = level.upper()
        valid_from = _fast_date(head.get("cse_valid_from", ""))
        valid_until = _fast_date(head.get("cse_valid_until", ""))
        source = head.get("cse_source", "") or "ULE"
        if (
            level not in _CSE_LEVELS
            or valid_from is None
            or valid_until is None
            or valid_until <= valid_from
            or not _text(source, 80)
        ):
            return None
        classification = {
            "level": level,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(),
            "source": source,
        }
    household_id = uuid7()
    for member in members:
        member["person_id"] = uuid7()
    household = {
        "household_id": household_id,
        "ubigeo": code,
        "address": address,
        "residence_since": since.isoformat(),
        "registering_unit": unit,
        "status": "active",
        "classification": classification,
        "members": members,
    }
    return ValidHousehold(
        {"household_id": household_id, "household": household, "actor": IMPORT_ACTOR}, documents
    )


def _fast_member(row: dict[str, str], today: date) -> JsonObject | None:
    get = row.get
    kind = get("document_type", "").upper()
    raw_number = get("document_number", "")
    number: str | None
    if kind == "DNI" and len(raw_number) == 8 and raw_number.isascii() and raw_number.isdigit():
        number = raw_number
    elif kind == "NONE" and not raw_number:
        number = None
    elif kind in _DOCUMENT_TYPES and kind != "NONE":
        try:
            document = normalize_document(
                IdentityDocument.model_construct(type=_DOCUMENT_TYPES[kind], number=raw_number or None)
            )
        except DocumentError:
            return None
        number = document.number
        if number is None or not number.isascii():
            return None
    else:
        return None

    given = get("given_names", "")
    paternal = get("paternal_surname", "") or None
    maternal = get("maternal_surname", "") or None
    if (
        not _text(given, 120)
        or (paternal is not None and not _text(paternal, 80))
        or (maternal is not None and not _text(maternal, 80))
    ):
        return None
    birth = _fast_date(get("birth_date", ""))
    if birth is None or birth > today or birth < rules.OLDEST_BIRTH_DATE:
        return None
    sex = get("sex", "").upper()
    relationship = get("relationship", "").upper()
    severity = get("disability_severity", "").lower() or "none"
    pension = get("pension", "").lower() or "none"
    level = get("education_level", "").lower() or "none"
    if (
        sex not in ("F", "M")
        or relationship not in _RELATIONSHIPS
        or severity not in _SEVERITIES
        or pension not in _PENSIONS
        or level not in _EDUCATION
    ):
        return None
    certified = parse_flag(get("disability_certified", ""))
    pregnant = parse_flag(get("pregnant", ""))
    in_school = parse_flag(get("in_school", ""))
    completed = parse_flag(get("secondary_completed", ""))
    last_year = parse_flag(get("secondary_last_year", ""))
    sms = parse_flag(get("consent_sms", ""))
    email_consent = parse_flag(get("consent_email", ""))
    whatsapp = parse_flag(get("consent_whatsapp", ""))
    flags = (certified, pregnant, in_school, completed, last_year, sms, email_consent, whatsapp)
    if not all(flag is True or flag is False for flag in flags):
        return None
    if certified and severity == "none":
        return None
    if pregnant and (sex != "F" or rules.age(birth, today) < rules.MIN_PREGNANCY_AGE):
        return None
    phone = get("phone", "") or None
    email = get("email", "") or None
    if phone is not None:
        try:
            phone = check_phone(phone, "phone")  # E.164, as the event model writes it
        except InvalidValue:
            return None
        if (sms or whatsapp) and not is_mobile(phone):
            return None
    if email is not None:
        try:
            check_email(email, "email")
        except InvalidValue:
            return None
    if ((sms or whatsapp) and phone is None) or (email_consent and email is None):
        return None
    return {
        "person_id": "",
        "document": {"type": kind, "number": number},
        "given_names": given,
        "paternal_surname": paternal,
        "maternal_surname": maternal,
        "birth_date": birth.isoformat(),
        "sex": sex,
        "relationship": relationship,
        "disability": {"severity": severity, "certified": certified},
        "pregnant": pregnant,
        "pension": pension,
        "education": {
            "level": level,
            "in_school": in_school,
            "secondary_completed": completed,
            "secondary_last_year": last_year,
        },
        "contact": {
            "phone": phone,
            "email": email,
            "consent": {"sms": sms, "email": email_consent, "whatsapp": whatsapp},
        },
    }


def keep_person_ids(item: PreparedHousehold, former: dict[tuple[str, str], str]) -> PreparedHousehold:
    """`item` with each member who held a document before (and is registered nowhere now) given
    back their person_id, in the person records and the event alike (`former`: (type, number) ->
    person_id), so a person keeps their identity when an import moves them to a new household."""
    renamed: dict[str, str] = {}
    persons = []
    for person in item.persons:
        person_id, household_id, position, kind, number, data = person
        kept = former.get((kind, number)) if number is not None else None
        if kept is None:
            persons.append(person)
            continue
        renamed[person_id] = kept
        persons.append((kept, household_id, position, kind, number, data.replace(person_id, kept)))
    if not renamed:
        return item
    event_id, event_type, topic, subject, headers, body = item.outbox
    for new, kept in renamed.items():
        body = body.replace(new.encode(), kept.encode())
    return item._replace(persons=persons, outbox=(event_id, event_type, topic, subject, headers, body))
