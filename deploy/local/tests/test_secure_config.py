"""The secure broker's configuration, read from the Strimzi manifests: no broker needed (milliseconds)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from chasqui_common.kafka_security import KafkaSecurity
from chasqui_local import kafka, kafka_secure, platform, services, stack
from chasqui_local.config import LocalConfig, find_repo_root
from chasqui_local.strimzi import ManifestError, load_users, manifest_files


def _root() -> Path:
    root = find_repo_root(Path(__file__).resolve().parent)
    assert root is not None
    return root


def _config(tmp_path: Path, *, secure: bool) -> LocalConfig:
    return replace(LocalConfig.from_env({"CHASQUI_LOCAL_DIR": str(tmp_path)}), kafka_secure=secure)


def _properties(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_chasqui_kafka_secure_turns_the_secure_broker_on_and_it_is_off_by_default() -> None:
    assert LocalConfig.from_env({"CHASQUI_LOCAL_DIR": "/tmp/x"}).kafka_secure is False
    assert LocalConfig.from_env({"CHASQUI_LOCAL_DIR": "/tmp/x", "CHASQUI_KAFKA_SECURE": "1"}).kafka_secure
    with pytest.raises(ValueError, match="CHASQUI_KAFKA_SECURE='maybe' is not a flag"):
        LocalConfig.from_env({"CHASQUI_LOCAL_DIR": "/tmp/x", "CHASQUI_KAFKA_SECURE": "maybe"})


def test_the_default_broker_keeps_its_plaintext_listener_and_no_authorizer(tmp_path: Path) -> None:
    config = _config(tmp_path, secure=False)
    props = _properties(kafka.server_properties(config, tmp_path / "data"))
    assert props["listeners"].startswith("PLAINTEXT://")
    assert props["listener.security.protocol.map"] == "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    assert not any(key.startswith(("sasl", "authorizer", "super.users")) for key in props)
    names = [line.split("=", 1)[0] for line in stack.env_lines(config)]
    assert names == ["KAFKA_BOOTSTRAP_SERVERS", "DATABASE_ADMIN_URL"]  # nothing about security


def test_the_secure_broker_listens_with_scram_and_denies_what_no_acl_allows(tmp_path: Path) -> None:
    config = _config(tmp_path, secure=True)
    props = _properties(kafka.server_properties(config, tmp_path / "data"))
    assert props["listeners"] == (
        f"SASL_PLAINTEXT://127.0.0.1:{config.kafka_port},CONTROLLER://127.0.0.1:{config.kafka_controller_port}"
    )
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["super.users"] == "User:chasqui-admin;User:ANONYMOUS"


def test_every_service_of_the_local_runner_has_its_own_kafkauser(tmp_path: Path) -> None:
    credentials = kafka_secure.service_credentials(_config(tmp_path, secure=True))
    assert set(services.SERVICE_NAMES) <= set(credentials)
    assert credentials["registry"].username == "chasqui-registry"
    assert credentials["registry"].protocol == "SASL_PLAINTEXT"


def test_each_service_process_gets_its_own_principal_not_the_admins(tmp_path: Path) -> None:
    config = _config(tmp_path, secure=True)
    info = stack.StackInfo(
        config.kafka_bootstrap_servers,
        "postgresql://admin@127.0.0.1/chasqui",
        service_dsns={"registry": "postgresql://registry_app@127.0.0.1/chasqui"},
    )
    env = {**platform.platform_env(config, info), **kafka_secure.ADMIN.env()}
    registry = services.process_env(services.spec_named(config, "registry"), env)
    assert registry["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
    assert registry["KAFKA_SASL_USERNAME"] == "chasqui-registry"
    assert registry["KAFKA_SASL_PASSWORD"] == kafka_secure.dev_password("chasqui-registry")
    assert registry["CREATE_TOPICS"] == "false"  # the topics come from the KafkaTopic manifests
    assert KafkaSecurity.from_env(registry).principal == "User:chasqui-registry"


def test_a_service_without_a_kafkauser_is_not_started_on_the_secure_broker(tmp_path: Path) -> None:
    config = _config(tmp_path, secure=True)
    info = stack.StackInfo(config.kafka_bootstrap_servers, "postgresql://admin@127.0.0.1/chasqui")
    env = {**platform.platform_env(config, info), **kafka_secure.ADMIN.env(), "NEWCOMER_DATABASE_URL": "x"}
    with pytest.raises(
        services.ServiceStartError, match="newcomer: the secure Kafka broker has no principal"
    ):
        services.process_env(services.ServiceSpec("newcomer", 8099), env)


def test_env_exports_the_admin_and_replayer_credentials_of_a_secure_broker(tmp_path: Path) -> None:
    lines = stack.env_lines(_config(tmp_path, secure=True))
    values = dict(line.split("=", 1) for line in lines)
    assert values["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
    assert values["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert values["KAFKA_SASL_USERNAME"] == "chasqui-admin"
    assert values["KAFKA_SASL_PASSWORD"] == kafka_secure.dev_password("chasqui-admin")
    assert values["CHASQUI_REPLAYER_SASL_USERNAME"] == "chasqui-dlq-replayer"


def test_every_kafkauser_is_formatted_as_a_scram_user() -> None:
    flags = kafka_secure.format_flags(["chasqui-registry", "integrator-juntos"])
    assert flags == [
        "--add-scram",
        "SCRAM-SHA-512=[name=chasqui-admin,password=chasqui-admin-dev-kafka]",
        "--add-scram",
        "SCRAM-SHA-512=[name=chasqui-registry,password=chasqui-registry-dev-kafka]",
        "--add-scram",
        "SCRAM-SHA-512=[name=integrator-juntos,password=integrator-juntos-dev-kafka]",
    ]


def test_the_manifests_acls_become_kafka_bindings_literal_and_prefixed() -> None:
    users = {user.name: user for user in load_users(manifest_files(_root()))}
    eligibility = set(users["chasqui-eligibility"].bindings())
    # topic (2) registry.households, literal (3), Read (3) / Describe (8), allow (3)
    assert (2, "registry.households", 3, "User:chasqui-eligibility", "*", 3, 3) in {
        tuple(vars(b).values()) for b in eligibility
    }
    # group (3) "eligibility", prefixed (4), Read
    assert any(
        b.resource_type == 3 and b.pattern_type == 4 and b.resource_name == "eligibility" for b in eligibility
    )
    assert not any(b.operation == 4 and b.resource_name == "registry.households" for b in eligibility)


def test_a_manifest_the_broker_cannot_apply_is_refused_naming_file_user_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "users.yaml"
    bad.write_text(
        """
