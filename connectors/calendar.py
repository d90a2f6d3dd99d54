"""Appointment calendars: the ``AppointmentBook`` interface and its CalDAV implementation.

An appointment is a real VEVENT in the calendar of a product or desk (``UID`` = our reference,
``SUMMARY`` the product, ``DESCRIPTION`` what to bring and the reference, ``LOCATION`` the
place), so any CalDAV agenda (Thunderbird, Outlook with a CalDAV bridge, the phone's agenda)
shows it. Personal data stays out of the calendar: no BSN, no name, no phone number.

The hub only talks to ``AppointmentBook``; a G-Plan or Qmatic adapter implements the same
few calls. ``CalDAVBook`` uses the ``caldav`` client (blocking; each call runs in a thread)
and ``icalendar`` to build and read events. Locally the project runs Radicale
(``hub.cli.launcher.radicale``); ``KCC_CALDAV_URL`` points at the municipality's own server.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import caldav
import icalendar
from caldav.lib import error as caldav_error

log = logging.getLogger(__name__)


class CalendarUnavailable(Exception):
    """The calendar server did not answer or refused a write."""


class CalendarNotFound(Exception):
    """No calendar of that name on the server (free/busy never creates one)."""


@dataclass(frozen=True)
class Booking:
    """What goes into the calendar for one appointment (no personal data)."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str
    location: str


@dataclass(frozen=True)
class Busy:
    """One occupied period of a calendar; ``uid`` lets the hub tell its own bookings apart."""

    start: datetime
    end: datetime
    uid: str


class AppointmentBook(Protocol):
    """What the hub needs from an appointment system (CalDAV today; G-Plan or Qmatic later)."""

    async def busy(self, calendar: str, start: datetime, end: datetime) -> list[Busy]:
        """Opaque events (TRANSP not TRANSPARENT) overlapping [start, end)."""
        ...

    async def book(self, calendar: str, booking: Booking) -> None:
        """Write a new event; raises ``CalendarUnavailable`` when the server refuses."""
        ...

    async def move(self, calendar: str, uid: str, start: datetime, end: datetime) -> None: ...

    async def cancel(self, calendar: str, uid: str) -> bool:
        """Remove the event; False when it was not there (already gone)."""
        ...

    async def event(self, calendar: str, uid: str) -> Booking | None: ...

    async def freebusy(self, calendar: str, start: datetime, end: datetime) -> list[Busy]:
        """A colleague's busy periods; raises ``CalendarNotFound`` for an unknown calendar."""
        ...


def to_ical(booking: Booking, sequence: int = 0) -> str:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//KCC hub//afspraken//NL")
    cal.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", booking.uid)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add("summary", booking.summary)
    event.add("description", booking.description)
    event.add("location", booking.location)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("sequence", sequence)
    cal.add_component(event)
    return cal.to_ical().decode()


def _moment(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)  # an all-day event blocks the day


def events_of(data: str) -> list[icalendar.Event]:
    return [c for c in icalendar.Calendar.from_ical(data).walk("VEVENT")]


def booking_of(event: icalendar.Event) -> Booking:
    start = _moment(event.decoded("dtstart"))
    end = _moment(event.decoded("dtend")) if event.get("dtend") else start + timedelta(hours=1)
    return Booking(
        uid=str(event.get("uid", "")), start=start, end=end, summary=str(event.get("summary", "")),
        description=str(event.get("description", "")), location=str(event.get("location", "")),
    )


