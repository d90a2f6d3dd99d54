"""Rights of residents (AVG/GDPR): export everything held about a contact, erase it on request.

**Export** (art. 15/20): the contact record (and the contacts merged into it), its
conversations, messages (attachments as metadata, never their bytes), cases, callback
requests, contact moments, satisfaction scores and the audit entries about it, as JSON.

**Erasure** (art. 17): messages are deleted (with the stored attachment files no other
message uses), the contact's details (name, BSN, KvK, identity keys such as phone, e-mail
and chat addresses) are removed, cases and callback requests lose their description,
location, phone number and notes, conversations keep only what the statistics need
(channel, team, topic, times, outcome, score). The event log keeps its anonymous counts
and durations: only the contact ids some events carry are removed, so every figure stays
the same. Audit entries are kept (they hold no personal data, only the contact's id, and
show who did what). Cases held in an external Zaken API are out of scope: the municipality
erases them there.

A **tombstone** remains: the contact document itself (``kind: "erased"``, no identifiers)
and an ``erasures`` record with salted hashes of its identifiers. When the same person
comes back, the hub links them to a new, empty contact (the tombstone has no keys to
match), and ``earlier_erasures`` tells staff that an earlier history was erased on request,
so nobody restores it from memory or another system by mistake.

Conversation and message scrubbing here is shared with the retention job (``hub.gdpr.retention``).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from handover import agents
from hub.cases.store import CLOSED as CASE_CLOSED
from hub.core import events
from hub.core.models import new_id, utcnow
from hub.gdpr.bot_memory import BotMemory
from hub.privacy import audit
from hub.privacy.audit import AuditEntry
from knowledge.unanswered import scrub as scrub_question

log = logging.getLogger(__name__)

ERASED = "[verwijderd op verzoek]"
ANONYMISED = "[geanonimiseerd]"
# contact events that name contacts (hub.contacts.store); no statistic reads these fields
CONTACT_EVENT_FIELDS = ("contact_id", "other_contact_id", "target_id", "source_id")
# conversation fields that may hold personal data (handover summary slots, callback numbers, Slack threads)
CONVERSATION_PERSONAL = ("handover.summary", "callback_request", "slack", "thread_key", "wait_notice", "resident_seen_at")


class PrivacyError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


# ---------------------------------------------------------------------- what belongs to a contact
async def contact_ids(db: AsyncIOMotorDatabase, contact_id: str) -> list[str]:
    """The contact and every contact merged into it (directly or through another merge)."""
    ids, frontier = [contact_id], [contact_id]
    while frontier:
        found = await db.contacts.distinct("_id", {"merged_into": {"$in": frontier}})
        frontier = [i for i in found if i not in ids]
        ids += frontier
    return ids


async def _owned(db: AsyncIOMotorDatabase, ids: list[str]) -> dict[str, list[str]]:
    conv_ids = await db.conversations.distinct("_id", {"contact_id": {"$in": ids}})
    return {
        "conversations": conv_ids,
        "cases": await db.cases.distinct("_id", {"$or": [{"contact_id": {"$in": ids}}, {"conversation_ids": {"$in": conv_ids}}]}),
        "callbacks": await db.callbacks.distinct("_id", {"$or": [{"contact_id": {"$in": ids}}, {"conversation_id": {"$in": conv_ids}}]}),
        "appointments": await db.appointments.distinct(
            "_id", {"$or": [{"contact_id": {"$in": ids}}, {"conversation_id": {"$in": conv_ids}}]}
        ),
    }


def _message_filter(ids: list[str], conv_ids: list[str]) -> dict[str, Any]:
    return {"$or": [{"contact_id": {"$in": ids}}, {"conversation_id": {"$in": conv_ids}}]}


# ---------------------------------------------------------------------- export
def jsonable(value: Any) -> Any:
    """Mongo documents as JSON: datetimes in ISO 8601 (UTC), bytes left out."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if not isinstance(v, bytes | bytearray)}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


