"""`chasqui-local start --secure`: SASL/SCRAM and the KafkaUser ACLs of deploy/k8s on a real broker.

One private secure broker for the module, in a temporary state folder on free ports (only the
Kafka jars are shared with `.local/jars`), so the shared stack is never touched. Principals, ACLs
and topics are read from the manifests at run time: a user added there is checked here too.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from chasqui_common.kafka_security import KafkaSecurity
from chasqui_local import kafka, kafka_secure
from chasqui_local.config import LocalConfig, find_repo_root
from chasqui_local.kafka import KafkaProcess
from chasqui_local.strimzi import AclBinding, KafkaUserSpec
from chasqui_testing import collect_records, running_service, started_sink
from chasqui_testing.ports import free_block

pytestmark = [pytest.mark.timeout(240)]


@dataclass(frozen=True)
class SecureBroker:
    """The running node and the manifests as they were read when it was provisioned (another
    engineer may be editing them while the tests run)."""

    node: KafkaProcess
    manifests: kafka_secure.Manifests

    @property
    def config(self) -> LocalConfig:
        return self.node.config


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SecureBroker]:
    state = tmp_path_factory.mktemp("secure-local")
    root = find_repo_root()
    if root is not None:  # reuse the jar cache
        cached = root / ".local" / "jars"
        cached.mkdir(parents=True, exist_ok=True)
        (state / "jars").symlink_to(cached, target_is_directory=True)
    base = free_block(range(2))
    env = {**os.environ, "CHASQUI_LOCAL_DIR": str(state), "CHASQUI_KAFKA_SECURE": "1"}
    config = replace(LocalConfig.from_env(env), kafka_port=base, kafka_controller_port=base + 1)
    assert config.kafka_secure
    (node,) = kafka.nodes(config)
    try:
        await asyncio.to_thread(node.preflight)
        # A cluster id made here saves a JVM start (StorageTool random-uuid) on a busy machine.
        jars = await asyncio.to_thread(node.prepare, lambda _m: None, cluster=kafka._fallback_cluster_id())
        pid = node.launch(jars)
        await node.wait_ready(pid)
        manifests = await kafka_secure.provision(config, jars, node.log_path, lambda _m: None)
        yield SecureBroker(node, manifests)
    finally:
        await asyncio.to_thread(node.stop)


def _users(broker: SecureBroker, role: str) -> list[KafkaUserSpec]:
    users = [user for user in broker.manifests.users if user.role == role]
    assert users, f"no KafkaUser labelled chasqui.pe/principal={role} in the manifests"
    return users


def _topics(user: KafkaUserSpec, operation: str) -> list[str]:
    return [
        rule.name
        for rule in user.acls
        if rule.resource_type == "topic" and rule.pattern == "literal" and operation in rule.operations
    ]


def _group(user: KafkaUserSpec) -> str:
    """A consumer group the user may join: its prefixed (or literal) group ACL."""
    for rule in user.acls:
        if rule.resource_type == "group" and "Read" in rule.operations:
            return rule.name + uuid.uuid4().hex[:6] if rule.pattern == "prefix" else rule.name
    raise AssertionError(f"{user.name} has no group ACL")


async def _produce(bootstrap: str, security: KafkaSecurity, topic: str) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, request_timeout_ms=10_000, acks="all", **security.client_options()
    )
    await producer.start()
    try:
        await asyncio.wait_for(producer.send_and_wait(topic, b"secure-test"), 20)
    finally:
        await producer.stop()


async def _read(bootstrap: str, security: KafkaSecurity, topic: str, group: str) -> None:
    """Fetch `topic`[0] and commit its offset in `group`: raises the broker's authorization error
    (TopicAuthorizationFailed for the topic, GroupAuthorizationFailed for the group) if refused."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        request_timeout_ms=10_000,
        **security.client_options(),
    )
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await asyncio.wait_for(consumer.getmany(partition, timeout_ms=2000), 30)
        await asyncio.wait_for(consumer.commit({partition: 0}), 30)
    finally:
        await consumer.stop()


