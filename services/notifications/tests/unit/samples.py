"""Sample template contexts for every template, as the event handlers build them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

SAMPLES: dict[str, dict[str, Any]] = {
    "migrants.appointment_scheduled": {
        "attention_point_name": "Migracentro Puruchuco-Ate",
        "address": "Carretera Central km 4.5, Ate",
        "service": "orientación laboral",
        "day": date(2025, 6, 3),
        "starts_at": datetime(2025, 6, 3, 14, 0, tzinfo=UTC),
        "appointment_id": "ap-1",
    },
    "migrants.appointment_cancelled": {
        "attention_point_name": "Migracentro Ica",
        "service": "trámite de documentos",
        "day": date(2025, 6, 3),
        "reason": "cierre del local por feriado",
        "appointment_id": "ap-1",
    },
    "migrants.document_expiring": {
        "document": "Carné de Permiso Temporal de Permanencia (CPP)",
        "document_short": "CPP",
        "expires_on": date(2025, 7, 1),
        "days_left": 28,
    },
    "eligibility.decision_gained": {
        "program": "Pensión 65",
        "program_code": "PENSION_65",
        "amount": "S/ 350.00",
        "previous_amount": None,
        "period_months": 2,
        "benefit_kind": "cash",
        "as_of": date(2025, 6, 1),
    },
    "eligibility.decision_lost": {
        "program": "JUNTOS",
        "program_code": "JUNTOS",
        "amount": None,
        "previous_amount": "S/ 200.00",
        "period_months": 2,
        "benefit_kind": "cash",
        "as_of": date(2025, 6, 1),
    },
    "eligibility.benefit_changed": {
        "program": "JUNTOS",
        "program_code": "JUNTOS",
        "amount": "S/ 300.00",
        "previous_amount": "S/ 200.00",
        "period_months": 2,
        "benefit_kind": "cash",
        "as_of": date(2025, 6, 1),
    },
    "registry.ule_reclassification": {
        "program": "Reclasificación socioeconómica (ULE)",
        "program_code": "ULE_RECLASSIFICATION",
        "amount": None,
        "previous_amount": None,
        "period_months": None,
        "benefit_kind": "service",
        "as_of": date(2025, 6, 1),
    },
    "employment.match_proposed": {
        "title": "Operario de almacén",
        "formal": True,
        "score": 87,
        "vacancy_id": "v-1",
        "ubigeo": "150103",
    },
    "employment.placement_confirmed": {
        "formal": True,
        "start_date": date(2025, 6, 16),
        "monthly_salary": "S/ 1,200.00",
        "vacancy_id": "v-1",
    },
    "attention.referral_accepted": {
        "office": "la OMAPED (Oficina Municipal de Atención a la Persona con Discapacidad)",
        "office_cap": "La OMAPED (Oficina Municipal de Atención a la Persona con Discapacidad)",
        "office_short": "la OMAPED",
        "office_short_cap": "La OMAPED",
        "referral_id": "r-1",
    },
    "attention.home_visit_scheduled": {"due_on": date(2026, 3, 19), "request_id": "s-1"},
    "attention.home_visit_recorded": {
        "visited_on": date(2026, 3, 16),
        "result_due_on": date(2026, 4, 22),
        "request_id": "s-1",
    },
    "attention.classification_result_ready": {"request_id": "s-1"},
    "attention.referral_deadline_missed": {
        "office_short": "la OMAPED",
        "from_office": "el CIAM",
        "due_on": date(2026, 3, 16),
        "status": "pendiente",
        "referral_id": "0b7f6f0e-8a0c-4f37-9d62-3f1e2f7a5c11",
    },
}


def sample(key: str, given_names: str = "María José") -> dict[str, Any]:
    return {"given_names": given_names, "greeting": f"Hola {given_names}", **SAMPLES[key]}
