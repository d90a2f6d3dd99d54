"""Appointment slots: opening hours of a product cut into slots, minus what the calendar holds.

Pure time arithmetic on ``knowledge.models.AppointmentRules``: slots fall on working days
only (weekends and Dutch public holidays skipped, ``hub.core.workdays``), in local time
(Europe/Amsterdam), and never sooner than the minimum lead time (default one hour). Which
slots are free is decided by the calendar's events (``connectors.calendar.Busy``): a slot
is free while fewer events overlap it than it has desks (``capacity``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from connectors.calendar import Busy
from hub.core.workdays import TZ, WorkCalendar
from knowledge.models import WEEKDAYS, AppointmentRules

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime
    free: int  # desks still free


def opening_slots(rules: AppointmentRules, day: date, work: WorkCalendar) -> list[tuple[datetime, datetime]]:
    """Every slot of ``day`` (UTC start, end) by the opening hours; none on a day off."""
    if not work.is_working_day(day):
        return []
    found = []
    step = timedelta(minutes=rules.slot_minutes)
    for period in rules.hours.get(WEEKDAYS[day.weekday()], []):
        opens, closes = (time.fromisoformat(part) for part in period.split("-"))
        start = datetime.combine(day, opens, tzinfo=TZ)
        last = datetime.combine(day, closes, tzinfo=TZ)
        while start + step <= last:
            found.append((start.astimezone(UTC), (start + step).astimezone(UTC)))
            start += step
    return found


def taken(busy: list[Busy], start: datetime, end: datetime) -> int:
    return sum(1 for b in busy if b.start < end and b.end > start)


def earliest(now: datetime, lead_minutes: int) -> datetime:
    return now + timedelta(minutes=lead_minutes)


def free_slots(
    rules: AppointmentRules, busy: list[Busy], first_day: date, last_day: date, work: WorkCalendar,
    not_before: datetime, limit: int,
) -> list[Slot]:
    """Up to ``limit`` slots from ``first_day`` to ``last_day`` with a desk free, earliest first."""
    found: list[Slot] = []
    day = first_day
    while day <= last_day and len(found) < limit:
        for start, end in opening_slots(rules, day, work):
            if start < not_before:
                continue
            free = rules.capacity - taken(busy, start, end)
            if free > 0:
                found.append(Slot(start, end, free))
                if len(found) >= limit:
                    break
        day += timedelta(days=1)
    return found


def slot_end(rules: AppointmentRules, start: datetime, work: WorkCalendar) -> datetime | None:
    """The end of the slot that starts at ``start``; None when no slot starts then."""
    start = start.astimezone(UTC)
    for s, e in opening_slots(rules, start.astimezone(TZ).date(), work):
        if s == start:
            return e
    return None


def spoken(moment: datetime) -> str:
    """``dinsdag 8 december om 10:30`` (local time), as a resident reads it."""
    local = moment.astimezone(TZ)
    return f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} om {local:%H:%M}"