async def test_the_brokers_acls_are_exactly_those_of_the_kafkauser_manifests(
    secure_broker: SecureBroker,
) -> None:
    config = secure_broker.config
    wanted = {b for user in secure_broker.manifests.users for b in user.bindings()}
    admin = AIOKafkaAdminClient(
        bootstrap_servers=config.kafka_bootstrap_servers, **kafka_secure.ADMIN.client_options()
    )
    await admin.start()
    try:
        assert await kafka_secure.describe_acls(admin) == wanted
        # An ACL no manifest asks for (left by an older manifest) is removed at the next start.
        stray = AclBinding(2, "registry.households", 3, "User:integrator-gone", "*", 3, 3)
        await kafka_secure._create_acl(admin, stray)
        created, deleted = await kafka_secure.reconcile_acls(admin, secure_broker.manifests.users)
        assert (created, deleted) == (0, 1)
        assert await kafka_secure.describe_acls(admin) == wanted
    finally:
        await admin.close()


async def test_each_service_principal_writes_its_own_topics_through_the_shared_sink(
    secure_broker: SecureBroker,
) -> None:
    config = secure_broker.config
    for user in _users(secure_broker, "service"):
        security = kafka_secure.security_for(user.name)
        for topic in _topics(user, "Write"):
            # The services' own producer (chasqui_common ProducerSink: idempotent, acks=all).
            async with started_sink(config.kafka_bootstrap_servers, security=security) as sink:
                sent = await sink.send(topic, key=b"key", value=b"value", headers={})
                await asyncio.wait_for(sent, 20)


async def test_each_consuming_service_reads_its_topics_in_its_own_groups(secure_broker: SecureBroker) -> None:
    config = secure_broker.config
    for user in _users(secure_broker, "service"):
        readable = _topics(user, "Read")
        if readable:
            await _read(
                config.kafka_bootstrap_servers,
                kafka_secure.security_for(user.name),
                readable[0],
                _group(user),
            )


async def test_a_service_may_not_write_another_services_topic(secure_broker: SecureBroker) -> None:
    config = secure_broker.config
    registry = kafka_secure.security_for("chasqui-registry")
    with pytest.raises(TopicAuthorizationFailedError):
        await _produce(config.kafka_bootstrap_servers, registry, "eligibility.decisions")


async def test_a_service_may_not_join_another_services_group(secure_broker: SecureBroker) -> None:
    config = secure_broker.config
    eligibility = kafka_secure.security_for("chasqui-eligibility")
    with pytest.raises(GroupAuthorizationFailedError):
        await _read(config.kafka_bootstrap_servers, eligibility, "registry.households", "notifications-x")


async def test_an_integrator_reads_its_topic_and_is_refused_one_without_an_acl(
    secure_broker: SecureBroker,
) -> None:
    config = secure_broker.config
    juntos = next(user for user in _users(secure_broker, "integrator") if user.name == "integrator-juntos")
    security = kafka_secure.security_for(juntos.name)
    allowed = _topics(juntos, "Read")
    assert "registry.households" not in allowed
    await _read(config.kafka_bootstrap_servers, security, allowed[0], _group(juntos))
    with pytest.raises(TopicAuthorizationFailedError):
        await _read(config.kafka_bootstrap_servers, security, "registry.households", _group(juntos))
    # Nor may it write the topic it reads.
    with pytest.raises(TopicAuthorizationFailedError):
        await _produce(config.kafka_bootstrap_servers, security, allowed[0])


async def test_the_admin_principal_creates_writes_and_reads_any_topic(secure_broker: SecureBroker) -> None:
    config = secure_broker.config
    bootstrap = config.kafka_bootstrap_servers
    topic = f"secure.admin-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **kafka_secure.ADMIN.client_options())
    await admin.start()
    try:
        assert {t.name for t in secure_broker.manifests.topics} <= set(await admin.list_topics())
        from aiokafka.admin import NewTopic

        await admin.create_topics([NewTopic(topic, 1, 1)])
    finally:
        await admin.close()
    await _produce(bootstrap, kafka_secure.ADMIN, topic)
    records = await collect_records(bootstrap, topic, count=1, timeout=20, security=kafka_secure.ADMIN)
    assert [r.value for r in records] == [b"secure-test"]


@pytest.mark.parametrize(
    "security",
    [
        kafka_secure.security_for("chasqui-registry").as_user("chasqui-registry", "wrong-password"),
        kafka_secure.security_for("nobody"),
    ],
    ids=["wrong-password", "unknown-user"],
)
async def test_a_wrong_password_or_unknown_user_is_refused(
    secure_broker: SecureBroker, security: KafkaSecurity
) -> None:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=secure_broker.config.kafka_bootstrap_servers,
        request_timeout_ms=5000,
        **security.client_options(),
    )
    with pytest.raises(KafkaError):
        try:
            await asyncio.wait_for(admin.start(), 10)
        finally:
            await admin.close()


