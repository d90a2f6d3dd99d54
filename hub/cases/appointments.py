"""Appointments: book, move and cancel a slot of a product, in the calendar and in our records.

The calendar (``connectors.calendar.AppointmentBook``, CalDAV) is the truth about what is
taken: free slots are read back from it, so a booking made in the agenda itself counts too.
Our own record (collection ``appointments``) ties the booking to the contact, conversation
and channel, holds the resident's consent to a reminder, and is what the contact card shows.

No double booking, also across hubs: before the event is written, the booking takes a seat
in ``appointment_seats``, whose ``_id`` is ``calendar|slot start|seat number``. A slot has as
many seats as desks (``capacity``) minus the events in the calendar that are not ours; two
residents racing for the last seat both try the same ``_id`` and MongoDB lets exactly one
insert succeed. A failed calendar write gives the seat back. A seat whose event vanished from
the calendar (an agent deleted it there) is freed when someone needs it.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel, Field, field_validator
from pymongo.errors import DuplicateKeyError

from connectors.calendar import AppointmentBook, Booking, CalendarUnavailable
from hub.cases import slots
from hub.contacts import store as contacts
from hub.core import events, identifiers, workdays
from hub.core.event_types import EventType
from hub.core.models import utcnow
from hub.core.settings import Settings
from knowledge.models import AppointmentRules, Product

log = logging.getLogger(__name__)

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone without doubt
REFERENCE_RE = re.compile(r"^AFS-[2-9A-HJ-NP-Z]{6}$")
ACTIVE = ("booked", "moved")
STALE_SEAT_S = 120  # a seat this old without its event in the calendar is free again
SEARCH_DAYS = 7  # the calendar is read a week at a time until enough slots are found
UNAVAILABLE = "De agenda is even niet bereikbaar. Probeer het zo opnieuw."


class AppointmentError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


class ContactDetails(BaseModel):
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        email = identifiers.normalize_email(value)
        if not email:
            raise ValueError("geen geldig e-mailadres")
        return email

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        phone = identifiers.normalize_phone(value)
        if not phone:
            raise ValueError("geen geldig telefoonnummer")
        return phone


class NewAppointment(ContactDetails):
    product: str = Field(min_length=1, max_length=120)
    start: datetime
    conversation_id: str | None = Field(None, max_length=64)
    remind: bool = False


class Move(ContactDetails):
    start: datetime


def new_reference() -> str:
    return "AFS-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


def aware(moment: datetime) -> datetime:
    """UTC; a time without offset is the town hall's local time (Europe/Amsterdam)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=workdays.TZ)).astimezone(UTC)


async def product_rules(db: AsyncIOMotorDatabase, slug: str) -> tuple[Product, AppointmentRules]:
    doc = await db.products.find_one({"slug": slug}, {"_id": 0})
    if not doc:
        raise AppointmentError(422, "unknown_product", "Dit product kennen we niet.", fields=["product"])
    product = Product.model_validate(doc)
    if product.appointment is None:
        raise AppointmentError(422, "no_appointment", "Voor dit product maakt u geen afspraak.", fields=["product"])
    return product, product.appointment


async def check_slot(rules: AppointmentRules, start: datetime, settings: Settings, now: datetime) -> datetime:
    """The slot's end; 422 on the field ``start`` when it is past, too soon or not a slot."""
    start = aware(start)
    if start < slots.earliest(now, settings.appointment_min_lead_minutes):
        raise AppointmentError(422, "slot_in_past", "Dit tijdstip is voorbij of te snel. Kies een later tijdstip.",
                               fields=["start"])
    if start > now + timedelta(days=settings.appointment_horizon_days + 1):
        raise AppointmentError(422, "slot_too_far", "Zo ver vooruit kunt u nog geen afspraak maken.", fields=["start"])
    end = slots.slot_end(rules, start, workdays.from_settings(settings))
    if end is None:
        raise AppointmentError(422, "not_a_slot", "Op dit tijdstip maken we geen afspraken. Kies een tijd uit de lijst.",
                               fields=["start"])
    return end


