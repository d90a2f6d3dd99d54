"""Staff API for a contact's consent records: read them, and record what the resident said.

An agent records an answer the resident gave by phone, at the desk or in a conversation
(the exact wording the resident was asked in ``wording``). Agent role; reading is audited.
"""

from __future__ import annotations

from aiohttp import web

from hub.contacts import consent
from hub.core.appkeys import DB
from hub.core.http import BodyError, domain_error, json_error, parse
from hub.privacy import audit
from hub.privacy.audit import audit_entry
from hub.staff.auth import require_role, staff_name


@require_role("agent")
async def get_consents(request: web.Request) -> web.Response:
    db = request.app[DB]
    doc = await db.contacts.find_one({"_id": request.match_info["id"]}, {"consents": 1})
    if not doc:
        return json_error(404, "unknown_contact", "Dit contact bestaat niet.")
    await audit.record(db, audit_entry(request, "contact.consents", doc["_id"]))
    return web.json_response(consent.view(doc))


@require_role("agent")
async def record_consent(request: web.Request) -> web.Response:
    try:
        body = await parse(request, consent.ConsentBody)
    except BodyError as err:
        return err.response
    db = request.app[DB]
    try:
        await consent.record(db, request.match_info["id"], body, by=staff_name(request))
    except consent.ConsentError as exc:
        return domain_error(exc)
    doc = await db.contacts.find_one({"_id": request.match_info["id"]}, {"consents": 1})
    return web.json_response(consent.view(doc), status=201)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/v1/contacts/{id}/consents", get_consents),
        web.post("/api/v1/contacts/{id}/consents", record_consent),
    ]
