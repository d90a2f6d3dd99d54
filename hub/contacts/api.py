"""Staff API for contacts: search, the full picture of one contact, create, merge / undo, link,
and the BRP / KvK lookups. Agent role; every read of personal data is written to the audit log.

``?reason=`` (or ``"reason"`` in a body) says why; without it the reason is "klantcontact".
``?conversation_id=`` ties the read to the conversation the agent is handling.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field, model_validator

from connectors.base import ConnectorError
from connectors.brp import FIELDS as BRP_FIELDS
from hub.contacts import external
from hub.contacts import store as contacts
from hub.contacts.external import connector_error
from hub.core.appkeys import DB, HTTP, SETTINGS
from hub.core.http import BodyError, domain_error, json_error, parse
from hub.core.identifiers import valid_bsn, valid_kvk
from hub.privacy import audit
from hub.privacy.audit import AuditEntry, audit_entry
from hub.staff.auth import require_role, staff_name

REASON_MAX = 300


# ---------------------------------------------------------------------- search and read
@require_role("agent")
async def search(request: web.Request) -> web.Response:
    q = request.query.get("q", "").strip()
    if len(q) < 2 or len(q) > 200:
        return json_error(400, "invalid_query", "Typ minstens 2 tekens om te zoeken (en niet meer dan 200).")
    db = request.app[DB]
    kind, found = await contacts.search(db, q)
    await audit.record_many(db, [audit_entry(request, "contact.search", doc["_id"], query_type=kind) for doc in found])
    return web.json_response({"query_type": kind, "results": [contacts.summary(doc) for doc in found]})


@require_role("supervisor")
async def get_audit(request: web.Request) -> web.Response:
    contact_id = request.match_info["id"]
    return web.json_response({"contact_id": contact_id, "entries": await audit.for_contact(request.app[DB], contact_id)})


# ---------------------------------------------------------------------- create, merge, link
class NewContact(BaseModel):
    bsn: str | None = Field(None, pattern=r"^\d{9}$")
    kvk: str | None = Field(None, pattern=r"^\d{8}$")
    vestigingsnummer: str | None = Field(None, pattern=r"^\d{12}$")
    name: str | None = Field(None, max_length=200)
    phones: list[str] = Field(default_factory=list, max_length=10)
    emails: list[str] = Field(default_factory=list, max_length=10)
    reason: str = Field(audit.DEFAULT_REASON, max_length=REASON_MAX)

    @model_validator(mode="after")
    def one_identity(self) -> NewContact:
        if self.bsn and self.kvk:
            raise ValueError("a contact is a person or an organisation, not both")
        if self.bsn and not valid_bsn(self.bsn):
            raise ValueError("bsn fails the eleven-test")
        return self


@require_role("agent")
async def create_contact(request: web.Request) -> web.Response:
    try:
        body = await parse(request, NewContact)
    except BodyError as err:
        return err.response
    db = request.app[DB]
    contact_id, created = await contacts.create(
        db, bsn=body.bsn, kvk=body.kvk, vestigingsnummer=body.vestigingsnummer, name=body.name,
        phones=body.phones, emails=body.emails,
    )
    await audit.record(
        db, AuditEntry(actor=staff_name(request), action="contact.create", contact_id=contact_id, reason=body.reason,
                       detail={"created": created})
    )
    doc = await contacts.get(db, contact_id)
    return web.json_response(await contacts.detail(db, doc), status=201 if created else 200)  # type: ignore[arg-type]


class MergeBody(BaseModel):
    source_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=3, max_length=REASON_MAX)


class UndoBody(BaseModel):
    reason: str = Field(min_length=3, max_length=REASON_MAX)


@require_role("agent")
async def merge(request: web.Request) -> web.Response:
    try:
        body = await parse(request, MergeBody)
    except BodyError as err:
        return err.response
    db, target_id = request.app[DB], request.match_info["id"]
    try:
        record = await contacts.merge(db, target_id, body.source_id, staff_name(request), body.reason)
    except contacts.ContactError as exc:
        return domain_error(exc)
    actor = staff_name(request)
    await audit.record_many(
        db,
        [AuditEntry(actor=actor, action="contact.merge", contact_id=cid, reason=body.reason, detail={"merge_id": record["_id"]})
         for cid in (target_id, body.source_id)],
    )
    doc = await contacts.get(db, target_id)
    return web.json_response({"merge_id": record["_id"], "contact": await contacts.detail(db, doc)})  # type: ignore[arg-type]


@require_role("agent")
async def undo_merge(request: web.Request) -> web.Response:
    try:
        body = await parse(request, UndoBody)
    except BodyError as err:
        return err.response
    db = request.app[DB]
    try:
        record = await contacts.unmerge(db, request.match_info["merge_id"], staff_name(request), body.reason)
    except contacts.ContactError as exc:
        return domain_error(exc)
    actor = staff_name(request)
    await audit.record_many(
        db,
        [AuditEntry(actor=actor, action="contact.unmerge", contact_id=cid, reason=body.reason, detail={"merge_id": record["_id"]})
         for cid in (record["target_id"], record["source_id"])],
    )
    return web.json_response({"merge_id": record["_id"], "target_id": record["target_id"], "source_id": record["source_id"]})


class LinkBody(BaseModel):
    conversation_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(audit.DEFAULT_REASON, max_length=REASON_MAX)


@require_role("agent")
async def link_conversation(request: web.Request) -> web.Response:
    try:
        body = await parse(request, LinkBody)
    except BodyError as err:
        return err.response
    db, contact_id = request.app[DB], request.match_info["id"]
    try:
        previous = await contacts.link_conversation(db, body.conversation_id, contact_id)
    except contacts.ContactError as exc:
        return domain_error(exc)
    await audit.record(
        db, AuditEntry(actor=staff_name(request), action="contact.link_conversation", contact_id=contact_id,
                       reason=body.reason, conversation_id=body.conversation_id, detail={"previous_contact_id": previous})
    )
    return web.json_response({"conversation_id": body.conversation_id, "contact_id": contact_id, "previous_contact_id": previous})


# ---------------------------------------------------------------------- BRP and KvK
@require_role("agent")
async def brp_lookup(request: web.Request) -> web.Response:
    db = request.app[DB]
    client = external.brp(request.app[SETTINGS], request.app[HTTP])
    if client is None:
        return json_error(503, "brp_not_configured", "De koppeling met de BRP staat niet aan.")
    doc = await contacts.get(db, request.match_info["id"])
    if not doc:
        return json_error(404, "unknown_contact", "Dit contact bestaat niet.")
    if not doc.get("bsn"):
        return json_error(404, "no_bsn", "Van dit contact is geen BSN bekend.")
    await audit.record(db, audit_entry(request, "brp.lookup", doc["_id"], fields=BRP_FIELDS))
    try:
        person = await client.person(doc["bsn"], gebruiker=staff_name(request))
    except ConnectorError as exc:
        return connector_error(exc, "De BRP")
    if person is None:
        return json_error(404, "not_in_brp", "De BRP kent deze persoon niet.")
    name = person.display_name
    if name and not doc.get("name"):
        await db.contacts.update_one({"_id": doc["_id"]}, {"$set": {"name": name}})
    adressering = person.adressering
    return web.json_response(
        {
            "contact_id": doc["_id"],
            "name": name,
            "aanhef": adressering.aanhef if adressering else None,
            "address": [line for line in (adressering.adresregel1, adressering.adresregel2) if line] if adressering else [],
            "secret": bool(person.geheimhoudingPersoonsgegevens),
        }
    )


@require_role("agent")
async def kvk_search(request: web.Request) -> web.Response:
    client = external.kvk(request.app[SETTINGS], request.app[HTTP])
    if client is None:
        return json_error(503, "kvk_not_configured", "De koppeling met de KvK staat niet aan.")
    number = request.query.get("kvkNummer", "").strip()
    name = request.query.get("naam", "").strip()
    if number and not valid_kvk(number):
        return json_error(400, "invalid_kvk", "Een KvK-nummer heeft 8 cijfers.")
    if not number and len(name) < 2:
        return json_error(400, "invalid_query", "Geef een KvK-nummer of (een deel van) de naam.")
    await audit.record(request.app[DB], audit_entry(request, "kvk.search", None, by="kvkNummer" if number else "naam"))
    try:
        found = await client.search(kvk_nummer=number or None, naam=None if number else name)
    except ConnectorError as exc:
        return connector_error(exc, "De KvK")
    return web.json_response({"results": [r.model_dump() for r in found]})


@require_role("agent")
async def kvk_profile(request: web.Request) -> web.Response:
    db = request.app[DB]
    client = external.kvk(request.app[SETTINGS], request.app[HTTP])
    if client is None:
        return json_error(503, "kvk_not_configured", "De koppeling met de KvK staat niet aan.")
    doc = await contacts.get(db, request.match_info["id"])
    if not doc:
        return json_error(404, "unknown_contact", "Dit contact bestaat niet.")
    if not doc.get("kvk"):
        return json_error(404, "no_kvk", "Van dit contact is geen KvK-nummer bekend.")
    await audit.record(db, audit_entry(request, "kvk.lookup", doc["_id"]))
    try:
        profile = await client.basisprofiel(doc["kvk"])
    except ConnectorError as exc:
        return connector_error(exc, "De KvK")
    if profile.naam and not doc.get("name"):
        await db.contacts.update_one({"_id": doc["_id"]}, {"$set": {"name": profile.naam}})
    return web.json_response({"contact_id": doc["_id"], **profile.model_dump(by_alias=False)})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/v1/contacts", search),
        web.post("/api/v1/contacts", create_contact),
        web.post("/api/v1/contacts/merges/{merge_id}/undo", undo_merge),
        web.get("/api/v1/contacts/{id}/audit", get_audit),
        web.post("/api/v1/contacts/{id}/merge", merge),
        web.post("/api/v1/contacts/{id}/conversations", link_conversation),
        web.get("/api/v1/contacts/{id}/brp", brp_lookup),
        web.get("/api/v1/contacts/{id}/kvk", kvk_profile),
        web.get("/api/v1/kvk/search", kvk_search),
    ]
