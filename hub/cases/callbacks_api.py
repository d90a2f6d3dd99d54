"""Staff API for callback requests: create, list (open, overdue, per department), record an
attempt (once it has an owner: the owner, the backup or a supervisor), (re)assign with an owner
and a backup colleague. Agent role; the overdue list for supervisors is ``GET /api/v1/overdue``.

``GET /api/v1/callbacks/control`` is the KCC's "Controle op het terugbellen": every open request,
overdue ones first (then by deadline), with the names of owner and backup, for the console."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from hub.cases import callbacks
from hub.cases import store as cases
from hub.core.appkeys import DB, SETTINGS
from hub.core.http import BodyError, domain_error, json_error, parse
from hub.core.models import utcnow
from hub.privacy import audit
from hub.privacy.audit import audit_entry
from hub.staff.auth import has_role, require_role, staff_name


@require_role("agent")
async def create(request: web.Request) -> web.Response:
    try:
        body = await parse(request, callbacks.NewCallback)
    except BodyError as err:
        return err.response
    try:
        doc = await callbacks.open_callback(request.app[DB], body, staff_name(request), request.app[SETTINGS])
    except callbacks.CallbackError as exc:
        return domain_error(exc)
    return web.json_response(callbacks.view(doc), status=201)


@require_role("agent")
async def list_open(request: web.Request) -> web.Response:
    status = request.query.get("status", callbacks.OPEN)
    if status not in callbacks.STATUSES:
        return json_error(400, "unknown_status", "Deze status bestaat niet.", allowed=list(callbacks.STATUSES))
    query: dict[str, Any] = {"status": status}
    for key in ("department", "employee", "contact_id"):
        if request.query.get(key):
            query[key] = request.query[key]
    if request.query.get("overdue") == "true":
        query.update({"status": callbacks.OPEN, "due_at": {"$lt": utcnow()}})
    db = request.app[DB]
    docs = await db.callbacks.find(query).sort("due_at", 1).limit(200).to_list(None)
    await audit.record_many(db, [audit_entry(request, "callback.read", d.get("contact_id"), callback_id=d["_id"]) for d in docs])
    return web.json_response({"callbacks": [callbacks.view(d) for d in docs]})


@require_role("agent")
async def attempt(request: web.Request) -> web.Response:
    try:
        body = await parse(request, callbacks.Attempt)
    except BodyError as err:
        return err.response
    try:
        doc = await callbacks.record_attempt(
            request.app[DB], request.match_info["id"], body, staff_name(request), request.app[SETTINGS],
            supervisor=has_role(request["staff"], "supervisor"),
        )
    except callbacks.CallbackError as exc:
        return domain_error(exc)
    return web.json_response(callbacks.view(doc))


class AssignBody(BaseModel):
    department: str | None = Field(None, max_length=64)
    employee: str | None = Field(None, max_length=64)  # the owner
    backup: str | None = Field(None, max_length=64)  # takes over when the deadline passes


@require_role("agent")
async def assign(request: web.Request) -> web.Response:
    try:
        body = await parse(request, AssignBody)
    except BodyError as err:
        return err.response
    if not body.department and not body.employee:
        return json_error(422, "invalid_fields", "Kies een afdeling of een medewerker.", fields=["department", "employee"])
    try:
        doc = await callbacks.assign(request.app[DB], request.match_info["id"], body.department, body.employee, body.backup)
    except callbacks.CallbackError as exc:
        return domain_error(exc)
    return web.json_response(callbacks.view(doc))


@require_role("agent")
async def control(request: web.Request) -> web.Response:
    """Open callback requests, overdue first, then by deadline; owner and backup with their names."""
    db, now = request.app[DB], utcnow()
    docs = await db.callbacks.find({"status": callbacks.OPEN}).sort("due_at", 1).limit(500).to_list(None)
    docs.sort(key=lambda d: (not callbacks.is_overdue(d, now), d["due_at"]))
    people = {d.get(k) for d in docs for k in ("employee", "backup") if d.get(k)}
    names = {s["_id"]: s.get("name") async for s in db.staff.find({"_id": {"$in": sorted(people)}}, {"name": 1})}
    await audit.record_many(db, [audit_entry(request, "callback.read", d.get("contact_id"), callback_id=d["_id"]) for d in docs])
    items = [{**callbacks.view(d), "employee_name": names.get(d.get("employee")), "backup_name": names.get(d.get("backup"))}
             for d in docs]
    return web.json_response({"now": now.isoformat(), "overdue": sum(1 for i in items if i["overdue"]), "callbacks": items})


@require_role("supervisor")
async def overdue(request: web.Request) -> web.Response:
    """Everything past its deadline: callback requests (2 working days) and cases (5 working days)."""
    db, now = request.app[DB], utcnow()
    late_callbacks = await db.callbacks.find({"status": callbacks.OPEN, "due_at": {"$lt": now}}).sort("due_at", 1).to_list(500)
    late_cases = await db.cases.find({"status": {"$nin": cases.CLOSED}, "answer_due_at": {"$lt": now}}).sort("answer_due_at", 1).to_list(500)
    await audit.record_many(db, [audit_entry(request, "callback.read", d.get("contact_id"), callback_id=d["_id"]) for d in late_callbacks])
    return web.json_response(
        {
            "callbacks": [callbacks.view(d) for d in late_callbacks],
            "cases": [cases.view(d, full=False) for d in late_cases],
        }
    )


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/v1/callbacks", list_open),
        web.get("/api/v1/callbacks/control", control),
        web.post("/api/v1/callbacks", create),
        web.post("/api/v1/callbacks/{id}/attempts", attempt),
        web.post("/api/v1/callbacks/{id}/assign", assign),
        web.get("/api/v1/overdue", overdue),
    ]
