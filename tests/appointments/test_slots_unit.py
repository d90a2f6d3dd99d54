"""Opening hours cut into slots: real working-day calendar (holidays package), no server needed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from connectors.calendar import Busy
from hub.cases import slots
from hub.core.workdays import TZ, WorkCalendar
from knowledge.models import AppointmentRules

WORK = WorkCalendar()


def local_times(day: date, rules: AppointmentRules) -> list[str]:
    return [f"{s.astimezone(TZ):%H:%M}" for s, _ in slots.opening_slots(rules, day, WORK)]


def test_wednesday_evening_and_lunch_break() -> None:
    rules = AppointmentRules()  # the defaults: daytime, plus 17:00-19:30 on Wednesday and Thursday
    wednesday, tuesday = date(2027, 3, 10), date(2027, 3, 9)
    times = local_times(wednesday, rules)
    assert times[0] == "09:00" and "12:15" in times and "12:30" not in times and "13:30" in times
    assert times[-1] == "19:15" and "17:00" in times and "16:45" not in times
    assert "17:00" not in local_times(tuesday, rules)
    assert len(times) == 14 + 12 + 10


def test_no_slots_on_days_off() -> None:
    rules = AppointmentRules()
    # Christmas (a Friday), Easter Monday, King's Day, Liberation Day (every year here), a Saturday
    for day in (date(2026, 12, 25), date(2027, 3, 29), date(2027, 4, 27), date(2027, 5, 5), date(2027, 3, 13)):
        assert slots.opening_slots(rules, day, WORK) == [], day
    assert slots.opening_slots(rules, date(2027, 3, 26), WORK), "Good Friday: the town hall is open"


def test_summer_time_slots_are_local() -> None:
    rules = AppointmentRules(hours={"maandag": ["09:00-10:00"]})
    winter, summer = slots.opening_slots(rules, date(2027, 3, 22), WORK), slots.opening_slots(rules, date(2027, 4, 5), WORK)
    assert winter[0][0] == datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
    assert summer[0][0] == datetime(2027, 4, 5, 7, 0, tzinfo=UTC)


def test_free_slots_count_overlapping_events() -> None:
    rules = AppointmentRules(capacity=2, hours={"maandag": ["09:00-10:00"]})
    day = date(2027, 3, 22)
    nine = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
    busy = [Busy(nine, nine + timedelta(minutes=15), "AFS-AAAAAA"), Busy(nine, nine + timedelta(hours=1), "staff-meeting")]
    found = slots.free_slots(rules, busy, day, day, WORK, nine - timedelta(days=1), 10)
    assert [(f"{s.start.astimezone(TZ):%H:%M}", s.free) for s in found] == [("09:15", 1), ("09:30", 1), ("09:45", 1)]
    later = slots.free_slots(rules, [], day, day, WORK, nine + timedelta(minutes=20), 10)
    assert [f"{s.start.astimezone(TZ):%H:%M}" for s in later] == ["09:30", "09:45"], "nothing sooner than allowed"
    assert slots.spoken(nine) == "maandag 22 maart om 09:00"


def test_hours_are_checked() -> None:
    import pytest
    from pydantic import ValidationError

    for hours in ({"zondagavond": ["09:00-10:00"]}, {"maandag": ["10:00-09:00"]}, {"maandag": ["9-10"]}):
        with pytest.raises(ValidationError):
            AppointmentRules(hours=hours)
