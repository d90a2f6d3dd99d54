"""The contact card: one contact with its open cases, callback requests and upcoming appointments.

It lives with the cases because it shows them; the contact itself comes from ``hub.contacts``.

With the Klantinteracties API configured, the card of an identified resident or company also
shows the contacts made elsewhere, e.g. at a KISS desk (``register_contacts``, marked
``source: "klantinteracties"``): found as KISS finds them (partij by identificator, then
``betrokkenen?wasPartij__url=``, then each klantcontact), leaving out the ones this hub wrote.
A register that fails or is slow leaves the card as it is, with ``register_error`` set.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from motor.motor_asyncio import AsyncIOMotorDatabase

from connectors.base import ConnectorError
from connectors.klantinteracties import KlantinteractiesClient
from hub.cases import appointments
from hub.cases import store as cases
from hub.cases.outbox_klant import identificatoren
from hub.contacts import external
from hub.contacts import store as contacts
from hub.core.appkeys import DB, HTTP, SETTINGS
from hub.core.http import json_error
from hub.privacy import audit
from hub.privacy.audit import audit_entry
from hub.staff.auth import require_role


@require_role("agent")
async def get_contact(request: web.Request) -> web.Response:
    db = request.app[DB]
    doc = await contacts.get(db, request.match_info["id"])
    if not doc:
        return json_error(404, "unknown_contact", "Dit contact bestaat niet.")
    await audit.record(db, audit_entry(request, "contact.read", doc["_id"]))
    body = await contacts.detail(db, doc)
    body["open_cases"] = [cases.view(c, full=False) for c in await cases.open_cases_for_contact(db, doc["_id"])]
    callbacks = db.callbacks.find({"contact_id": doc["_id"], "status": "open"}).sort("due_at", 1)
    body["open_callbacks"] = [{"id": c["_id"], "subject": c["subject"], "due_at": c["due_at"].isoformat()} async for c in callbacks]
    client = external.klantinteracties(request.app[SETTINGS], request.app[HTTP])
    if client and identificatoren(doc):
        try:
            body["register_contacts"] = await register_contacts(db, client, doc)
        except ConnectorError as exc:
            body["register_contacts"], body["register_error"] = [], exc.code
    body["appointments"] = [appointments.view(a) for a in await appointments.for_contact(db, doc["_id"])]
    return web.json_response(body)


async def _ours(db: AsyncIOMotorDatabase, contact_id: str) -> set[str]:
    """The klantcontacten this hub wrote for the contact (its conversations and callback requests)."""
    found: set[str] = set()
    for coll in ("conversations", "callbacks"):
        async for doc in db[coll].find({"contact_id": contact_id, "external.klantcontact_uuid": {"$exists": True}}, {"external": 1}):
            found.add(doc["external"]["klantcontact_uuid"])
    return found


async def register_contacts(db: AsyncIOMotorDatabase, client: KlantinteractiesClient, contact: dict[str, Any], limit: int = 20) -> list[dict[str, Any]]:
    """Contacts about this resident in the Klantinteracties register that the hub did not write, newest first."""
    ids = identificatoren(contact)
    if ids is None:
        return []
    ours = await _ours(db, contact["_id"])
    found: list[dict[str, Any]] = []
    for partij in await client.find_partijen(ids[0]):
        for betrokkene in await client.list_betrokkenen(partij["url"]):
            kc_uuid = (betrokkene.get("hadKlantcontact") or {}).get("uuid")
            if not kc_uuid or kc_uuid in ours:
                continue
            kc = await client.get_klantcontact(kc_uuid)
            found.append({
                "source": "klantinteracties", "uuid": kc_uuid, "kanaal": kc.get("kanaal"), "onderwerp": kc.get("onderwerp"),
                "inhoud": kc.get("inhoud", ""), "plaatsgevonden_op": kc.get("plaatsgevondenOp"),
                "tasks": len(kc.get("leiddeTotInterneTaken") or []),
            })
            if len(found) >= limit:
                break
    return sorted(found, key=lambda c: c["plaatsgevonden_op"] or "", reverse=True)[:limit]


def routes() -> list[web.RouteDef]:
    return [web.get("/api/v1/contacts/{id}", get_contact)]
