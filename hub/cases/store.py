"""Cases (zaken): what the municipality owes a resident after a conversation.

A case has a human-readable unique number (``Z-2026-000123``, from an atomic counter per
year), a case type, a status with its history, the conversations and attachments it came
from, the responsible department, a confidentiality level (the ZGW scale, ``openbaar`` …
``zeer_geheim``) and a social-domain flag. The bot creates cases (melding openbare ruimte),
an agent can create one from any conversation.

Every case event (received, a status change, a missing document, decided) is queued as a
notice (``hub.cases.notices``) for the resident; the notifier sends it on the channel the
resident chose, and only with their consent. The message names the case number and the new
status only; for social-domain or confidential cases it says no more than that there is news.

Every case gets an answer deadline of five working days (``KCC_ANSWER_WORKING_DAYS``); open
cases past it are flagged overdue.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any, Literal

from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel, Field, model_validator
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.cases import notices
from hub.contacts import store as contacts
from hub.core import events, identifiers, workdays
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.models import Attachment, new_id, utcnow
from hub.core.settings import Settings, get_settings
from hub.privacy import need_to_know

log = logging.getLogger(__name__)

Confidentiality = Literal[
    "openbaar", "beperkt_openbaar", "intern", "zaakvertrouwelijk", "vertrouwelijk", "confidentieel", "geheim", "zeer_geheim"
]
NUMBER_RE = re.compile(r"^[A-Z]{1,4}-\d{4}-\d{6}$")


class CaseType(BaseModel):
    title: str
    noun: str = Field(description="how the resident calls it: 'melding', 'aanvraag', 'vraag'")
    department: str
    confidentiality: Confidentiality = "zaakvertrouwelijk"
    social_domain: bool = False


CASE_TYPES: dict[str, CaseType] = {
    "melding-openbare-ruimte": CaseType(
        title="Melding openbare ruimte", noun="melding", department="beheer-openbare-ruimte", confidentiality="intern"
    ),
    "vraag": CaseType(title="Vraag die uitzoekwerk vraagt", noun="vraag", department="kcc"),
    "klacht": CaseType(title="Klacht", noun="klacht", department="klachtencoordinatie", confidentiality="vertrouwelijk"),
    "terugkoppeling-vergunning": CaseType(title="Vraag over een vergunning", noun="vraag", department="vergunningen"),
    "wmo-melding": CaseType(
        title="Melding Wmo (hulp en ondersteuning)", noun="aanvraag", department="sociaal-domein",
        confidentiality="vertrouwelijk", social_domain=True,
    ),
    "schuldhulp": CaseType(
        title="Vraag over schulden", noun="aanvraag", department="sociaal-domein",
        confidentiality="vertrouwelijk", social_domain=True,
    ),
}

Status = Literal["ontvangen", "in_behandeling", "wacht_op_inwoner", "afgehandeld", "ingetrokken"]
CLOSED: list[str] = ["afgehandeld", "ingetrokken"]
STATUS_LABELS: dict[str, str] = {
    "ontvangen": "ontvangen",
    "in_behandeling": "in behandeling",
    "wacht_op_inwoner": "wacht op informatie van u",
    "afgehandeld": "afgehandeld",
    "ingetrokken": "ingetrokken",
}
# What the resident reads, B1: short sentences, the number, what happens next.
STATUS_TEXTS: dict[str, str] = {
    "ontvangen": "Wij hebben uw {noun} ontvangen. Het nummer is {number}.",
    "in_behandeling": "Uw {noun} met nummer {number} is nu in behandeling. Een medewerker van de gemeente werkt eraan.",
    "wacht_op_inwoner": (
        "Voor uw {noun} met nummer {number} hebben wij nog informatie van u nodig. "
        "Een medewerker neemt contact met u op."
    ),
    "afgehandeld": "Uw {noun} met nummer {number} is afgehandeld. Bedankt voor uw bericht.",
    "ingetrokken": "Uw {noun} met nummer {number} is gestopt. Heeft u nog vragen? Stuur ons gerust een bericht.",
}
DISCREET_TEXT = (
    "Er is nieuws over uw {noun} met nummer {number}. "
    "Log in op de website van de gemeente om het te lezen, of bel ons."
)


class CaseError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


class CaseLocation(BaseModel):
    """Where it is: a point (shared location), an address as the resident typed it, or both."""

    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    address: str | None = Field(None, max_length=300)

    @model_validator(mode="before")
    @classmethod
    def flatten(cls, data: Any) -> Any:
        """Accept ``{"address", "point": {"latitude", "longitude"}}`` and ``label`` (a shared location's name)."""
        if isinstance(data, dict):
            data = dict(data)
            point = data.pop("point", None)
            if isinstance(point, dict):
                data.setdefault("latitude", point.get("latitude"))
                data.setdefault("longitude", point.get("longitude"))
            label = data.pop("label", None)
            if label and not data.get("address"):
                data["address"] = label
        return data

    @model_validator(mode="after")
    def complete(self) -> CaseLocation:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude go together")
        if self.latitude is None and not self.address:
            raise ValueError("a location needs a point or an address")
        return self


class NewCase(BaseModel):
    """What it takes to open a case (API body and the bot's call)."""

    kind: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=1, max_length=4000)
    location: CaseLocation | None = None
    reporter_contact: str | None = Field(None, max_length=200, description="phone or e-mail the resident gave for questions")
    contact_id: str | None = Field(None, max_length=64)
    conversation_id: str | None = Field(None, max_length=64)
    channel: str | None = Field(None, max_length=32)
    department: str | None = Field(None, max_length=64)
    confidentiality: Confidentiality | None = None
    social_domain: bool | None = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