async def test_a_plaintext_client_gets_no_answer_from_the_secure_listener(
    secure_broker: SecureBroker,
) -> None:
    assert await kafka.cluster_id(secure_broker.node.bootstrap_server, 2000) is None
    assert await kafka.cluster_id(secure_broker.node.bootstrap_server, 5000, security=kafka_secure.ADMIN) == (
        secure_broker.node.formatted_cluster_id()
    )


def test_credentials_are_written_to_the_state_folder_for_every_principal(secure_broker: SecureBroker) -> None:
    import json

    config = secure_broker.config
    path = kafka_secure.credentials_path(config)
    assert path.stat().st_mode & 0o077 == 0
    written = json.loads(path.read_text())
    names = {user.name for user in secure_broker.manifests.users}
    assert set(written["users"]) == names
    assert written["admin"]["username"] == kafka_secure.ADMIN_USER
    assert Path(kafka_secure.admin_properties_path(config)).is_file()


async def test_a_service_runs_as_its_own_principal_with_the_topics_of_the_manifests(
    secure_broker: SecureBroker, service_db: Any, tmp_path: Path
) -> None:
    """The registry as production runs it (CREATE_TOPICS=false, its own KafkaUser): ready, and its
    outbox relay publishes on registry.households under the manifests' ACLs."""
    from chasqui_registry.main import DEFINITION

    bootstrap = secure_broker.config.kafka_bootstrap_servers
    own = kafka_secure.security_for("chasqui-registry")
    async with (
        running_service(
            DEFINITION,
            database_url=service_db.dsn,
            schema=service_db.schema,
            kafka_bootstrap_servers=bootstrap,
            auth_dir=tmp_path / "auth",
            create_topics=False,
            kafka_security_protocol=own.protocol,
            kafka_sasl_username=own.username,
            kafka_sasl_password=own.password,
        ) as service,
        service.client("registry:write", "registry:read") as client,
        service.management() as management,
    ):
        ready = await management.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["kafka"] == "ok"
        body = {
            "ubigeo": "150142",
            "address": "Sector 2, Grupo 5, Mz. K Lt. 3, Villa El Salvador",
            "residence_since": "2012-07-01",
            "registering_unit": "ULE-150142",
            "members": [
                {
                    "document": {"type": "DNI", "number": f"{uuid.uuid4().int % 100_000_000:08d}"},
                    "given_names": "Rosa",
                    "paternal_surname": "Quispe",
                    "birth_date": "1958-03-14",
                    "sex": "F",
                    "relationship": "HEAD",
                    "pension": "none",
                }
            ],
        }
        created = await client.post("/v1/households", json=body)
        assert created.status_code == 201, created.text
        household_id = created.json()["household"]["household_id"].encode()
        for _ in range(10):
            records = await collect_records(
                bootstrap,
                "registry.households",
                count=1,
                timeout=5,
                idle_after_count=1,
                security=kafka_secure.ADMIN,
            )
            if any(record.key == household_id for record in records):
                break
        assert any(record.key == household_id for record in records)


async def test_a_user_added_to_the_manifests_after_formatting_gets_its_scram_credential(
    secure_broker: SecureBroker,
) -> None:
    """Storage is formatted once; a KafkaUser added later (e.g. a new programme's integrator) is
    created at the next start through Kafka's ConfigCommand, as the admin."""
    config = secure_broker.config
    late = f"integrator-late-{uuid.uuid4().hex[:6]}"
    assert late not in kafka_secure.recorded_scram_users(config)
    jars = await asyncio.to_thread(kafka.fetch_jars, config, lambda _m: None)
    await asyncio.to_thread(kafka_secure.add_scram_users, config, jars, [late], secure_broker.node.log_path)
    assert late in kafka_secure.recorded_scram_users(config)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=config.kafka_bootstrap_servers,
        request_timeout_ms=10_000,
        **kafka_secure.security_for(late).client_options(),
    )
    try:
        await asyncio.wait_for(admin.start(), 30)
        # Authenticated, and authorised for nothing: no ACL names it.
        assert await admin.list_topics() == []
    finally:
        await admin.close()
