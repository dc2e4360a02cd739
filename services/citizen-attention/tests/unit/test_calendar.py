"""Working days: weekends, Peruvian public holidays (holidays library) and municipal days off."""

from datetime import date

import pytest
from chasqui_citizen_attention.domain.calendar import add_working_days, is_working_day, working_days_between


def test_weekend_is_not_a_working_day() -> None:
    assert not is_working_day(date(2026, 3, 7))  # Saturday
    assert not is_working_day(date(2026, 3, 8))  # Sunday
    assert is_working_day(date(2026, 3, 9))


def test_peruvian_public_holidays_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 7, 28))  # Fiestas Patrias
    assert not is_working_day(date(2026, 4, 2))  # Jueves Santo
    assert not is_working_day(date(2026, 12, 8))  # Inmaculada Concepción


def test_the_municipality_own_days_off_are_not_working_days() -> None:
    assert is_working_day(date(2026, 5, 11))
    assert not is_working_day(date(2026, 5, 11), frozenset({date(2026, 5, 11)}))


def test_counting_starts_on_the_next_working_day() -> None:
    assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 10)
    assert add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 16)  # Friday -> Monday
    assert add_working_days(date(2026, 3, 9), 0) == date(2026, 3, 9)


def test_eight_working_days_across_holy_week() -> None:
    # Monday 30 March 2026 + 8 working days: 31, 1, (2 and 3 are Jueves and Viernes Santo), 6, 7, 8, 9, 10, 13
    assert add_working_days(date(2026, 3, 30), 8) == date(2026, 4, 13)


def test_eight_working_days_across_fiestas_patrias_and_a_municipal_day_off() -> None:
    # From Tuesday 21 July 2026: 22, (23 Día de la Fuerza Aérea), 24, 27, (28 and 29 Fiestas
    # Patrias), 30, 31, 3 Aug, 4, 5
    start = date(2026, 7, 21)
    plain = add_working_days(start, 8)
    with_day_off = add_working_days(start, 8, [date(2026, 7, 30)])
    assert plain == date(2026, 8, 5)
    assert with_day_off == date(2026, 8, 7)  # 6 August is Batalla de Junín


def test_working_days_between_counts_after_start_up_to_end() -> None:
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 13)) == 4
    assert working_days_between(date(2026, 3, 13), date(2026, 3, 9)) == -4
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="days must be >= 0"):
        add_working_days(date(2026, 3, 9), -1)
