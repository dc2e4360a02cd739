"""Notifications settings: the shared ones plus channels, providers, quiet hours and dispatch pace."""

from __future__ import annotations

from typing import Literal

from chasqui_common.settings import ServiceSettings
from pydantic import Field, SecretStr, model_validator

Transport = Literal["log", "smtp", "http"]


Profile = Literal["development", "production"]


class NotificationsSettings(ServiceSettings):
    http_port: int = 8005

    chasqui_profile: Profile = Field(
        "production",
        description="CHASQUI_PROFILE: development (make run, tests, docker compose) or production (images "
        "and Kubernetes, the default); a `log` transport is refused outside development",
    )

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

    @model_validator(mode="after")
    def _real_transports_outside_development(self) -> NotificationsSettings:
        # A `log` transport records every message `sent` and delivers none: never in production.
        if self.chasqui_profile == "development":
            return self
        logged = [
            name
            for name, transport in (
                ("EMAIL_TRANSPORT", self.email_transport),
                ("SMS_TRANSPORT", self.sms_transport),
                ("WHATSAPP_TRANSPORT", self.whatsapp_transport),
            )
            if transport == "log"
        ]
        if logged:
            raise ValueError(
                f"notifications refuses to start: {', '.join(logged)}=log delivers nothing to citizens "
                f"(CHASQUI_PROFILE={self.chasqui_profile}); configure EMAIL_TRANSPORT=smtp, "
                "SMS_TRANSPORT=http, WHATSAPP_TRANSPORT=http with their providers, or set "
                "CHASQUI_PROFILE=development on a development machine"
            )
        return self
