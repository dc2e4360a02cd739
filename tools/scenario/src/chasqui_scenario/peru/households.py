"""The scenario's households: the registry's seeded generator, made whole and unique for this run.

`chasqui_scenario.sample_households` writes realistic households as CSV rows of the ULE import.
Here the sample is

- led by a few *profile* households, so even a small run has each case the programs look at:
  an older adult without pension (Pensión 65), a pregnant woman with a baby and a school child
  (JUNTOS, Cuna Más), a person with a certified severe disability (Contigo, OMAPED), a pension
  holder (who does not get Pensión 65), a youth finishing secondary school (Beca 18) and a
  household without CSE (classified through the API after the import);
- moved to today: the generator's dates are relative to 1 June 2025, so birth dates and
  residence are shifted by the days since, and CSE validity is set around today;
- given e-mail addresses with consent for some adults with a phone, so notifications flow on
  every channel (e-mail has no quiet hours);
- renumbered for this run: household keys carry the run tag and identity documents come from a
  block of numbers no registered person holds, so the same seed can be played again against a
  platform that keeps its data.
"""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from chasqui_registry.adapters.import_files import CSV_COLUMNS

from .. import sample_households

VILLA_EL_SALVADOR = "150142"
GENERATOR_TODAY = sample_households.TODAY
CSE_LEVELS = ("POBRE_EXTREMO", "POBRE", "NO_POBRE")


@dataclass
class SampleHousehold:
    key: str
    ubigeo: str
    rows: list[dict[str, str]]

    @property
    def head_document(self) -> tuple[str, str]:
        head = next(r for r in self.rows if r["relationship"] == "HEAD")
        return head["document_type"], head["document_number"]

    @property
    def cse_level(self) -> str:
        return self.rows[0]["cse_level"]


