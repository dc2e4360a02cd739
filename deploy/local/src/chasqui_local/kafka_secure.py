"""The local broker with authentication and ACLs (`chasqui-local start --secure`, CHASQUI_KAFKA_SECURE=1).

What Strimzi does in Kubernetes, done here from the same manifests (chasqui_local.strimzi):

- Listener: SASL_PLAINTEXT with SCRAM-SHA-512 on 127.0.0.1 (Strimzi: TLS with client
  certificates; see docs/adr/0009-local-kafka-sasl-acls.md for why SCRAM locally).
- Authorizer: KRaft's StandardAuthorizer, no ACL means no access (Strimzi's `simple`).
- Principals: `User:<KafkaUser name>` for every KafkaUser of deploy/k8s, each with a
  deterministic development password (`<name>-dev-kafka`), plus the super user `chasqui-admin`
  for tooling (Strimzi's equivalent is the cluster operator's own certificate). SCRAM credentials
  are written into the metadata log when the storage is formatted (`kafka-storage format
  --add-scram`); users added to the manifests later are created with Kafka's ConfigCommand.
- ACLs: each KafkaUser's `spec.authorization.acls`, reconciled at every start (missing ones
  created, ones no manifest asks for any more deleted), as the User Operator does.
- Topics: each KafkaTopic of the manifests, created by the admin (the Topic Operator's job);
  services then start with CREATE_TOPICS=false, as in Kubernetes.

The credentials are written to <state>/kafka-credentials.json (mode 0600) and
<state>/kafka/admin-client.properties (for Kafka's own command-line tools).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.protocol.admin import CreateAclsRequest, DeleteAclsRequest, DescribeAclsRequest
from chasqui_common.kafka_security import KafkaSecurity, SaslMechanism, SecurityProtocol

from .config import HOST, LocalConfig, find_repo_root
from .errors import ProcessCrashedError, ReadinessTimeoutError, StackError
from .processes import tail
from .strimzi import AclBinding, KafkaUserSpec, TopicSpec, load_topics, load_users, manifest_files

ADMIN_USER = "chasqui-admin"
MECHANISM: SaslMechanism = "SCRAM-SHA-512"
PROTOCOL: SecurityProtocol = "SASL_PLAINTEXT"
# Kafka wire codes for "any" in ACL filters (ResourceType.ANY, PatternType.ANY, AclOperation.ANY,
# AclPermissionType.ANY).
_ANY = 1
ACL_WAIT_S = 30.0

Progress = Callable[[str], None]


def dev_password(principal: str) -> str:
    """The development password of a local Kafka principal: deterministic, local use only."""
    return f"{principal}-dev-kafka"


def security_for(principal: str) -> KafkaSecurity:
    """Client security for one principal of the local secure broker."""
    return KafkaSecurity(PROTOCOL, MECHANISM, principal, dev_password(principal))


ADMIN = security_for(ADMIN_USER)
"""The super user: chasqui-local itself, the CLI and the test helpers when pointed at the secure broker."""


def repo_root(config: LocalConfig) -> Path:
    """The repository whose deploy/k8s manifests the secure broker applies."""
    root = find_repo_root() or find_repo_root(config.pom_path.parent)
    if root is None:
        raise StackError(
            "cannot find the repository (and its deploy/k8s manifests) for the secure Kafka broker; "
            "run chasqui-local from inside the repository"
        )
    return root


@dataclass(frozen=True)
class Manifests:
    users: list[KafkaUserSpec]
    topics: list[TopicSpec]


def read_manifests(config: LocalConfig) -> Manifests:
    files = manifest_files(repo_root(config))
    return Manifests(load_users(files), load_topics(files))


def broker_properties(config: LocalConfig, port: int, controller_port: int) -> dict[str, str]:
    """server.properties entries that turn a node of the local stack into a secure one."""
    jaas = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{ADMIN_USER}" password="{dev_password(ADMIN_USER)}";'
    )
    return {
        "listeners": f"{PROTOCOL}://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"{PROTOCOL}://{HOST}:{port}",
        "inter.broker.listener.name": PROTOCOL,
        # The controller listener stays PLAINTEXT on 127.0.0.1: KRaft cannot check SCRAM there (the
        # credentials live in the metadata log the controller serves), so its peers are ANONYMOUS.
        "listener.security.protocol.map": f"{PROTOCOL}:{PROTOCOL},CONTROLLER:PLAINTEXT",
        "sasl.enabled.mechanisms": MECHANISM,
        "sasl.mechanism.inter.broker.protocol": MECHANISM,
        f"listener.name.{PROTOCOL.lower()}.{MECHANISM.lower()}.sasl.jaas.config": jaas,
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found": "false",
        "super.users": f"User:{ADMIN_USER};User:ANONYMOUS",
    }


def format_flags(users: Sequence[str]) -> list[str]:
    """`kafka-storage format` flags that write each principal's SCRAM credential into the log."""
    flags: list[str] = []
    for name in [ADMIN_USER, *users]:
        flags += ["--add-scram", f"{MECHANISM}=[name={name},password={dev_password(name)}]"]
    return flags