class CalDAVBook:
    """``AppointmentBook`` on any CalDAV server; ``calendar`` is a calendar id under the user's home."""

    def __init__(self, url: str, username: str | None, password: str | None, timeout_s: float = 10.0,
                 create_missing: bool = True) -> None:
        self.url = url
        self.client = caldav.DAVClient(url=url, username=username, password=password, timeout=timeout_s)
        self.create_missing = create_missing
        self._calendars: dict[str, caldav.Calendar] = {}
        self._principal: caldav.Principal | None = None
        self._lock = threading.Lock()  # one request at a time on the shared HTTP session

    def close(self) -> None:
        self.client.close()

    # -- blocking helpers, each run in a worker thread
    def _calendar(self, name: str, create: bool = True) -> caldav.Calendar:
        if name in self._calendars:
            return self._calendars[name]
        if self._principal is None:
            self._principal = self.client.principal()
        cal = self._principal.calendar(cal_id=name)
        try:
            cal.get_display_name()
        except caldav_error.NotFoundError:
            if not create:
                raise CalendarNotFound(name) from None
            if not self.create_missing:  # a product's calendar must exist on the municipality's server
                log.error("appointment calendar missing on the CalDAV server", extra={"calendar": name})
                raise CalendarUnavailable(f"calendar {name} does not exist") from None
            log.info("creating calendar", extra={"calendar": name})
            cal = self._principal.make_calendar(name=name, cal_id=name)
        self._calendars[name] = cal
        return cal

    def _busy(self, name: str, start: datetime, end: datetime, create: bool = True) -> list[Busy]:
        found = self._calendar(name, create).search(start=start, end=end, event=True, expand=True)
        busy = []
        for obj in found:
            for event in events_of(obj.data):
                if str(event.get("transp", "OPAQUE")).upper() == "TRANSPARENT":
                    continue
                if str(event.get("status", "")).upper() == "CANCELLED":
                    continue
                b = booking_of(event)
                if b.start < end and b.end > start:
                    busy.append(Busy(b.start, b.end, b.uid))
        return sorted(busy, key=lambda b: b.start)

    def _find(self, name: str, uid: str) -> caldav.CalendarObjectResource | None:
        try:
            return self._calendar(name).event_by_uid(uid)
        except caldav_error.NotFoundError:
            return None

    def _book(self, name: str, booking: Booking) -> None:
        self._calendar(name).add_event(to_ical(booking), no_overwrite=True, increase_seqno=False)

    def _move(self, name: str, uid: str, start: datetime, end: datetime) -> None:
        obj = self._find(name, uid)
        if obj is None:
            raise CalendarUnavailable(f"event {uid} is not in calendar {name}")
        current = booking_of(events_of(obj.data)[0])
        sequence = int(events_of(obj.data)[0].get("sequence", 0)) + 1
        moved = Booking(uid, start, end, current.summary, current.description, current.location)
        obj.data = to_ical(moved, sequence)
        obj.save(increase_seqno=False)

    def _cancel(self, name: str, uid: str) -> bool:
        obj = self._find(name, uid)
        if obj is None:
            return False
        obj.delete()
        return True

    def _event(self, name: str, uid: str) -> Booking | None:
        obj = self._find(name, uid)
        return booking_of(events_of(obj.data)[0]) if obj is not None else None

    # -- the interface
    def _locked(self, func, *args):  # noqa: ANN001, ANN202 - thin wrapper
        with self._lock:
            return func(*args)

    async def _run(self, func, *args):  # noqa: ANN001, ANN202 - thin wrapper
        try:
            return await asyncio.to_thread(self._locked, func, *args)
        except (CalendarUnavailable, CalendarNotFound):
            raise
        except (caldav_error.DAVError, OSError) as exc:
            log.warning("calendar server failed", extra={"error": f"{type(exc).__name__}: {str(exc)[:200]}"})
            raise CalendarUnavailable(f"{type(exc).__name__}: {str(exc)[:200]}") from exc
        except Exception as exc:  # niquests/urllib3 connection errors have their own classes
            if type(exc).__module__.split(".")[0] in ("niquests", "urllib3", "requests"):
                log.warning("calendar server unreachable", extra={"error": f"{type(exc).__name__}: {str(exc)[:200]}"})
                raise CalendarUnavailable(f"{type(exc).__name__}: {str(exc)[:200]}") from exc
            raise

    async def busy(self, calendar: str, start: datetime, end: datetime) -> list[Busy]:
        return await self._run(self._busy, calendar, start, end)

    async def book(self, calendar: str, booking: Booking) -> None:
        await self._run(self._book, calendar, booking)

    async def move(self, calendar: str, uid: str, start: datetime, end: datetime) -> None:
        await self._run(self._move, calendar, uid, start, end)

    async def cancel(self, calendar: str, uid: str) -> bool:
        return await self._run(self._cancel, calendar, uid)

    async def event(self, calendar: str, uid: str) -> Booking | None:
        return await self._run(self._event, calendar, uid)

    async def freebusy(self, calendar: str, start: datetime, end: datetime) -> list[Busy]:
        return await self._run(self._busy, calendar, start, end, False)


def book_from_settings(settings: Any) -> CalDAVBook:
    """The CalDAV client the hub and the action server use (``KCC_CALDAV_*``).

    The local Radicale (no ``KCC_CALDAV_URL``) accepts any password but wants one, and gets missing
    product calendars created; a municipality's server only with ``KCC_CALDAV_CREATE_CALENDARS=true``.
    """
    local = not settings.caldav_url
    create = settings.caldav_create_calendars if settings.caldav_create_calendars is not None else local
    return CalDAVBook(settings.caldav_effective_url, settings.caldav_username or "kcc",
                      settings.caldav_password or ("local" if local else None), settings.caldav_timeout_s,
                      create_missing=create)