async def export(db: AsyncIOMotorDatabase, contact_id: str, actor: str, reason: str) -> dict[str, Any]:
    """Everything held about a contact; the export itself is written to the audit log."""
    contact = await db.contacts.find_one({"_id": contact_id})
    if contact is None:
        raise PrivacyError(404, "unknown_contact", "Dit contact bestaat niet.")
    ids = await contact_ids(db, contact_id)
    owned = await _owned(db, ids)
    conv_ids = owned["conversations"]
    convs = await db.conversations.find({"_id": {"$in": conv_ids}}).sort("created_at", 1).to_list(None)
    messages = await db.messages.find(_message_filter(ids, conv_ids)).sort([("created_at", 1), ("seq", 1)]).to_list(None)
    for msg in messages:
        msg.get("metadata", {}).pop("identity_token", None)  # never stored, but never exported either
    moments = [
        {"conversation_id": c["_id"], "channel": c["channel"], "at": c["created_at"], "outcome": c.get("outcome"),
         **next((m.get("metadata", {}).get("contact_moment", {}) for m in messages if m.get("conversation_id") == c["_id"]), {})}
        for c in convs if c.get("contact_moment")
    ]
    body = {
        "exported_at": utcnow(),
        "contact": contact,
        "merged_contacts": await db.contacts.find({"_id": {"$in": ids[1:]}}).to_list(None),
        "conversations": convs,
        "messages": messages,
        "attachments": await _attachment_metadata(db, messages),
        "cases": await db.cases.find({"_id": {"$in": owned["cases"]}}).sort("created_at", 1).to_list(None),
        "callbacks": await db.callbacks.find({"_id": {"$in": owned["callbacks"]}}).sort("created_at", 1).to_list(None),
        "appointments": await db.appointments.find({"_id": {"$in": owned["appointments"]}}).sort("start", 1).to_list(None),
        "contact_moments": moments,
        "satisfaction": [{"conversation_id": c["_id"], **c["satisfaction"]} for c in convs if c.get("satisfaction")],
        "audit": [e for cid in ids for e in await audit.for_contact(db, cid, limit=10_000)],
        "earlier_erasures": await erased_before(db, _identity_keys(contact)),
    }
    await audit.record(db, AuditEntry(
        actor=actor, action="contact.export", contact_id=contact_id, reason=reason,
        detail={"conversations": len(convs), "messages": len(messages)},
    ))
    log.info("contact exported", extra={"contact_id": contact_id, "by": actor})
    return jsonable(body)


