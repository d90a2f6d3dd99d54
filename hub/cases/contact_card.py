"""The contact card: one contact with its open cases, callback requests and upcoming appointments.

It lives with the cases because it shows them; the contact itself comes from ``hub.contacts``.
"""

from __future__ import annotations

from aiohttp import web

from hub.cases import appointments
from hub.cases import store as cases
from hub.contacts import store as contacts
from hub.core.appkeys import DB
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
    body["appointments"] = [appointments.view(a) for a in await appointments.for_contact(db, doc["_id"])]
    return web.json_response(body)


def routes() -> list[web.RouteDef]:
    return [web.get("/api/v1/contacts/{id}", get_contact)]
