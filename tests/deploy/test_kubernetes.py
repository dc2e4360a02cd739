"""deploy/k8s: every overlay builds with kustomize, every object validates, and the manifests say
what the code says (topics, ACLs, probes, ports, drain time)."""

from __future__ import annotations

import importlib
from collections import Counter
from typing import Any

import kubernetes_validate
import pytest
from chasqui_cli.kafka import AUDIT_TOPIC
from chasqui_common.application.arco import ARCO_SERVICES
from chasqui_common.settings import MANAGEMENT_PORT_OFFSET, ServiceSettings
from chasqui_common.topics import ARCO_ANSWERS, ARCO_REQUESTS, AUDIT, PROGRAM_DECISIONS, TOPICS
from chasqui_dci_gateway.domain.senders import NOTIFY_TOPIC_PREFIX as DCI_NOTIFY_PREFIX

from tests.privacy.entitlements import load_entitlements

from ._support import CONSUMES, OVERLAYS, SERVICES, role, validate_custom_resources

CUSTOM_GROUPS = {"kafka.strimzi.io", "postgresql.cnpg.io"}
# The oldest Kubernetes we support (preStop `sleep` needs 1.30+) and the newest schema we have.
KUBERNETES_VERSIONS = ("1.31.0", "1.37.0")
PER_SERVICE_KINDS = {
    "Deployment",
    "Service",
    "ServiceAccount",
    "ConfigMap",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "Job",
}


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def named(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_objects_validate_against_the_kubernetes_schemas(rendered, overlay) -> None:
    core = [o for o in rendered[overlay] if o["apiVersion"].split("/")[0] not in CUSTOM_GROUPS]
    assert len(core) > 40
    failures = []
    for version in KUBERNETES_VERSIONS:
        for obj in core:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                failures.append(f"{version} {obj['kind']}/{obj['metadata']['name']}: {exc.message}")
    assert not failures, "\n".join(failures)


def test_strict_schema_validation_rejects_a_misspelt_field() -> None:
    bad = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"ports": [{"port": 80, "targetPort": "http", "protocl": "TCP"}]},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSIONS[-1], strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_custom_resources_validate_against_their_crd_schemas(rendered, overlay) -> None:
    custom = [o for o in rendered[overlay] if o["apiVersion"].split("/")[0] in CUSTOM_GROUPS]
    report = validate_custom_resources(custom)
    assert not report["errors"], report["errors"]
    assert len(report["validated"]) == len(custom)


