"""Contacts: a person (BSN), an organisation (KvK number + branch) or, until identified, anonymous.

A contact carries its digital addresses as identity keys (``phone:+31612345678``,
``email:jan@example.nl``, ``webchat:<session>``, ``whatsapp:+316...``); a conversation is
linked to the contact that owns one of the keys its channel provides, so the same phone
number on WhatsApp and on a callback request, or the same e-mail address in two mails,
lands on one contact. A valid identity token (see ``hub.contacts.portal_token``) links the conversation
to the person or organisation itself.

Merging moves everything of one contact (addresses, identifiers, conversations, messages,
cases, callback requests) to another and keeps a record so the merge can be undone.
Two different BSNs, KvK numbers or branch numbers, or a person with an organisation, are
never merged: ``MergeRefused`` says which identifiers conflict.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Literal

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.contacts import portal_token as identity
from hub.contacts.portal_token import Identity
from hub.core import events, identifiers
from hub.core.event_types import EventType
from hub.core.models import InboundMessage, new_id, utcnow
from hub.privacy import need_to_know

log = logging.getLogger(__name__)

Kind = Literal["anonymous", "person", "organisation"]
PHONE_CHANNELS = {"whatsapp", "sms", "phone", "telefoon", "voice", "callback"}
IDENTIFIERS = ("bsn", "kvk", "vestigingsnummer", "org_key")  # unique per live contact (org_key)
LIVE = {"merged_into": None}  # contacts that were not merged into another one
IDENTITY_ACTOR = "system:identity"


class ContactError(Exception):
    """A contact operation that cannot be done; ``code`` and Dutch ``message`` go to the client."""

    status = 409

    def __init__(self, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.code, self.message, self.extra = code, message, extra


class ContactNotFound(ContactError):
    status = 404


class MergeRefused(ContactError):
    status = 409


# ---------------------------------------------------------------------- identity keys
def keys_for(channel: str, address: str, extra: list[str] | None = None) -> list[str]:
    """Identity keys for a channel address: the channel key plus the phone or e-mail key it implies.

    The values are normalised by ``hub.core.identifiers`` (the one normaliser).
    """
    keys: list[str | None] = [f"{channel}:{address}"]
    if channel in PHONE_CHANNELS or address.startswith(("+", "whatsapp:+")):
        keys.append(identifiers.phone_key(address))
    if channel == "email" or "@" in address:
        keys.append(identifiers.email_key(address))
    keys += [identifiers.normalize_key(key) for key in extra or []]
    return [k for k in dict.fromkeys(keys) if k]


# ---------------------------------------------------------------------- linking
async def link(db: AsyncIOMotorDatabase, identity_keys: list[str]) -> str:
    """The id of the contact owning one of ``identity_keys``; a new anonymous contact if none does."""
    return await owner(db, identity_keys) or await create_anonymous(db, identity_keys, new_id())


async def owner(db: AsyncIOMotorDatabase, identity_keys: list[str]) -> str | None:
    """The live contact owning one of ``identity_keys`` (given those it lacks), or None."""
    if not identity_keys:
        return None
    found = await db.contacts.find_one({"addresses": {"$in": identity_keys}, **LIVE}, {"addresses": 1})
    if found is None:
        return None
    missing = [k for k in identity_keys if k not in set(found.get("addresses", []))]
    if missing:
        await add_addresses(db, found["_id"], missing)
    return found["_id"]


async def create_anonymous(db: AsyncIOMotorDatabase, identity_keys: list[str], contact_id: str) -> str:
    """A new anonymous contact with ``identity_keys``, under an id chosen beforehand (the pipeline hands it to the bot)."""
    now = utcnow()
    await db.contacts.insert_one(
        {"_id": contact_id, "kind": "anonymous", "addresses": identity_keys, "created_at": now, "updated_at": now}
    )
    return contact_id


async def add_addresses(db: AsyncIOMotorDatabase, contact_id: str, keys: list[str]) -> None:
    """Give ``contact_id`` the keys no other live contact owns (a key never gets two owners here)."""
    owned = await db.contacts.distinct("addresses", {"addresses": {"$in": keys}, "_id": {"$ne": contact_id}, **LIVE})
    free = [k for k in keys if k not in set(owned)]
    if free:
        await db.contacts.update_one(
            {"_id": contact_id}, {"$addToSet": {"addresses": {"$each": free}}, "$set": {"updated_at": utcnow()}}
        )


async def link_inbound(db: AsyncIOMotorDatabase, msg: InboundMessage, current: str | None) -> str:
    """The contact for an inbound message: by identity token when valid, else by its keys.

    ``current`` is the contact the conversation already has (None for a new one).
    """
    keys = keys_for(msg.channel, msg.address, msg.metadata.get("identity_keys", []))
    token = msg.metadata.get("identity_token")
    if not token:
        return current or await link(db, keys)
    found = identity.verify(token)
    await _forget_token(db, msg, verified=found is not None)
    if found is None:
        return current or await link(db, keys)
    return await attach_identity(db, found, keys, current)


async def _forget_token(db: AsyncIOMotorDatabase, msg: InboundMessage, verified: bool = False) -> None:
    """The raw token holds the BSN in clear: keep only the fact that one was presented (and was valid).

    ``metadata.identity_verified`` marks the conversation as identified by DigiD/eHerkenning
    (``hub.gdpr.my_data_log``: "who has looked at my data" answers only then).

    The message was stored a moment ago and is not linked yet (no contact_id): the
    ``contact_history`` index finds it by (contact_id=None, created_at).
    """
    await db.messages.update_many(
        {"contact_id": None, "created_at": msg.received_at, "channel": msg.channel, "address": msg.address},
        {"$unset": {"metadata.identity_token": ""},
         "$set": {"metadata.identity_token_presented": True, "metadata.identity_verified": verified}},
    )


def _identity_filter(ident: Identity) -> dict[str, Any]:
    if ident.kind == "person":
        return {"bsn": ident.bsn}
    return {"org_key": org_key(ident.kvk or "", ident.vestigingsnummer)}


def org_key(kvk: str, vestigingsnummer: str | None) -> str:
    return f"{kvk}:{vestigingsnummer or ''}"


def _identifiers(ident: Identity) -> dict[str, Any]:
    if ident.kind == "person":
        return {"kind": "person", "bsn": ident.bsn}
    fields: dict[str, Any] = {"kind": "organisation", "kvk": ident.kvk, "org_key": org_key(ident.kvk or "", ident.vestigingsnummer)}
    if ident.vestigingsnummer:
        fields["vestigingsnummer"] = ident.vestigingsnummer
    return fields


async def attach_identity(db: AsyncIOMotorDatabase, ident: Identity, keys: list[str], current: str | None) -> str:
    """Link to the person/organisation of ``ident``: upgrade an anonymous contact or merge it in."""
    owner = await db.contacts.find_one({**_identity_filter(ident), **LIVE})
    if current is None:
        found = await db.contacts.find_one({"addresses": {"$in": keys}, **LIVE}, {"_id": 1}) if keys else None
        current = found["_id"] if found else None
    cur = await db.contacts.find_one({"_id": current}) if current else None
    if owner is None:
        if cur is not None and cur["kind"] == "anonymous":
            try:
                await db.contacts.update_one(
                    {"_id": cur["_id"]}, {"$set": {**_identifiers(ident), "identified_at": utcnow(), "updated_at": utcnow()}}
                )
            except DuplicateKeyError:  # another message identified the same person a moment ago
                return await attach_identity(db, ident, keys, current)
            await add_addresses(db, cur["_id"], keys)
            return cur["_id"]
        return await _create_identified(db, ident, keys if cur is None else [])
    if cur is None or cur["_id"] == owner["_id"]:
        await add_addresses(db, owner["_id"], keys)
        return owner["_id"]
    if cur["kind"] == "anonymous":
        await merge(db, owner["_id"], cur["_id"], actor=IDENTITY_ACTOR, reason="ingelogd via DigiD/eHerkenning")
        return owner["_id"]
    # The channel address belongs to someone else who is identified: never mix the two.
    log.warning("identity token names another contact than the channel address; linked to the token's contact")
    await events.emit(db, None, EventType.IDENTITY_CONFLICT, None, contact_id=owner["_id"], other_contact_id=cur["_id"])
    return owner["_id"]


async def _create_identified(db: AsyncIOMotorDatabase, ident: Identity, keys: list[str]) -> str:
    contact_id = new_id()
    now = utcnow()
    try:
        await db.contacts.insert_one(
            {"_id": contact_id, **_identifiers(ident), "addresses": [], "created_at": now, "updated_at": now, "identified_at": now}
        )
    except DuplicateKeyError:
        found = await db.contacts.find_one({**_identity_filter(ident), **LIVE}, {"_id": 1})
        if not found:  # pragma: no cover - the unique index only clashes with an existing contact
            raise
        contact_id = found["_id"]
    if keys:
        await add_addresses(db, contact_id, keys)
    return contact_id


async def create(
    db: AsyncIOMotorDatabase,
    *,
    bsn: str | None = None,
    kvk: str | None = None,
    vestigingsnummer: str | None = None,
    name: str | None = None,
    phones: list[str] | None = None,
    emails: list[str] | None = None,
) -> tuple[str, bool]:
    """A contact made by an agent; returns (id, created). An existing BSN/KvK contact is reused."""
    keys = [k for k in map(identifiers.phone_key, phones or []) if k]
    keys += [k for k in map(identifiers.email_key, emails or []) if k]
    if bsn or kvk:
        ident = Identity(kind="person", bsn=bsn) if bsn else Identity(kind="organisation", kvk=kvk, vestigingsnummer=vestigingsnummer)
        existing = await db.contacts.find_one({**_identity_filter(ident), **LIVE}, {"_id": 1})
        contact_id = existing["_id"] if existing else await _create_identified(db, ident, [])
        if keys:
            await add_addresses(db, contact_id, keys)
        if name:
            await db.contacts.update_one({"_id": contact_id, "name": {"$in": [None, ""]}}, {"$set": {"name": name}})
        return contact_id, existing is None
    contact_id = await link(db, keys) if keys else await link(db, [])
    if name:
        await db.contacts.update_one({"_id": contact_id}, {"$set": {"name": name}})
    return contact_id, True


async def link_conversation(db: AsyncIOMotorDatabase, conversation_id: str, contact_id: str) -> str | None:
    """An agent ties a conversation (and its messages) to a contact; returns the previous contact."""
    contact = await db.contacts.find_one({"_id": contact_id, **LIVE}, {"_id": 1})
    if not contact:
        raise ContactNotFound("unknown_contact", "Dit contact bestaat niet (meer).")
    conv = await db.conversations.find_one_and_update(
        {"_id": conversation_id}, {"$set": {"contact_id": contact_id}}, return_document=ReturnDocument.BEFORE
    )
    if not conv:
        raise ContactNotFound("unknown_conversation", "Dit gesprek bestaat niet.")
    await db.messages.update_many({"conversation_id": conversation_id}, {"$set": {"contact_id": contact_id}})
    await add_addresses(db, contact_id, [f"{conv['channel']}:{conv['address']}"])
    await events.emit(db, None, EventType.CONTACT_LINKED, conversation_id, contact_id=contact_id, by="agent")
    return conv.get("contact_id")


# ---------------------------------------------------------------------- reading
async def get(db: AsyncIOMotorDatabase, contact_id: str) -> dict[str, Any] | None:
    return await db.contacts.find_one({"_id": contact_id})


def classify_query(q: str) -> tuple[str, dict[str, Any]]:
    """What a staff search string is (bsn, kvk, phone, e-mail, name) and the Mongo filter for it."""
    text = q.strip()
    if bsn := identifiers.normalize_bsn(text):
        return "bsn", {"bsn": bsn}
    if (kvk := identifiers.normalize_kvk(text)) and not kvk.startswith("0"):  # a leading 0 reads as (part of) a phone number
        return "kvk", {"kvk": kvk}
    if branch := identifiers.normalize_vestigingsnummer(text):
        return "vestigingsnummer", {"vestigingsnummer": branch}
    keys = identifiers.keys_from_text(text)
    if keys:
        return keys[0].partition(":")[0], {"addresses": keys[0]}
    if len(text) == 32 and re.fullmatch(r"[0-9a-f]{32}", text):
        return "id", {"_id": text}
    return "name", {"name": {"$regex": re.escape(text), "$options": "i"}}


async def search(db: AsyncIOMotorDatabase, q: str, limit: int = 20) -> tuple[str, list[dict[str, Any]]]:
    kind, query = classify_query(q)
    cursor = db.contacts.find({**query, **LIVE}).sort("updated_at", -1).limit(limit)
    return kind, [doc async for doc in cursor]


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    """The short form in search results: no full BSN."""
    return {
        "id": doc["_id"],
        "kind": doc["kind"],
        "name": doc.get("name"),
        "bsn": identifiers.mask_bsn(doc.get("bsn")),
        "kvk": doc.get("kvk"),
        "vestigingsnummer": doc.get("vestigingsnummer"),
        "phones": _addresses(doc, "phone"),
        "emails": _addresses(doc, "email"),
    }


def _addresses(doc: dict[str, Any], kind: str) -> list[str]:
    return [a.partition(":")[2] for a in doc.get("addresses", []) if a.startswith(kind + ":")]


async def detail(db: AsyncIOMotorDatabase, doc: dict[str, Any]) -> dict[str, Any]:
    """Everything the agent needs about one contact (the 'klantbeeld'), in one answer."""
    cid = doc["_id"]
    convs = db.conversations.find({"contact_id": cid}).sort("created_at", -1).limit(20)
    merges = db.contact_merges.find({"target_id": cid, "undone_at": None}).sort("at", -1)
    return {
        **summary(doc),
        "bsn": doc.get("bsn"),
        "channels": [a for a in doc.get("addresses", []) if not a.startswith(("phone:", "email:"))],
        "merged_into": doc.get("merged_into"),
        "created_at": doc["created_at"].isoformat(),
        "conversations": [
            {"id": c["_id"], "channel": c["channel"], "state": c["state"], "created_at": c["created_at"].isoformat(),
             "label": need_to_know.label(c)}  # need-to-know: a label, never content
            async for c in convs
        ],
        "merged_from": [{"merge_id": m["_id"], "contact_id": m["source_id"], "at": m["at"].isoformat()} async for m in merges],
    }


async def history(db: AsyncIOMotorDatabase, contact_id: str, limit: int = 500) -> list[dict]:
    """All messages of a contact across every channel and conversation, oldest first: one query."""
    cursor = db.messages.find({"contact_id": contact_id}).sort("created_at", 1).limit(limit)
    return await cursor.to_list(None)


# ---------------------------------------------------------------------- merge and undo
def conflicts(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Identifiers that differ between two contacts; a non-empty list means: never merge."""
    found = [f for f in ("bsn", "kvk", "vestigingsnummer") if a.get(f) and b.get(f) and a[f] != b[f]]
    if {a["kind"], b["kind"]} == {"person", "organisation"}:
        found.append("kind")
    return found


