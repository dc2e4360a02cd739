"""DCI gateway settings: the shared ones plus who the gateway is, its signing key, callback
delivery and retention."""

from __future__ import annotations

from pathlib import Path

from chasqui_common.settings import ServiceSettings
from pydantic import Field


class DciSettings(ServiceSettings):
    http_port: int = 8006
    dci_gateway_id: str = Field(
        "registry.chasqui.gob.pe",
        description="The gateway's DCI id (DCI_GATEWAY_ID): the sender_id of its answers and callbacks and "
        "the receiver_id a message may name",
    )
    dci_signing_key_file: Path = Field(
        Path(".local/dci/gateway-signing-key.pem"),
        description="PEM file of the gateway's Ed25519 signing key (DCI_SIGNING_KEY_FILE); created if missing. "
        "In Kubernetes, a mounted Secret",
    )
    callback_poll_interval: float = Field(
        1.0, description="Seconds between rounds of the callback queue when it is idle; 0 turns delivery off"
    )
    callback_timeout_seconds: float = Field(10.0, description="Timeout of one callback POST")
    callback_retry_base_seconds: float = Field(
        1.0, description="Delay before the second attempt of a failed callback; doubles at each failure"
    )
    callback_retry_max_seconds: float = Field(
        300.0, description="Longest delay between attempts of a failed callback (it is never dropped)"
    )
    keep_responses_hours: float = Field(
        24.0, description="How long an answer is kept for txn/status (it holds personal data)"
    )
    keep_message_ids_days: float = Field(30.0, description="How long received message ids are remembered")
