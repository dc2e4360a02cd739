"""Channel transports: e-mail over SMTP, SMS and WhatsApp through HTTP providers, and a log for dev.

A transport sends one message or raises TransientFailure (try again later: timeouts, 5xx, 429,
SMTP 4xx) or PermanentFailure (the provider refused this message: HTTP 4xx, SMTP 5xx) with the
provider's own reason. HTTP providers get the delivery id as Idempotency-Key, so a send that was
interrupted before its outcome was recorded can be retried without a second message.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import NotRequired, Protocol, TypedDict

import httpx
from chasqui_common.events.notifications import DeliveryChannel

from chasqui_notifications.domain.sms import plan_sms

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    delivery_id: uuid.UUID
    channel: DeliveryChannel
    to: str
    text: str
    template: str
    subject: str | None = None
    html: str | None = None


class TransientFailure(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class PermanentFailure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Transport(Protocol):
    channel: DeliveryChannel
    name: str
    # True if re-sending the same delivery id cannot produce a second message (idempotency key).
    idempotent: bool

    async def send(self, message: OutgoingMessage) -> str | None:
        """Hand the message over; returns the provider's message id if it gives one."""
        ...

    async def close(self) -> None: ...


def mask(address: str) -> str:
    """Enough of an address to tell messages apart in logs, not enough to contact anyone."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"***{address[-3:]}"


class LogTransport:
    """Development channel: logs that a message would be sent (its template and delivery id, the
    address masked; never its text or subject) and always succeeds."""

    idempotent = True

    def __init__(self, channel: DeliveryChannel) -> None:
        self.channel = channel
        self.name = f"log-{channel.value}"
        self.sent: list[OutgoingMessage] = []

    async def send(self, message: OutgoingMessage) -> str | None:
        self.sent.append(message)
        log.info(
            "[%s] delivery %s to %s: template %s",
            self.channel.value,
            message.delivery_id,
            mask(message.to),
            message.template,
        )
        return f"log-{message.delivery_id}"

    async def close(self) -> None:
        return None


class SmtpTransport:
    """E-mail over SMTP (text and HTML alternatives); the Message-ID is derived from the delivery id."""

    channel = DeliveryChannel.EMAIL
    name = "smtp"
    idempotent = False

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        timeout: float = 10.0,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.timeout, self.username, self.password, self.starttls = timeout, username, password, starttls

    def compose(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject or ""
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = make_msgid(idstring=str(message.delivery_id), domain="chasqui.gob.pe")
        email["X-Chasqui-Delivery"] = str(message.delivery_id)
        email["X-Chasqui-Template"] = message.template
        email.set_content(message.text)
        if message.html:
            email.add_alternative(message.html, subtype="html")
        return email

    async def send(self, message: OutgoingMessage) -> str | None:
        email = self.compose(message)
        await asyncio.to_thread(self._send, email)
        return str(email["Message-ID"])

    def _send(self, email: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise _smtp_failure(code, text) from exc
        except smtplib.SMTPResponseException as exc:
            raise _smtp_failure(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientFailure(f"smtp {self.host}:{self.port}: {type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        return None


def _smtp_failure(code: int, text: bytes | str) -> Exception:
    reason = f"smtp {code}: {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return TransientFailure(reason) if 400 <= code < 500 else PermanentFailure(reason)


ProviderRequest = TypedDict(
    "ProviderRequest",
    {
        "from": str,
        "to": str,
        "reference": str,
        "template": str,
        "type": NotRequired[str],
        "text": str,
        "encoding": NotRequired[str],
        "segments": NotRequired[list[str]],
    },
)
"""The JSON body posted to an SMS or WhatsApp provider (`from` is a Python keyword, hence the form)."""


class HttpProviderTransport:
    """SMS or WhatsApp through a provider's HTTP API: JSON POST with a bearer token."""

    idempotent = True

    def __init__(
        self,
        channel: DeliveryChannel,
        endpoint: str,
        *,
        token: str | None,
        sender: str,
        timeout: float = 10.0,
    ) -> None:
        self.channel = channel
        self.name = f"http-{channel.value}"
        self.endpoint = endpoint
        self.sender = sender
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.AsyncClient(timeout=timeout, headers=headers)

    def payload(self, message: OutgoingMessage) -> ProviderRequest:
        if self.channel is DeliveryChannel.SMS:
            plan = plan_sms(message.text)
            return {
                "from": self.sender,
                "to": message.to,
                "reference": str(message.delivery_id),
                "template": message.template,
                "text": plan.text,
                "encoding": plan.encoding.value,
                "segments": list(plan.parts),
            }
        return {
            "from": self.sender,
            "to": message.to,
            "reference": str(message.delivery_id),
            "template": message.template,
            "type": "text",
            "text": message.text,
        }

    async def send(self, message: OutgoingMessage) -> str | None:
        try:
            response = await self._client.post(
                self.endpoint,
                json=self.payload(message),
                headers={"Idempotency-Key": str(message.delivery_id)},
            )
        except httpx.TimeoutException as exc:
            raise TransientFailure(f"{self.name}: timeout after {self._client.timeout.read}s") from exc
        except httpx.TransportError as exc:
            raise TransientFailure(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        if response.is_success:
            try:
                answer = response.json()
            except ValueError:
                return None
            ident = answer.get("id") or answer.get("message_id") if isinstance(answer, dict) else None
            return str(ident) if ident else None
        reason = f"{self.name} {response.status_code}: {_provider_reason(response)}"
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientFailure(reason, _retry_after(response))
        raise PermanentFailure(reason)

    async def close(self) -> None:
        await self._client.aclose()


def _provider_reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(body, dict):
        for key in ("error", "message", "detail", "reason", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:300]
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])[:300]
    return str(body)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None