_OWNED = ("conversations", "cases", "callbacks", "appointments")


async def merge(db: AsyncIOMotorDatabase, target_id: str, source_id: str, actor: str, reason: str) -> dict[str, Any]:
    """Move ``source`` into ``target``; returns the merge record (its ``_id`` undoes it)."""
    if target_id == source_id:
        raise MergeRefused("same_contact", "U kunt een contact niet met zichzelf samenvoegen.")
    target = await db.contacts.find_one({"_id": target_id})
    source = await db.contacts.find_one({"_id": source_id})
    if not target or not source:
        raise ContactNotFound("unknown_contact", "Een van de twee contacten bestaat niet.")
    if target.get("merged_into") or source.get("merged_into"):
        raise MergeRefused("already_merged", "Een van de twee contacten is al samengevoegd met een ander contact.")
    clash = conflicts(target, source)
    if clash:
        raise MergeRefused(
            "conflicting_identifiers",
            "Deze contacten hebben verschillende gegevens (zoals BSN of KvK-nummer) en zijn dus verschillende klanten. "
            "Ze worden niet samengevoegd.",
            fields=clash,
        )
    now = utcnow()
    claimed = await db.contacts.update_one({"_id": source_id, **LIVE}, {"$set": {"merged_into": target_id, "merged_at": now}})
    if not claimed.modified_count:
        raise MergeRefused("already_merged", "Dit contact is net al samengevoegd.")
    source_ids = {f: source[f] for f in IDENTIFIERS if source.get(f)}
    target_ids = {f: target[f] for f in IDENTIFIERS if target.get(f)}
    merged_ids = {**source_ids, **target_ids}
    if merged_ids.get("kvk"):
        merged_ids["org_key"] = org_key(merged_ids["kvk"], merged_ids.get("vestigingsnummer"))
    record: dict[str, Any] = {
        "_id": new_id(),
        "target_id": target_id,
        "source_id": source_id,
        "moved_addresses": [a for a in source.get("addresses", []) if a not in set(target.get("addresses", []))],
        "source_identifiers": source_ids,
        "target_before": {"kind": target["kind"], "name": target.get("name"), "identifiers": target_ids},
        "actor": actor,
        "reason": reason,
        "at": now,
        "undone_at": None,
    }
    for coll in _OWNED:
        record[f"{coll}_ids"] = await db[coll].distinct("_id", {"contact_id": source_id})
    kind = "person" if merged_ids.get("bsn") else "organisation" if merged_ids.get("kvk") else target["kind"]
    update: dict[str, Any] = {"$set": {**merged_ids, "kind": kind, "updated_at": now}}
    if not target.get("name") and source.get("name"):
        update["$set"]["name"] = source["name"]
    if record["moved_addresses"]:
        update["$addToSet"] = {"addresses": {"$each": record["moved_addresses"]}}
    if source_ids:  # unique identifiers can live on one contact only
        await db.contacts.update_one({"_id": source_id}, {"$unset": dict.fromkeys(source_ids, "")})
    try:
        await db.contacts.update_one({"_id": target_id}, update)
    except DuplicateKeyError as exc:
        await db.contacts.update_one(
            {"_id": source_id}, {"$set": source_ids, "$unset": {"merged_into": "", "merged_at": ""}} if source_ids
            else {"$unset": {"merged_into": "", "merged_at": ""}}
        )
        raise MergeRefused(
            "identifier_in_use", "Het samengevoegde contact zou gegevens krijgen die al bij een derde contact horen."
        ) from exc
    await db.contact_merges.insert_one(record)
    await _repoint(db, record, source_id, target_id)
    await events.emit(db, None, EventType.CONTACTS_MERGED, None, merge_id=record["_id"], target_id=target_id, source_id=source_id, by=actor)
    log.info("contacts merged", extra={"merge_id": record["_id"], "by": actor})
    return record


