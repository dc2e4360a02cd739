"""Outside development the service refuses `log` transports; the log never carries message text."""

from __future__ import annotations

import logging
import uuid

import pytest
from chasqui_common.events.notifications import DeliveryChannel
from chasqui_notifications.adapters.channels import LogTransport, OutgoingMessage
from chasqui_notifications.settings import NotificationsSettings
from pydantic import ValidationError

REAL = {"email_transport": "smtp", "sms_transport": "http", "whatsapp_transport": "http"}


def test_production_is_the_default_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHASQUI_PROFILE", raising=False)
    assert NotificationsSettings(**REAL).chasqui_profile == "production"


@pytest.mark.parametrize("channel", ["email_transport", "sms_transport", "whatsapp_transport"])
def test_a_log_transport_is_refused_in_production(monkeypatch: pytest.MonkeyPatch, channel: str) -> None:
    monkeypatch.delenv("CHASQUI_PROFILE", raising=False)
    with pytest.raises(ValidationError) as refused:
        NotificationsSettings(**{**REAL, channel: "log"})
    message = str(refused.value)
    assert "refuses to start" in message
    assert f"{channel.upper()}=log" in message
    assert "CHASQUI_PROFILE=development" in message


def test_the_environment_sets_the_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHASQUI_PROFILE", "production")
    monkeypatch.setenv("EMAIL_TRANSPORT", "log")
    with pytest.raises(ValidationError):
        NotificationsSettings()
    monkeypatch.setenv("CHASQUI_PROFILE", "development")
    assert NotificationsSettings().email_transport == "log"


def test_real_transports_start_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHASQUI_PROFILE", raising=False)
    settings = NotificationsSettings(**REAL)
    assert (settings.email_transport, settings.sms_transport) == ("smtp", "http")


async def test_the_log_transport_logs_the_template_and_delivery_id_never_the_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    delivery_id = uuid.uuid4()
    message = OutgoingMessage(
        delivery_id=delivery_id,
        channel=DeliveryChannel.SMS,
        to="+51987654321",
        text="Hola Rosa Quispe, su cita en Migracentro es el 14/03 a las 09:30",
        template="appointment_reminder",
        subject="Cita en Migracentro: Rosa Quispe",
    )
    with caplog.at_level(logging.DEBUG):
        await LogTransport(DeliveryChannel.SMS).send(message)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "appointment_reminder" in logged
    assert str(delivery_id) in logged
    for secret in ("Rosa", "Quispe", "Migracentro", "09:30", "987654321"):
        assert secret not in logged
