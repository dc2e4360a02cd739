"""Exact ages and CSE validity, including 29 February birthdays."""

from datetime import date

import pytest
from chasqui_eligibility.domain.facts import age_in_months, age_in_years


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2025, 6, 14), 64),  # day before the 65th birthday
        (date(2025, 6, 15), 65),  # the birthday itself
        (date(2025, 6, 16), 65),
    ],
)
def test_age_in_years_counts_from_the_birthday(on: date, expected: int) -> None:
    assert age_in_years(date(1960, 6, 15), on) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2025, 2, 28), 64),  # common year: 28 February is still before the birthday
        (date(2025, 3, 1), 65),  # ... so the birthday is reached on 1 March
        (date(2028, 2, 28), 67),  # leap year: the day before
        (date(2028, 2, 29), 68),  # leap year: the day itself
    ],
)
def test_born_on_29_february_reaches_each_age_on_1_march_in_common_years(on: date, expected: int) -> None:
    assert age_in_years(date(1960, 2, 29), on) == expected


def test_months_complete_on_the_day_of_birth_or_the_first_of_the_next_short_month() -> None:
    born = date(2025, 1, 31)
    assert age_in_months(born, date(2025, 2, 28)) == 0
    assert age_in_months(born, date(2025, 3, 1)) == 1
    assert age_in_months(date(2024, 2, 29), date(2025, 2, 28)) == 11
    assert age_in_months(date(2024, 2, 29), date(2025, 3, 1)) == 12