async def _repoint(db: AsyncIOMotorDatabase, record: dict[str, Any], old: str, new: str) -> None:
    conv_ids = record["conversations_ids"]
    for coll in _OWNED:
        ids = record[f"{coll}_ids"]
        if ids:
            await db[coll].update_many({"_id": {"$in": ids}, "contact_id": old}, {"$set": {"contact_id": new}})
    if conv_ids:
        await db.messages.update_many({"conversation_id": {"$in": conv_ids}, "contact_id": old}, {"$set": {"contact_id": new}})


async def unmerge(db: AsyncIOMotorDatabase, merge_id: str, actor: str, reason: str) -> dict[str, Any]:
    """Undo a merge: the source contact comes back with what it brought in."""
    record = await db.contact_merges.find_one({"_id": merge_id})
    if not record:
        raise ContactNotFound("unknown_merge", "Deze samenvoeging bestaat niet.")
    if record.get("undone_at"):
        raise MergeRefused("already_undone", "Deze samenvoeging is al ongedaan gemaakt.")
    target = await db.contacts.find_one({"_id": record["target_id"]})
    if target and target.get("merged_into"):
        raise MergeRefused(
            "target_merged_again",
            "Het contact is daarna nog eens samengevoegd. Maak eerst die samenvoeging ongedaan.",
        )
    claimed = await db.contact_merges.update_one(
        {"_id": merge_id, "undone_at": None}, {"$set": {"undone_at": utcnow(), "undone_by": actor, "undo_reason": reason}}
    )
    if not claimed.modified_count:
        raise MergeRefused("already_undone", "Deze samenvoeging is al ongedaan gemaakt.")
    before = record["target_before"]
    gained = [f for f in IDENTIFIERS if f not in before["identifiers"]]
    update: dict[str, Any] = {"$set": {"kind": before["kind"], "updated_at": utcnow(), **before["identifiers"]}}
    unset = dict.fromkeys(gained, "")
    if before.get("name") is None:
        unset["name"] = ""
    if unset:
        update["$unset"] = unset
    if record["moved_addresses"]:
        update["$pullAll"] = {"addresses": record["moved_addresses"]}
    await db.contacts.update_one({"_id": record["target_id"]}, update)
    restore: dict[str, Any] = {"$unset": {"merged_into": "", "merged_at": ""}}
    if record["source_identifiers"]:
        restore["$set"] = record["source_identifiers"]
    await db.contacts.update_one({"_id": record["source_id"]}, restore)
    await _repoint(db, record, record["target_id"], record["source_id"])
    await events.emit(db, None, EventType.CONTACTS_UNMERGED, None, merge_id=merge_id, by=actor)
    return record