async def free_slots(
    book_: AppointmentBook, rules: AppointmentRules, settings: Settings, first_day: date | None = None, limit: int = 3,
    now: datetime | None = None,
) -> list[slots.Slot]:
    """Up to ``limit`` free slots from ``first_day`` (today by default) within the booking horizon."""
    now = now or utcnow()
    today = now.astimezone(workdays.TZ).date()
    day = max(first_day or today, today)
    last = today + timedelta(days=settings.appointment_horizon_days)
    found: list[slots.Slot] = []
    not_before = slots.earliest(now, settings.appointment_min_lead_minutes)
    while day <= last and len(found) < limit:
        until = min(day + timedelta(days=SEARCH_DAYS - 1), last)
        start = datetime.combine(day, time.min, tzinfo=workdays.TZ).astimezone(UTC)
        end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=workdays.TZ).astimezone(UTC)
        try:
            busy = await book_.busy(rules.calendar, start, end)
        except CalendarUnavailable as exc:
            raise AppointmentError(503, "calendar_unavailable", UNAVAILABLE) from exc
        found += slots.free_slots(rules, busy, day, until, workdays.from_settings(settings), not_before, limit - len(found))
        day = until + timedelta(days=1)
    return found


def seat_id(calendar: str, start: datetime, seat: int) -> str:
    return f"{calendar}|{aware(start).isoformat()}|{seat}"


async def take_seat(
    db: AsyncIOMotorDatabase, book: AppointmentBook, rules: AppointmentRules, start: datetime, end: datetime, reference: str
) -> str:
    """A seat of the slot for ``reference``; 409 when the slot is full (read from the calendar)."""
    busy = await book.busy(rules.calendar, start, end)
    ours = {b.uid for b in busy if REFERENCE_RE.match(b.uid)}
    seats = rules.capacity - (len(busy) - len(ours))
    for attempt in range(2):
        for seat in range(max(0, seats)):
            sid = seat_id(rules.calendar, start, seat)
            try:
                await db.appointment_seats.insert_one({"_id": sid, "reference": reference, "at": utcnow()})
                return sid
            except DuplicateKeyError:
                continue
        if attempt == 0 and not await free_stale_seats(db, rules.calendar, start, seats, ours):
            break
    raise AppointmentError(409, "slot_taken", "Dit tijdstip is net door iemand anders gekozen. Kies een ander tijdstip.",
                           fields=["start"])


async def free_stale_seats(db: AsyncIOMotorDatabase, calendar: str, start: datetime, seats: int, ours: set[str]) -> bool:
    """Give back seats whose event is no longer in the calendar (older than a booking in flight)."""
    old = utcnow() - timedelta(seconds=STALE_SEAT_S)
    ids = [seat_id(calendar, start, n) for n in range(max(0, seats))]
    freed = 0
    async for seat in db.appointment_seats.find({"_id": {"$in": ids}, "at": {"$lt": old}}):
        if seat["reference"] not in ours:
            res = await db.appointment_seats.delete_one({"_id": seat["_id"], "reference": seat["reference"]})
            freed += res.deleted_count
    return freed > 0


def calendar_entry(product: Product, rules: AppointmentRules, reference: str, start: datetime, end: datetime) -> Booking:
    bring = "\n".join(f"- {item}" for item in product.bring) or "- Een geldig identiteitsbewijs."
    description = f"Afspraak {product.name}.\nKenmerk: {reference}\nNeem mee:\n{bring}"
    return Booking(reference, start, end, f"{product.name} ({reference})", description, rules.location)


async def resolve_contact(db: AsyncIOMotorDatabase, body: ContactDetails, conversation_id: str | None) -> str | None:
    """The conversation's contact; without a conversation, the contact of the e-mail address or phone number.

    An address typed during a chat never joins the chat's contact (it stays on the appointment
    only): an address joins a contact when an agent adds it or a signed identity says so.
    """
    if conversation_id:
        conv = await db.conversations.find_one({"_id": conversation_id}, {"contact_id": 1})
        if not conv:
            raise AppointmentError(404, "unknown_conversation", "Dit gesprek bestaat niet.", fields=["conversation_id"])
        return conv.get("contact_id")
    keys = [k for k in (body.email and f"email:{body.email}", body.phone and f"phone:{body.phone}") if k]
    return await contacts.link(db, keys) if keys else None


