"""Quiet hours: no SMS or WhatsApp between 21:00 and 08:00 Lima time."""

from __future__ import annotations

from datetime import UTC, datetime

from chasqui_common.clock import LIMA
from chasqui_common.events.notifications import DeliveryChannel
from chasqui_notifications.domain.quiet_hours import QuietHours

QUIET = QuietHours()


def lima(hour: int, minute: int = 0, day: int = 3) -> datetime:
    return datetime(2025, 6, day, hour, minute, tzinfo=LIMA)


def test_sms_at_22_lima_waits_until_8_next_morning() -> None:
    assert QUIET.hold_until(DeliveryChannel.SMS, lima(22)) == lima(8, day=4)


def test_whatsapp_at_3_am_waits_until_8_the_same_morning() -> None:
    assert QUIET.hold_until(DeliveryChannel.WHATSAPP, lima(3)) == lima(8)


def test_email_is_never_held() -> None:
    assert QUIET.hold_until(DeliveryChannel.EMAIL, lima(23)) is None


def test_boundaries_8_00_is_allowed_and_21_00_is_quiet() -> None:
    assert QUIET.hold_until(DeliveryChannel.SMS, lima(8)) is None
    assert QUIET.hold_until(DeliveryChannel.SMS, lima(20, 59)) is None
    assert QUIET.is_quiet(lima(21))


def test_utc_instants_are_judged_in_lima_time() -> None:
    # 01:30 UTC is 20:30 in Lima (UTC-5): still allowed
    assert not QUIET.is_quiet(datetime(2025, 6, 4, 1, 30, tzinfo=UTC))
    assert QUIET.is_quiet(datetime(2025, 6, 4, 2, 30, tzinfo=UTC))
