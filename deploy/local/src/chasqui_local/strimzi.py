"""Reads the Strimzi KafkaUser and KafkaTopic manifests of deploy/k8s, the one source of the
principals, ACLs and topics that the local secure broker (`chasqui-local start --secure`) applies.

Read at every start, never copied: a user or topic added to the manifests is on the local broker
at the next start. Only what Strimzi's `simple` authorization means is understood: resource types
topic, group, cluster and transactionalId; pattern types literal and prefix; the operations of
https://strimzi.io/docs/operators/latest/configuring.html#type-AclRule-reference; `type`
allow (default) or deny; `host` (default `*`). Anything else is a ManifestError naming the file,
the user and the field, not silently skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import StackError

# Kafka's wire codes (org.apache.kafka.common.resource.ResourceType, PatternType,
# org.apache.kafka.common.acl.AclOperation, AclPermissionType): what CreateAcls carries.
RESOURCE_TYPES = {"topic": 2, "group": 3, "cluster": 4, "transactionalId": 5}
PATTERN_TYPES = {"literal": 3, "prefix": 4}
OPERATIONS = {
    "All": 2,
    "Read": 3,
    "Write": 4,
    "Create": 5,
    "Delete": 6,
    "Alter": 7,
    "Describe": 8,
    "ClusterAction": 9,
    "DescribeConfigs": 10,
    "AlterConfigs": 11,
    "IdempotentWrite": 12,
}
PERMISSIONS = {"allow": 3, "deny": 2}

# Where the manifests live: the base (services, integrators, topics) and the operations folder
# (principals applied for a while only, such as the dead-letter replayer). Overlays hold patches.
MANIFEST_DIRS = ("deploy/k8s/base", "deploy/k8s/operations")


# libyaml's loader when PyYAML was built with it (most wheels): ten times faster, same result.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ManifestError(StackError):
    """A KafkaUser or KafkaTopic manifest says something the local broker cannot apply."""


@dataclass(frozen=True, order=True)
class AclBinding:
    """One ACL as Kafka stores it: (resource type, name, pattern type, principal, host, op, permission)."""

    resource_type: int
    resource_name: str
    pattern_type: int
    principal: str
    host: str
    operation: int
    permission: int


@dataclass(frozen=True)
class AclRule:
    """One entry of a KafkaUser's `spec.authorization.acls`."""

    resource_type: str
    name: str
    pattern: str
    operations: tuple[str, ...]
    host: str = "*"
    permission: str = "allow"

    def bindings(self, principal: str) -> list[AclBinding]:
        return [
            AclBinding(
                RESOURCE_TYPES[self.resource_type],
                self.name,
                PATTERN_TYPES[self.pattern],
                principal,
                self.host,
                OPERATIONS[operation],
                PERMISSIONS[self.permission],
            )
            for operation in self.operations
        ]


@dataclass(frozen=True)
class KafkaUserSpec:
    """A KafkaUser: its name (the principal `User:<name>`), its role label and its ACLs."""

    name: str
    role: str
    acls: tuple[AclRule, ...]
    source: Path
    service: str | None = None
    """The Chasqui service this principal belongs to (label chasqui.pe/service), if any."""

    @property
    def principal(self) -> str:
        return f"User:{self.name}"

    def bindings(self) -> list[AclBinding]:
        return [binding for rule in self.acls for binding in rule.bindings(self.principal)]


@dataclass(frozen=True)
class TopicSpec:
    """A KafkaTopic: name, partitions, replicas and topic configs as strings."""

    name: str
    partitions: int
    replicas: int
    config: dict[str, str] = field(default_factory=dict)


def manifest_files(repo_root: Path) -> list[Path]:
    """Every YAML file under the manifest folders, in a stable order."""
    files: list[Path] = []
    for folder in MANIFEST_DIRS:
        base = repo_root / folder
        if base.is_dir():
            files.extend(sorted(p for p in base.rglob("*.yaml") if p.is_file()))
    return files


def _documents(files: Iterable[Path], kind: str) -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in files:
        try:
            documents = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=_LOADER))
        except (OSError, yaml.YAMLError) as exc:
            raise ManifestError(f"{path}: cannot read it as YAML ({exc})") from exc
        for document in documents:
            if isinstance(document, dict) and document.get("kind") == kind:
                yield path, document