def reminder_due(start: datetime, remind: bool, settings: Settings, now: datetime) -> datetime | None:
    """The working day before, at the reminder hour; None without consent or when that moment has passed."""
    if not remind:
        return None
    work = workdays.from_settings(settings)
    day = start.astimezone(workdays.TZ).date() - timedelta(days=1)
    while not work.is_working_day(day):
        day -= timedelta(days=1)
    due = datetime.combine(day, datetime.min.time(), tzinfo=workdays.TZ).replace(hour=settings.appointment_reminder_hour)
    due = due.astimezone(UTC)
    return due if due > now else None


async def book(
    db: AsyncIOMotorDatabase, book_: AppointmentBook, body: NewAppointment, by: str, settings: Settings,
    now: datetime | None = None, bus: Any = None,
) -> dict[str, Any]:
    """Take a seat, write the event, store our record; returns the record."""
    now = now or utcnow()
    if not body.email and not body.phone:  # how we reach the resident, and their proof when moving or cancelling
        raise AppointmentError(422, "invalid_fields", "Geef een e-mailadres of een mobiel nummer.", fields=["email", "phone"])
    product, rules = await product_rules(db, body.product)
    start = aware(body.start)
    end = await check_slot(rules, start, settings, now)
    contact_id = await resolve_contact(db, body, body.conversation_id)
    channel = "api"
    if body.conversation_id:
        conv = await db.conversations.find_one({"_id": body.conversation_id}, {"channel": 1})
        channel = (conv or {}).get("channel", "api")
    reference = new_reference()
    seat = await take_seat(db, book_, rules, start, end, reference)
    try:
        await book_.book(rules.calendar, calendar_entry(product, rules, reference, start, end))
    except CalendarUnavailable as exc:
        await db.appointment_seats.delete_one({"_id": seat, "reference": reference})
        log.warning("calendar write failed", extra={"calendar": rules.calendar, "error": str(exc)[:200]})
        raise AppointmentError(503, "calendar_unavailable", "De agenda is even niet bereikbaar. Probeer het zo opnieuw.") from exc
    doc = {
        "_id": reference, "reference": reference, "product": product.slug, "product_name": product.name,
        "calendar": rules.calendar, "location": rules.location, "start": start, "end": end, "seat": seat,
        "contact_id": contact_id, "conversation_id": body.conversation_id, "channel": channel,
        "email": body.email, "phone": body.phone, "status": "booked", "remind": body.remind,
        "remind_at": reminder_due(start, body.remind, settings, now), "reminder_sent_at": None,
        "created_by": by, "created_at": now, "updated_at": now,
    }
    await db.appointments.insert_one(doc)
    await events.emit(db, bus, EventType.APPOINTMENT_BOOKED, body.conversation_id, appointment=reference,
                      product=product.slug, by=by, channel=channel)
    return doc


async def find(db: AsyncIOMotorDatabase, reference: str, proof: ContactDetails | None) -> dict[str, Any]:
    """An active appointment; with ``proof`` (a resident), only when the e-mail or phone matches the booking."""
    doc = await db.appointments.find_one({"_id": reference.strip().upper()})
    if doc and proof is not None:
        given = {v for v in (proof.email, proof.phone) if v}
        if not given or not given & {doc.get("email"), doc.get("phone")} - {None}:
            doc = None  # the same answer as an unknown reference: no guessing whose it is
    if not doc:
        raise AppointmentError(404, "unknown_appointment",
                               "We vinden geen afspraak met dit kenmerk en dit e-mailadres of telefoonnummer.")
    if doc["status"] not in ACTIVE:
        raise AppointmentError(409, "appointment_cancelled", "Deze afspraak is al geannuleerd.")
    return doc