async def _attachment_metadata(db: AsyncIOMotorDatabase, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    stored = sorted({a["stored_id"] for m in messages for a in m.get("attachments", []) if a.get("stored_id")})
    cursor = db.attachments.find({"_id": {"$in": stored}}, {"content": 0})
    return [doc async for doc in cursor]


# ---------------------------------------------------------------------- tombstones
async def _salt(db: AsyncIOMotorDatabase) -> str:
    doc = await db.privacy_state.find_one({"_id": "salt"})
    if doc is None:
        await db.privacy_state.update_one(
            {"_id": "salt"}, {"$setOnInsert": {"value": secrets.token_hex(16), "at": utcnow()}}, upsert=True
        )
        doc = await db.privacy_state.find_one({"_id": "salt"})
    return str(doc["value"])


def _identity_keys(contact: dict[str, Any]) -> list[str]:
    keys = list(contact.get("addresses") or [])
    keys += [f"{f}:{contact[f]}" for f in ("bsn", "org_key") if contact.get(f)]
    return keys


async def _hashes(db: AsyncIOMotorDatabase, keys: list[str]) -> list[str]:
    salt = await _salt(db)
    return sorted({hashlib.sha256(f"{salt}:{k}".encode()).hexdigest() for k in keys})


async def erased_before(db: AsyncIOMotorDatabase, keys: list[str]) -> list[dict[str, Any]]:
    """Erasures whose contact had one of these identity keys (``bsn:...``, ``phone:...``, ...)."""
    if not keys:
        return []
    cursor = db.erasures.find({"key_hashes": {"$in": await _hashes(db, keys)}}, {"key_hashes": 0, "reason": 0})
    return [{"erasure_id": d["_id"], "at": d["at"], "contact_id": d["contact_id"]} async for d in cursor]


# ---------------------------------------------------------------------- scrubbing (shared with retention)
async def scrub_messages(db: AsyncIOMotorDatabase, query: dict[str, Any], mode: str, text: str) -> tuple[int, list[str]]:
    """Delete (``mode="delete"``) or empty the messages matching ``query``; returns (count, attachment ids)."""
    stored: set[str] = set()
    async for msg in db.messages.find({**query, "attachments.stored_id": {"$exists": True}}, {"attachments": 1}):
        stored.update(a["stored_id"] for a in msg.get("attachments", []) if a.get("stored_id"))
    if mode == "delete":
        count = (await db.messages.delete_many(query)).deleted_count
    else:
        res = await db.messages.update_many(
            query,
            {"$set": {"text": text, "attachments": [], "address": None, "contact_id": None, "payload": None,
                      "location": None, "metadata": {}, "anonymised_at": utcnow()},
             "$unset": {"channel_message_id": "", "delivery.error": ""}},
        )
        count = res.matched_count
    return count, sorted(stored)


async def drop_unused_attachments(db: AsyncIOMotorDatabase, stored_ids: list[str]) -> int:
    """Delete stored files that no message and no case refers to any more."""
    dropped = 0
    for stored_id in stored_ids:
        used = await db.messages.count_documents({"attachments.stored_id": stored_id}, limit=1)
        used = used or await db.cases.count_documents({"attachments.stored_id": stored_id}, limit=1)
        if not used:
            dropped += (await db.attachments.delete_one({"_id": stored_id})).deleted_count
    return dropped


async def scrub_conversations(db: AsyncIOMotorDatabase, conv_ids: list[str], mode: str) -> int:
    """Delete the conversations, or keep them without address, contact and personal fields.

    The event log (the statistics' only source) keeps its counts and durations; contact ids
    some events carry are removed. Files agents sent in these conversations are deleted.
    """
    if not conv_ids:
        return 0
    await db.files.delete_many({"conversation_id": {"$in": conv_ids}})
    await events.erase_field(db, "contact_id", {"conversation_id": {"$in": conv_ids}, "contact_id": {"$exists": True}})
    # an open conversation with an agent: the agent gets the slot back
    async for conv in db.conversations.find({"_id": {"$in": conv_ids}, "state": {"$ne": "closed"}, "assignee": {"$ne": None}},
                                            {"assignee": 1}):
        await agents.release(db, conv["assignee"], conv["_id"])
    if mode == "delete":
        return (await db.conversations.delete_many({"_id": {"$in": conv_ids}})).deleted_count
    res = await db.conversations.update_many(
        {"_id": {"$in": conv_ids}},
        [{"$set": {
            "address": None, "contact_id": None, "anonymised_at": utcnow(),
            # an open conversation is closed without an event (no figure changes); the next message opens a new one
            "open_key": {"$concat": ["closed:", "$_id"]},
            "state": "closed",
            "closed_at": {"$ifNull": ["$closed_at", "$$NOW"]},
        }}, {"$unset": list(CONVERSATION_PERSONAL)}],
    )
    return res.matched_count


# ---------------------------------------------------------------------- erasure
async def erase(
    db: AsyncIOMotorDatabase, contact_id: str, actor: str, reason: str, dry_run: bool = False,
    memory: BotMemory | None = None,
) -> dict[str, Any]:
    """Erase a contact's personal data on request; returns what was (or, dry run, would be) erased.

    ``memory``: what the bot remembers of the contact's conversations (Rasa's trackers) goes too.
    """
    await _check_erasable(db, contact_id)
    ids = await contact_ids(db, contact_id)
    owned = await _owned(db, ids)
    conv_ids = owned["conversations"]
    msg_query = _message_filter(ids, conv_ids)
    report = await _erasure_report(db, contact_id, ids, owned, msg_query, dry_run)
    if dry_run:
        return report
    questions = [
        m["text"] async for m in db.messages.find({**msg_query, "direction": "in", "text": {"$nin": ["", None]}}, {"text": 1})
    ]
    now = utcnow()
    # the tombstone first: if anything below fails, a rerun finds the contact marked and finishes
    erasure_id = await _write_tombstone(db, contact_id, ids, actor, reason, now)
    _, stored = await scrub_messages(db, msg_query, "delete", ERASED)
    report["attachments"] = await drop_unused_attachments(db, stored)
    await scrub_conversations(db, conv_ids, "anonymise")
    await _scrub_cases(db, owned["cases"], now)
    await _scrub_callbacks(db, owned["callbacks"], now)
    await _scrub_appointments(db, owned["appointments"], now)
    report["events_scrubbed"] = await _scrub_contact_events(db, ids)
    report["merges_scrubbed"] = await _scrub_merges(db, ids, now)
    report["unanswered_scrubbed"] = await _scrub_unanswered(db, questions)
    await _erase_identifiers(db, ids, erasure_id, now)
    await db.notices.delete_many({"contact_id": {"$in": ids}})  # case notices queued for them (issue 17)
    # a reply the desk or the bot stored while this ran (the conversation was still open) goes too
    await scrub_messages(db, {"conversation_id": {"$in": conv_ids}}, "delete", ERASED)
    if memory is not None:
        report |= await memory.forget(conv_ids)
    await db.erasures.update_one({"_id": erasure_id}, {"$set": {"done": True}})
    await audit.record(db, AuditEntry(
        actor=actor, action="contact.erase", contact_id=contact_id, reason=reason,
        detail={k: v for k, v in report.items() if k not in ("contact_id", "dry_run")} | {"erasure_id": erasure_id},
    ))
    log.info("contact erased", extra={"contact_id": contact_id, "erasure_id": erasure_id, "by": actor})
    return {**report, "erasure_id": erasure_id}


async def _check_erasable(db: AsyncIOMotorDatabase, contact_id: str) -> None:
    """Raises ``PrivacyError`` for an unknown, already erased or merged-away contact."""
    contact = await db.contacts.find_one({"_id": contact_id})
    if contact is None:
        raise PrivacyError(404, "unknown_contact", "Dit contact bestaat niet.")
    if contact.get("kind") == "erased":
        raise PrivacyError(409, "already_erased", "De gegevens van dit contact zijn al verwijderd.")
    if contact.get("merged_into"):
        raise PrivacyError(
            409, "merged_contact", "Dit contact is samengevoegd. Verwijder de gegevens van het contact waarin het is opgegaan.",
            merged_into=contact["merged_into"],
        )


async def _erasure_report(
    db: AsyncIOMotorDatabase, contact_id: str, ids: list[str], owned: dict[str, list[str]],
    msg_query: dict[str, Any], dry_run: bool,
) -> dict[str, Any]:
    """What an erasure of these contacts takes with it (counted before anything is touched)."""
    return {
        "contact_id": contact_id,
        "dry_run": dry_run,
        "contacts": len(ids),
        "conversations": len(owned["conversations"]),
        "messages": await db.messages.count_documents(msg_query),
        "cases": len(owned["cases"]),
        "open_cases": await db.cases.count_documents({"_id": {"$in": owned["cases"]}, "status": {"$nin": CASE_CLOSED}}),
        "callbacks": len(owned["callbacks"]),
        "open_callbacks": await db.callbacks.count_documents({"_id": {"$in": owned["callbacks"]}, "status": "open"}),
        "external_cases": await db.cases.count_documents({"_id": {"$in": owned["cases"]}, "external.zaak_url": {"$exists": True}}),
    }


async def _write_tombstone(
    db: AsyncIOMotorDatabase, contact_id: str, ids: list[str], actor: str, reason: str, now: datetime
) -> str:
    """The ``erasures`` record (salted hashes of the contacts' identity keys), not done yet; returns its id."""
    contacts_before = await db.contacts.find({"_id": {"$in": ids}}).to_list(None)
    keys = [k for c in contacts_before for k in _identity_keys(c)]
    erasure_id = new_id()
    await db.erasures.insert_one({
        "_id": erasure_id, "contact_id": contact_id, "contact_ids": ids, "at": now, "by": actor, "reason": reason,
        "key_hashes": await _hashes(db, keys), "done": False,
    })
    return erasure_id


async def _scrub_cases(db: AsyncIOMotorDatabase, case_ids: list[str], now: datetime) -> None:
    """Cases lose description, location, reporter, attachments and status notes; a pending Zaken push is dropped."""
    await db.cases.update_many(
        {"_id": {"$in": case_ids}},
        [{"$set": {
            "description": ERASED, "location": None, "reporter_contact": None, "attachments": [], "contact_id": None,
            "erased_at": now,
            "sync.zaken": {"$cond": [{"$eq": ["$sync.zaken", "pending"]}, "erased", "$sync.zaken"]},
            "status_history": {"$map": {"input": {"$ifNull": ["$status_history", []]}, "in": {"$mergeObjects": ["$$this", {"note": None}]}}},
        }}],
    )


async def _scrub_callbacks(db: AsyncIOMotorDatabase, callback_ids: list[str], now: datetime) -> None:
    """Callback requests lose phone, subject and attempt notes; an open one ends as not reached."""
    await db.callbacks.update_many(
        {"_id": {"$in": callback_ids}},
        [{"$set": {
            "phone": None, "subject": ERASED, "contact_id": None, "erased_at": now,
            "sync.klantinteracties": {"$cond": [{"$eq": ["$sync.klantinteracties", "pending"]}, "erased", "$sync.klantinteracties"]},
            "status": {"$cond": [{"$eq": ["$status", "open"]}, "not_reached", "$status"]},
            "attempts": {"$map": {"input": {"$ifNull": ["$attempts", []]}, "in": {"$mergeObjects": ["$$this", {"note": None}]}}},
        }}],
    )


async def _scrub_appointments(db: AsyncIOMotorDatabase, references: list[str], now: datetime) -> None:
    """Appointments lose e-mail address, phone number and contact; no reminder goes out any more.
    The calendar event stays: it holds no personal data (``connectors/calendar.py``)."""
    await db.appointments.update_many(
        {"_id": {"$in": references}},
        {"$set": {"email": None, "phone": None, "contact_id": None, "remind": False, "remind_at": None, "erased_at": now}},
    )


async def _scrub_contact_events(db: AsyncIOMotorDatabase, ids: list[str]) -> int:
    """Removes these contact ids from the events that name them; returns how many events changed."""
    scrubbed = 0
    for field in CONTACT_EVENT_FIELDS:
        scrubbed += await events.erase_field(db, field, {field: {"$in": ids}})
    return scrubbed


async def _scrub_merges(db: AsyncIOMotorDatabase, ids: list[str], now: datetime) -> int:
    """Merge records of these contacts keep no moved addresses, identifiers or former name."""
    res = await db.contact_merges.update_many(
        {"$or": [{"target_id": {"$in": ids}}, {"source_id": {"$in": ids}}]},
        {"$set": {"moved_addresses": [], "source_identifiers": {}, "target_before.name": None,
                  "target_before.identifiers": {}, "erased_at": now}},
    )
    return res.modified_count


async def _erase_identifiers(db: AsyncIOMotorDatabase, ids: list[str], erasure_id: str, now: datetime) -> None:
    """The contacts become tombstones: ``kind: "erased"``, no addresses, name, BSN or KvK."""
    identifiers = ("name", "bsn", "kvk", "vestigingsnummer", "org_key", "identified_at", "brp", "kvk_profile", "consents")
    await db.contacts.update_many(
        {"_id": {"$in": ids}},
        {"$set": {"kind": "erased", "addresses": [], "erased_at": now, "erasure_id": erasure_id, "updated_at": now},
         "$unset": dict.fromkeys(identifiers, "")},
    )


async def _scrub_unanswered(db: AsyncIOMotorDatabase, texts: list[str]) -> int:
    """The bot's unanswered-question list keeps scrubbed examples: drop the ones this resident typed."""
    cleaned = sorted({scrub_question(t) for t in texts} - {""})
    if not cleaned:
        return 0
    res = await db.unanswered.update_many({"examples": {"$in": cleaned}}, {"$pull": {"examples": {"$in": cleaned}}})
    await db.unanswered.update_many({"text": {"$in": cleaned}}, {"$set": {"text": ERASED}})
    return res.modified_count