def credentials_path(config: LocalConfig) -> Path:
    return config.state_dir / "kafka-credentials.json"


def admin_properties_path(config: LocalConfig) -> Path:
    return config.kafka_nodes[0].root / "admin-client.properties"


def write_credentials(config: LocalConfig, users: Sequence[KafkaUserSpec]) -> Path:
    """Write every principal's development password (0600) and the admin's client properties."""
    path = credentials_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "bootstrap_servers": config.kafka_bootstrap_servers,
        "security_protocol": PROTOCOL,
        "sasl_mechanism": MECHANISM,
        "admin": {"username": ADMIN_USER, "password": dev_password(ADMIN_USER)},
        "users": {
            user.name: {"password": dev_password(user.name), "role": user.role, "service": user.service}
            for user in users
        },
    }
    path.write_text(json.dumps(body, indent=2) + "\n")
    os.chmod(path, 0o600)
    properties = admin_properties_path(config)
    properties.parent.mkdir(parents=True, exist_ok=True)
    properties.write_text(
        f"security.protocol={PROTOCOL}\nsasl.mechanism={MECHANISM}\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{ADMIN_USER}" password="{dev_password(ADMIN_USER)}";\n'
    )
    os.chmod(properties, 0o600)
    return path


def service_credentials(config: LocalConfig) -> dict[str, KafkaSecurity]:
    """Per service (label chasqui.pe/service of its KafkaUser), its own principal's security."""
    return {
        user.service: security_for(user.name)
        for user in read_manifests(config).users
        if user.service is not None
    }


def _scram_users_file(config: LocalConfig) -> Path:
    # Which principals have a SCRAM credential in the metadata log (aiokafka cannot ask the broker).
    return config.kafka_nodes[0].root / "scram-users"


def record_scram_users(config: LocalConfig, names: Sequence[str]) -> None:
    path = _scram_users_file(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{name}\n" for name in sorted({ADMIN_USER, *names})))


def recorded_scram_users(config: LocalConfig) -> set[str]:
    try:
        return set(_scram_users_file(config).read_text().split())
    except OSError:
        return set()


def add_scram_users(config: LocalConfig, jars: Path, names: Sequence[str], log: Path) -> None:
    """Create SCRAM credentials on the running broker with Kafka's ConfigCommand (one JVM each)."""
    done = recorded_scram_users(config)
    for name in names:
        command = [
            config.java or "java",
            "-cp",
            f"{jars}/*",
            "kafka.admin.ConfigCommand",
            "--bootstrap-server",
            config.kafka_bootstrap_servers,
            "--command-config",
            str(admin_properties_path(config)),
            "--alter",
            "--add-config",
            f"{MECHANISM}=[password={dev_password(name)}]",
            "--entity-type",
            "users",
            "--entity-name",
            name,
        ]
        with log.open("ab") as out:
            code = subprocess.run(
                command, stdout=out, stderr=subprocess.STDOUT, check=False, timeout=120
            ).returncode
        if code != 0:
            raise ProcessCrashedError(
                f"could not create the SCRAM user {name} (ConfigCommand exit {code}); see {log}:\n{tail(log)}"
            )
        done.add(name)
        record_scram_users(config, sorted(done))


@contextlib.asynccontextmanager
async def _admin(config: LocalConfig) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=config.kafka_bootstrap_servers,
        client_id="chasqui-local-admin",
        request_timeout_ms=15_000,
        **ADMIN.client_options(),
    )
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


