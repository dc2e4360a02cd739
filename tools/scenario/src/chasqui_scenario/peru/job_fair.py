"""A job fair in San Juan de Lurigancho, over the employment-matching service's HTTP API.

Employers (RUCs with a valid check digit) publish vacancies coded with CNO 2015 at the fair;
working-age people of the registered households come as job seekers and attend; the service
proposes matches; each seeker applies to their best vacancies; some are placed, mostly in
formal jobs (planilla), some in informal ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from stdnum.pe import ruc

from .clients import ServiceClient
from .ule_import import RegisteredHousehold

SAN_JUAN_DE_LURIGANCHO = "150132"
VENUE = "Parque Zonal Huiracocha, Av. Próceres de la Independencia"

# (name, CIIU section, [(title, CNO code, skills, formal, education, years)])
EMPLOYERS: tuple[tuple[str, str, tuple[tuple[str, str, tuple[str, ...], bool, str, int], ...]], ...] = (
    (
        "Confecciones Canto Grande S.A.C.",
        "C",
        (
            ("Operario(a) de máquina de coser", "8153", ("costura", "remalladora"), True, "primary", 1),
            ("Cortador(a) de tela", "7532", ("corte", "patronaje"), True, "secondary", 2),
        ),
    ),
    (
        "Panificadora Los Próceres E.I.R.L.",
        "C",
        (
            ("Maestro(a) panadero(a)", "7512", ("panaderia", "pasteleria"), False, "primary", 3),
            ("Ayudante de panadería", "9412", ("panaderia",), False, "none", 0),
        ),
    ),
    (
        "Constructora Huáscar S.A.C.",
        "F",
        (
            ("Albañil", "7112", ("albanileria", "tarrajeo"), True, "primary", 2),
            ("Peón de obra", "9313", ("carga",), True, "none", 0),
        ),
    ),
    (
        "Supermercados Zárate S.A.",
        "G",
        (
            ("Vendedor(a) de tienda", "5223", ("atencion-al-cliente", "caja"), True, "secondary", 0),
            ("Reponedor(a) de almacén", "4321", ("inventario", "carga"), True, "secondary", 0),
        ),
    ),
    (
        "Transportes Jicamarca S.A.C.",
        "H",
        (("Conductor(a) de reparto", "8322", ("licencia-a1", "reparto"), True, "secondary", 2),),
    ),
    (
        "Seguridad Mariátegui S.A.C.",
        "N",
        (("Agente de seguridad", "5414", ("vigilancia", "sucamec"), True, "secondary", 1),),
    ),
    (
        "Restaurante El Sabor Norteño E.I.R.L.",
        "I",
        (("Cocinero(a)", "5120", ("cocina", "manipulacion-de-alimentos"), False, "primary", 2),),
    ),
    (
        "Limpieza Integral Lima Este S.A.C.",
        "N",
        (("Personal de limpieza", "9112", ("limpieza",), True, "none", 0),),
    ),
)
# (CNO code, skills) a seeker may bring.
TRADES = (
    ("8153", ("costura", "remalladora")),
    ("7532", ("corte",)),
    ("7512", ("panaderia",)),
    ("7112", ("albanileria",)),
    ("9313", ("carga",)),
    ("5223", ("atencion-al-cliente", "caja")),
    ("4321", ("inventario",)),
    ("8322", ("licencia-a1",)),
    ("5414", ("vigilancia",)),
    ("5120", ("cocina",)),
    ("9112", ("limpieza",)),
)


def valid_ruc(rng: random.Random) -> str:
    """A RUC of a legal person (prefix 20) with a correct check digit."""
    body = "20" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return body + str(ruc.calc_check_digit(body))


@dataclass
class FairOutcome:
    fair_id: str = ""
    employers: int = 0
    vacancies: int = 0
    positions: int = 0
    seekers: int = 0
    attendees: int = 0
    matches: int = 0
    applications: int = 0
    placements: int = 0
    formal_placements: int = 0
    seeker_ids: list[str] = field(default_factory=list)


def _seekers(households: list[RegisteredHousehold], today: date, limit: int) -> list[dict[str, Any]]:
    people = []
    for household in households:
        for member in household.members:
            born = date.fromisoformat(member["birth_date"])
            age = (today - born).days // 365
            document = member.get("document") or {}
            if 18 <= age <= 59 and document.get("type") == "DNI" and member.get("pension") == "none":
                people.append({**member, "ubigeo": household.sample.ubigeo})
    return people[:limit]


async def hold_job_fair(
    employment: ServiceClient, households: list[RegisteredHousehold], *, seed: int, today: date, size: int
) -> FairOutcome:
    rng = random.Random(seed + 2)
    outcome = FairOutcome()
    fair = await employment.post(
        "/v1/job-fairs",
        json={
            "name": f"Maratón del Empleo San Juan de Lurigancho {today:%Y-%m-%d}",
            "held_on": today.isoformat(),
            "ubigeo": SAN_JUAN_DE_LURIGANCHO,
            "venue": VENUE,
        },
    )
    outcome.fair_id = str(fair["fair_id"])
    employers = EMPLOYERS[: max(3, min(len(EMPLOYERS), size // 25))]
    vacancies: list[dict[str, Any]] = []
    for name, sector, offers in employers:
        number = valid_ruc(random.Random(name))  # the same RUC for the same employer on every run
        await employment.post(
            "/v1/employers", json={"ruc": number, "name": name, "sector": sector}, expect=(409,)
        )
        outcome.employers += 1
        for title, code, skills, formal, education, years in offers:
            positions = rng.randint(1, 4)
            vacancy = await employment.post(
                "/v1/vacancies",
                json={
                    "employer_ruc": number,
                    "title": title,
                    "occupation_code": code,
                    "skills": list(skills),
                    "ubigeo": SAN_JUAN_DE_LURIGANCHO,
                    "positions": positions,
                    "formal": formal,
                    "salary_min": 1130,
                    "salary_max": 1130 + 100 * rng.randint(1, 10),
                    "education_required": education,
                    "experience_years_required": years,
                    "closes_on": (today + timedelta(days=30)).isoformat(),
                    "job_fair_id": outcome.fair_id,
                },
            )
            vacancies.append(vacancy)
            outcome.vacancies += 1
            outcome.positions += positions

    for person in _seekers(households, today, limit=max(6, size // 3)):
        code, skills = rng.choice(TRADES)
        contact = person.get("contact") or {}
        consent = contact.get("consent") or {}
        seeker = await employment.post(
            "/v1/job-seekers",
            json={
                "document": {"type": "DNI", "number": person["document"]["number"]},
                "person_id": person["person_id"],
                "given_names": person["given_names"],
                "paternal_surname": person.get("paternal_surname"),
                "maternal_surname": person.get("maternal_surname"),
                "birth_date": person["birth_date"],
                "ubigeo": person["ubigeo"],
                "occupations": [code],
                "skills": list(skills),
                "education": (person.get("education") or {}).get("level", "none"),
                "experience_years": rng.randint(0, 8),
                "disability": (person.get("disability") or {}).get("severity", "none") != "none",
                "contact": {
                    "phone": contact.get("phone"),
                    "email": contact.get("email"),
                    "consent": {k: bool(consent.get(k)) for k in ("sms", "email", "whatsapp")},
                },
                "consent_to_contact": True,
            },
            expect=(409,),
        )
        if "seeker_id" not in seeker:
            continue
        outcome.seekers += 1
        outcome.seeker_ids.append(str(seeker["seeker_id"]))
        await employment.post(
            f"/v1/job-fairs/{outcome.fair_id}/attendees", json={"seeker_id": seeker["seeker_id"]}
        )
        outcome.attendees += 1

    formal_job = {str(v["vacancy_id"]): bool(v["formal"]) for v in vacancies}
    for seeker_id in outcome.seeker_ids:
        matches = (await employment.get(f"/v1/job-seekers/{seeker_id}/matches"))["items"]
        outcome.matches += len(matches)
        applied = [m["vacancy_id"] for m in matches[: rng.randint(1, 2)]]
        for vacancy_id in applied:
            await employment.post(
                "/v1/applications", json={"seeker_id": seeker_id, "vacancy_id": vacancy_id}, expect=(409,)
            )
            outcome.applications += 1
        # Some applicants are hired; the first hire of the fair is always into a formal job.
        if not applied or (outcome.placements and rng.random() >= 0.4):
            continue
        if not outcome.formal_placements:
            applied.sort(key=lambda vacancy_id: not formal_job.get(vacancy_id, False))
        placed = await employment.post(
            "/v1/placements",
            json={
                "seeker_id": seeker_id,
                "vacancy_id": applied[0],
                "start_date": (today + timedelta(days=7)).isoformat(),
                "monthly_salary": 1130 + 50 * rng.randint(0, 8),
            },
            expect=(409,),
        )
        if "placement_id" in placed:
            outcome.placements += 1
            outcome.formal_placements += bool(placed["formal"])
    return outcome
