"""Consent per channel: upstream facts, the person's own choices, and which channels a notice uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chasqui_common.events.notifications import DeliveryChannel as Ch
from chasqui_common.events.notifications import DeliveryStatus
from chasqui_notifications.domain.consent import ContactCard, ContactUpdate
from chasqui_notifications.domain.delivery import RetrySchedule, plan_channels

T0 = datetime(2025, 6, 1, 12, tzinfo=UTC)


def upstream(at: datetime, sms: bool = True, email: bool = True, **kw: object) -> ContactUpdate:
    return ContactUpdate(
        person_id="p-1",
        at=at,
        given_names="Rosa",
        phone="+51987654321",
        email="rosa@example.pe",
        consent={Ch.SMS: sms, Ch.EMAIL: email, Ch.WHATSAPP: False},
        **kw,  # type: ignore[arg-type]
    )


def test_consented_channels_are_queued_and_refused_ones_suppressed() -> None:
    card = ContactCard("p-1").apply_upstream(upstream(T0, sms=True, email=False))
    plans = {p.channel: p for p in plan_channels(card)}
    assert plans[Ch.SMS].status is DeliveryStatus.QUEUED
    assert plans[Ch.EMAIL].status is DeliveryStatus.SUPPRESSED_CONSENT
    assert plans[Ch.EMAIL].reason == "no consent for email"
    assert plans[Ch.WHATSAPP].status is DeliveryStatus.SUPPRESSED_CONSENT


def test_channels_without_an_address_are_left_out() -> None:
    card = ContactCard("p-1").apply_upstream(
        ContactUpdate("p-1", T0, phone="+51900000000", consent={Ch.SMS: True, Ch.EMAIL: True})
    )
    assert [p.channel for p in plan_channels(card)] == [Ch.SMS, Ch.WHATSAPP]


def test_a_withdrawal_here_survives_an_upstream_snapshot_repeating_the_old_consent() -> None:
    card = ContactCard("p-1").apply_upstream(upstream(T0))
    card = card.apply_choice({Ch.SMS: False}, T0 + timedelta(hours=1))
    card = card.apply_upstream(upstream(T0 + timedelta(hours=2)))  # e.g. an address change
    assert not card.consent_for(Ch.SMS).granted


def test_a_new_upstream_decision_after_a_withdrawal_counts() -> None:
    card = ContactCard("p-1").apply_upstream(upstream(T0, sms=True))
    card = card.apply_choice({Ch.SMS: False}, T0 + timedelta(hours=1))
    card = card.apply_upstream(upstream(T0 + timedelta(hours=2), sms=False))
    card = card.apply_upstream(upstream(T0 + timedelta(hours=3), sms=True))  # consented again at the ULE
    assert card.consent_for(Ch.SMS).granted


def test_an_older_upstream_fact_never_overrides_a_newer_one() -> None:
    card = ContactCard("p-1").apply_upstream(upstream(T0, sms=False))
    card = card.apply_upstream(upstream(T0 - timedelta(days=1), sms=True))
    assert not card.consent_for(Ch.SMS).granted


def test_vacancy_messages_need_the_consent_to_be_contacted_about_vacancies() -> None:
    card = ContactCard("p-1").apply_upstream(upstream(T0, employment_contact=False))
    plans = plan_channels(card, needs_employment_contact=True)
    assert {p.status for p in plans} == {DeliveryStatus.SUPPRESSED_CONSENT}
    assert "vacancies" in (plans[0].reason or "")


def test_provider_retries_back_off_exponentially_and_give_up() -> None:
    schedule = RetrySchedule(max_attempts=3, base_seconds=2, max_seconds=5)
    assert [schedule.delay(n) for n in (1, 2, 3)] == [2, 4, 5]
    assert not schedule.gives_up(2)
    assert schedule.gives_up(3)
