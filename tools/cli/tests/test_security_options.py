"""The CLI's Kafka client options from the environment: PLAINTEXT, SCRAM (the local secure broker)."""

from __future__ import annotations

import pytest
from chasqui_cli.errors import CliError
from chasqui_cli.kafka import security

SASL = {
    "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
    "KAFKA_SASL_USERNAME": "chasqui-dlq-inspector",
    "KAFKA_SASL_PASSWORD": "inspector-pw",
}


def test_without_security_variables_the_cli_connects_in_plaintext() -> None:
    assert security(environ={}) == {}


def test_with_sasl_every_client_but_the_replayer_is_the_configured_principal() -> None:
    assert security(environ=SASL) == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "chasqui-dlq-inspector",
        "sasl_plain_password": "inspector-pw",
    }


def test_the_replayer_is_its_own_principal_under_sasl() -> None:
    env = {
        **SASL,
        "CHASQUI_REPLAYER_SASL_USERNAME": "chasqui-dlq-replayer",
        "CHASQUI_REPLAYER_SASL_PASSWORD": "r",
    }
    options = security(replayer=True, environ=env)
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("chasqui-dlq-replayer", "r")
    with pytest.raises(CliError, match="CHASQUI_REPLAYER_SASL_USERNAME and CHASQUI_REPLAYER_SASL_PASSWORD"):
        security(replayer=True, environ=SASL)


def test_incomplete_sasl_settings_name_the_missing_variable() -> None:
    with pytest.raises(CliError, match="needs KAFKA_SASL_PASSWORD"):
        security(environ={"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_USERNAME": "u"})
