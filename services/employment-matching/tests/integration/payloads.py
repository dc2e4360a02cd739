"""Request bodies for the integration tests; every call makes unique documents."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from stdnum.pe import ruc

_rng = random.Random()


def unique_dni() -> str:
    return f"{_rng.randint(10_000_000, 99_999_999)}"


def unique_ruc() -> str:
    body = f"20{_rng.randint(10_000_000, 99_999_999)}"
    return body + ruc.calc_check_digit(body)


def seeker(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "document": {"type": "DNI", "number": unique_dni()},
        "given_names": "Rosa",
        "paternal_surname": "Quispe",
        "maternal_surname": "Mamani",
        "birth_date": "1994-03-12",
        "ubigeo": "150132",
        "occupations": ["5120"],
        "skills": ["Cocina", "Higiene alimentaria"],
        "education": "secondary",
        "experience_years": 3,
        "contact": {"phone": "+51987654321", "consent": {"sms": True}},
        "consent_to_contact": True,
    }
    body.update(changes)
    return body


def vacancy(employer_ruc: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "employer_ruc": employer_ruc,
        "title": "Cocinero(a)",
        "occupation_code": "5120",
        "skills": ["cocina", "higiene alimentaria"],
        "ubigeo": "150132",
        "positions": 1,
        "formal": True,
        "salary_min": 1300,
        "salary_max": 1600,
        "education_required": "secondary",
        "experience_years_required": 2,
        "closes_on": (date.today() + timedelta(days=30)).isoformat(),
    }
    body.update(changes)
    return body
