"""Wiring: the notifications service definition (consumer, dispatcher, API) and its entry point."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from chasqui_common.application.arco import arco_consumer
from chasqui_common.bootstrap import BackgroundTask, ServiceDefinition, ServiceRuntime, run
from chasqui_common.events.notifications import DeliveryChannel
from chasqui_common.settings import ServiceSettings
from chasqui_common.topics import ARCO_ANSWERS, AUDIT, NOTIFICATIONS_DELIVERIES

from chasqui_notifications.adapters.channels import (
    HttpProviderTransport,
    LogTransport,
    SmtpTransport,
    Transport,
)
from chasqui_notifications.api import routes
from chasqui_notifications.application import arco
from chasqui_notifications.application.attention_events import build_attention_consumer
from chasqui_notifications.application.dispatcher import Dispatcher
from chasqui_notifications.application.event_handlers import build_consumer
from chasqui_notifications.domain.delivery import RetrySchedule
from chasqui_notifications.domain.quiet_hours import QuietHours
from chasqui_notifications.domain.rate_limit import TokenBucket
from chasqui_notifications.settings import NotificationsSettings

TransportFactory = Callable[[NotificationsSettings], dict[DeliveryChannel, Transport]]


def build_transports(settings: NotificationsSettings) -> dict[DeliveryChannel, Transport]:
    """One transport per channel, as configured (`log` unless a real one is set)."""
    email: Transport = (
        SmtpTransport(
            settings.smtp_host,
            settings.smtp_port,
            settings.email_from,
            timeout=settings.provider_timeout_seconds,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
        )
        if settings.email_transport == "smtp"
        else LogTransport(DeliveryChannel.EMAIL)
    )
    sms: Transport = (
        HttpProviderTransport(
            DeliveryChannel.SMS,
            settings.sms_endpoint,
            token=settings.sms_token.get_secret_value() if settings.sms_token else None,
            sender=settings.sms_sender,
            timeout=settings.provider_timeout_seconds,
        )
        if settings.sms_transport == "http"
        else LogTransport(DeliveryChannel.SMS)
    )
    whatsapp: Transport = (
        HttpProviderTransport(
            DeliveryChannel.WHATSAPP,
            settings.whatsapp_endpoint,
            token=settings.whatsapp_token.get_secret_value() if settings.whatsapp_token else None,
            sender=settings.whatsapp_sender,
            timeout=settings.provider_timeout_seconds,
        )
        if settings.whatsapp_transport == "http"
        else LogTransport(DeliveryChannel.WHATSAPP)
    )
    return {DeliveryChannel.EMAIL: email, DeliveryChannel.SMS: sms, DeliveryChannel.WHATSAPP: whatsapp}


def notifications_settings(settings: ServiceSettings) -> NotificationsSettings:
    if isinstance(settings, NotificationsSettings):
        return settings
    return NotificationsSettings(**settings.model_dump())


def build_dispatcher(rt: ServiceRuntime, *, transports: TransportFactory = build_transports) -> Dispatcher:
    """The dispatcher of a running service: its transactions (and so its clock) and transports."""
    settings = notifications_settings(rt.settings)
    return Dispatcher(
        transactions=rt.transactions,
        transports=transports(settings),
        quiet_hours=QuietHours(
            start=time.fromisoformat(settings.quiet_hours_start),
            end=time.fromisoformat(settings.quiet_hours_end),
            zone=ZoneInfo(settings.quiet_hours_zone),
        ),
        retry=RetrySchedule(
            settings.delivery_max_attempts,
            settings.delivery_retry_base_seconds,
            settings.delivery_retry_max_seconds,
        ),
        buckets={
            DeliveryChannel.EMAIL: TokenBucket(settings.email_rate_per_second, settings.email_burst),
            DeliveryChannel.SMS: TokenBucket(settings.sms_rate_per_second, settings.sms_burst),
            DeliveryChannel.WHATSAPP: TokenBucket(settings.whatsapp_rate_per_second, settings.whatsapp_burst),
        },
        batch_size=settings.dispatch_batch_size,
        lease=timedelta(seconds=settings.dispatch_lease_seconds),
        poll_seconds=settings.dispatch_poll_seconds,
    )


def dispatcher_task(*, transports: TransportFactory = build_transports) -> BackgroundTask:
    async def dispatch(rt: ServiceRuntime) -> None:
        dispatcher = build_dispatcher(rt, transports=transports)
        rt.dispatcher = dispatcher  # type: ignore[attr-defined]  # reachable for operators' tooling and tests
        try:
            await dispatcher.run()
        finally:
            await dispatcher.close()

    return dispatch


def build_definition(
    *,
    consumer_name: str = "notifications",
    transports: TransportFactory = build_transports,
) -> ServiceDefinition:
    """The service; tests build their own with a private consumer group (and give `create_app`
    a moved clock: the dispatcher and the handlers read the runtime's)."""
    return ServiceDefinition(
        name="notifications",
        title="Chasqui notifications",
        migrations=Path(__file__).parent / "migrations",
        routers=[routes.router],
        consumers=[
            build_consumer(consumer_name),
            build_attention_consumer(f"{consumer_name}-attention"),  # citizen-attention's messages
            arco_consumer(arco.PART, f"{consumer_name}-arco"),
        ],
        publishes=[NOTIFICATIONS_DELIVERIES, ARCO_ANSWERS, AUDIT],
        background=[dispatcher_task(transports=transports)],
    )


DEFINITION = build_definition()


def main() -> None:
    run(DEFINITION, NotificationsSettings())
