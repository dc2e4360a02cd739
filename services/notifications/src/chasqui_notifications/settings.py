"""Notifications settings: the shared ones plus channels, providers, quiet hours and dispatch pace."""

from __future__ import annotations

from typing import Literal

from chasqui_common.settings import ServiceSettings
from pydantic import Field, SecretStr

Transport = Literal["log", "smtp", "http"]


class NotificationsSettings(ServiceSettings):
    http_port: int = 8005

    email_transport: Literal["log", "smtp"] = Field("log", description="EMAIL_TRANSPORT: smtp or log (dev)")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    email_from: str = "Chasqui <notificaciones@chasqui.gob.pe>"

    sms_transport: Literal["log", "http"] = Field("log", description="SMS_TRANSPORT: http or log (dev)")
    sms_endpoint: str = "http://127.0.0.1:9901/messages"
    sms_token: SecretStr | None = None
    sms_sender: str = "CHASQUI"
    sms_rate_per_second: float = 20.0
    sms_burst: int = 20

    whatsapp_transport: Literal["log", "http"] = Field("log", description="WHATSAPP_TRANSPORT: http or log")
    whatsapp_endpoint: str = "http://127.0.0.1:9902/messages"
    whatsapp_token: SecretStr | None = None
    whatsapp_sender: str = "+51000000000"
    whatsapp_rate_per_second: float = 20.0
    whatsapp_burst: int = 20

    email_rate_per_second: float = 50.0
    email_burst: int = 50

    provider_timeout_seconds: float = Field(10.0, description="Per request to a provider")
    delivery_max_attempts: int = 6
    delivery_retry_base_seconds: float = 5.0
    delivery_retry_max_seconds: float = 600.0
    dispatch_poll_seconds: float = 1.0
    dispatch_batch_size: int = 50
    dispatch_lease_seconds: float = Field(
        120.0, description="A message claimed for sending longer than this is considered interrupted"
    )
    quiet_hours_start: str = "21:00"
    quiet_hours_end: str = "08:00"
    quiet_hours_zone: str = "America/Lima"
    default_language: str = "es"
