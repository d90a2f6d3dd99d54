"""Staff API for cases (zaken): create from a conversation, read, list, change status.

Agent role. Reading a case is a read of personal data and is audited. Social-domain and
confidential cases show their details only to staff with the ``sociaal_domein`` right
(or a supervisor); others see number, type and status.
"""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web
from pydantic import BaseModel, Field

from hub.cases import store as cases
from hub.core.appkeys import BUS, DB, SETTINGS
from hub.core.http import BodyError, domain_error, json_error, parse
from hub.core.models import Reply, utcnow
from hub.privacy import audit
from hub.privacy.audit import audit_entry
from hub.staff.auth import SOCIAL_DOMAIN, has_right, require_role, staff_name


def _full(request: web.Request, doc: dict[str, Any]) -> bool:
    return not cases.restricted(doc) or has_right(request["staff"], SOCIAL_DOMAIN)


@require_role("agent")
async def case_types(request: web.Request) -> web.Response:
    return web.json_response(
        {"case_types": [{"kind": k, **t.model_dump()} for k, t in cases.CASE_TYPES.items()], "statuses": cases.STATUS_LABELS}
    )


@require_role("agent")
async def create(request: web.Request) -> web.Response:
    try:
        body = await parse(request, cases.NewCase)
    except BodyError as err:
        return err.response
    try:
        doc = await cases.open_case(
            request.app[DB], body, created_by=staff_name(request), settings=request.app[SETTINGS], bus=request.app[BUS]
        )
    except cases.CaseError as exc:
        return domain_error(exc)
    return web.json_response(cases.view(doc, full=True), status=201)


@require_role("agent")
async def get_case(request: web.Request) -> web.Response:
    db = request.app[DB]
    doc = await cases.find_by_number(db, request.match_info["number"])
    if not doc:
        return json_error(404, "unknown_case", "Deze zaak bestaat niet.")
    if doc.get("contact_id"):
        await audit.record(db, audit_entry(request, "case.read", doc["contact_id"], case_number=doc["number"]))
    return web.json_response(cases.view(doc, full=_full(request, doc)))


@require_role("agent")
async def list_cases(request: web.Request) -> web.Response:
    db = request.app[DB]
    query: dict[str, Any] = {}
    if request.query.get("contact_id"):
        query["contact_id"] = request.query["contact_id"]
    if request.query.get("status"):
        if request.query["status"] not in cases.STATUS_LABELS:
            return json_error(400, "unknown_status", "Deze status bestaat niet.", allowed=list(cases.STATUS_LABELS))
        query["status"] = request.query["status"]
    if request.query.get("department"):
        query["department"] = request.query["department"]
    if request.query.get("overdue") == "true":
        query.update({"status": {"$nin": cases.CLOSED}, "answer_due_at": {"$lt": utcnow()}})
    docs = await db.cases.find(query).sort("created_at", -1).limit(200).to_list(None)
    await audit.record_many(db, [audit_entry(request, "case.list", d["contact_id"], case_number=d["number"]) for d in docs if d.get("contact_id")])
    return web.json_response({"cases": [cases.view(d, full=_full(request, d)) for d in docs]})


class StatusBody(BaseModel):
    status: str = Field(min_length=1, max_length=32)
    note: str | None = Field(None, max_length=1000, description="internal; never shown to the resident")
    missing_document: str | None = Field(
        None, max_length=200, description="with status wacht_op_inwoner: what the resident must send, in their words"
    )


class Sender(Protocol):
    """The pipeline's outbound side: ``hub.conversations`` is a higher layer, the app factory hands it in."""

    async def send(
        self, conv: dict[str, Any], replies: list[Reply], author: str, in_reply_to: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Any: ...


@require_role("agent")
async def change_status(request: web.Request) -> web.Response:
    """A new status; the resident's notice is queued (the notifier sends it only with their consent)."""
    try:
        body = await parse(request, StatusBody)
    except BodyError as err:
        return err.response
    try:
        doc = await cases.change_status(
            request.app[DB], request.match_info["number"], body.status, staff_name(request), body.note,
            bus=request.app[BUS], missing_document=body.missing_document,
        )
    except cases.CaseError as exc:
        return domain_error(exc)
    return web.json_response({**cases.view(doc, full=_full(request, doc)), "notice": doc["notice"]})


class ConversationBody(BaseModel):
    conversation_id: str = Field(min_length=1, max_length=64)


@require_role("agent")
async def add_conversation(request: web.Request) -> web.Response:
    try:
        body = await parse(request, ConversationBody)
    except BodyError as err:
        return err.response
    try:
        doc = await cases.add_conversation(request.app[DB], request.match_info["number"], body.conversation_id)
    except cases.CaseError as exc:
        return domain_error(exc)
    return web.json_response(cases.view(doc, full=_full(request, doc)))



def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/v1/case-types", case_types),
        web.get("/api/v1/cases", list_cases),
        web.post("/api/v1/cases", create),
        web.get("/api/v1/cases/{number}", get_case),
        web.post("/api/v1/cases/{number}/status", change_status),
        web.post("/api/v1/cases/{number}/conversations", add_conversation),
    ]