async def describe_acls(admin: AIOKafkaAdminClient) -> set[AclBinding]:
    """Every ACL the broker holds."""
    # aiokafka has the CreateAcls/DescribeAcls/DeleteAcls requests but no public method for them.
    response = await admin._send_request(DescribeAclsRequest(_ANY, None, _ANY, None, None, _ANY, _ANY))
    if response.error_code:
        raise StackError(f"DescribeAcls failed: error {response.error_code} {response.error_message}")
    found: set[AclBinding] = set()
    for resource_type, name, pattern, acls in response.resources:
        for principal, host, operation, permission in acls:
            found.add(AclBinding(resource_type, name, pattern, principal, host, operation, permission))
    return found


async def _create_acl(admin: AIOKafkaAdminClient, acl: AclBinding) -> None:
    response = await admin._send_request(
        CreateAclsRequest(
            acl.resource_type,
            acl.resource_name,
            acl.pattern_type,
            acl.principal,
            acl.host,
            acl.operation,
            acl.permission,
        )
    )
    for error_code, error_message in response.creation_responses:
        if error_code:
            raise StackError(f"CreateAcls {acl} failed: error {error_code} {error_message}")


async def _delete_acl(admin: AIOKafkaAdminClient, acl: AclBinding) -> None:
    await admin._send_request(
        DeleteAclsRequest(
            acl.resource_type,
            acl.resource_name,
            acl.pattern_type,
            acl.principal,
            acl.host,
            acl.operation,
            acl.permission,
        )
    )


async def reconcile_acls(admin: AIOKafkaAdminClient, users: Sequence[KafkaUserSpec]) -> tuple[int, int]:
    """Make the broker's ACLs exactly the manifests' (the admin needs none: it is a super user).

    Returns (created, deleted); waits until the broker answers with the wanted set.
    """
    wanted = {binding for user in users for binding in user.bindings()}
    existing = await describe_acls(admin)
    missing, extra = wanted - existing, existing - wanted
    await asyncio.gather(*(_create_acl(admin, acl) for acl in sorted(missing)))
    await asyncio.gather(*(_delete_acl(admin, acl) for acl in sorted(extra)))
    # The metadata log carries them to the authorizer asynchronously: wait until it has them.
    deadline = time.monotonic() + ACL_WAIT_S
    while (now := await describe_acls(admin)) != wanted:
        if time.monotonic() > deadline:
            raise ReadinessTimeoutError(
                f"the broker's ACLs do not match the manifests after {ACL_WAIT_S:.0f} s: "
                f"missing {sorted(wanted - now)[:5]}, extra {sorted(now - wanted)[:5]}"
            )
        await asyncio.sleep(0.2)
    return len(missing), len(extra)


async def create_topics(admin: AIOKafkaAdminClient, topics: Sequence[TopicSpec], brokers: int) -> list[str]:
    """Create the manifests' topics that do not exist, with at most as many replicas as brokers."""
    existing = set(await admin.list_topics())
    created: list[str] = []
    for topic in topics:
        if topic.name in existing:
            continue
        config = dict(topic.config)
        replicas = min(topic.replicas, brokers)
        if "min.insync.replicas" in config:
            config["min.insync.replicas"] = str(min(int(config["min.insync.replicas"]), max(1, replicas - 1)))
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(
                [NewTopic(topic.name, topic.partitions, replicas, topic_configs=config)]
            )
            created.append(topic.name)
    return created


async def provision(config: LocalConfig, jars: Path, log: Path, progress: Progress) -> Manifests:
    """After the secure broker answers: SCRAM users, topics and ACLs from the manifests."""
    manifests = read_manifests(config)
    write_credentials(config, manifests.users)
    missing = [user.name for user in manifests.users if user.name not in recorded_scram_users(config)]
    if missing:
        progress(f"kafka: creating SCRAM users added since the storage was formatted: {', '.join(missing)}")
        await asyncio.to_thread(add_scram_users, config, jars, missing, log)
    async with _admin(config) as admin:
        created_topics = await create_topics(admin, manifests.topics, config.kafka_brokers)
        created, deleted = await reconcile_acls(admin, manifests.users)
    progress(
        f"kafka: secure (SASL/SCRAM, ACLs): {len(manifests.users)} principals, "
        f"{len(created_topics)} topics created, ACLs {created} created and {deleted} deleted"
    )
    return manifests
