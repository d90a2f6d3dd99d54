"""The period of a statistics request: local days (Europe/Amsterdam), the default period and Dutch day labels."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from hub.core import workdays
from hub.stats import rollup as stats_rollup


def dutch_day(day: date, year: bool = False, short: bool = False) -> str:
    return workdays.dutch_date(datetime.combine(day, time(12), tzinfo=workdays.TZ), weekday=False, year=year, short=short)


def day_labels(start: date, end: date) -> dict[str, str]:
    """``{"2025-12-01": "1 dec"}`` for every day of the period: the dashboard's Dutch dates."""
    return {(start + timedelta(days=i)).isoformat(): dutch_day(start + timedelta(days=i), short=True)
            for i in range((end - start).days + 1)}


def parse_day(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return date.fromisoformat(text)


def default_period(today: date) -> tuple[date, date]:
    """This month up to today."""
    return today.replace(day=1), today


def as_local_day(moment: datetime) -> date:
    return stats_rollup.local_day(moment)