def _rule(path: Path, user: str, index: int, raw: Any) -> AclRule:
    where = f"{path}: KafkaUser {user}, spec.authorization.acls[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("resource"), dict):
        raise ManifestError(f"{where}: expected a mapping with a `resource`, got {raw!r}")
    resource = raw["resource"]
    kind = resource.get("type")
    if kind not in RESOURCE_TYPES:
        raise ManifestError(
            f"{where}.resource.type: {kind!r} is not supported; expected one of {', '.join(RESOURCE_TYPES)}"
        )
    name = "kafka-cluster" if kind == "cluster" else resource.get("name")
    if not isinstance(name, str) or not name:
        raise ManifestError(f"{where}.resource.name: expected a name (or `*`), got {name!r}")
    pattern = "literal" if kind == "cluster" or name == "*" else resource.get("patternType", "literal")
    if pattern not in PATTERN_TYPES:
        raise ManifestError(
            f"{where}.resource.patternType: {pattern!r} is not supported; expected literal or prefix"
        )
    # `operation` (one) is the older form Strimzi still accepts next to `operations` (a list).
    operations = raw.get("operations", [raw["operation"]] if "operation" in raw else None)
    if not isinstance(operations, list) or not operations:
        raise ManifestError(f"{where}.operations: expected a non-empty list, got {operations!r}")
    unknown = [op for op in operations if op not in OPERATIONS]
    if unknown:
        raise ManifestError(
            f"{where}.operations: {unknown!r} not supported; expected some of {', '.join(OPERATIONS)}"
        )
    permission = raw.get("type", "allow")
    if permission not in PERMISSIONS:
        raise ManifestError(f"{where}.type: {permission!r} is not supported; expected allow or deny")
    host = raw.get("host", "*")
    if not isinstance(host, str) or not host:
        raise ManifestError(f"{where}.host: expected a host or `*`, got {host!r}")
    return AclRule(kind, name, pattern, tuple(operations), host, permission)


def load_users(files: Iterable[Path]) -> list[KafkaUserSpec]:
    """The KafkaUsers of the files with `simple` authorization, by name; a name twice is an error."""
    users: dict[str, KafkaUserSpec] = {}
    for path, document in _documents(files, "KafkaUser"):
        metadata = document.get("metadata") or {}
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            raise ManifestError(f"{path}: a KafkaUser without metadata.name")
        if name in users:
            raise ManifestError(f"{path}: KafkaUser {name} is also defined in {users[name].source}")
        authorization = (document.get("spec") or {}).get("authorization") or {}
        if authorization and authorization.get("type") != "simple":
            raise ManifestError(
                f"{path}: KafkaUser {name}, spec.authorization.type: {authorization.get('type')!r} "
                "is not supported locally; expected simple"
            )
        acls = tuple(_rule(path, name, i, raw) for i, raw in enumerate(authorization.get("acls") or []))
        labels = metadata.get("labels") or {}
        role = str(labels.get("chasqui.pe/principal", ""))
        service = labels.get("chasqui.pe/service")
        users[name] = KafkaUserSpec(name, role, acls, path, str(service) if service else None)
    return sorted(users.values(), key=lambda user: user.name)


def load_topics(files: Iterable[Path]) -> list[TopicSpec]:
    """The KafkaTopics of the files (spec.topicName, else metadata.name)."""
    topics: dict[str, TopicSpec] = {}
    for path, document in _documents(files, "KafkaTopic"):
        spec = document.get("spec") or {}
        name = spec.get("topicName") or (document.get("metadata") or {}).get("name")
        if not isinstance(name, str) or not name:
            raise ManifestError(f"{path}: a KafkaTopic without spec.topicName or metadata.name")
        try:
            partitions, replicas = int(spec.get("partitions", 1)), int(spec.get("replicas", 1))
        except (TypeError, ValueError) as exc:
            raise ManifestError(
                f"{path}: KafkaTopic {name}: partitions and replicas must be integers"
            ) from exc
        config = {str(key): str(value) for key, value in (spec.get("config") or {}).items()}
        topics[name] = TopicSpec(name, partitions, replicas, config)
    return sorted(topics.values(), key=lambda topic: topic.name)