# ---------------------------------------------------------------------- numbers
async def next_number(db: AsyncIOMotorDatabase, settings: Settings | None = None, now: datetime | None = None) -> str:
    """``Z-2026-000123``: a per-year counter, incremented atomically (no two cases share a number)."""
    settings = settings or get_settings()
    year = (now or utcnow()).astimezone(workdays.TZ).year
    key = f"case-{year}"
    # Create the year's counter first (a concurrent creator just wins), then increment it without
    # upsert: an upserting increment can come back empty under concurrency on some servers.
    if not await db.counters.find_one({"_id": key}, {"_id": 1}):
        try:
            await db.counters.insert_one({"_id": key, "seq": 0})
        except DuplicateKeyError:
            pass
    for _ in range(3):
        counter = await db.counters.find_one_and_update({"_id": key}, {"$inc": {"seq": 1}}, return_document=ReturnDocument.AFTER)
        if counter:
            return f"{settings.case_number_prefix}-{year}-{counter['seq']:06d}"
    raise RuntimeError("could not draw a case number")


# ---------------------------------------------------------------------- create and read
async def create_case(
    db: AsyncIOMotorDatabase,
    kind: str,
    description: str,
    location: dict[str, Any] | None = None,
    contact_id: str | None = None,
    conversation_id: str | None = None,
    channel: str | None = None,
    created_by: str = "bot",
    attachments: list[dict[str, Any]] | None = None,
    department: str | None = None,
    confidentiality: str | None = None,
    social_domain: bool | None = None,
    reporter_contact: str | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Open a case; returns the stored case (``number`` is what the resident gets to see).

    Raises ``CaseError`` (422) for an unknown case type or bad fields.
    """
    try:
        body = NewCase.model_validate(
            {
                "kind": kind, "description": description, "location": location, "contact_id": contact_id,
                "conversation_id": conversation_id, "channel": channel, "department": department,
                "confidentiality": confidentiality, "social_domain": social_domain, "attachments": attachments or [],
                "reporter_contact": reporter_contact,
            }
        )
    except ValueError as exc:
        raise CaseError(422, "invalid_case", "De gegevens van de zaak kloppen niet.", detail=str(exc)[:300]) from exc
    return await open_case(db, body, created_by, settings)


async def open_case(
    db: AsyncIOMotorDatabase, body: NewCase, created_by: str, settings: Settings | None = None, bus: LiveBus | None = None
) -> dict[str, Any]:
    settings = settings or get_settings()
    case_type = CASE_TYPES.get(body.kind)
    if case_type is None:
        raise CaseError(422, "unknown_case_type", "Dit zaaktype kennen wij niet.", allowed=sorted(CASE_TYPES))
    conv = None
    if body.conversation_id:
        conv = await db.conversations.find_one({"_id": body.conversation_id})
        if conv is None:
            raise CaseError(404, "unknown_conversation", "Dit gesprek bestaat niet.")
    contact_id = body.contact_id or (conv or {}).get("contact_id")
    if contact_id and not await db.contacts.find_one({"_id": contact_id}, {"_id": 1}):
        raise CaseError(404, "unknown_contact", "Dit contact bestaat niet.")
    if contact_id and body.reporter_contact:  # the phone / e-mail the resident gave becomes theirs
        keys = identifiers.keys_from_text(body.reporter_contact)
        if keys:
            await contacts.add_addresses(db, contact_id, keys)
    now = utcnow()
    number = await next_number(db, settings, now)
    doc: dict[str, Any] = {
        "_id": new_id(),
        "number": number,
        "kind": body.kind,
        "title": case_type.title,
        "description": body.description,
        "location": body.location.model_dump(exclude_none=True) if body.location else None,
        "reporter_contact": body.reporter_contact,
        "contact_id": contact_id,
        "conversation_ids": [body.conversation_id] if body.conversation_id else [],
        "channel": body.channel or (conv or {}).get("channel"),
        "attachments": [a.model_dump() for a in body.attachments],
        "department": body.department or case_type.department,
        "confidentiality": body.confidentiality or case_type.confidentiality,
        "social_domain": case_type.social_domain if body.social_domain is None else body.social_domain,
        "status": "ontvangen",
        "status_history": [{"status": "ontvangen", "at": now, "by": created_by, "note": None}],
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
        "answer_due_at": workdays.from_settings(settings).due_at(now, settings.answer_working_days),
        "overdue": False,
        "sync": {"zaken": "pending"},
    }
    await db.cases.insert_one(doc)
    await events.emit(db, None, EventType.CASE_CREATED, body.conversation_id, case_number=number, kind=body.kind, by=created_by)
    await need_to_know.mark_for_case(db, body.conversation_id, doc)
    await queue_notice(db, bus, doc, "received")
    log.info("case created", extra={"case_number": number, "kind": body.kind, "by": created_by})
    return doc


async def find_by_number(db: AsyncIOMotorDatabase, number: str) -> dict[str, Any] | None:
    number = number.strip().upper()
    if not NUMBER_RE.match(number):
        return None
    return await db.cases.find_one({"number": number})


async def open_cases_for_contact(db: AsyncIOMotorDatabase, contact_id: str) -> list[dict[str, Any]]:
    """Cases of a contact that are not finished yet, newest first (the bot's 'status' answer)."""
    cursor = db.cases.find({"contact_id": contact_id, "status": {"$nin": CLOSED}}).sort("created_at", -1)
    return await cursor.to_list(50)


def status_text(doc: dict[str, Any]) -> str:
    """The status in words for the resident (the bot's status answer): "in behandeling"."""
    return STATUS_LABELS.get(doc["status"], doc["status"])


def is_overdue(doc: dict[str, Any], now: datetime | None = None) -> bool:
    return doc["status"] not in CLOSED and (now or utcnow()) > doc["answer_due_at"]


def restricted(doc: dict[str, Any]) -> bool:
    """Social-domain and confidential cases: details only for staff with the right."""
    return bool(doc.get("social_domain")) or doc.get("confidentiality") in need_to_know.CONFIDENTIAL_FROM


def view(doc: dict[str, Any], full: bool = True) -> dict[str, Any]:
    """The JSON shape of a case; ``full=False`` hides description, location and attachments."""
    base = {
        "id": doc["_id"],
        "number": doc["number"],
        "kind": doc["kind"],
        "title": doc["title"],
        "status": doc["status"],
        "status_label": STATUS_LABELS[doc["status"]],
        "department": doc["department"],
        "confidentiality": doc["confidentiality"],
        "social_domain": doc["social_domain"],
        "contact_id": doc.get("contact_id"),
        "conversation_ids": doc.get("conversation_ids", []),
        "created_by": doc["created_by"],
        "created_at": doc["created_at"].isoformat(),
        "answer_due_at": doc["answer_due_at"].isoformat(),
        "overdue": is_overdue(doc),
        "status_history": [
            {"status": h["status"], "at": h["at"].isoformat(), "by": h["by"], "note": h.get("note") if full else None}
            for h in doc.get("status_history", [])
        ],
        "restricted": not full,
    }
    if full:
        base.update(
            description=doc["description"], location=doc.get("location"), attachments=doc.get("attachments", []),
            reporter_contact=doc.get("reporter_contact"), external=doc.get("external", {}),
        )
    return base


# ---------------------------------------------------------------------- changes
async def add_conversation(db: AsyncIOMotorDatabase, number: str, conversation_id: str) -> dict[str, Any]:
    conv = await db.conversations.find_one({"_id": conversation_id}, {"_id": 1})
    if not conv:
        raise CaseError(404, "unknown_conversation", "Dit gesprek bestaat niet.")
    doc = await db.cases.find_one_and_update(
        {"number": number},
        {"$addToSet": {"conversation_ids": conversation_id}, "$set": {"updated_at": utcnow()}},
        return_document=ReturnDocument.AFTER,
    )
    if not doc:
        raise CaseError(404, "unknown_case", "Deze zaak bestaat niet.")
    await need_to_know.mark_for_case(db, conversation_id, doc)
    return doc


def resident_text(doc: dict[str, Any], status: str) -> str:
    noun = CASE_TYPES[doc["kind"]].noun if doc["kind"] in CASE_TYPES else "zaak"
    template = DISCREET_TEXT if restricted(doc) else STATUS_TEXTS[status]
    return template.format(noun=noun, number=doc["number"])


async def change_status(
    db: AsyncIOMotorDatabase, number: str, status: str, by: str, note: str | None = None,
    bus: LiveBus | None = None, missing_document: str | None = None,
) -> dict[str, Any]:
    """Record a new status and queue the resident's notice (sent only with their consent)."""
    if status not in STATUS_LABELS:
        raise CaseError(422, "unknown_status", "Deze status bestaat niet.", allowed=list(STATUS_LABELS))
    if missing_document and status != "wacht_op_inwoner":
        raise CaseError(422, "missing_document_needs_status", "Een ontbrekend document hoort bij de status 'wacht_op_inwoner'.")
    current = await db.cases.find_one({"number": number})
    if not current:
        raise CaseError(404, "unknown_case", "Deze zaak bestaat niet.")
    if current["status"] == status:
        raise CaseError(409, "same_status", "De zaak heeft deze status al.")
    if current["status"] in CLOSED:
        raise CaseError(409, "case_closed", "Deze zaak is al afgesloten.")
    now = utcnow()
    doc = await db.cases.find_one_and_update(
        {"number": number, "status": current["status"]},  # a concurrent change wins; this one is refused
        {
            "$set": {"status": status, "updated_at": now, "sync.zaken_status": "pending"},
            "$push": {"status_history": {"status": status, "at": now, "by": by, "note": note}},
        },
        return_document=ReturnDocument.AFTER,
    )
    if not doc:
        raise CaseError(409, "status_changed_meanwhile", "De status is net door iemand anders gewijzigd. Laad de zaak opnieuw.")
    await events.emit(db, bus, EventType.CASE_STATUS, None, case_number=number, status=status, by=by)
    kind = "missing_document" if missing_document else "decided" if status == "afgehandeld" else "status"
    doc["notice"] = notices.view(await queue_notice(db, bus, doc, kind, status=status, document=missing_document))
    return doc


async def queue_notice(
    db: AsyncIOMotorDatabase, bus: LiveBus | None, doc: dict[str, Any], kind: str, status: str | None = None,
    document: str | None = None,
) -> dict[str, Any]:
    """Queue the resident's notice of a case event (``hub.cases.notices``); the notifier checks consent."""
    noun = CASE_TYPES[doc["kind"]].noun if doc["kind"] in CASE_TYPES else "zaak"
    status = status or doc["status"]
    text = notices.notice_text(doc, kind, resident_text(doc, status), restricted(doc), noun, document)
    variables = notices.template_variables(doc, kind, STATUS_LABELS[status], restricted(doc), noun)
    return await notices.queue(db, bus, doc, kind, text, variables)


async def flag_overdue(db: AsyncIOMotorDatabase, now: datetime | None = None) -> list[dict[str, Any]]:
    """Mark open cases past their answer deadline; returns the ones newly flagged."""
    now = now or utcnow()
    query = {"status": {"$nin": CLOSED}, "answer_due_at": {"$lt": now}, "overdue": False}
    found = await db.cases.find(query).to_list(500)
    if found:
        await db.cases.update_many({"_id": {"$in": [d["_id"] for d in found]}}, {"$set": {"overdue": True, "overdue_at": now}})
    return found
