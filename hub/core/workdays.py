"""Working-day arithmetic: weekends and Dutch public holidays are not working days.

Public holidays come from the ``holidays`` package (NL). Two decisions on top of it,
both settings so a municipality can follow its own collective agreement:

* Liberation Day (5 May) is a day off **every** year (``KCC_LIBERATION_DAY_EVERY_YEAR``,
  default true); the package lists it only in lustrum years, as the national rule does.
* Good Friday is a **working** day (``KCC_GOOD_FRIDAY_OFF``, default false); the package
  lists it, but town halls are open on Good Friday.

Deadlines are counted in whole working days in Europe/Amsterdam and fall at the close
of the last day (17:00 local time): a callback request made on Friday 24 December 2027
is due on Tuesday 28 December, 17:00 (Christmas and the weekend skipped).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

TZ = ZoneInfo("Europe/Amsterdam")
CLOSING_TIME = time(17, 0)
DAY_NAMES_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december")
MONTHS_NL_SHORT = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
LIBERATION_DAY = "Bevrijdingsdag"


class WorkCalendar:
    def __init__(self, liberation_day_every_year: bool = True, good_friday_off: bool = False):
        self.liberation_day_every_year = liberation_day_every_year
        self.good_friday_off = good_friday_off

    @lru_cache(maxsize=64)  # noqa: B019 - a handful of calendars live for the whole process
    def days_off(self, year: int) -> frozenset[date]:
        """The public holidays of ``year`` on which the municipality is closed."""
        found = holidays.country_holidays("NL", years=year, language="en_US")
        days = {d for d, name in found.items() if self.good_friday_off or "Good Friday" not in name}
        if self.liberation_day_every_year:
            days.add(date(year, 5, 5))
        return frozenset(days)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.days_off(day.year)

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself is never counted)."""
        if count < 0:
            raise ValueError("count must be zero or more")
        day = start
        while count:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        days, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                days += 1
        return days

    def due_at(self, start: datetime, working_days: int) -> datetime:
        """Deadline in UTC: closing time on the ``working_days``-th working day after ``start``."""
        local_day = _as_utc(start).astimezone(TZ).date()
        due_day = self.add_working_days(local_day, working_days)
        return datetime.combine(due_day, CLOSING_TIME, tzinfo=TZ).astimezone(UTC)


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@lru_cache(maxsize=4)
def calendar(liberation_day_every_year: bool = True, good_friday_off: bool = False) -> WorkCalendar:
    return WorkCalendar(liberation_day_every_year, good_friday_off)


def from_settings(settings: object) -> WorkCalendar:
    """The calendar the settings ask for (``KCC_LIBERATION_DAY_EVERY_YEAR``, ``KCC_GOOD_FRIDAY_OFF``)."""
    return calendar(
        bool(getattr(settings, "liberation_day_every_year", True)),
        bool(getattr(settings, "good_friday_off", False)),
    )


# ---------------------------------------------------------------------- Dutch dates for residents
def dutch_date(moment: datetime, weekday: bool = True, year: bool = False, short: bool = False) -> str:
    """``dinsdag 8 december`` (local time); ``year=True`` adds the year; ``short=True`` gives ``8 dec``
    (no weekday, the month abbreviated as Dutch does: "mrt", "mei", "okt")."""
    local = _as_utc(moment).astimezone(TZ)
    if short:
        return f"{local.day} {MONTHS_NL_SHORT[local.month - 1]}" + (f" {local.year}" if year else "")
    text = f"{local.day} {MONTHS_NL[local.month - 1]}" + (f" {local.year}" if year else "")
    return f"{DAY_NAMES_NL[local.weekday()]} {text}" if weekday else text


def dutch_datetime(moment: datetime, weekday: bool = True, year: bool = False) -> str:
    """``dinsdag 8 december om 10:30`` (local time)."""
    return f"{dutch_date(moment, weekday, year)} om {_as_utc(moment).astimezone(TZ):%H:%M}"


def short_dutch_datetime(moment: datetime) -> str:
    """``di 8 dec 10:30`` (local time): short enough for a button."""
    local = _as_utc(moment).astimezone(TZ)
    return f"{DAY_NAMES_NL[local.weekday()][:2]} {local.day} {MONTHS_NL[local.month - 1][:3]} {local:%H:%M}"
