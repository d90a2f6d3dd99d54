"""Callback requests (terugbelnotities): a resident asks to be called back.

A request has a subject, a phone number, a preferred part of the day, the department or
employee it is assigned to, and a deadline: two working days (``KCC_CALLBACK_WORKING_DAYS``;
weekends and Dutch public holidays skipped, see ``hub.core.workdays``). Each call attempt is
recorded with its outcome: ``done`` closes the request, ``not_reached`` keeps it open
until ``KCC_CALLBACK_MAX_ATTEMPTS`` attempts failed (then it closes as not reached).
Open requests past their deadline are flagged overdue for supervisors.

**Owner and backup.** A request assigned to an employee (its owner) may name a backup
colleague. When the deadline passes, the request moves to the backup (``escalated``: from,
to, when) and is flagged overdue. Once it has an owner, only the owner, the backup or a
supervisor may record attempts. A request that closes (done, or not reached) is marked for the
outbox, which sets its interne taak in Klantinteracties to ``verwerkt``.

The phone number becomes one of the contact's identity keys (when no other contact has
it), so a later WhatsApp message or call from that number lands on the same contact.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Literal

from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel, Field, field_validator
from pymongo import ReturnDocument

from hub.contacts import store as contacts
from hub.core import events, identifiers, workdays
from hub.core.event_types import EventType
from hub.core.models import new_id, utcnow
from hub.core.settings import Settings, get_settings

log = logging.getLogger(__name__)

DayPart = Literal["ochtend", "middag", "geen_voorkeur"]
Outcome = Literal["done", "not_reached"]
OPEN = "open"
STATUSES = (OPEN, "done", "not_reached")
DAY_PART_LABELS = {"ochtend": "'s ochtends (9.00 - 12.00 uur)", "middag": "'s middags (12.00 - 17.00 uur)", "geen_voorkeur": "geen voorkeur"}


class CallbackError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


class NewCallback(BaseModel):
    phone: str = Field(min_length=6, max_length=32)
    subject: str = Field(min_length=1, max_length=500)
    day_part: DayPart = "geen_voorkeur"
    contact_id: str | None = Field(None, max_length=64)
    conversation_id: str | None = Field(None, max_length=64)
    department: str | None = Field(None, max_length=64)
    employee: str | None = Field(None, max_length=64)
    backup: str | None = Field(None, max_length=64)

    @field_validator("day_part", mode="before")
    @classmethod
    def spaced(cls, value: Any) -> Any:
        """The bot says "geen voorkeur"; None means no preference."""
        if value is None:
            return "geen_voorkeur"
        return value.strip().lower().replace(" ", "_") if isinstance(value, str) else value


class Attempt(BaseModel):
    outcome: Outcome
    note: str | None = Field(None, max_length=1000)


async def create_callback(
    db: AsyncIOMotorDatabase,
    phone: str,
    subject: str,
    day_part: str = "geen_voorkeur",
    contact_id: str | None = None,
    conversation_id: str | None = None,
    created_by: str = "bot",
    department: str | None = None,
    employee: str | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
    backup: str | None = None,
) -> dict[str, Any]:
    """Store a callback request; returns it (``due_at`` is the deadline, UTC).

    Raises ``CallbackError`` (422) for a phone number that is not a phone number.
    """
    try:
        body = NewCallback.model_validate(
            {"phone": phone, "subject": subject, "day_part": day_part, "contact_id": contact_id,
             "conversation_id": conversation_id, "department": department, "employee": employee, "backup": backup}
        )
    except ValueError as exc:
        raise CallbackError(422, "invalid_callback", "De gegevens van het terugbelverzoek kloppen niet.", detail=str(exc)[:300]) from exc
    return await open_callback(db, body, created_by, settings, now)


async def open_callback(
    db: AsyncIOMotorDatabase, body: NewCallback, created_by: str, settings: Settings | None = None, now: datetime | None = None
) -> dict[str, Any]:
    settings = settings or get_settings()
    phone = identifiers.normalize_phone(body.phone)
    if not phone:
        raise CallbackError(422, "invalid_phone", "Dit telefoonnummer klopt niet. Gebruik bijvoorbeeld 06 12345678.")
    contact_id = body.contact_id
    if body.conversation_id:
        conv = await db.conversations.find_one({"_id": body.conversation_id}, {"contact_id": 1})
        if not conv:
            raise CallbackError(404, "unknown_conversation", "Dit gesprek bestaat niet.")
        contact_id = contact_id or conv.get("contact_id")
    if contact_id:
        if not await db.contacts.find_one({"_id": contact_id}, {"_id": 1}):
            raise CallbackError(404, "unknown_contact", "Dit contact bestaat niet.")
        await contacts.add_addresses(db, contact_id, [f"phone:{phone}"])
    else:
        contact_id = await contacts.link(db, [f"phone:{phone}"])
    now = now or utcnow()
    doc = {
        "_id": new_id(),
        "subject": body.subject,
        "phone": phone,
        "day_part": body.day_part,
        "contact_id": contact_id,
        "conversation_id": body.conversation_id,
        "department": body.department or ("kcc" if not body.employee else None),
        "employee": body.employee,
        "backup": body.backup,
        "status": OPEN,
        "attempts": [],
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
        "due_at": workdays.from_settings(settings).due_at(now, settings.callback_working_days),
        "overdue": False,
        "sync": {"klantinteracties": "pending"},
    }
    await db.callbacks.insert_one(doc)
    await events.emit(db, None, EventType.CALLBACK_CREATED, body.conversation_id, callback_id=doc["_id"], by=created_by)
    return doc


async def record_attempt(
    db: AsyncIOMotorDatabase, callback_id: str, attempt: Attempt, by: str, settings: Settings | None = None,
    supervisor: bool = True,
) -> dict[str, Any]:
    """One call attempt; ``done`` closes, the last allowed ``not_reached`` closes as not reached.

    With an owner set, only the owner, the backup or a supervisor (``supervisor``) may record one.
    """
    settings = settings or get_settings()
    current = await db.callbacks.find_one({"_id": callback_id})
    if not current:
        raise CallbackError(404, "unknown_callback", "Dit terugbelverzoek bestaat niet.")
    if current["status"] != OPEN:
        raise CallbackError(409, "callback_closed", "Dit terugbelverzoek is al afgesloten.")
    if current.get("employee") and not supervisor and by not in (current["employee"], current.get("backup")):
        raise CallbackError(403, "not_your_callback", "Dit terugbelverzoek is van een collega. Vraag het aan de eigenaar of de teamleider.")
    now = utcnow()
    tries = len(current["attempts"]) + 1
    status = OPEN
    if attempt.outcome == "done":
        status = "done"
    elif tries >= settings.callback_max_attempts:
        status = "not_reached"
    doc = await db.callbacks.find_one_and_update(
        {"_id": callback_id, "status": OPEN, "attempts": {"$size": tries - 1}},
        {
            "$push": {"attempts": {"at": now, "by": by, "outcome": attempt.outcome, "note": attempt.note}},
            "$set": {"status": status, "updated_at": now,
                     **({"closed_at": now, "sync.klantinteracties_close": "pending"} if status != OPEN else {})},
        },
        return_document=ReturnDocument.AFTER,
    )
    if not doc:
        raise CallbackError(409, "changed_meanwhile", "Iemand anders heeft dit verzoek net bijgewerkt. Laad het opnieuw.")
    await events.emit(db, None, EventType.CALLBACK_ATTEMPT, doc.get("conversation_id"), callback_id=callback_id, outcome=attempt.outcome, by=by)
    return doc


async def assign(
    db: AsyncIOMotorDatabase, callback_id: str, department: str | None, employee: str | None, backup: str | None = None
) -> dict[str, Any]:
    doc = await db.callbacks.find_one_and_update(
        {"_id": callback_id},
        {"$set": {"department": department, "employee": employee, "backup": backup, "updated_at": utcnow()}},
        return_document=ReturnDocument.AFTER,
    )
    if not doc:
        raise CallbackError(404, "unknown_callback", "Dit terugbelverzoek bestaat niet.")
    return doc


def is_overdue(doc: dict[str, Any], now: datetime | None = None) -> bool:
    return doc["status"] == OPEN and (now or utcnow()) > doc["due_at"]


def view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["_id"],
        "subject": doc["subject"],
        "phone": doc["phone"],
        "day_part": doc["day_part"],
        "day_part_label": DAY_PART_LABELS[doc["day_part"]],
        "contact_id": doc.get("contact_id"),
        "conversation_id": doc.get("conversation_id"),
        "department": doc.get("department"),
        "employee": doc.get("employee"),
        "backup": doc.get("backup"),
        "escalated": {**doc["escalated"], "at": doc["escalated"]["at"].isoformat()} if doc.get("escalated") else None,
        "status": doc["status"],
        "attempts": [
            {"at": a["at"].isoformat(), "by": a["by"], "outcome": a["outcome"], "note": a.get("note")} for a in doc["attempts"]
        ],
        "created_by": doc["created_by"],
        "created_at": doc["created_at"].isoformat(),
        "due_at": doc["due_at"].isoformat(),
        "overdue": is_overdue(doc),
    }


async def flag_overdue(db: AsyncIOMotorDatabase, now: datetime | None = None) -> list[dict[str, Any]]:
    """Mark open requests past their deadline, moving each to its backup; returns the ones newly flagged."""
    now = now or utcnow()
    found = await db.callbacks.find({"status": OPEN, "due_at": {"$lt": now}, "overdue": False}).to_list(500)
    if found:
        await db.callbacks.update_many({"_id": {"$in": [d["_id"] for d in found]}}, {"$set": {"overdue": True, "overdue_at": now}})
    for doc in found:
        if doc.get("backup") and doc["backup"] != doc.get("employee"):
            escalated = {"from": doc.get("employee"), "to": doc["backup"], "at": now}
            await db.callbacks.update_one(
                {"_id": doc["_id"], "status": OPEN}, {"$set": {"employee": doc["backup"], "escalated": escalated, "updated_at": now}}
            )
            doc.update(employee=doc["backup"], escalated=escalated)
            log.info("callback escalated to the backup", extra={"callback_id": doc["_id"]})
    return found
