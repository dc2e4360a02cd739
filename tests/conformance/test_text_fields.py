"""Every text field of every write endpoint (issue 13, Acceptance): a string is either stored and
read back byte-exact, or refused with 422 problem details naming the field. Never 5xx.

For each POST/PUT/PATCH operation with a JSON body, the OpenAPI request schema is walked (nested
objects, arrays, nullable unions; enums skipped) and each string property in turn is replaced, in
an otherwise valid body from the tables below, by a hypothesis string (any code point, surrogates
included, plus control characters). The body is sent as raw JSON text (lone surrogates as `\\ud800`
escapes). The answer must be:

- 2xx, and a GET of the resource shows the very same string under the same key (free text and
  references; coded values such as phones, dates or ubigeos may be normalised, so only 2xx);
- or 422 `application/problem+json` whose `errors[].field` names the field;
- or, for a reference to another resource (ids), 404/409 when the text has no forbidden character.

A text holding a C0 control other than tab/LF/CR, a C1 control or an unpaired surrogate must be
refused (422) whatever the field. Each field gets a few explicit inputs from the issue and a few
derandomized generated ones. Failures are collected per operation and field and reported together.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import random
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from chasqui_common.clock import LIMA
from chasqui_common.events import migrants, registry
from chasqui_common.events.catalogue import CATALOGUE
from chasqui_common.messaging.outbox import Outbox
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from stdnum.pe import ruc as pe_ruc

from .harness import INSTALLED, service_scopes, started

pytestmark = pytest.mark.asyncio(loop_scope="session")

GENERATED_PER_FIELD = 4  # plus the explicit examples below; derandomized, so reproducible
EXPLICIT = ("Ana\x00Maria", "O\ud800Higgins", "Av. O\x92Higgins 120 \x96 Mz. Ñ", "Ñaupa O’Higgins – 😀")

# What the issue says no field may hold: C0 but tab/LF/CR, C1, unpaired surrogates.
MUST_REFUSE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f\ud800-\udfff]")
SPECIALS = ("\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f", "\ud800", "\udfff", "\t", "\n", "\r", "\u2028")
TEXTS = st.text(
    alphabet=st.one_of(st.characters(exclude_categories=()), st.sampled_from(SPECIALS)), max_size=40
)

# Keys whose values are codes the services normalise or check against a list (only 2xx needed).
CODED = {
    "ubigeo",
    "phone",
    "email",
    "number",
    "ruc",
    "nationality",
    "occupations",
    "occupation_code",
    "language",
    "code",
    "education_level",
    "expression",
    "priority_points",
    "opening_hours",
}
# Keys that point at another resource: 404/409 are fair answers for a well-formed unknown one.
REFERENCES = {
    "seeker_id",
    "vacancy_id",
    "migrant_id",
    "case_id",
    "person_id",
    "employer_ruc",
    "attention_point",
    "job_fair_id",
}

Body = dict[str, Any]
Path_ = tuple[str | int, ...]


@dataclass
class Target:
    url: str
    body: Body


@dataclass
class Operation:
    """A write operation: how to make a valid request, and where to read the result back."""

    method: str
    template: str
    prepare: Callable[[httpx.Client], Target]
    read: Callable[[Target, Any], str | None] = lambda target, answer: None
    coded: frozenset[str] = frozenset()  # this operation's own coded keys (see CODED)
    references: frozenset[str] = frozenset()  # this operation's own reference keys (see REFERENCES)
    # Called on the body after the probed value is put in (e.g. to sign it, as a DCI envelope
    # must be: a signature over the body as it was before would refuse every probe alike).
    seal: Callable[[Body, Path_], Body] | None = None
    # The operation answers refusals in the DCI standard's error model (see `names_by_dci_code`).
    dci: bool = False


@dataclass
class Findings:
    first: dict[tuple[str, str, str], str] = field(default_factory=dict)
    count: dict[tuple[str, str, str], int] = field(default_factory=dict)
    calls: int = 0

    def add(self, operation: str, path: str, kind: str, example: str) -> None:
        key = (operation, path, kind)
        self.count[key] = self.count.get(key, 0) + 1
        self.first.setdefault(key, example)

    def report(self) -> str:
        return "\n".join(
            f"- {op} field {path}: {kind} (x{self.count[(op, path, kind)]})\n    {example}"
            for (op, path, kind), example in sorted(self.first.items())
        )


# --- the OpenAPI walk ---------------------------------------------------------------------------


def string_fields(schema: dict[str, Any], components: dict[str, Any], base: Any) -> list[tuple[Path_, bool]]:
    """(path, coded) of every string property under `schema`; arrays at index 0, maps at the keys
    the base body uses."""
    found: list[tuple[Path_, bool]] = []

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        return node

    def walk(node: dict[str, Any], path: Path_, value: Any, depth: int) -> None:
        node = resolve(node)
        if depth > 8:
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in node.get(key, ()):
                walk(option, path, value, depth + 1)
        kind = node.get("type")
        if kind == "string" and "enum" not in node and "const" not in node:
            names = {str(p) for p in path}
            coded = "pattern" in node or "format" in node or bool(names & CODED)
            if path not in [p for p, _ in found]:
                found.append((path, coded))
        elif kind == "object":
            for name, child in node.get("properties", {}).items():
                walk(child, (*path, name), value.get(name) if isinstance(value, dict) else None, depth + 1)
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and isinstance(value, dict):
                for name in list(value)[:1]:
                    walk(extra, (*path, name), value[name], depth + 1)
        elif kind == "array" and isinstance(node.get("items"), dict):
            first = value[0] if isinstance(value, list) and value else None
            walk(node["items"], (*path, 0), first, depth + 1)

    walk(schema, (), base, 0)
    return found


def with_value(body: Body, path: Path_, value: str) -> Body:
    """A copy of `body` with `value` at `path` (missing objects and arrays on the way are made)."""
    changed = copy.deepcopy(body)
    node: Any = changed
    for here, after in itertools.pairwise(path):
        child = node[here] if isinstance(here, int) else node.get(here)
        # None, or a value of another branch of a union (a string where the path goes through a
        # list, an object where it goes through an array): made in the shape the path needs.
        if not isinstance(child, list if isinstance(after, int) else dict):
            node[here] = [None] if isinstance(after, int) else {}
        node = node[here]
    node[path[-1]] = value
    return changed


def dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def names_field(reported: str, path: Path_) -> bool:
    got = re.sub(r"\[(\d+)\]", r".\1", reported).removeprefix("body.")
    want = dotted(path)
    plain = ".".join(str(p) for p in path if not isinstance(p, int))
    return (
        got in (want, plain)
        or got.startswith(want + ".")
        or want.endswith("." + got)
        or plain.endswith("." + got)
    )


DCI_CODE = re.compile(r"(?:err|rjct)\.([a-z_]+)\.[a-z_]+")


def names_by_dci_code(answer: httpx.Response, path: Path_) -> bool:
    """A DCI refusal names the field by its code. The standard (spdci, `HttpErrorResponse`:
    `errors: [{code, message}]`, documented for 401, 403 and 500 only) refuses a message's envelope
    with 403 and a code of the form `err.<field>.<reason>` / `rjct.<field>.<reason>`
    (`err.sender_id.invalid`, `rjct.action.invalid`, `err.signature.invalid`,
    `rjct.message_id.duplicate`): the middle part is the name of the field refused. So for a DCI
    operation a 403 whose code names the probed key counts like a 422 naming the field."""
    if not answer.headers.get("content-type", "").startswith(
        ("application/problem+json", "application/json")
    ):
        return False
    last = next(str(p) for p in reversed(path) if not isinstance(p, int))
    codes = [str(e.get("code")) for e in answer.json().get("errors") or [] if isinstance(e, dict)]
    return any((m := DCI_CODE.fullmatch(code)) is not None and m.group(1) == last for code in codes)


def values_under(document: Any, key: str) -> list[Any]:
    found: list[Any] = []
    if isinstance(document, dict):
        for name, value in document.items():
            if name == key:
                found.extend(value if isinstance(value, list) else [value])
            found.extend(values_under(value, key))
    elif isinstance(document, list):
        for item in document:
            found.extend(values_under(item, key))
    return found


# --- the check ----------------------------------------------------------------------------------


def probe(http: httpx.Client, op: Operation, path: Path_, coded: bool, findings: Findings, text: str) -> None:
    label = f"{op.method} {op.template}"
    target = op.prepare(http)
    body = with_value(target.body, path, text)
    if op.seal is not None:
        body = op.seal(body, path)
    raw = json.dumps(body, ensure_ascii=bool(MUST_REFUSE.search(text)) or len(text) % 2 == 0)
    answer = http.request(
        op.method,
        target.url,
        content=raw.encode("utf-8", "surrogatepass"),
        headers={"content-type": "application/json"},
    )
    findings.calls += 1
    status = answer.status_code
    where = dotted(path)
    shown = f"{text!r} -> {status} {answer.text[:300]!r}"
    last = next(str(p) for p in reversed(path) if not isinstance(p, int))
    reference = last in REFERENCES or last in op.references
    refuse = bool(MUST_REFUSE.search(text))
    if status >= 500:
        findings.add(label, where, f"{status}", shown)
    elif status == 422:
        if not answer.headers.get("content-type", "").startswith("application/problem+json"):
            findings.add(label, where, "422 not problem+json", shown)
            return
        fields = [str(e.get("field")) for e in answer.json().get("errors") or []]
        if not any(names_field(f, path) for f in fields):
            findings.add(label, where, f"422 errors[].field does not name it (got {fields})", shown)
    elif 200 <= status < 300:
        if refuse:
            findings.add(label, where, "accepted a control character / lone surrogate", shown)
        if coded:
            return
        url = op.read(target, answer.json() if answer.content else None)
        if url is None:
            return
        stored = http.get(url)
        findings.calls += 1
        if stored.status_code != 200:
            findings.add(label, where, f"read back: GET {stored.status_code}", shown)
            return
        seen = values_under(json.loads(stored.text), last)
        if seen and text not in seen:
            findings.add(label, where, "not read back byte-exact", f"{shown}; GET shows {seen[:5]!r}")
    elif status in (404, 409) and reference and not refuse:
        return
    elif status == 403 and op.dci and not refuse:
        if not names_by_dci_code(answer, path):
            findings.add(label, where, "403 errors[].code does not name it", shown)
    else:
        findings.add(label, where, f"unexpected {status}", shown)


def exercise(http: httpx.Client, operations: list[Operation], document: dict[str, Any]) -> Findings:
    """Blocking (run it in a thread): every string field of every operation."""
    findings = Findings()
    components = document.get("components", {}).get("schemas", {})
    if True:
        for op in operations:
            label = f"{op.method} {op.template}"
            spec = document["paths"][op.template][op.method.lower()]
            schema = spec["requestBody"]["content"]["application/json"]["schema"]
            baseline = op.prepare(http)
            base_body = op.seal(baseline.body, ()) if op.seal is not None else baseline.body
            answer = http.request(op.method, baseline.url, json=base_body)
            findings.calls += 1
            if not 200 <= answer.status_code < 300:
                findings.add(
                    label, "(base body)", f"valid body refused: {answer.status_code}", answer.text[:400]
                )
                continue
            for path, coded in string_fields(schema, components, baseline.body):
                coded = coded or bool({str(p) for p in path} & op.coded)
                run_field(http, op, path, coded, findings)
    return findings


def run_field(http: httpx.Client, op: Operation, path: Path_, coded: bool, findings: Findings) -> None:
    @settings(
        max_examples=GENERATED_PER_FIELD,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(text=TEXTS)
    @example(text=EXPLICIT[0])
    @example(text=EXPLICIT[1])
    @example(text=EXPLICIT[2])
    @example(text=EXPLICIT[3])
    def run(text: str) -> None:
        probe(http, op, path, coded, findings, text)

    run()


# --- valid bodies, per service ------------------------------------------------------------------

_rng = random.Random(13)


def dni() -> str:
    return f"{_rng.randint(10_000_000, 99_999_999)}"


def unique(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex[:8].upper()


def created(http: httpx.Client, url: str, body: Body) -> Any:
    answer = http.post(url, json=body)
    assert answer.status_code in (200, 201), f"POST {url}: {answer.status_code} {answer.text[:400]}"
    return answer.json()


def tomorrow() -> str:
    return (datetime.now(LIMA).date() + timedelta(days=1)).isoformat()


def in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def registry_operations(http: httpx.Client) -> list[Operation]:
    unit = "ULE-150142"

    def member(number: str, **changes: Any) -> Body:
        data: Body = {
            "document": {"type": "DNI", "number": number},
            "given_names": "Rosa",
            "paternal_surname": "Quispe",
            "maternal_surname": "Mamani",
            "birth_date": "1950-03-14",
            "sex": "F",
            "relationship": "HEAD",
            "contact": {"phone": "+51987654321", "email": "rosa@example.com", "consent": {"sms": True}},
        }
        data.update(changes)
        return data

    def household() -> Body:
        return {
            "ubigeo": "150142",
            "address": "Sector 2, Grupo 5, Mz. K Lt. 3",
            "residence_since": "2012-07-01",
            "registering_unit": unit,
            "classification": {
                "level": "POBRE",
                "valid_from": "2025-01-01",
                "valid_until": "2028-12-31",
                "source": "SISFOH",
            },
            "members": [member(dni())],
        }

    head = dni()
    shared = created(http, "/v1/households", {**household(), "members": [member(head)]})["household"]
    hh = shared["household_id"]
    person = shared["members"][0]["person_id"]

    def read_household(target: Target, answer: Any) -> str:
        hid = answer["household"]["household_id"] if answer and "household" in answer else hh
        return f"/v1/households/{hid}"

    def fresh_household() -> str:
        return str(created(http, "/v1/households", household())["household"]["household_id"])

    return [
        Operation("POST", "/v1/households", lambda h: Target("/v1/households", household()), read_household),
        Operation(
            "PATCH",
            "/v1/households/{household_id}",
            lambda h: Target(
                f"/v1/households/{hh}",
                {
                    "ubigeo": "150142",
                    "address": "Mz. K Lt. 3",
                    "residence_since": "2012-07-01",
                    "registering_unit": unit,
                },
            ),
            read_household,
        ),
        Operation(
            "POST",
            "/v1/households/{household_id}/members",
            lambda h: Target(
                f"/v1/households/{hh}/members", member(dni(), relationship="CHILD", birth_date="2010-05-05")
            ),
            read_household,
        ),
        Operation(
            "PATCH",
            "/v1/households/{household_id}/members/{person_id}",
            lambda h: Target(
                f"/v1/households/{hh}/members/{person}",
                {k: v for k, v in member(head).items() if k not in ("sex", "relationship")},
            ),
            read_household,
        ),
        Operation(
            "POST",
            "/v1/households/{household_id}/deregister",
            lambda h: Target(
                f"/v1/households/{fresh_household()}/deregister", {"reason": "Se mudó fuera del distrito"}
            ),
            lambda target, answer: target.url.removesuffix("/deregister"),
        ),
        Operation(
            "POST",
            "/v1/households/{household_id}/classification",
            lambda h: Target(
                f"/v1/households/{hh}/classification",
                {
                    "level": "POBRE",
                    "valid_from": "2025-01-01",
                    "valid_until": "2028-12-31",
                    "source": "SISFOH",
                },
            ),
            read_household,
        ),
    ]


def eligibility_operations(http: httpx.Client) -> list[Operation]:
    programs = http.get("/v1/programs").json()
    code = programs[0]["code"]
    current = http.get(f"/v1/programs/{code}").json()["versions"][0]
    candidate = {**current, "version": f"{code}-2099.1"}
    return [
        Operation(
            "POST",
            "/v1/programs/{code}/simulate",
            lambda h: Target(
                f"/v1/programs/{code}/simulate",
                {"rule_set": copy.deepcopy(candidate), "as_of": "2026-03-11", "sample_size": 1},
            ),
        )
    ]


def employment_operations(http: httpx.Client) -> list[Operation]:
    def unique_ruc() -> str:
        body = f"20{_rng.randint(10_000_000, 99_999_999)}"
        return body + str(pe_ruc.calc_check_digit(body))

    def seeker(**changes: Any) -> Body:
        body: Body = {
            "document": {"type": "DNI", "number": dni()},
            "given_names": "Rosa",
            "paternal_surname": "Quispe",
            "maternal_surname": "Mamani",
            "birth_date": "1994-03-12",
            "ubigeo": "150132",
            "occupations": ["5120"],
            "skills": ["Cocina", "Higiene alimentaria"],
            "education": "secondary",
            "experience_years": 3,
            "contact": {"phone": "+51987654321", "email": "rosa@example.com", "consent": {"sms": True}},
            "consent_to_contact": True,
        }
        body.update(changes)
        return body

    def vacancy(ruc: str) -> Body:
        return {
            "employer_ruc": ruc,
            "title": "Cocinero(a)",
            "occupation_code": "5120",
            "skills": ["cocina"],
            "ubigeo": "150132",
            "positions": 1000,
            "formal": True,
            "salary_min": 1300,
            "salary_max": 1600,
            "education_required": "secondary",
            "experience_years_required": 0,
            "closes_on": in_days(30),
        }

    def fair() -> Body:
        return {
            "name": "Feria de empleo Ica",
            "held_on": in_days(20),
            "ubigeo": "110101",
            "venue": "Plaza de Armas",
        }

    def new_seeker() -> str:
        return str(created(http, "/v1/job-seekers", seeker())["seeker_id"])

    employer = created(http, "/v1/employers", {"ruc": unique_ruc(), "name": "Agro Ica SAC", "sector": "agro"})
    ruc = employer["ruc"]
    vacancy_id = created(http, "/v1/vacancies", vacancy(ruc))["vacancy_id"]
    fair_id = created(http, "/v1/job-fairs", fair())["fair_id"]
    mine = created(http, "/v1/job-seekers", seeker())

    def at(template: str, key: str) -> Callable[[Target, Any], str]:
        return lambda target, answer: template.format(answer[key])

    tags = frozenset({"skills"})  # employment keeps skills as matching tags ("Cocina" -> "cocina")
    return [
        Operation(
            "POST",
            "/v1/job-seekers",
            lambda h: Target("/v1/job-seekers", seeker()),
            at("/v1/job-seekers/{}", "seeker_id"),
            tags,
        ),
        Operation(
            "PUT",
            "/v1/job-seekers/{seeker_id}",
            lambda h: Target(f"/v1/job-seekers/{mine['seeker_id']}", seeker(document=mine["document"])),
            at("/v1/job-seekers/{}", "seeker_id"),
            tags,
        ),
        Operation(
            "POST",
            "/v1/employers",
            lambda h: Target(
                "/v1/employers", {"ruc": unique_ruc(), "name": "Agro Ica SAC", "sector": "agro"}
            ),
            at("/v1/employers/{}", "ruc"),
        ),
        Operation(
            "POST",
            "/v1/vacancies",
            lambda h: Target("/v1/vacancies", vacancy(ruc)),
            at("/v1/vacancies/{}", "vacancy_id"),
            tags,
        ),
        Operation(
            "POST",
            "/v1/job-fairs",
            lambda h: Target("/v1/job-fairs", fair()),
            at("/v1/job-fairs/{}", "fair_id"),
        ),
        Operation(
            "POST",
            "/v1/job-fairs/{fair_id}/attendees",
            lambda h: Target(f"/v1/job-fairs/{fair_id}/attendees", {"seeker_id": new_seeker()}),
            at("/v1/job-fairs/{}", "fair_id"),
        ),
        Operation(
            "POST",
            "/v1/applications",
            lambda h: Target("/v1/applications", {"seeker_id": new_seeker(), "vacancy_id": vacancy_id}),
            at("/v1/applications/{}", "application_id"),
        ),
        Operation(
            "POST",
            "/v1/placements",
            lambda h: Target(
                "/v1/placements",
                {
                    "seeker_id": new_seeker(),
                    "vacancy_id": vacancy_id,
                    "start_date": in_days(7),
                    "monthly_salary": 1500,
                    "formal": True,
                },
            ),
            at("/v1/placements/{}", "placement_id"),
        ),
    ]


def migrant_operations(http: httpx.Client) -> list[Operation]:
    week = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "08:00-17:00")
    services = {service.value: 1000 for service in migrants.CaseService}

    def point() -> Body:
        return {
            "code": "T" + uuid.uuid4().hex[:6].upper(),
            "name": "Migracentro de prueba",
            "ubigeo": "150130",
            "address": "San Borja, Lima",
            "opening_hours": week,
            "daily_capacity": services,
        }

    code = created(http, "/v1/attention-points", point())["code"]

    def migrant() -> Body:
        return {
            "attention_point": code,
            "documents": [{"type": "CPP", "number": unique("C"), "expires_on": in_days(300)}],
            "nationality": "VEN",
            "entry_date": "2019-06-14",
            "given_names": "María José",
            "paternal_surname": "Rondón",
            "maternal_surname": "Pérez",
            "birth_date": "1990-04-02",
            "sex": "F",
            "contact": {"phone": "+51987654321", "email": "maria@example.com", "consent": {"sms": True}},
            "occupations": ["5120"],
            "skills": ["cocina"],
        }

    def new_migrant() -> str:
        return str(created(http, "/v1/migrants", migrant())["migrant_id"])

    def new_case() -> str:
        body = {
            "migrant_id": new_migrant(),
            "attention_point": code,
            "requested_services": ["document_procedure", "employment_orientation"],
        }
        return str(created(http, "/v1/cases", body)["case_id"])

    def case_in_progress() -> str:
        case_id = new_case()
        created(http, f"/v1/cases/{case_id}/transitions", {"status": "in_progress"})
        return case_id

    def appointment(migrant_id: str) -> Body:
        return {
            "migrant_id": migrant_id,
            "attention_point": code,
            "service": "document_procedure",
            "day": tomorrow(),
        }

    def new_appointment() -> str:
        return str(created(http, "/v1/appointments", appointment(new_migrant()))["appointment_id"])

    mine = new_migrant()

    def at(template: str, key: str) -> Callable[[Target, Any], str]:
        return lambda target, answer: template.format(answer[key])

    return [
        Operation(
            "POST",
            "/v1/attention-points",
            lambda h: Target("/v1/attention-points", point()),
            at("/v1/attention-points/{}", "code"),
        ),
        Operation(
            "POST",
            "/v1/migrants",
            lambda h: Target("/v1/migrants", migrant()),
            at("/v1/migrants/{}", "migrant_id"),
        ),
        Operation(
            "PUT",
            "/v1/migrants/{migrant_id}/documents",
            lambda h: Target(
                f"/v1/migrants/{mine}/documents",
                {"type": "PASSPORT", "number": unique("P"), "expires_on": in_days(900)},
            ),
            at("/v1/migrants/{}", "migrant_id"),
        ),
        Operation(
            "POST",
            "/v1/cases",
            lambda h: Target(
                "/v1/cases",
                {
                    "migrant_id": new_migrant(),
                    "attention_point": code,
                    "requested_services": ["document_procedure"],
                },
            ),
            at("/v1/cases/{}", "case_id"),
        ),
        Operation(
            "POST",
            "/v1/cases/{case_id}/transitions",
            lambda h: Target(
                f"/v1/cases/{new_case()}/transitions", {"status": "in_progress", "note": "Revisión"}
            ),
            at("/v1/cases/{}", "case_id"),
        ),
        Operation(
            "POST",
            "/v1/cases/{case_id}/referrals",
            lambda h: Target(
                f"/v1/cases/{case_in_progress()}/referrals",
                {
                    "target": "employment",
                    "notes": "Busca empleo en cocina",
                    "employment": {
                        "occupations": ["5120"],
                        "skills": ["cocina"],
                        "education_level": "secondary",
                        "years_of_experience": 2,
                    },
                },
            ),
            at("/v1/referrals/{}", "referral_id"),
        ),
        Operation(
            "POST",
            "/v1/appointments",
            lambda h: Target("/v1/appointments", appointment(new_migrant())),
            at("/v1/appointments/{}", "appointment_id"),
        ),
        Operation(
            "POST",
            "/v1/appointments/{appointment_id}/cancel",
            lambda h: Target(f"/v1/appointments/{new_appointment()}/cancel", {"reason": "No puede asistir"}),
            at("/v1/appointments/{}", "appointment_id"),
        ),
    ]


def notification_operations(person_id: str) -> Callable[[httpx.Client], list[Operation]]:
    def operations(http: httpx.Client) -> list[Operation]:
        url = f"/v1/persons/{person_id}/preferences"
        return [
            Operation(
                "PUT",
                "/v1/persons/{person_id}/preferences",
                lambda h: Target(url, {"consent": {"sms": True}, "language": "es"}),
                lambda target, answer: url,
            )
        ]

    return operations


async def known_person(bootstrap: str, base_url: str, token: str) -> str:
    """A person notifications knows of: an appointment event, as migrant-services would send it."""
    ident = uuid.uuid4().hex[:12]
    payload = migrants.AppointmentScheduled(
        appointment_id=f"ap-{ident[:8]}",
        migrant_id=f"mig-{ident}",
        attention_point="MC-ATE",
        attention_point_name="Migracentro Puruchuco-Ate",
        address="Carretera Central km 4.5, Ate",
        service=migrants.CaseService.EMPLOYMENT_ORIENTATION,
        day=date(2025, 6, 10),
        starts_at=datetime(2025, 6, 10, 14, tzinfo=UTC),
        contact=registry.Contact(
            phone="+51987654321", email=f"{ident}@correo.pe", consent=registry.Consent(email=True)
        ),
        given_names="Yusmely",
    )
    envelope = Outbox("/chasqui/test", CATALOGUE).envelope(payload)
    spec = CATALOGUE.get(envelope.type)
    assert spec is not None
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            spec.topic.name,
            envelope.body(),
            key=(envelope.subject or "").encode(),
            headers=envelope.kafka_headers(),
        )
    finally:
        await producer.stop()
    url = f"/v1/persons/mig-{ident}/preferences"
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as http:
        while (await http.get(url)).status_code != 200:
            assert time.monotonic() < deadline, "notifications never learnt of the test person"
            await asyncio.sleep(0.1)
    return f"mig-{ident}"


def dci_gateway_operations(http: httpx.Client) -> list[Operation]:
    """The DCI gateway: its sender registry and the signed DCI envelopes. Each probe is signed
    again after the probed value is put in (a fresh message_id and message_ts too, unless they are
    the probed field), as the gateway's own tests sign their messages
    (`chasqui_dci_gateway.domain.signatures`); refusals of the envelope are 403 with the DCI code
    naming the field (`names_by_dci_code`)."""
    from chasqui_dci_gateway.domain.signatures import canonical_content, public_jwk, sign
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    gateway_id = "registry.chasqui.gob.pe"  # DciSettings.dci_gateway_id
    key = Ed25519PrivateKey.generate()
    raw_key = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    callbacks = ["http://127.0.0.1:9/dci/callback"]  # delivery is off in this test (QUIET_SETTINGS)

    def sender_body() -> Body:
        return {
            "name": "Programa JUNTOS",
            "jwks": {"keys": [public_jwk(raw_key, "k1")]},
            "callback_uris": list(callbacks),
            "entitled_fields": ["identifier", "name", "cse"],
            "max_page_size": 100,
            "requests_per_minute": 100_000,
        }

    sender_id = f"juntos-{uuid.uuid4().hex[:6]}.gob.pe"
    assert http.put(f"/v1/dci/senders/{sender_id}", json=sender_body()).status_code == 200

    def now() -> str:
        return datetime.now(UTC).isoformat()

    def envelope(action: str, message: Body, count: int = 1) -> Body:
        header = {
            "version": "1.0.0",
            "message_id": str(uuid.uuid4()),
            "message_ts": now(),
            "action": action,
            "sender_id": sender_id,
            "sender_uri": callbacks[0],
            "receiver_id": gateway_id,
            "total_count": count,
            "is_msg_encrypted": False,
        }
        return {"signature": "", "header": header, "message": message}

    def seal(body: Body, path: Path_) -> Body:
        sealed = copy.deepcopy(body)
        header = sealed["header"]
        if path[:2] != ("header", "message_id"):
            header["message_id"] = str(uuid.uuid4())
        if path[:2] != ("header", "message_ts"):
            header["message_ts"] = now()
        if path != ("signature",):
            content = canonical_content(header, sealed.get("message"))
            sealed["signature"] = sign(content, key, signer_id=sender_id, key_id="k1", now=int(time.time()))
        return sealed

    def search() -> Body:
        return {
            "transaction_id": unique("T"),
            "search_request": [
                {
                    "reference_id": "ref-0",
                    "timestamp": now(),
                    "locale": "spa",
                    "search_criteria": {
                        "version": "1.0.0",
                        "reg_event_type": "REGISTER",
                        "query_type": "idtype-value",
                        "query": {"type": "UIN", "value": dni()},
                    },
                }
            ],
        }

    answered = http.post("/registry/sync/search", json=seal(envelope("search", search()), ()))
    assert answered.status_code == 200, answered.text[:400]

    def txn_status() -> Body:
        return {
            "transaction_id": unique("T"),
            "txnstatus_request": {
                "reference_id": "ref-s",
                "txn_type": "search",
                "attribute_type": "reference_id_list",
                "attribute_value": ["ref-0"],
                "locale": "spa",
            },
        }

    def subscribe() -> Body:
        return {
            "transaction_id": unique("T"),
            "subscribe_request": [
                {
                    "reference_id": "sub-0",
                    "timestamp": now(),
                    "locale": "spa",
                    "subscribe_criteria": {
                        "version": "1.0.0",
                        "reg_type": "ns:chasqui:RegistryType:SocialRegistry",
                        "reg_event_type": "REGISTER",
                        "filter_type": "idtype-value",
                        "filter": {"type": "UIN", "value": dni()},
                        "notify_record_type": "Person",
                        "frequency": {
                            "start_time": now(),
                            "end_time": (datetime.now(UTC) + timedelta(days=365)).isoformat(),
                            "frequency": "0 0 * * *",
                        },
                    },
                }
            ],
        }

    def unsubscribe() -> Body:
        return {"transaction_id": unique("T"), "timestamp": now(), "subscription_codes": [unique("SUB-")]}

    def dci(template: str, action: str, message: Callable[[], Body], **extra: Any) -> Operation:
        return Operation(
            "POST",
            template,
            lambda h: Target(template, envelope(action, message())),
            seal=seal,
            dci=True,
            **extra,
        )

    def new_sender(h: httpx.Client) -> Target:
        return Target(f"/v1/dci/senders/conf-{uuid.uuid4().hex[:8]}.gob.pe", sender_body())

    return [
        Operation("PUT", "/v1/dci/senders/{sender_id}", new_sender, lambda target, answer: target.url),
        dci("/registry/sync/search", "search", search),
        dci("/registry/search", "search", search),
        dci("/registry/sync/txn/status", "txn-status", txn_status, references=frozenset({"attribute_value"})),
        dci("/registry/txn/status", "txn-status", txn_status, references=frozenset({"attribute_value"})),
        dci("/registry/subscribe", "subscribe", subscribe),
        dci("/registry/unsubscribe", "unsubscribe", unsubscribe),
    ]


def citizen_attention_operations(http: httpx.Client) -> list[Operation]:
    """Villa El Salvador's data file is loaded at start (a background task): wait for it."""
    ves = "150142"
    deadline = time.monotonic() + 60
    while http.get(f"/v1/municipalities/{ves}").status_code != 200:
        assert time.monotonic() < deadline, "municipal data not loaded in 60 s"
        time.sleep(0.3)

    def person() -> Body:
        return {
            "document": {"type": "DNI", "number": dni()},
            "given_names": "Rosa María",
            "paternal_surname": "Quispe",
            "maternal_surname": "Huamán",
            "birth_date": "1950-05-01",
        }

    def new_citizen() -> str:
        return str(created(http, "/v1/citizens", person())["citizen_id"])

    citizen = new_citizen()

    def ticket() -> str:
        return str(created(http, "/v1/tickets", {"municipality": ves, "office": "CIAM"})["ticket_id"])

    def called_ticket() -> str:
        ticket_id = ticket()
        created(http, f"/v1/tickets/{ticket_id}/call", {"staff": "ana.ciam"})
        return ticket_id

    def attention() -> Body:
        return {
            "municipality": ves, "office": "CIAM", "procedure": "inscripcion", "step": "recepcion",
            "citizen_id": citizen, "staff": "ana.ciam", "outcome": "resolved", "duration_seconds": 300,
            "notes": "Trae su DNI", "sector": "S1",
        }  # fmt: skip

    def referral() -> Body:
        return {
            "municipality": ves, "from_office": "CIAM", "to_office": "OMAPED", "citizen_id": citizen,
            "staff": "ana.ciam", "procedure": "inscripcion_municipal", "reason": "Usa silla de ruedas",
        }  # fmt: skip

    def new_referral() -> str:
        return str(created(http, "/v1/referrals", referral())["referral_id"])

    def accepted_referral() -> str:
        referral_id = new_referral()
        created(http, f"/v1/referrals/{referral_id}/accept", {"staff": "omaped"})
        return referral_id

    def request() -> Body:
        return {"municipality": ves, "citizen_id": citizen, "staff": "ule", "household_id": "H-CONF-1"}

    def evaluated_request() -> str:
        request_id = str(created(http, "/v1/classification-requests", request())["request_id"])
        created(http, f"/v1/classification-requests/{request_id}/home-visit", {})
        return request_id

    def at(template: str, key: str) -> Callable[[Target, Any], str]:
        return lambda target, answer: template.format(answer[key])

    def moved(path: str, make: Callable[[], str], body: Body) -> Operation:
        return Operation(
            "POST",
            path,
            lambda h: Target(path.replace(path[path.index("{") : path.index("}") + 1], make()), body),
        )

    return [
        Operation("POST", "/v1/citizens", lambda h: Target("/v1/citizens", person()), at("/v1/citizens/{}", "citizen_id")),
        Operation("POST", "/v1/tickets", lambda h: Target("/v1/tickets", {"municipality": ves, "office": "CIAM", "procedure": "inscripcion"})),
        moved("/v1/tickets/{ticket_id}/call", ticket, {"staff": "ana.ciam"}),
        moved("/v1/tickets/{ticket_id}/attend", called_ticket, {"staff": "ana.ciam"}),
        moved("/v1/tickets/{ticket_id}/close", called_ticket, {"staff": "ana.ciam"}),
        moved("/v1/tickets/{ticket_id}/no-show", ticket, {"staff": "ana.ciam"}),
        Operation("POST", "/v1/attentions", lambda h: Target("/v1/attentions", attention()), at("/v1/attentions/{}", "attention_id")),
        Operation("POST", "/v1/referrals", lambda h: Target("/v1/referrals", referral()), at("/v1/referrals/{}", "referral_id")),
        moved("/v1/referrals/{referral_id}/accept", new_referral, {"staff": "omaped"}),
        moved("/v1/referrals/{referral_id}/reject", new_referral, {"staff": "omaped", "reason": "Ya inscrito"}),
        moved("/v1/referrals/{referral_id}/complete", accepted_referral, {"staff": "omaped"}),
        Operation(
            "POST", "/v1/classification-requests", lambda h: Target("/v1/classification-requests", request()),
            at("/v1/classification-requests/{}", "request_id"),
        ),
        moved("/v1/classification-requests/{request_id}/home-visit", lambda: str(created(http, "/v1/classification-requests", request())["request_id"]), {}),
        moved(
            "/v1/classification-requests/{request_id}/result", evaluated_request,
            {"level": "POBRE", "valid_from": "2026-01-01", "valid_until": "2029-01-01", "household_id": "H-CONF-2"},
        ),
    ]  # fmt: skip