@dataclass
class Sample:
    households: list[SampleHousehold]
    documents: set[str] = field(default_factory=set)

    @property
    def people(self) -> int:
        return sum(len(h.rows) for h in self.households)

    def csv_bytes(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for household in self.households:
            writer.writerows(household.rows)
        return buffer.getvalue().encode("utf-8")


def _years_ago(today: date, years: int, days: int = 0) -> str:
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return (anniversary - timedelta(days=days)).isoformat()


def _member(template: dict[str, str], **values: str) -> dict[str, str]:
    row = dict.fromkeys(CSV_COLUMNS, "")
    row.update({k: template[k] for k in ("household_key", "registering_unit", "ubigeo", "address")})
    row.update(
        disability_severity="none",
        disability_certified="false",
        pregnant="false",
        pension="none",
        education_level="secondary",
        in_school="false",
        secondary_completed="false",
        secondary_last_year="false",
        consent_sms="false",
        consent_email="false",
        consent_whatsapp="false",
        document_type="DNI",
    )
    row.update(values)
    return row


def _profile(index: int, base: list[dict[str, str]], today: date) -> list[dict[str, str]]:
    """Profile household `index` built on a generated household's place, names and phone."""
    head = dict(base[0])
    surname, maternal = head["paternal_surname"], head["maternal_surname"]
    phone = f"9{(int(head['document_number'] or '0') * 7919) % 90_000_000 + 10_000_000:08d}"
    contact = {"phone": phone, "consent_sms": "true", "consent_whatsapp": "true"}
    common = {"residence_since": _years_ago(today, 12)}
    cse = {
        "cse_valid_from": _years_ago(today, 1),
        "cse_valid_until": _years_ago(today, -2),
        "cse_source": "ULE",
    }
    if index == 0:  # an older couple without pension in Villa El Salvador: Pensión 65, CIAM
        head.update(ubigeo=VILLA_EL_SALVADOR, registering_unit="ULE-VILLA-EL-SALVADOR")
        head["address"] = "Sector 3, Grupo 12, Mz. F Lt. 7"
        return [
            _member(
                head,
                **common,
                **cse,
                **contact,
                cse_level="POBRE_EXTREMO",
                given_names="Teodora",
                paternal_surname=surname,
                maternal_surname=maternal,
                birth_date=_years_ago(today, 72, 40),
                sex="F",
                relationship="HEAD",
                education_level="primary",
            ),
            _member(
                head,
                given_names="Efraín",
                paternal_surname="Condori",
                maternal_surname="Apaza",
                birth_date=_years_ago(today, 76, 100),
                sex="M",
                relationship="SPOUSE",
                education_level="none",
            ),
        ]
    if index == 1:  # a pregnant mother, a baby and a school child in Villa El Salvador: JUNTOS, Cuna Más
        head.update(ubigeo=VILLA_EL_SALVADOR, registering_unit="ULE-VILLA-EL-SALVADOR")
        head["address"] = "Sector 2, Grupo 5, Mz. K Lt. 3"
        return [
            _member(
                head,
                **common,
                **cse,
                **contact,
                cse_level="POBRE",
                given_names="Killa Rosa",
                paternal_surname=surname,
                maternal_surname=maternal,
                birth_date=_years_ago(today, 27, 10),
                sex="F",
                relationship="HEAD",
                pregnant="true",
                consent_email="true",
                email=_email("Killa Rosa", surname, index),
            ),
            _member(
                head,
                document_type="NONE",
                given_names="Inti",
                paternal_surname=surname,
                maternal_surname=maternal,
                birth_date=_years_ago(today, 1, 30),
                sex="M",
                relationship="CHILD",
                education_level="none",
            ),
            _member(
                head,
                given_names="Sumaq",
                paternal_surname=surname,
                maternal_surname=maternal,
                birth_date=_years_ago(today, 10, 80),
                sex="F",
                relationship="CHILD",
                education_level="primary",
                in_school="true",
            ),
        ]
    if index == 2:  # a man with a certified severe disability, no pension: Contigo, OMAPED
        return [
            _member(
                head,
                **common,
                **cse,
                **contact,
                cse_level="POBRE",
                given_names="Wilfredo",
                paternal_surname=surname,
                maternal_surname=maternal,
                birth_date=_years_ago(today, 41),
                sex="M",
                relationship="HEAD",
                disability_severity="severe",
                disability_certified="true",
            ),
            _member(
                head,
                given_names="Nélida",
                paternal_surname="Huarcaya",
                maternal_surname="Ticona",
                birth_date=_years_ago(today, 38),
                sex="F",
                relationship="SPOUSE",
            ),
        ]
    if index == 3:  # a retired worker with an ONP pension: CIAM, but not Pensión 65
        return [
            _member(
                head,
                **common,
                **cse,
                **contact,
                cse_level="POBRE_EXTREMO",
                given_names="Néstor",
                paternal_surname=surname,
                maternal_surname=maternal,
                birth_date=_years_ago(today, 68),
                sex="M",
                relationship="HEAD",
                pension="onp",
                consent_email="true",
                email=_email("Néstor", surname, index),
            ),
        ]
    if index == 4:  # a youth in the last year of secondary school: Beca 18, JUNTOS
        return [
            _member(
                head,
                **common,
                **cse,
                **contact,
                cse_level="POBRE_EXTREMO",
                given_names="Yolanda",
                paternal_surname=surname,
                maternal_surname=maternal,
                birth_date=_years_ago(today, 45),
                sex="F",
                relationship="HEAD",
            ),
            _member(
                head,
                given_names="Amaru",
                paternal_surname=surname,
                maternal_surname=maternal,
                birth_date=_years_ago(today, 17, 60),
                sex="M",
                relationship="CHILD",
                in_school="true",
                secondary_last_year="true",
            ),
        ]
    # a household registered without CSE: the ULE classifies it through the API afterwards
    return [
        _member(
            head,
            **common,
            **contact,
            given_names="Maribel",
            paternal_surname=surname,
            maternal_surname=maternal,
            birth_date=_years_ago(today, 33),
            sex="F",
            relationship="HEAD",
        ),
        _member(
            head,
            document_type="NONE",
            given_names="Kusi",
            paternal_surname=surname,
            maternal_surname=maternal,
            birth_date=_years_ago(today, 2, 10),
            sex="F",
            relationship="CHILD",
            education_level="initial",
        ),
    ]


PROFILES = 6


def _email(given: str, surname: str, n: int) -> str:
    def ascii_word(text: str) -> str:
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return plain.split()[0].lower() if plain.split() else "persona"

    return f"{ascii_word(given)}.{ascii_word(surname)}{n}@example.com"


def _shift(value: str, days: int) -> str:
    return (date.fromisoformat(value) + timedelta(days=days)).isoformat() if value else value


def build(count: int, seed: int, *, run_tag: str, first_document: int, today: date) -> Sample:
    """`count` households for this run: profiles first, then the generator's; deterministic per seed."""
    rng = random.Random(seed)
    generated = list(sample_households.households(count, seed))
    shift = (today - GENERATOR_TODAY).days
    households: list[SampleHousehold] = []
    for index, rows in enumerate(generated):
        if index < PROFILES:
            rows = _profile(index, rows, today)
        else:
            for row in rows:
                row["birth_date"] = _shift(row["birth_date"], shift)
                row["residence_since"] = _shift(row["residence_since"], shift)
                if row["cse_level"]:
                    row["cse_valid_from"] = _years_ago(today, 1)
                    row["cse_valid_until"] = _years_ago(today, -2)
                if row["phone"] and rng.random() < 0.4:
                    row["email"] = _email(row["given_names"], row["paternal_surname"], index)
                    row["consent_email"] = "true"
        key = f"{run_tag}-{index:06d}"
        for row in rows:
            row["household_key"] = key
        households.append(SampleHousehold(key=key, ubigeo=rows[0]["ubigeo"], rows=rows))
    sample = Sample(households)
    _renumber(sample.households, first_document, sample.documents)
    return sample


def document_span(count: int) -> int:
    """How many document numbers `count` households may use (at most 7 members each)."""
    return count * 7 + 16


def _renumber(households: Iterable[SampleHousehold], first: int, issued: set[str]) -> None:
    number = first
    for household in households:
        for row in household.rows:
            if row["document_type"] == "DNI":
                row["document_number"] = f"{number:08d}"
            elif row["document_type"] == "CPP":
                row["document_number"] = f"CPP{number:08d}"
            else:
                continue
            issued.add(row["document_number"])
            number += 1