def test_the_crd_validator_rejects_invalid_resources(deploy_tools) -> None:
    report = validate_custom_resources(
        [
            {
                "apiVersion": "kafka.strimzi.io/v1",
                "kind": "KafkaUser",
                "metadata": {"name": "x"},
                "spec": {
                    "authentication": {"type": "tls"},
                    "authorization": {"type": "simple", "acls": [{"resource": {"type": "topic"}}]},
                },
            },
            {
                "apiVersion": "postgresql.cnpg.io/v1",
                "kind": "Cluster",
                "metadata": {"name": "y"},
                "spec": {"instances": 0},
            },
        ]
    )
    assert [e["object"] for e in report["errors"]] == ["KafkaUser/x", "Cluster/y"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_has_its_full_set_of_objects(rendered, overlay) -> None:
    objects = rendered[overlay]
    for service in SERVICES:
        kinds = {
            o["kind"]
            for o in objects
            if o["metadata"].get("labels", {}).get("app.kubernetes.io/name") == service
            and o["apiVersion"].split("/")[0] not in CUSTOM_GROUPS
        }
        assert kinds == PER_SERVICE_KINDS, f"{service}: {sorted(PER_SERVICE_KINDS - kinds)} missing"
    assert all(o["metadata"].get("namespace", "chasqui") == "chasqui" for o in objects)
    assert not of_kind(objects, "Secret"), "Secrets are referenced, never committed"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_are_hardened_and_probed(rendered, overlay) -> None:
    drain = ServiceSettings().shutdown_grace_seconds
    for service, port in SERVICES.items():
        deployment = named(rendered[overlay], "Deployment", f"chasqui-{service}")
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert pod["automountServiceAccountToken"] is False
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["ports"] == [
            {"name": "http", "containerPort": port, "protocol": "TCP"},
            {"name": "management", "containerPort": port + MANAGEMENT_PORT_OFFSET, "protocol": "TCP"},
        ]
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert container[probe]["httpGet"]["port"] == "management", (service, probe)
        assert container["resources"]["requests"]
        assert container["resources"]["limits"]["memory"]
        pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert pod["terminationGracePeriodSeconds"] >= pre_stop + drain + 5, (
            "grace must cover preStop + drain"
        )
        assert pod["terminationGracePeriodSeconds"] <= pre_stop + drain + 15, "grace far beyond the drain"
        service_obj = named(rendered[overlay], "Service", f"chasqui-{service}")
        assert service_obj["spec"]["ports"][0]["port"] == port


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_configuration_names_are_settings_and_secrets_are_references(rendered, overlay) -> None:
    known = {name.upper() for name in ServiceSettings.model_fields}
    # The DCI gateway's own settings (its id and signing key file) are set in its ConfigMap.
    from chasqui_dci_gateway.settings import DciSettings

    known |= {name.upper() for name in DciSettings.model_fields}
    from chasqui_notifications.settings import NotificationsSettings

    known |= {name.upper() for name in NotificationsSettings.model_fields}
    # Read by other code than ServiceSettings: the OTel SDK, and the Kafka TLS hook still to add.
    external = {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME"}
    pending_hook = {"KAFKA_SECURITY_PROTOCOL", "KAFKA_SSL_CAFILE", "KAFKA_SSL_CERTFILE", "KAFKA_SSL_KEYFILE"}
    for config in of_kind(rendered[overlay], "ConfigMap"):
        unknown = set(config["data"]) - known - external - pending_hook
        assert not unknown, f"{config['metadata']['name']}: {unknown} are read by nothing"
    for kind in ("Deployment", "Job"):
        for workload in of_kind(rendered[overlay], kind):
            for container in workload["spec"]["template"]["spec"]["containers"]:
                env = {e["name"]: e for e in container.get("env", [])}
                assert "valueFrom" in env["DB_PASSWORD"], "passwords come from a Secret"
                dsn = env["DATABASE_URL" if kind == "Deployment" else "DATABASE_MIGRATION_URL"]["value"]
                assert "$(DB_PASSWORD)" in dsn
                for entry in env.values():
                    if any(word in entry["name"] for word in ("PASSWORD", "SECRET", "TOKEN")):
                        assert "value" not in entry


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_cover_every_pod(rendered, overlay) -> None:
    policies = of_kind(rendered[overlay], "NetworkPolicy")
    deny = named(rendered[overlay], "NetworkPolicy", "default-deny")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    selected = [p["spec"]["podSelector"].get("matchLabels", {}) for p in policies]
    for service in SERVICES:
        assert {"app.kubernetes.io/name": service, "app.kubernetes.io/component": "service"} in selected
    assert {"app.kubernetes.io/component": "migration"} in selected
    assert {"cnpg.io/cluster": "chasqui-pg"} in selected


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migration_jobs_run_the_service_image(rendered, overlay) -> None:
    for service in SERVICES:
        job = named(rendered[overlay], "Job", f"chasqui-{service}-migrate")
        deployment = named(rendered[overlay], "Deployment", f"chasqui-{service}")
        (migrate,) = job["spec"]["template"]["spec"]["containers"]
        (serve,) = deployment["spec"]["template"]["spec"]["containers"]
        assert migrate["image"] == serve["image"]
        assert migrate["command"] == [f"chasqui-{service}", "--migrate-only"]
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
        assert migrate["securityContext"]["readOnlyRootFilesystem"] is True


def test_overlays_differ_in_replicas_resources_and_hpa_bounds(rendered) -> None:
    def summary(overlay: str) -> tuple[int, str, int, int]:
        deployment = named(rendered[overlay], "Deployment", "chasqui-registry")
        hpa = named(rendered[overlay], "HorizontalPodAutoscaler", "chasqui-registry")
        resources = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
        return (
            deployment["spec"]["replicas"],
            resources["limits"]["memory"],
            hpa["spec"]["minReplicas"],
            hpa["spec"]["maxReplicas"],
        )

    assert summary("dev") == (1, "384Mi", 1, 2)
    assert summary("prod") == (3, "1Gi", 3, 6)
    # Consumers cannot use more replicas than their topics have partitions.
    partitions = min(t.partitions for t in TOPICS)
    for overlay in OVERLAYS:
        for hpa in of_kind(rendered[overlay], "HorizontalPodAutoscaler"):
            assert hpa["spec"]["maxReplicas"] <= partitions


# --- Kafka: the manifests against the catalogue in libs/common ---------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_topics_are_exactly_the_catalogue_and_its_dead_letter_topics(rendered, overlay) -> None:
    expected = {t.name: t for t in TOPICS} | {t.dlq.name: t.dlq for t in TOPICS}
    expected |= {t.name: t for t in PROGRAM_DECISIONS}  # read by integrators only: no DLQ
    expected |= {t.name: t for t in (ARCO_REQUESTS, ARCO_REQUESTS.dlq, ARCO_ANSWERS)}  # docs/privacy.md
    expected |= {AUDIT.name: AUDIT}  # the access record, read by the auditor only (docs/privacy.md)
    topics = {o["spec"]["topicName"]: o for o in of_kind(rendered[overlay], "KafkaTopic")}
    assert set(topics) == set(expected) | {AUDIT_TOPIC}, "the catalogue, its DLQs and the replay audit"
    topics.pop(AUDIT_TOPIC)
    for name, topic in expected.items():
        spec = topics[name]["spec"]
        assert spec["partitions"] == topic.partitions, name
        assert int(spec["config"]["retention.ms"]) == topic.retention_ms, name
        assert topics[name]["metadata"]["labels"]["strimzi.io/cluster"] == "chasqui"
        assert topics[name]["metadata"]["labels"]["chasqui.pe/owner"] == topic.owner


def test_kafka_cluster_is_kraft_with_node_pools_and_mtls(rendered) -> None:
    pom_version = "4.1.1"
    for overlay in OVERLAYS:
        kafka = named(rendered[overlay], "Kafka", "chasqui")
        assert kafka["spec"]["kafka"]["version"] == pom_version
        assert "zookeeper" not in kafka["spec"]
        assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
        assert all(
            listener["authentication"]["type"] == "tls" for listener in kafka["spec"]["kafka"]["listeners"]
        )
        roles = Counter(
            role for pool in of_kind(rendered[overlay], "KafkaNodePool") for role in pool["spec"]["roles"]
        )
        assert roles == {"controller": 1, "broker": 1}
        assert kafka["spec"]["entityOperator"].keys() == {"topicOperator", "userOperator"}


def acl_table(user: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (acl["resource"]["type"], acl["resource"]["name"], acl["resource"].get("patternType", "literal"), op)
        for acl in user["spec"]["authorization"]["acls"]
        for op in acl["operations"]
    }


AUDITED_SERVICES = (
    "registry",
    "eligibility",
    "migrant-services",
    "dci-gateway",
    "employment-matching",
    "notifications",
    "citizen-attention",
)
"""Services whose reads and writes of personal data publish their access record on chasqui.audit."""


def expected_service_acls(service: str) -> set[tuple[str, str, str, str]]:
    # eligibility also writes each program's copy
    own = [t for t in (*TOPICS, *PROGRAM_DECISIONS) if t.owner == service]
    rows = {("topic", t.name, "literal", op) for t in own for op in ("Write", "Describe")}
    for topic in CONSUMES[service]:
        rows |= {("topic", topic, "literal", op) for op in ("Read", "Describe")}
        rows |= {("topic", topic + ".dlq", "literal", op) for op in ("Write", "Describe")}
    if CONSUMES[service]:
        rows |= {("group", service, "prefix", op) for op in ("Read", "Describe")}
    if service in ARCO_SERVICES:  # each service holding personal data answers ARCO requests
        rows |= {("topic", ARCO_REQUESTS.name, "literal", op) for op in ("Read", "Describe")}
        rows |= {("topic", ARCO_REQUESTS.dlq.name, "literal", op) for op in ("Write", "Describe")}
        rows |= {("topic", ARCO_ANSWERS.name, "literal", op) for op in ("Write", "Describe")}
    if service in AUDITED_SERVICES:  # they write the access record of their reads and writes
        rows |= {("topic", AUDIT.name, "literal", op) for op in ("Write", "Describe")}
        rows |= {("group", service, "prefix", op) for op in ("Read", "Describe")}
    if service == "dci-gateway":  # it creates and writes one topic per subscriber taking Kafka delivery
        rows |= {("topic", DCI_NOTIFY_PREFIX, "prefix", op) for op in ("Create", "Write", "Describe")}
    return rows


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_user_may_do_exactly_what_the_service_does(rendered, service) -> None:
    user = named(rendered["prod"], "KafkaUser", f"chasqui-{service}")
    assert user["spec"]["authentication"]["type"] == "tls"
    assert acl_table(user) == expected_service_acls(service)
    # The Deployment mounts the certificate Strimzi writes for exactly this user.
    deployment = named(rendered["prod"], "Deployment", f"chasqui-{service}")
    secrets = {
        v["secret"]["secretName"] for v in deployment["spec"]["template"]["spec"]["volumes"] if "secret" in v
    }
    assert f"chasqui-{service}" in secrets


@pytest.mark.parametrize("service", SERVICES)
def test_acls_match_the_service_definition_in_code(rendered, service) -> None:
    """When the service's DEFINITION imports, its publishes/consumers are the ACLs' topics."""
    try:
        definition = importlib.import_module(f"chasqui_{role(service)}.main").DEFINITION
    except Exception as exc:  # services are built concurrently; the table above still holds
        pytest.skip(f"chasqui_{role(service)}.main is not importable yet: {type(exc).__name__}: {exc}")
    user = named(rendered["prod"], "KafkaUser", f"chasqui-{service}")
    table = acl_table(user)
    reads = {name for kind, name, _, op in table if kind == "topic" and op == "Read"}
    # Prefixed writes are topics the service creates at run time (the DCI gateway's per-subscriber
    # topics), not catalogue topics: checked in expected_service_acls.
    writes = {
        name
        for kind, name, pattern, op in table
        if kind == "topic" and op == "Write" and pattern == "literal"
    }
    consumed = {t.name for consumer in definition.consumers for t in consumer.topics}
    assert reads == consumed
    assert {t.name for t in definition.publishes} | {t + ".dlq" for t in consumed} == writes
    for consumer in definition.consumers:
        assert any(kind == "group" and consumer.name.startswith(name) for kind, name, _, _ in table), (
            f"consumer group {consumer.name} is not covered by an ACL"
        )


def test_integrators_only_read_and_only_what_they_are_entitled_to(rendered) -> None:
    users = of_kind(rendered["prod"], "KafkaUser")
    integrators = [u for u in users if u["metadata"]["labels"].get("chasqui.pe/principal") == "integrator"]
    assert integrators, "at least one integrator user"
    catalogue = {t.name for t in TOPICS} | {t.name for t in PROGRAM_DECISIONS}
    for user in integrators:
        table = acl_table(user)
        assert {op for kind, _, _, op in table} <= {"Read", "Describe"}, user["metadata"]["name"]
        topics = {name for kind, name, _, _ in table if kind == "topic"}
        assert topics <= catalogue
        assert all(p == "literal" for kind, _, p, _ in table if kind == "topic"), "no wildcard topic access"
        assert "eligibility.decisions" not in topics, "every program's decisions are for Chasqui services"
    juntos = named(rendered["prod"], "KafkaUser", "integrator-juntos")
    assert {name for kind, name, _, _ in acl_table(juntos) if kind == "topic"} == {
        "eligibility.decisions.juntos"
    }


def test_integrator_users_grant_exactly_their_entitlements(rendered) -> None:
    """deploy/k8s/base/kafka/integrator-entitlements.yaml is the one source of who reads what."""
    entitlements = load_entitlements()
    users = {
        u["metadata"]["name"]: u
        for u in of_kind(rendered["prod"], "KafkaUser")
        if u["metadata"]["labels"].get("chasqui.pe/principal") == "integrator"
    }
    assert set(users) == set(entitlements.integrators), "one KafkaUser per integrator of the entitlements"
    for name, integrator in entitlements.integrators.items():
        expected = {
            ("topic", topic, "literal", op) for topic in integrator.topics for op in ("Read", "Describe")
        }
        expected |= {("group", integrator.group_prefix, "prefix", op) for op in ("Read", "Describe")}
        assert acl_table(users[name]) == expected, name
    # Every program topic the entitlements describe exists, carries its own program only.
    program_topics = {t.name: t for t in PROGRAM_DECISIONS}
    for topic in entitlements.topics.values():
        assert topic.name in program_topics, topic.name
        assert topic.name.endswith(topic.program.lower().replace("_", "-")), topic.name


def test_every_kafka_user_is_a_service_an_integrator_or_the_dlq_operator(rendered) -> None:
    principals = Counter(
        u["metadata"]["labels"]["chasqui.pe/principal"] for u in of_kind(rendered["prod"], "KafkaUser")
    )
    assert principals["service"] == len(SERVICES)
    assert principals["operator"] == 3, "the DLQ inspector, the ARCO operator and the auditor"
    assert set(principals) == {"service", "integrator", "operator"}


# --- PostgreSQL: one role and one schema per service ----------------------------------------------


def test_postgres_has_one_role_and_schema_per_service(rendered) -> None:
    for overlay in OVERLAYS:
        cluster = named(rendered[overlay], "Cluster", "chasqui-pg")
        assert cluster["spec"]["imageName"].endswith(":18")
        roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
        assert set(roles) == {role(service) for service in SERVICES} | {f"{role(s)}_app" for s in SERVICES}
        for service in SERVICES:
            for name, secret in (
                (role(service), f"chasqui-{service}-db"),
                (f"{role(service)}_app", f"chasqui-{service}-db-app"),
            ):
                managed = roles[name]
                assert managed["passwordSecret"]["name"] == secret
                assert not managed.get("superuser")
                assert not managed.get("createdb")
                assert not managed.get("createrole")
        database = named(rendered[overlay], "Database", "chasqui")
        schemas = {s["name"]: s["owner"] for s in database["spec"]["schemas"]}
        assert schemas == {role(service): role(service) for service in SERVICES}
        # Each service connects as its role, to its schema, under its own name in traces.
        for service in SERVICES:
            config = named(rendered[overlay], "ConfigMap", f"chasqui-{service}")["data"]
            assert config["DB_SCHEMA"] == role(service)
            assert config["OTEL_SERVICE_NAME"] == f"chasqui-{service}"
            # The Deployment serves as the DML-only runtime role; only the migration Job is the owner.
            for kind, name, user, secret, variable in (
                (
                    "Deployment",
                    f"chasqui-{service}",
                    f"{role(service)}_app",
                    f"chasqui-{service}-db-app",
                    "DATABASE_URL",
                ),
                (
                    "Job",
                    f"chasqui-{service}-migrate",
                    role(service),
                    f"chasqui-{service}-db",
                    "DATABASE_MIGRATION_URL",
                ),
            ):
                pod = named(rendered[overlay], kind, name)["spec"]["template"]["spec"]
                (container,) = pod["containers"]
                env = {e["name"]: e for e in container["env"]}
                assert env["DB_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == secret
                dsn = env[variable]["value"]
                assert dsn.startswith(f"postgresql://{user}:$(DB_PASSWORD)@chasqui-pg-rw:5432/chasqui?")
                assert "sslmode=verify-full" in dsn
                assert "sslrootcert=/etc/chasqui/pg-ca/ca.crt" in dsn
                assert {"DATABASE_URL", "DATABASE_MIGRATION_URL"} & set(env) == {variable}
                mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
                assert mounts["pg-ca"] == "/etc/chasqui/pg-ca"
                volumes = {v["name"]: v for v in pod["volumes"]}
                assert volumes["pg-ca"]["secret"]["secretName"] == "chasqui-pg-ca"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_operations_endpoints_are_on_the_management_port_only(rendered, overlay) -> None:
    """Issue 18, item 4: probes and Prometheus use the management port; the ingress controller
    may reach only the API port; the Service names the management port apart."""
    objects = rendered[overlay]
    for service, port in SERVICES.items():
        management = port + MANAGEMENT_PORT_OFFSET
        deployment = named(objects, "Deployment", f"chasqui-{service}")
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(management)
        config = named(objects, "ConfigMap", f"chasqui-{service}")["data"]
        assert config["MANAGEMENT_PORT"] == str(management)
        ports = {p["name"]: p for p in named(objects, "Service", f"chasqui-{service}")["spec"]["ports"]}
        assert ports["management"]["port"] == management
        assert ports["management"]["targetPort"] == "management"
        policy = named(objects, "NetworkPolicy", f"chasqui-{service}")
        for rule in policy["spec"]["ingress"]:
            namespaces = {
                peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
                for peer in rule["from"]
            }
            rule_ports = {p["port"] for p in rule["ports"]}
            if "ingress-nginx" in namespaces:
                assert rule_ports == {"http"}, "the ingress controller never reaches the management port"
            if "monitoring" in namespaces:
                assert rule_ports == {"management"}
    for ingress in of_kind(objects, "Ingress"):
        for rule in ingress["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                assert path["backend"]["service"]["port"].get("name") != "management"
    docs = named(objects, "ConfigMap", "chasqui-platform")["data"].get("API_DOCS", "true")
    assert docs == ("false" if overlay == "prod" else "true"), "API docs are off in prod only"


def test_postgres_bootstrap_grants_runtime_roles_dml_and_closes_other_databases(rendered) -> None:
    sql = named(rendered["prod"], "Cluster", "chasqui-pg")["spec"]["bootstrap"]["initdb"][
        "postInitApplicationSQL"
    ]
    assert "REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC" in sql
    for service in SERVICES:
        name = role(service)
        assert f"GRANT USAGE ON SCHEMA {name} TO {name}_app" in sql
        assert (
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {name} IN SCHEMA {name} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name}_app"
        ) in sql
        assert not [line for line in sql if f"{name}_app" in line and "CREATE ON" in line]


# --- notifications: real transports in Kubernetes ------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_notifications_use_real_transports_with_secret_tokens_and_provider_egress(rendered, overlay) -> None:
    from chasqui_notifications.settings import NotificationsSettings

    config = named(rendered[overlay], "ConfigMap", "chasqui-notifications")["data"]
    assert config["CHASQUI_PROFILE"] == "production"
    assert (config["EMAIL_TRANSPORT"], config["SMS_TRANSPORT"], config["WHATSAPP_TRANSPORT"]) == (
        "smtp",
        "http",
        "http",
    )
    assert config["SMS_ENDPOINT"].startswith("https://")
    assert config["WHATSAPP_ENDPOINT"].startswith("https://")
    # The settings as the pod reads them start (a `log` transport would be refused).
    NotificationsSettings(**{k.lower(): v for k, v in config.items()})
    (container,) = named(rendered[overlay], "Deployment", "chasqui-notifications")["spec"]["template"][
        "spec"
    ]["containers"]
    env = {e["name"]: e for e in container["env"]}
    secrets = {
        name: env[name]["valueFrom"]["secretKeyRef"]["name"]
        for name in ("SMTP_USERNAME", "SMTP_PASSWORD", "SMS_TOKEN", "WHATSAPP_TOKEN")
    }
    assert secrets == {
        "SMTP_USERNAME": "chasqui-notifications-smtp",
        "SMTP_PASSWORD": "chasqui-notifications-smtp",
        "SMS_TOKEN": "chasqui-notifications-sms",
        "WHATSAPP_TOKEN": "chasqui-notifications-whatsapp",
    }
    policy = named(rendered[overlay], "NetworkPolicy", "chasqui-notifications")
    external = [
        rule for rule in policy["spec"]["egress"] if any("ipBlock" in peer for peer in rule.get("to", []))
    ]
    ports = {port["port"] for rule in external for port in rule["ports"]}
    assert ports == {int(config["SMTP_PORT"]), 443}
    for rule in external:
        for peer in rule["to"]:
            assert peer["ipBlock"]["cidr"] != "0.0.0.0/0", "providers only, not the whole Internet"


# --- Kafka: the external listener and the dead-letter principals ---------------------------------


def test_the_prod_external_listener_accepts_only_known_source_ranges(rendered) -> None:
    kafka = named(rendered["prod"], "Kafka", "chasqui")
    (external,) = [
        listener for listener in kafka["spec"]["kafka"]["listeners"] if listener["name"] == "external"
    ]
    ranges = external["configuration"]["loadBalancerSourceRanges"]
    assert ranges
    assert "0.0.0.0/0" not in ranges
    peers = [peer["ipBlock"]["cidr"] for peer in external["networkPolicyPeers"]]
    assert sorted(peers) == sorted(ranges)
    dev = named(rendered["dev"], "Kafka", "chasqui")
    assert [listener["name"] for listener in dev["spec"]["kafka"]["listeners"]] == ["tls"]


def test_the_dlq_inspector_reads_dead_letters_and_writes_nothing(rendered) -> None:
    inspector = named(rendered["prod"], "KafkaUser", "chasqui-dlq-inspector")
    table = acl_table(inspector)
    assert {op for _, _, _, op in table} <= {"Read", "Describe"}
    topics = {name for kind, name, _, _ in table if kind == "topic"}
    assert topics == {t.dlq.name for t in TOPICS} | {AUDIT_TOPIC}
    assert not [
        u for u in of_kind(rendered["prod"], "KafkaUser") if u["metadata"]["name"] == "chasqui-dlq-replayer"
    ], "the replayer exists only for a replay window (deploy/k8s/operations/dlq-replayer)"


def test_the_dlq_replayer_only_writes_the_main_topics_and_the_audit(deploy_tools) -> None:
    import subprocess

    import yaml

    from ._support import KUSTOMIZE, REPO

    result = subprocess.run(
        [str(KUSTOMIZE), "build", str(REPO / "deploy" / "k8s" / "operations" / "dlq-replayer")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    objects = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    report = validate_custom_resources(objects)
    assert not report["errors"], report["errors"]
    replayer = named(objects, "KafkaUser", "chasqui-dlq-replayer")
    assert replayer["metadata"]["namespace"] == "chasqui"
    assert replayer["spec"]["authentication"]["type"] == "tls"
    table = acl_table(replayer)
    assert {(kind, op) for kind, _, _, op in table} <= {("topic", "Write"), ("topic", "Describe")}
    assert all(pattern == "literal" for _, _, pattern, _ in table)
    assert {name for _, name, _, _ in table} == {t.name for t in TOPICS} | {AUDIT_TOPIC}


def test_the_arco_operator_sends_requests_and_reads_answers_only(rendered) -> None:
    operator = named(rendered["prod"], "KafkaUser", "chasqui-arco-operator")
    assert acl_table(operator) == {
        ("topic", ARCO_REQUESTS.name, "literal", "Write"),
        ("topic", ARCO_REQUESTS.name, "literal", "Describe"),
        ("topic", ARCO_ANSWERS.name, "literal", "Read"),
        ("topic", ARCO_ANSWERS.name, "literal", "Describe"),
    }


def test_only_the_auditor_reads_the_access_record(rendered) -> None:
    auditor = named(rendered["prod"], "KafkaUser", "chasqui-auditor")
    assert acl_table(auditor) == {
        ("topic", AUDIT.name, "literal", "Read"),
        ("topic", AUDIT.name, "literal", "Describe"),
    }
    readers = [
        u["metadata"]["name"]
        for u in of_kind(rendered["prod"], "KafkaUser")
        if any(name == AUDIT.name and op == "Read" for _, name, _, op in acl_table(u))
    ]
    assert readers == ["chasqui-auditor"]
