"""Kafka client security from settings and the environment (chasqui_common.kafka_security)."""

from __future__ import annotations

import pytest
from chasqui_common.kafka_security import PLAINTEXT, KafkaSecurity, KafkaSecurityError
from chasqui_common.settings import ServiceSettings


def test_without_security_variables_clients_connect_in_plaintext_as_before() -> None:
    security = KafkaSecurity.from_env({})
    assert security == PLAINTEXT
    assert security.client_options() == {"security_protocol": "PLAINTEXT"}
    assert security.principal is None


def test_sasl_plaintext_gives_aiokafka_the_scram_mechanism_and_the_principals_credentials() -> None:
    security = KafkaSecurity.from_env(
        {
            "KAFKA_SECURITY_PROTOCOL": "sasl_plaintext",
            "KAFKA_SASL_USERNAME": "chasqui-registry",
            "KAFKA_SASL_PASSWORD": "s3cret",
        }
    )
    assert security.client_options() == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "chasqui-registry",
        "sasl_plain_password": "s3cret",
    }
    assert security.principal == "User:chasqui-registry"
    assert KafkaSecurity.from_env(security.env()) == security


def test_the_password_never_appears_in_the_repr() -> None:
    security = KafkaSecurity("SASL_PLAINTEXT", username="u", password="s3cret")
    assert "s3cret" not in repr(security)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT"}, "needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_USERNAME": "u"},
            "SASL_PLAINTEXT needs KAFKA_SASL_PASSWORD",
        ),
        ({"KAFKA_SECURITY_PROTOCOL": "KERBEROS"}, "KAFKA_SECURITY_PROTOCOL='KERBEROS' is not supported"),
        (
            {
                "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                "KAFKA_SASL_MECHANISM": "GSSAPI",
                "KAFKA_SASL_USERNAME": "u",
                "KAFKA_SASL_PASSWORD": "p",
            },
            "KAFKA_SASL_MECHANISM='GSSAPI' is not supported",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SSL"},
            "SSL needs KAFKA_SSL_CAFILE, KAFKA_SSL_CERTFILE, KAFKA_SSL_KEYFILE",
        ),
    ],
)
def test_incomplete_or_unknown_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(KafkaSecurityError, match=message):
        KafkaSecurity.from_env(env)


def test_service_settings_read_the_same_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "chasqui-eligibility")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "s3cret")
    settings = ServiceSettings()
    assert "s3cret" not in repr(settings)
    assert settings.kafka_security() == KafkaSecurity(
        "SASL_PLAINTEXT", "SCRAM-SHA-512", "chasqui-eligibility", "s3cret"
    )
    assert settings.kafka_ssl_context() is None


def test_service_settings_default_to_plaintext(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "KAFKA_SECURITY_PROTOCOL",
        "KAFKA_SASL_USERNAME",
        "KAFKA_SASL_PASSWORD",
        "KAFKA_SASL_MECHANISM",
    ):
        monkeypatch.delenv(name, raising=False)
    assert ServiceSettings().kafka_security() == PLAINTEXT


async def test_a_sink_given_only_a_tls_context_keeps_connecting_with_mutual_tls() -> None:
    import ssl

    from chasqui_common.messaging.sink import ProducerSink

    context = ssl.create_default_context()
    legacy = ProducerSink("127.0.0.1:1", ssl_context=context)
    assert (legacy._config["security_protocol"], legacy._config["ssl_context"]) == ("SSL", context)
    scram = ProducerSink("127.0.0.1:1", security=KafkaSecurity("SASL_PLAINTEXT", username="u", password="p"))
    assert scram._config["security_protocol"] == "SASL_PLAINTEXT"
    assert scram._config["sasl_plain_username"] == "u"
