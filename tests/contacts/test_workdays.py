"""Working days around Christmas, Easter, King's Day, Liberation Day and weekends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.core.workdays import WorkCalendar

CAL = WorkCalendar()  # the defaults: 5 May off every year, Good Friday a working day


@pytest.mark.parametrize(
    ("start", "days", "expected", "why"),
    [
        (date(2027, 12, 24), 2, date(2027, 12, 28), "Christmas on Saturday; the weekend; then Mon, Tue"),
        (date(2026, 12, 23), 2, date(2026, 12, 28), "Thu 24 Dec, then Christmas (Fri) and Boxing Day, weekend, Mon"),
        (date(2026, 4, 2), 2, date(2026, 4, 7), "Good Friday works, Easter Monday does not"),
        (date(2026, 4, 24), 2, date(2026, 4, 29), "King's Day on Monday 27 April"),
        (date(2025, 4, 25), 1, date(2025, 4, 28), "King's Day 2025 falls on Saturday 26 April: nothing extra"),
        (date(2026, 5, 4), 1, date(2026, 5, 6), "Liberation Day every year (2026 is no lustrum year)"),
        (date(2026, 3, 7), 2, date(2026, 3, 10), "from a Saturday: Monday is the first working day"),
        (date(2026, 3, 6), 1, date(2026, 3, 9), "Friday + 1 = Monday"),
        (date(2026, 5, 13), 1, date(2026, 5, 15), "Ascension Day"),
        (date(2026, 12, 21), 5, date(2026, 12, 29), "five working days across Christmas"),
    ],
)
def test_add_working_days(start, days, expected, why):
    assert CAL.add_working_days(start, days) == expected, why


def test_settings_change_liberation_day_and_good_friday():
    national = WorkCalendar(liberation_day_every_year=False, good_friday_off=True)
    assert national.is_working_day(date(2026, 5, 5))
    assert not national.is_working_day(date(2025, 5, 5))  # lustrum year: a holiday anyway
    assert not national.is_working_day(date(2026, 4, 3))  # Good Friday
    assert CAL.is_working_day(date(2026, 4, 3))


def test_weekends_and_holidays_are_not_working_days():
    assert not CAL.is_working_day(date(2026, 3, 7)) and not CAL.is_working_day(date(2026, 3, 8))
    for day in (date(2026, 1, 1), date(2026, 4, 6), date(2026, 4, 27), date(2026, 5, 25), date(2026, 12, 25), date(2026, 12, 26)):
        assert not CAL.is_working_day(day), day


def test_due_at_is_closing_time_local_in_utc():
    # winter time (UTC+1): Friday 24 Dec 2027, 09:00 local -> Tuesday 28 Dec 17:00 local = 16:00 UTC
    assert CAL.due_at(datetime(2027, 12, 24, 8, 0, tzinfo=UTC), 2) == datetime(2027, 12, 28, 16, 0, tzinfo=UTC)
    # summer time (UTC+2): Thursday 23 April 2026 -> King's Day skipped -> Tuesday 28 April 17:00 = 15:00 UTC
    assert CAL.due_at(datetime(2026, 4, 23, 12, 0, tzinfo=UTC), 2) == datetime(2026, 4, 28, 15, 0, tzinfo=UTC)
    # 23:30 UTC on Friday is already Saturday in Amsterdam: counting starts from Saturday
    assert CAL.due_at(datetime(2026, 3, 6, 23, 30, tzinfo=UTC), 1) == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)


def test_working_days_between():
    assert CAL.working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 2  # 28 and 29
    assert CAL.working_days_between(date(2026, 4, 1), date(2026, 4, 1)) == 0
