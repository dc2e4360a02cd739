"""docker-compose.yml, validated against the Compose Specification's JSON Schema and by rule."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import jsonschema
import pytest
import yaml

from ._support import REPO, SERVICES, role

SCHEMA = REPO / "deploy" / "schemas" / "compose-spec.json"
SCHEMA_SHA256 = "56bab44c85c0ce8affb74474950293f37d510673283a243bcd7eeadb900fa35c"
INFRA = {"kafka", "postgres"}
OBSERVABILITY = {"otel-collector", "jaeger", "prometheus"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return document


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256, "see deploy/schemas/README.md"
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(schema)


def test_compose_file_matches_the_compose_spec(compose, validator) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert not errors, "\n".join(errors)


def test_the_schema_rejects_what_compose_would(compose, validator) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["registry"]["depends_on"]["kafka"]["condition"] = "service_happy"
    broken["services"]["kafka"]["helthcheck"] = {}
    paths = {"/".join(map(str, e.absolute_path)) for e in validator.iter_errors(broken)}
    assert {"services/registry/depends_on", "services/kafka"} <= paths


def test_all_services_and_infrastructure_are_there(compose) -> None:
    assert set(compose["services"]) == set(SERVICES) | INFRA | OBSERVABILITY
    assert compose["services"]["kafka"]["image"] == "apache/kafka:4.1.1"
    assert compose["services"]["postgres"]["image"].startswith("postgres:18")


def test_kafka_version_matches_the_local_stack(compose) -> None:
    pom = (REPO / "deploy" / "local" / "kafka" / "pom.xml").read_text()
    version = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    assert version is not None
    assert compose["services"]["kafka"]["image"] == f"apache/kafka:{version.group(1)}"
    assert compose["services"]["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft


def test_every_container_has_a_healthcheck(compose) -> None:
    for name, service in compose["services"].items():
        check = service.get("healthcheck") or {}
        assert check.get("test"), f"{name} has no healthcheck"
        assert not check.get("disable"), name


def test_services_wait_for_healthy_kafka_and_postgres(compose) -> None:
    for name, port in SERVICES.items():
        service = compose["services"][name]
        assert service["depends_on"] == {
            "kafka": {"condition": "service_healthy"},
            "postgres": {"condition": "service_healthy"},
        }
        assert "/readyz" in " ".join(service["healthcheck"]["test"])
        assert "MANAGEMENT_PORT" in " ".join(service["healthcheck"]["test"]), (
            "readiness is on the management port"
        )
        env = service["environment"]
        assert env["HTTP_PORT"] == str(port)
        assert env["DB_SCHEMA"] == role(name)
        # Serves as the DML-only runtime role; migrates at start as the schema owner.
        assert env["DATABASE_URL"].startswith(f"postgresql://{role(name)}_app:")
        assert env["DATABASE_URL"].endswith("@postgres:5432/chasqui")
        assert env["DATABASE_MIGRATION_URL"].startswith(f"postgresql://{role(name)}:")
        assert env["DATABASE_MIGRATION_URL"].endswith("@postgres:5432/chasqui")
        for variable in (
            "KAFKA_BOOTSTRAP_SERVERS",
            "AUTH_JWKS_FILE",
            "AUTH_ISSUER",
            "AUTH_AUDIENCE",
            "LOG_LEVEL",
        ):
            assert variable in env, f"{name} lacks {variable}"
        assert service["build"]["args"] == {"SERVICE": name, "PORT": str(port)}
        assert service["build"]["dockerfile"] == "deploy/docker/Dockerfile"


def test_services_stop_gracefully_and_run_hardened(compose) -> None:
    for name in SERVICES:
        service = compose["services"][name]
        assert service["stop_signal"] == "SIGTERM"
        grace = int(service["stop_grace_period"].rstrip("s"))
        assert grace > 20, f"{name}: stop_grace_period must exceed the 20 s drain"
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]


def test_observability_is_an_optional_profile(compose) -> None:
    for name in OBSERVABILITY:
        assert compose["services"][name].get("profiles") == ["observability"]
    for name in set(SERVICES) | INFRA:
        assert "profiles" not in compose["services"][name]
    for config in ("otel-collector.yaml", "prometheus.yml", "alerts.yml"):
        assert yaml.safe_load((REPO / "deploy" / "observability" / config).read_text())
    scrape = yaml.safe_load((REPO / "deploy" / "observability" / "prometheus.yml").read_text())
    targets = {t for job in scrape["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    assert targets == {f"{name}:{port + 1000}" for name, port in SERVICES.items()}, "the management ports"


SECRET_KEY = re.compile(r"PASSWORD|SECRET|TOKEN|DATABASE_(MIGRATION_)?URL", re.IGNORECASE)
DEV_DEFAULT = re.compile(r"\$\{[A-Z_]+:-[^}]*dev[^}]*\}")


def test_no_secret_is_inline_beyond_an_overridable_dev_default(compose) -> None:
    for name, service in compose["services"].items():
        env = service.get("environment") or {}
        for key, value in env.items():
            if SECRET_KEY.search(key) and value:
                assert DEV_DEFAULT.search(str(value)), (
                    f"{name}.{key} must be ${{VAR:-...-dev}}, not a literal"
                )


def test_postgres_init_script_is_mounted_with_every_role_password(compose) -> None:
    postgres = compose["services"]["postgres"]
    assert "./deploy/docker/postgres-init:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    for name in SERVICES:
        assert f"{role(name).upper()}_DB_PASSWORD" in postgres["environment"]
        assert f"{role(name).upper()}_APP_DB_PASSWORD" in postgres["environment"]
        env = compose["services"][name]["environment"]
        assert f"${{{role(name).upper()}_APP_DB_PASSWORD:-" in env["DATABASE_URL"]
        assert f"${{{role(name).upper()}_DB_PASSWORD:-" in env["DATABASE_MIGRATION_URL"]
    script = (REPO / "deploy" / "docker" / "postgres-init" / "10-chasqui-roles.sh").read_text()
    for name in SERVICES:
        assert f"{role(name)}_password=" in script
        assert f"{role(name)}_app_password=" in script


def test_only_the_public_token_keys_are_mounted_into_the_services(compose) -> None:
    for name in SERVICES:
        service = compose["services"][name]
        auth = [v for v in service["volumes"] if ".local/auth" in v]
        assert auth == ["./.local/auth/jwks.json:/run/chasqui/auth/jwks.json:ro"], auth
        assert service["environment"]["AUTH_JWKS_FILE"] == "/run/chasqui/auth/jwks.json"
        assert service["environment"]["CHASQUI_PROFILE"] == "development"
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            assert ".pem" not in volume, f"{name} mounts {volume}"
            assert "private" not in volume, f"{name} mounts {volume}"