async def move(
    db: AsyncIOMotorDatabase, book_: AppointmentBook, reference: str, body: Move, proof: ContactDetails | None,
    by: str, settings: Settings, now: datetime | None = None, bus: Any = None,
) -> dict[str, Any]:
    now = now or utcnow()
    doc = await find(db, reference, proof)
    product, rules = await product_rules(db, doc["product"])
    start = aware(body.start)
    end = await check_slot(rules, start, settings, now)
    if start == doc["start"]:
        return doc
    seat = await take_seat(db, book_, rules, start, end, doc["_id"])
    try:
        await book_.move(doc["calendar"], doc["_id"], start, end)
    except CalendarUnavailable as exc:
        await db.appointment_seats.delete_one({"_id": seat, "reference": doc["_id"]})
        raise AppointmentError(503, "calendar_unavailable", "De agenda is even niet bereikbaar. Probeer het zo opnieuw.") from exc
    await db.appointment_seats.delete_one({"_id": doc["seat"], "reference": doc["_id"]})
    fields = {"start": start, "end": end, "seat": seat, "status": "moved", "updated_at": now,
              "remind_at": reminder_due(start, doc.get("remind", False), settings, now), "reminder_sent_at": None}
    await db.appointments.update_one({"_id": doc["_id"]}, {"$set": fields, "$push": {"moves": {"from": doc["start"], "at": now, "by": by}}})
    await events.emit(db, bus, EventType.APPOINTMENT_MOVED, doc.get("conversation_id"), appointment=doc["_id"],
                      product=doc["product"], by=by, channel=doc.get("channel"))
    return {**doc, **fields}


async def cancel(
    db: AsyncIOMotorDatabase, book_: AppointmentBook, reference: str, proof: ContactDetails | None, by: str,
    bus: Any = None,
) -> dict[str, Any]:
    doc = await find(db, reference, proof)
    try:
        await book_.cancel(doc["calendar"], doc["_id"])
    except CalendarUnavailable as exc:
        raise AppointmentError(503, "calendar_unavailable", "De agenda is even niet bereikbaar. Probeer het zo opnieuw.") from exc
    now = utcnow()
    res = await db.appointments.update_one(
        {"_id": doc["_id"], "status": {"$in": list(ACTIVE)}},
        {"$set": {"status": "cancelled", "cancelled_by": by, "updated_at": now, "remind_at": None}},
    )
    await db.appointment_seats.delete_one({"_id": doc["seat"], "reference": doc["_id"]})
    if res.modified_count:
        await events.emit(db, bus, EventType.APPOINTMENT_CANCELLED, doc.get("conversation_id"), appointment=doc["_id"],
                          product=doc["product"], by=by, channel=doc.get("channel"))
    return {**doc, "status": "cancelled", "updated_at": now}


def confirmation(doc: dict[str, Any], bring: list[str]) -> str:
    """The resident's confirmation in plain Dutch."""
    items = " ".join(bring) if bring else "een geldig identiteitsbewijs."
    return (f"Uw afspraak staat vast: {slots.spoken(doc['start'])} in het {doc['location']}. "
            f"Neem mee: {items} Uw kenmerk is {doc['_id']}. Bewaar dit kenmerk: u heeft het nodig om de afspraak te "
            f"verzetten of af te zeggen.")


def view(doc: dict[str, Any], bring: list[str] | None = None, private: bool = False) -> dict[str, Any]:
    body = {
        "reference": doc["_id"], "product": doc["product"], "product_name": doc.get("product_name"),
        "start": doc["start"].isoformat(), "end": doc["end"].isoformat(), "when": slots.spoken(doc["start"]),
        "place": doc["location"], "status": doc["status"], "remind": doc.get("remind", False),
    }
    if bring is not None:
        body["bring"] = bring
        body["confirmation"] = confirmation(doc, bring)
    if private:
        body.update({
            "contact_id": doc.get("contact_id"), "conversation_id": doc.get("conversation_id"),
            "channel": doc.get("channel"), "calendar": doc.get("calendar"), "created_by": doc.get("created_by"),
            "created_at": doc["created_at"].isoformat(), "updated_at": doc["updated_at"].isoformat(),
            "reminder_sent_at": doc["reminder_sent_at"].isoformat() if doc.get("reminder_sent_at") else None,
        })
    return body


async def for_contact(db: AsyncIOMotorDatabase, contact_id: str, upcoming_only: bool = True) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"contact_id": contact_id}
    if upcoming_only:
        query.update({"status": {"$in": list(ACTIVE)}, "start": {"$gte": utcnow()}})
    return await db.appointments.find(query).sort("start", 1).to_list(200)