apiVersion: kafka.strimzi.io/v1
kind: KafkaUser
metadata: {name: integrator-x}
spec:
  authorization:
    type: simple
    acls:
      - resource: {type: topic, name: a.b, patternType: wildcard}
        operations: [Read]
"""
    )
    with pytest.raises(
        ManifestError,
        match=r"users.yaml: KafkaUser integrator-x, spec.authorization.acls\[0\]"
        r".resource.patternType: 'wildcard' is not supported",
    ):
        load_users([bad])
    bad.write_text(
        bad.read_text().replace("patternType: wildcard}", "patternType: literal}").replace("[Read]", "[Peek]")
    )
    with pytest.raises(ManifestError, match=r"operations: \['Peek'\] not supported"):
        load_users([bad])


def test_a_principal_defined_twice_is_refused(tmp_path: Path) -> None:
    doc = "apiVersion: kafka.strimzi.io/v1\nkind: KafkaUser\nmetadata: {name: twice}\nspec: {}\n"
    (tmp_path / "a.yaml").write_text(doc)
    (tmp_path / "b.yaml").write_text(doc)
    with pytest.raises(ManifestError, match="KafkaUser twice is also defined in"):
        load_users([tmp_path / "a.yaml", tmp_path / "b.yaml"])


def test_a_cluster_id_made_without_the_jvm_never_looks_like_an_option() -> None:
    ids = [kafka._fallback_cluster_id() for _ in range(2000)]
    assert not any(cluster_id.startswith("-") for cluster_id in ids)
    assert {len(cluster_id) for cluster_id in ids} == {22}
