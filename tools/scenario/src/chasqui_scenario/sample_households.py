"""A seeded generator of realistic Peruvian households in the registry's CSV import format.

Used by the registry's import benchmark, its tests and the Perú scenario of `make run`. The
columns are the registry's published ULE import format (docs/registry.md, "CSV"), taken from the
registry's own reader so the two cannot drift.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from chasqui_registry.adapters.import_files import CSV_COLUMNS

# (ubigeo, ULE, street pattern, weight): Lima's big districts weigh most, as in the Padrón.
PLACES = [
    ("150142", "ULE-VILLA-EL-SALVADOR", "Sector {a}, Grupo {b}, Mz. {c} Lt. {d}", 18),
    ("150132", "ULE-SJL", "Av. Próceres de la Independencia {n}, Mz. {c} Lt. {d}", 22),
    ("150103", "ULE-ATE", "Asoc. Viv. Los Ángeles Mz. {c} Lt. {d}", 10),
    ("150143", "ULE-VMT", "AA.HH. José Carlos Mariátegui Mz. {c} Lt. {d}", 9),
    ("110101", "ULE-ICA", "Calle Lima {n}, Ica", 7),
    ("110201", "ULE-CHINCHA", "Pueblo Joven Alto Larán Mz. {c} Lt. {d}", 4),
    ("080101", "ULE-CUSCO", "Calle Tecsecocha {n}, Cusco", 6),
    ("080108", "ULE-WANCHAQ", "Urb. Manuel Prado {c}-{d}", 3),
    ("050101", "ULE-HUAMANGA", "Jr. 28 de Julio {n}, Ayacucho", 5),
    ("210101", "ULE-PUNO", "Barrio Bellavista Jr. {c} {n}", 5),
    ("090101", "ULE-HUANCAVELICA", "Jr. Virrey Toledo {n}", 3),
    ("200101", "ULE-PIURA", "AA.HH. Santa Rosa Mz. {c} Lt. {d}", 8),
]
FEMALE = [
    "María",
    "Rosa",
    "Juana",
    "Yolanda",
    "Killa",
    "Sumaq",
    "Ñusta",
    "Ángela",
    "Nélida",
    "Inés",
    "Flor de María",
    "Yessenia",
    "Lucía",
    "Maribel",
    "Sonia",
    "Kusi",
    "Zoila",
    "Teodora",
]
MALE = [
    "José",
    "Juan",
    "Túpac",
    "Wilfredo",
    "Amaru",
    "Inti",
    "Víctor",
    "Ñaupari",
    "Néstor",
    "Luis",
    "Percy",
    "Edwin",
    "Hernán",
    "Jhon",
    "Wari",
    "Efraín",
    "Ramón",
    "Yupanqui",
]
SURNAMES = [
    "Quispe",
    "Mamani",
    "Huamán",
    "Condori",
    "Ccori",
    "Ñahui",
    "Apaza",
    "Choque",
    "Yupanqui",
    "Huanca",
    "Chávez",
    "Flores",
    "Rodríguez",
    "Sánchez",
    "Pérez",
    "Gutiérrez",
    "Cusi",
    "Ticona",
    "Ñaupa",
    "Layme",
    "Cáceres",
    "Quispe Tito",
    "Huarcaya",
    "Vásquez",
    "Paucar",
    "Ayquipa",
]
CSE = [("POBRE_EXTREMO", 25), ("POBRE", 40), ("NO_POBRE", 25), ("", 10)]
TODAY = date(2025, 6, 1)


def _birth(rng: random.Random, age_min: int, age_max: int) -> date:
    return TODAY - timedelta(days=rng.randint(age_min * 365, age_max * 365 + 364))


def households(count: int, seed: int = 20250601) -> Iterator[list[dict[str, str]]]:
    """`count` households (about 3.5 members each), each as its CSV rows; deterministic for a seed."""
    rng = random.Random(seed)
    places = [p for p in PLACES for _ in range(p[3])]
    next_dni = 10_000_000 + rng.randint(0, 1_000_000)
    for index in range(count):
        ubigeo, unit, street, _ = rng.choice(places)
        address = street.format(
            a=rng.randint(1, 10),
            b=rng.randint(1, 30),
            c=rng.choice("ABCDEFGHJK"),
            d=rng.randint(1, 40),
            n=rng.randint(100, 2999),
        )
        level = rng.choices([c for c, _ in CSE], [w for _, w in CSE])[0]
        since = _birth(rng, 0, 30).isoformat()
        paternal = rng.choice(SURNAMES)
        maternal = rng.choice(SURNAMES)
        size = rng.choices([1, 2, 3, 4, 5, 6, 7], [8, 12, 20, 27, 18, 10, 5])[0]
        head_sex = rng.choice("FM")
        rows = []
        for position in range(size):
            if position == 0:
                relationship, sex = "HEAD", head_sex
                birth = _birth(rng, 22, 90)
            elif position == 1 and size > 2:
                relationship, sex = "SPOUSE", "M" if head_sex == "F" else "F"
                birth = _birth(rng, 20, 85)
            else:
                relationship, sex = (
                    rng.choices(["CHILD", "GRANDCHILD", "PARENT", "OTHER_RELATIVE"], [70, 15, 10, 5])[0],
                    rng.choice("FM"),
                )
                birth = _birth(rng, 0, 25) if relationship != "PARENT" else _birth(rng, 60, 95)
            age = (TODAY - birth).days // 365
            if age >= 18 or rng.random() < 0.85:
                next_dni += rng.randint(1, 7)
                document_type, number = "DNI", f"{next_dni:08d}"
            elif rng.random() < 0.5:
                next_dni += 1
                document_type, number = "CPP", f"CPP{next_dni:08d}"
            else:
                document_type, number = "NONE", ""
            pregnant = sex == "F" and 15 <= age <= 44 and rng.random() < 0.06
            severity = rng.choices(["none", "mild", "moderate", "severe"], [90, 4, 3, 3])[0]
            names = FEMALE if sex == "F" else MALE
            given = rng.choice(names) + (" " + rng.choice(names) if rng.random() < 0.5 else "")
            phone = f"9{rng.randint(10_000_000, 99_999_999)}" if age >= 18 and rng.random() < 0.7 else ""
            rows.append(
                {
                    "household_key": f"FSU-{index:08d}",
                    "registering_unit": unit,
                    "ubigeo": ubigeo,
                    "address": address,
                    "residence_since": since,
                    "cse_level": level if position == 0 else "",
                    "cse_valid_from": "2024-01-01" if level and position == 0 else "",
                    "cse_valid_until": "2027-01-01" if level and position == 0 else "",
                    "cse_source": "ULE" if level and position == 0 else "",
                    "document_type": document_type,
                    "document_number": number,
                    "given_names": given,
                    "paternal_surname": paternal
                    if relationship in ("HEAD", "CHILD", "GRANDCHILD")
                    else rng.choice(SURNAMES),
                    "maternal_surname": maternal if relationship == "HEAD" else rng.choice(SURNAMES),
                    "birth_date": birth.isoformat(),
                    "sex": sex,
                    "relationship": relationship,
                    "disability_severity": severity,
                    "disability_certified": "true"
                    if severity == "severe" and rng.random() < 0.6
                    else "false",
                    "pregnant": "true" if pregnant else "false",
                    "pension": "none" if age < 60 else rng.choices(["none", "onp", "afp"], [75, 15, 10])[0],
                    "education_level": "secondary"
                    if 12 <= age <= 17
                    else "primary"
                    if 6 <= age < 12
                    else rng.choice(["none", "primary", "secondary", "higher_technical", "university"])
                    if age >= 18
                    else "initial",
                    "in_school": "true" if 3 <= age <= 17 else "false",
                    "secondary_completed": "true" if age >= 18 and rng.random() < 0.6 else "false",
                    "secondary_last_year": "true" if age == 17 else "false",
                    "phone": phone,
                    "email": "",
                    "consent_sms": "true" if phone and rng.random() < 0.6 else "false",
                    "consent_email": "false",
                    "consent_whatsapp": "true" if phone and rng.random() < 0.5 else "false",
                }
            )
        yield rows


def write_csv(path: Path, count: int, seed: int = 20250601) -> tuple[int, int]:
    """Write `count` households to `path`; returns (households, rows)."""
    rows_written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for rows in households(count, seed):
            writer.writerows(rows)
            rows_written += len(rows)
    return count, rows_written