OPERATIONS: dict[str, Callable[[httpx.Client], list[Operation]]] = {
    "registry": registry_operations,
    "eligibility": eligibility_operations,
    "employment-matching": employment_operations,
    "migrant-services": migrant_operations,
    "dci-gateway": dci_gateway_operations,
    "citizen-attention": citizen_attention_operations,
}


@pytest.mark.parametrize("name", INSTALLED)
async def test_text_is_stored_exactly_or_refused_with_422(
    name: str, service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    async with started(
        name,
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
    ) as svc:
        async with httpx.AsyncClient(base_url=svc.base_url) as plain:
            document = (await plain.get("/openapi.json")).raise_for_status().json()
        token = svc.token(*service_scopes(svc.app))
        if name == "notifications":
            build = notification_operations(await known_person(kafka_bootstrap_servers, svc.base_url, token))
        else:
            assert name in OPERATIONS, f"{name}: add its write operations' valid bodies to OPERATIONS"
            build = OPERATIONS[name]

        def run() -> Findings:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=svc.base_url, headers=headers, timeout=30) as http:
                return check(http, build(http))

        def check(http: httpx.Client, operations: list[Operation]) -> Findings:
            written = {
                (method.upper(), path)
                for path, item in document["paths"].items()
                for method, spec in item.items()
                if method in ("post", "put", "patch")
                and "application/json" in spec.get("requestBody", {}).get("content", {})
            }
            covered = {(op.method, op.template) for op in operations}
            missing = written - covered - NO_TEXT.get(name, set())
            assert not missing, (
                f"{name}: write operations without a valid body in this test: {sorted(missing)}"
            )
            return exercise(http, operations, document)

        findings = await asyncio.to_thread(run)
    print(f"{name}: {findings.calls} calls")
    assert not findings.first, f"{name}: {findings.calls} calls\n{findings.report()}"


# Write operations whose JSON body holds no text field (nothing to probe).
NO_TEXT: dict[str, set[tuple[str, str]]] = {
    "migrant-services": {("PUT", "/v1/attention-points/{code}/capacity/{service}")},
}
