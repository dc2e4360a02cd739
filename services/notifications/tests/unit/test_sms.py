"""SMS encoding and concatenation, as handsets and providers count them."""

from __future__ import annotations

from chasqui_notifications.domain.sms import SmsEncoding, gsm7_spelling, plan_sms, septets


def test_a_gsm7_text_of_160_characters_is_one_segment() -> None:
    plan = plan_sms("a" * 160)
    assert plan.encoding is SmsEncoding.GSM7
    assert plan.parts == ("a" * 160,)


def test_161_gsm7_characters_split_into_parts_of_153() -> None:
    plan = plan_sms("b" * 161)
    assert [len(p) for p in plan.parts] == [153, 8]
    assert "".join(plan.parts) == "b" * 161


def test_extension_characters_count_two_septets_and_are_never_split() -> None:
    assert septets("€[]") == 6
    assert plan_sms("€" * 80).segments == 1  # 160 septets
    plan = plan_sms("x" * 152 + "€" + "y" * 10)  # 164 septets: concatenated
    assert plan.encoding is SmsEncoding.GSM7
    assert plan.parts[0] == "x" * 152  # the € (2 septets) does not fit in the 1 septet left
    assert plan.parts[1] == "€" + "y" * 10


def test_spanish_accents_keep_gsm7_through_their_plain_spelling() -> None:
    plan = plan_sms("Acude a la ULE: información sobre tu clasificación socioeconómica")
    assert plan.encoding is SmsEncoding.GSM7
    assert "informacion" in plan.text
    assert "clasificacion" in plan.text
    assert gsm7_spelling("ñ é ü ¿ ¡") == "ñ é ü ¿ ¡"  # already GSM-7: untouched


def test_a_character_outside_gsm7_switches_the_whole_message_to_ucs2_70_then_67() -> None:
    assert plan_sms("Hola 🙂" + "a" * 62).segments == 1  # 🙂 is two UTF-16 units: 70 in all
    plan = plan_sms("Привет " * 11)  # 77 Cyrillic characters
    assert plan.encoding is SmsEncoding.UCS2
    assert [len(p) for p in plan.parts] == [67, 10]


def test_ucs2_parts_never_split_a_surrogate_pair() -> None:
    plan = plan_sms("a" * 66 + "🙂" + "b" * 10)  # 78 UTF-16 units: concatenated
    assert plan.encoding is SmsEncoding.UCS2
    assert plan.parts[0] == "a" * 66
    assert plan.parts[1].startswith("🙂")


def test_without_plain_spelling_an_accent_forces_ucs2() -> None:
    assert plan_sms("información", plain_spelling=False).encoding is SmsEncoding.UCS2
