"""Quiet hours: no SMS or WhatsApp at night (21:00-08:00 Lima time); they wait until morning."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from chasqui_common.clock import LIMA
from chasqui_common.events.notifications import DeliveryChannel


@dataclass(frozen=True)
class QuietHours:
    """The night window (in `zone`) during which `channels` wait; every rule takes the instant `at`."""

    start: time = time(21, 0)
    end: time = time(8, 0)
    zone: ZoneInfo = LIMA
    channels: frozenset[DeliveryChannel] = field(
        default_factory=lambda: frozenset({DeliveryChannel.SMS, DeliveryChannel.WHATSAPP})
    )

    def applies_to(self, channel: DeliveryChannel) -> bool:
        return channel in self.channels

    def is_quiet(self, at: datetime) -> bool:
        local = at.astimezone(self.zone).time()
        if self.start <= self.end:  # a window inside one day, e.g. 13:00-15:00
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # a window across midnight

    def next_allowed(self, at: datetime) -> datetime:
        """The first moment at or after `at` outside quiet hours (aware, in the zone)."""
        local = at.astimezone(self.zone)
        if not self.is_quiet(at):
            return local
        end_today = datetime.combine(local.date(), self.end, tzinfo=self.zone)
        return end_today if local < end_today else end_today + timedelta(days=1)

    def hold_until(self, channel: DeliveryChannel, at: datetime) -> datetime | None:
        """When a message on `channel` may go if it cannot go at `at`; None if it may go now."""
        if not self.applies_to(channel) or not self.is_quiet(at):
            return None
        return self.next_allowed(at)
