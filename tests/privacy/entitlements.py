"""The integrators' entitlements (deploy/k8s/base/kafka/integrator-entitlements.yaml), typed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ENTITLEMENTS = (
    Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base" / "kafka" / "integrator-entitlements.yaml"
)


@dataclass(frozen=True)
class TopicEntitlement:
    """What one integrator topic carries: one program's decisions, with these payload fields."""

    name: str
    program: str
    event_types: frozenset[str]
    fields: frozenset[str]


@dataclass(frozen=True)
class Integrator:
    """One integrator principal (its KafkaUser's name): its consumer-group prefix and topics."""

    name: str
    group_prefix: str
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Entitlements:
    contact_fields: frozenset[str]
    topics: dict[str, TopicEntitlement]
    integrators: dict[str, Integrator]


def load_entitlements(path: Path = ENTITLEMENTS) -> Entitlements:
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    topics = {
        name: TopicEntitlement(name, t["program"], frozenset(t["event_types"]), frozenset(t["fields"]))
        for name, t in raw["topics"].items()
    }
    integrators = {
        name: Integrator(name, i["group_prefix"], tuple(i["topics"]))
        for name, i in raw["integrators"].items()
    }
    unknown = {t for i in integrators.values() for t in i.topics} - set(topics)
    if unknown:
        raise ValueError(f"{path}: integrators name topics without a field list: {sorted(unknown)}")
    return Entitlements(frozenset(raw["contact_fields"]), topics, integrators)
