"""Office hours of the contact centre: weekday hours plus the municipality's closed days.

Hours come from ``KCC_HANDOVER_OFFICE_HOURS`` (weekday -> ``HH:MM-HH:MM``, Europe/Amsterdam,
``24:00`` allowed as the end of a day). Public holidays are the ones ``hub.core.workdays`` knows
(the same calendar as case and callback deadlines); ``KCC_HANDOVER_CLOSED_DAYS`` adds days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hub.core import workdays

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _parse_span(text: str) -> tuple[timedelta, timedelta]:
    try:
        start, end = (part.strip() for part in text.split("-"))
        spans = []
        for part in (start, end):
            hours, minutes = part.split(":")
            spans.append(timedelta(hours=int(hours), minutes=int(minutes)))
    except ValueError as exc:
        raise ValueError(f"office hours must look like 08:30-17:00, not {text!r}") from exc
    if not timedelta(0) <= spans[0] < spans[1] <= timedelta(hours=24):
        raise ValueError(f"office hours {text!r} do not make a span within one day")
    return spans[0], spans[1]


@dataclass(frozen=True)
class OfficeHours:
    hours: dict[int, tuple[timedelta, timedelta]]  # weekday (0 = Monday) -> (open, close) since midnight
    calendar: workdays.WorkCalendar | None  # None: open on public holidays
    closed_days: frozenset[date]

    @classmethod
    def from_settings(cls, settings: object) -> OfficeHours:
        raw: dict[str, str] = getattr(settings, "handover_office_hours", {})
        unknown = set(raw) - set(DAYS)
        if unknown:
            raise ValueError(f"unknown weekdays in office hours: {sorted(unknown)}")
        return cls(
            hours={DAYS.index(day): _parse_span(span) for day, span in raw.items() if span},
            calendar=None if getattr(settings, "handover_open_on_holidays", False) else workdays.from_settings(settings),
            closed_days=frozenset(getattr(settings, "handover_closed_days", [])),
        )

    def _span(self, day: date) -> tuple[timedelta, timedelta] | None:
        if day in self.closed_days:
            return None
        if self.calendar is not None and day in self.calendar.days_off(day.year):
            return None
        return self.hours.get(day.weekday())

    def is_open(self, at: datetime) -> bool:
        local = _local(at)
        span = self._span(local.date())
        if span is None:
            return False
        since_midnight = local - datetime.combine(local.date(), time(0), tzinfo=workdays.TZ)
        return span[0] <= since_midnight < span[1]

    def next_opening(self, at: datetime) -> datetime | None:
        """The next moment the contact centre opens (``at`` itself when open); None if never."""
        if self.is_open(at):
            return at
        local = _local(at)
        for offset in range(0, 60):
            day = local.date() + timedelta(days=offset)
            span = self._span(day)
            if span is None:
                continue
            opens = datetime.combine(day, time(0), tzinfo=workdays.TZ) + span[0]
            if opens > local:
                return opens.astimezone(UTC)
        return None


def _local(at: datetime) -> datetime:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(workdays.TZ)


def describe_opening(opens: datetime | None, now: datetime) -> str:
    """Dutch (B1) words for an opening moment: 'morgen om 8.30 uur', 'maandag 6 januari om 8.30 uur'."""
    if opens is None:
        return "zo snel mogelijk"
    local, today = _local(opens), _local(now).date()
    clock = f"{local.hour}.{local.minute:02d} uur"
    if local.date() == today:
        return f"vandaag om {clock}"
    if local.date() == today + timedelta(days=1):
        return f"morgen om {clock}"
    return f"{workdays.dutch_date(opens)} om {clock}"
