"""Consent per channel: upstream facts, the person's own choices, and which channels a notice uses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from chasqui_common.events.notifications import DeliveryChannel as Ch
from chasqui_common.events.notifications import DeliveryStatus
from chasqui_notifications.domain.consent import ChannelConsent, ContactCard, ContactUpdate
from chasqui_notifications.domain.delivery import RetrySchedule, consent_refusal, plan_channels

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


def test_sms_and_whatsapp_to_a_landline_are_suppressed_with_the_reason_even_with_consent() -> None:
    update = ContactUpdate(
        "p-1",
        T0,
        phone="+5114123456",  # Lima, fixed line
        email="rosa@example.pe",
        consent={Ch.SMS: True, Ch.EMAIL: True, Ch.WHATSAPP: True},
    )
    card = ContactCard("p-1").apply_upstream(update)
    plans = {p.channel: p for p in plan_channels(card)}
    assert plans[Ch.EMAIL].status is DeliveryStatus.QUEUED
    for channel in (Ch.SMS, Ch.WHATSAPP):
        assert plans[channel].status is DeliveryStatus.SUPPRESSED_CONSENT
        assert plans[channel].reason == f"the phone on file is not a mobile number: {channel} cannot reach it"
    assert card.consent_for(Ch.SMS).granted  # the consent is kept as given
    assert [ch for ch in Ch if card.reaches(ch)] == [Ch.EMAIL]
    # The dispatcher re-checks before sending: a queued SMS to a number now on a landline stays home.
    assert consent_refusal(card, Ch.SMS, needs_employment_contact=False) is not None


def test_a_number_that_is_not_valid_never_counts_as_mobile() -> None:
    card = ContactCard("p-1", phone="+5198765432", consent={Ch.SMS: ChannelConsent(granted=True)})
    assert consent_refusal(card, Ch.SMS, needs_employment_contact=False) is not None
    assert (
        consent_refusal(replace(card, phone="+51987654321"), Ch.SMS, needs_employment_contact=False) is None
    )


def test_a_move_repeating_the_registry_consent_does_not_re_grant_a_withdrawal_made_here() -> None:
    card = ContactCard("p-1").apply_upstream(upstream(T0, sms=True))  # household A
    card = card.apply_choice({Ch.SMS: False}, T0 + timedelta(hours=1))
    card = card.apply_upstream(upstream(T0 + timedelta(days=3), sms=True))  # member.added to B
    assert not card.consent_for(Ch.SMS).granted
    assert card.consent_for(Ch.EMAIL).granted


def test_a_withdrawal_made_before_upstream_ever_reported_survives_the_first_report() -> None:
    card = ContactCard("p-1").apply_choice({Ch.SMS: False}, T0)  # PUT preferences, no event yet
    card = card.apply_upstream(upstream(T0 + timedelta(hours=1), sms=True))  # member.added
    assert not card.consent_for(Ch.SMS).granted
    assert card.consent_for(Ch.SMS).upstream is True  # now the baseline
    assert card.consent_for(Ch.EMAIL).granted  # a channel the person did not decide follows upstream
    # Only a later change at the source counts: withdrawn there, then given again.
    card = card.apply_upstream(upstream(T0 + timedelta(hours=2), sms=False))
    card = card.apply_upstream(upstream(T0 + timedelta(hours=3), sms=True))
    assert card.consent_for(Ch.SMS).granted
