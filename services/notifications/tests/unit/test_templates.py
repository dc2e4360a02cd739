"""Templates: every key renders on every channel in Spanish; SMS stays short; HTML is escaped."""

from __future__ import annotations

import pytest
from chasqui_common.events.notifications import DeliveryChannel as Ch
from chasqui_notifications.adapters.templates import TemplateMissing, TemplateRenderer
from chasqui_notifications.domain.sms import SmsEncoding, plan_sms

from .samples import SAMPLES, sample

RENDERER = TemplateRenderer()


def test_every_template_has_every_channel_in_spanish() -> None:
    infos = {t.key: t for t in RENDERER.catalogue()}
    assert set(infos) == set(SAMPLES)
    for info in infos.values():
        assert info.language == "es"
        assert set(info.channels) == {Ch.EMAIL, Ch.SMS, Ch.WHATSAPP}
        assert info.description


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_sms_fits_one_gsm7_segment_with_a_typical_name(key: str) -> None:
    text = RENDERER.render(key, Ch.SMS, sample(key)).text
    plan = plan_sms(text)
    assert plan.encoding is SmsEncoding.GSM7, text
    assert plan.segments == 1, f"{len(plan.text)} chars: {plan.text}"
    assert "Hola María José" in text


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_email_has_subject_text_and_html(key: str) -> None:
    message = RENDERER.render(key, Ch.EMAIL, sample(key))
    assert message.subject
    assert "\n" not in message.subject
    assert message.text.startswith("Hola María José:")
    assert message.html is not None
    assert message.html.startswith("<!DOCTYPE html>")
    assert "Ley 29733" in message.text


def test_appointment_email_names_day_place_and_lima_time() -> None:
    message = RENDERER.render(
        "migrants.appointment_scheduled", Ch.EMAIL, sample("migrants.appointment_scheduled")
    )
    assert "martes 3 de junio de 2025" in message.text
    assert "09:00" in message.text  # 14:00 UTC
    assert "Migracentro Puruchuco-Ate" in (message.html or "")


def test_html_escapes_what_came_from_events_but_text_does_not() -> None:
    context = sample("migrants.appointment_cancelled") | {"reason": "<b>obras</b> & mudanza"}
    message = RENDERER.render("migrants.appointment_cancelled", Ch.EMAIL, context)
    assert "&lt;b&gt;obras&lt;/b&gt; &amp; mudanza" in (message.html or "")
    assert "<b>obras</b> & mudanza" in message.text


def test_a_long_name_splits_the_sms_into_concatenated_segments() -> None:
    key = "registry.ule_reclassification"
    text = RENDERER.render(key, Ch.SMS, sample(key, given_names="Maximiliana Gumersinda de los Ángeles")).text
    plan = plan_sms(text)
    assert plan.segments == 2
    assert all(len(part) <= 153 for part in plan.parts)


def test_an_unknown_language_falls_back_to_spanish_and_an_unknown_key_is_named() -> None:
    key = "employment.match_proposed"
    assert RENDERER.render(key, Ch.SMS, sample(key), language="qu").language == "es"
    with pytest.raises(TemplateMissing, match=r"no template 'nope\.nothing'"):
        RENDERER.render("nope.nothing", Ch.SMS, {})
