"""The agent console's JSON API under ``/api/v1/handover/...`` (role ``agent``; CSRF on changes).

Errors are always ``{"error": {"code", "message"}}`` with a 4xx status and change nothing.
Reading a conversation or a contact card is audited (``hub.privacy.audit``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from handover import agents, attachments, briefing, contact_moments
from handover.lifecycle import Desk, Outcome, can_see
from handover.queue import waiting
from handover.routing import DeskError
from hub.cases import callbacks
from hub.cases import store as cases
from hub.contacts import external
from hub.core import events
from hub.core.appkeys import BUS, DB, HTTP, SETTINGS
from hub.core.event_types import EventType
from hub.core.http import BodyError, domain_error, parse
from hub.core.models import State, utcnow
from hub.privacy import audit, need_to_know
from hub.staff.auth import SOCIAL_DOMAIN, has_right, has_role, require_role
from knowledge import partners
from knowledge.web import KNOWLEDGE

API = "/api/v1/handover"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
KNOWN_ERRORS = (DeskError, cases.CaseError, callbacks.CallbackError, contact_moments.MomentError)
#: the desk (``handover.lifecycle.Desk``), made at start-up by ``handover.wiring``
DESK = web.AppKey("desk", Desk)


# ---------------------------------------------------------------------- bodies
class PresenceBody(BaseModel):
    presence: agents.Presence


class ReplyBody(BaseModel):
    text: str = Field("", max_length=4000)
    article: str | None = Field(None, max_length=120, description="slug of the knowledge-base answer used")
    attachments: list[str] = Field(default_factory=list, max_length=5)
    partner: str | None = Field(None, max_length=40, description="refer to this partner (knowledge.partners): "
                                "the text defaults to its one-line referral, and the referral is counted")


class NoteBody(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class TransferBody(BaseModel):
    to_agent: str | None = Field(None, max_length=64)
    to_team: str | None = Field(None, max_length=64)
    note: str = Field(min_length=1, max_length=4000)


class HandBackBody(BaseModel):
    note: str | None = Field(None, max_length=4000)


class CloseBody(BaseModel):
    outcome: Outcome
    note: str | None = Field(None, max_length=4000)


class CaseBody(BaseModel):
    kind: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=1, max_length=4000)
    department: str | None = Field(None, max_length=64)


class ConfidentialBody(BaseModel):
    social_domain: bool = Field(True, description="true marks the conversation; false clears the mark (needs the right)")
    reason: str = Field(min_length=3, max_length=300)


class CallbackBody(BaseModel):
    phone: str = Field(min_length=6, max_length=32)
    subject: str = Field(min_length=1, max_length=500)
    day_part: Literal["ochtend", "middag", "geen_voorkeur"] = "geen_voorkeur"


def desk_api(*roles: str) -> Callable[[Handler], Handler]:
    """Decorator for the desk's JSON handlers: ``roles`` (``hub.staff.auth.require_role``; an admin
    passes too), and desk errors or a bad body become the one JSON 4xx error body."""

    def wrap(handler: Handler) -> Handler:
        @require_role(*roles)
        @wraps(handler)
        async def inner(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except KNOWN_ERRORS as exc:
                return domain_error(exc)
            except BodyError as exc:  # hub.core.http.parse: 4xx that says what is wrong with the body
                return exc.response

        return inner

    return wrap


#: role ``agent`` (supervisors and admins pass too)
agent_api = desk_api("agent", "supervisor")


def desk(request: web.Request) -> Desk:
    return request.app[DESK]


def staff(request: web.Request) -> dict[str, Any]:
    return request["staff"]


async def load_visible(request: web.Request) -> dict[str, Any]:
    """The conversation, if this staff member may see it: theirs, queued for their team, or any for a supervisor."""
    conv = await request.app[DB].conversations.find_one({"_id": request.match_info["id"]})
    if conv is None:
        raise DeskError(404, "unknown_conversation", "Dit gesprek bestaat niet.")
    if await can_see(request.app[DB], request.app[SETTINGS], staff(request), conv):
        return conv
    raise DeskError(403, "not_yours", "U kunt alleen uw eigen gesprekken en de wachtrij van uw team zien.")


# ---------------------------------------------------------------------- agent and queue
@agent_api
async def me(request: web.Request) -> web.Response:
    agent = await agents.ensure(request.app[DB], staff(request), request.app[SETTINGS])
    return web.json_response({**agents.view(agent), "supervisor": has_role(staff(request), "supervisor"), "csrf_token": staff(request)["csrf"]})


@agent_api
async def set_presence(request: web.Request) -> web.Response:
    body: PresenceBody = await parse(request, PresenceBody)
    db, settings, me_ = request.app[DB], request.app[SETTINGS], staff(request)
    agent = await agents.ensure(db, me_, settings)
    await agents.set_presence(db, me_["_id"], body.presence)
    if body.presence == "offline":
        await desk(request).router.agent_offline(me_["_id"], why="signed_off")
    await events.emit(
        db, request.app[BUS], EventType.PRESENCE, None, agent=me_["_id"], presence=body.presence, teams=agent["teams"]
    )
    return web.json_response(agents.view(await db.agents.find_one({"_id": me_["_id"]})))


@agent_api
async def queue(request: web.Request) -> web.Response:
    db, settings, me_ = request.app[DB], request.app[SETTINGS], staff(request)
    supervisor = has_role(me_, "supervisor")
    my_teams = agents.teams_of(me_, settings)
    now = utcnow()
    agent, queued, held = await asyncio.gather(  # the console reloads this on every desk event: one round trip
        agents.ensure(db, me_, settings),
        waiting(db, None if supervisor else my_teams),
        db.conversations.find({"state": State.AGENT.value, "assignee": me_["_id"]}).sort("assigned_at", 1).to_list(None),
    )
    teams: dict[str, list[dict[str, Any]]] = {t: [] for t in agent["teams"]}
    for conv in queued:
        item = briefing.staff_view(me_, conv)
        item["waiting_s"] = round((now - conv["queued_at"]).total_seconds()) if conv.get("queued_at") else None
        teams.setdefault(conv.get("team") or "?", []).append(item)
    mine = [briefing.staff_view(me_, c) for c in held]
    body: dict[str, Any] = {"now": now.isoformat(), "me": agents.view(agent), "teams": teams, "mine": mine}
    if supervisor:
        active = await db.conversations.find({"state": State.AGENT.value}).sort("assigned_at", 1).limit(500).to_list(None)
        names = {a["_id"]: a.get("name") async for a in db.agents.find(
            {"_id": {"$in": list({c["assignee"] for c in active})}}, {"name": 1})}
        body["active"] = [{**briefing.staff_view(me_, c), "assignee_name": names.get(c["assignee"])} for c in active]
    return web.json_response(body)


@agent_api
async def colleagues(request: web.Request) -> web.Response:
    """Agents to transfer to, with presence and room."""
    return web.json_response(
        {"agents": [agents.view(a) async for a in request.app[DB].agents.find({}).sort("_id", 1)]}
    )


# ---------------------------------------------------------------------- one conversation
@agent_api
async def conversation(request: web.Request) -> web.Response:
    conv = await load_visible(request)
    view = "handover.watch" if conv.get("assignee") not in (None, staff(request)["_id"]) else "handover.briefing"
    await briefing.audit_read(request.app[DB], staff(request), conv, view)
    if conv.get("state") == "agent" and conv.get("assignee") == staff(request)["_id"] and not conv.get("agent_joined"):
        await desk(request).announce_joined(conv["_id"], staff(request))  # the resident hears a person is there
    register = external.klantinteracties(request.app[SETTINGS], request.app[HTTP])  # contacts made at KISS desks
    return web.json_response(await briefing.build(request.app[DB], request.app.get(KNOWLEDGE), conv, staff(request), register))


@agent_api
async def take(request: web.Request) -> web.Response:
    conv = await desk(request).router.take(
        request.match_info["id"], staff(request), supervisor=has_role(staff(request), "supervisor")
    )
    return web.json_response({"conversation": briefing.staff_view(staff(request), conv)})


@agent_api
async def reply(request: web.Request) -> web.Response:
    body: ReplyBody = await parse(request, ReplyBody)
    partner = None
    if body.partner:  # a referral: the partner's one-line text unless the agent wrote their own
        found = await request.app[DB].partners.find_one({"_id": body.partner})
        if found is None:
            raise DeskError(404, "unknown_partner", "Deze organisatie staat niet in de lijst.")
        partner = partners.from_doc(found)
        body.text = body.text.strip() or partners.referral_text(partner)
    if not body.text.strip() and not body.attachments:
        raise DeskError(400, "empty_text", "Het bericht is leeg.")
    conv_id = request.match_info["id"]
    files = await attachments.for_reply(request.app[DB], conv_id, body.attachments, request.app[SETTINGS].public_url)
    result = await desk(request).reply(conv_id, staff(request), body.text, article=body.article, attachments=files)
    if partner is not None:
        await events.emit(request.app[DB], request.app[BUS], EventType.REFERRAL, conv_id, partner=partner.id,
                          by=staff(request)["_id"], channel=None)
    return web.json_response(result, status=201)


@agent_api
async def upload(request: web.Request) -> web.Response:
    conv_id = request.match_info["id"]
    db, settings = request.app[DB], request.app[SETTINGS]
    if not await db.conversations.find_one({"_id": conv_id, "state": State.AGENT.value, "assignee": staff(request)["_id"]}, {"_id": 1}):
        raise await desk(request).refusal(conv_id, staff(request))
    if not request.content_type.startswith("multipart/"):
        raise DeskError(415, "multipart_expected", "Stuur het bestand als multipart/form-data (veld 'file').")
    reader = await request.multipart()
    part = await reader.next()
    while part is not None and getattr(part, "name", None) != "file":
        part = await reader.next()
    if part is None:
        raise DeskError(400, "no_file", "Er zit geen bestand in het verzoek (veld 'file').")
    limit = settings.handover_max_attachment_bytes
    data = bytearray()
    while chunk := await part.read_chunk(64 * 1024):  # type: ignore[union-attr]
        data.extend(chunk)
        if len(data) > limit:
            raise DeskError(413, "file_too_large", f"Het bestand is te groot. Het mag hoogstens {limit // (1024 * 1024)} MB zijn.")
    content_type = part.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip()  # type: ignore[union-attr]
    stored = await attachments.store(
        db, conv_id, staff(request)["_id"], part.filename or "bijlage", content_type, bytes(data), settings.public_url  # type: ignore[union-attr]
    )
    return web.json_response(stored, status=201)


@agent_api
async def add_note(request: web.Request) -> web.Response:
    body: NoteBody = await parse(request, NoteBody)
    conv = await load_visible(request)
    entry = await desk(request).note(conv["_id"], staff(request), body.text)
    return web.json_response({**entry, "at": entry["at"].isoformat()}, status=201)


@agent_api
async def transfer(request: web.Request) -> web.Response:
    body: TransferBody = await parse(request, TransferBody)
    result = await desk(request).transfer(
        request.match_info["id"], staff(request), body.note, to_agent=body.to_agent, to_team=body.to_team
    )
    return web.json_response(result)


@agent_api
async def hand_back(request: web.Request) -> web.Response:
    body: HandBackBody = await parse(request, HandBackBody)
    return web.json_response(await desk(request).hand_back(request.match_info["id"], staff(request), body.note))


@agent_api
async def close(request: web.Request) -> web.Response:
    body: CloseBody = await parse(request, CloseBody)
    return web.json_response(await desk(request).close(request.match_info["id"], staff(request), body.outcome, body.note))


@agent_api
async def create_case(request: web.Request) -> web.Response:
    body: CaseBody = await parse(request, CaseBody)
    conv = await load_visible(request)
    case = await cases.create_case(
        request.app[DB], body.kind, body.description, contact_id=conv.get("contact_id"), conversation_id=conv["_id"],
        channel=conv["channel"], created_by=staff(request)["_id"], department=body.department,
    )
    await desk(request).note(conv["_id"], staff(request), f"Zaak {case['number']} aangemaakt: {case['title']}", kind="case", case_number=case["number"])
    return web.json_response(cases.view(case), status=201)


@agent_api
async def confidential(request: web.Request) -> web.Response:
    """Mark a conversation social domain (any agent who may see it), or clear the mark (staff with the right)."""
    body: ConfidentialBody = await parse(request, ConfidentialBody)
    db, me_ = request.app[DB], staff(request)
    conv = await load_visible(request)
    if body.social_domain:
        changed = await need_to_know.mark(db, conv["_id"], me_["_id"], body.reason)
    elif not has_right(me_, SOCIAL_DOMAIN):
        raise DeskError(403, "need_to_know", "Alleen collega's met het recht sociaal domein kunnen de markering weghalen.")
    else:
        changed = await need_to_know.clear(db, conv["_id"], me_["_id"], body.reason)
    if changed:
        await audit.record(db, audit.AuditEntry(
            actor=me_["_id"], action="conversation.mark", contact_id=conv.get("contact_id"), conversation_id=conv["_id"],
            reason=body.reason, detail={"social_domain": body.social_domain},
        ))
        await events.emit(db, request.app[BUS], EventType.MARKED, conv["_id"], team=conv.get("team"))
    conv = await db.conversations.find_one({"_id": conv["_id"]})
    return web.json_response({"changed": changed, "conversation": briefing.staff_view(me_, conv)})


@agent_api
async def create_callback(request: web.Request) -> web.Response:
    body: CallbackBody = await parse(request, CallbackBody)
    conv = await load_visible(request)
    callback = await callbacks.create_callback(
        request.app[DB], body.phone, body.subject, day_part=body.day_part, contact_id=conv.get("contact_id"),
        conversation_id=conv["_id"], created_by=staff(request)["_id"],
    )
    await desk(request).note(conv["_id"], staff(request), f"Terugbelverzoek aangemaakt: {body.subject}", kind="callback", callback_id=callback["_id"])
    return web.json_response(callbacks.view(callback), status=201)


@agent_api
async def case_types(request: web.Request) -> web.Response:
    return web.json_response({"case_types": [{"kind": k, "title": t.title, "department": t.department} for k, t in cases.CASE_TYPES.items()]})


# ---------------------------------------------------------------------- knowledge base (canned replies)
@agent_api
async def knowledge_search(request: web.Request) -> web.Response:
    svc = request.app.get(KNOWLEDGE)
    if svc is None:
        raise DeskError(503, "knowledge_down", "De kennisbank is nu niet bereikbaar.")
    q = request.query.get("q", "").strip()[:500]
    hits = await svc.search(q, size=8, view="staff") if q else []
    return web.json_response({"q": q, "hits": [h.model_dump() for h in hits]})


@agent_api
async def knowledge_article(request: web.Request) -> web.Response:
    svc = request.app.get(KNOWLEDGE)
    if svc is None:
        raise DeskError(503, "knowledge_down", "De kennisbank is nu niet bereikbaar.")
    article = await svc.get_article(request.match_info["slug"], view="staff")
    if article is None:
        raise DeskError(404, "unknown_article", "Dit artikel bestaat niet.")
    return web.json_response(
        {"slug": article.slug, "title": article.title, "answer": article.answer, "internal_note": article.internal_note,
         "status": article.status, "department": article.department}
    )


# ---------------------------------------------------------------------- contact moments
@agent_api
async def contact_moment(request: web.Request) -> web.Response:
    body: contact_moments.ContactMoment = await parse(request, contact_moments.ContactMoment)
    result = await contact_moments.register(request.app[DB], body, staff(request), live=request.app[BUS])
    return web.json_response(result, status=201)


def routes() -> list[web.RouteDef]:
    return [
        web.get(f"{API}/me", me),
        web.put(f"{API}/presence", set_presence),
        web.get(f"{API}/queue", queue),
        web.get(f"{API}/agents", colleagues),
        web.get(f"{API}/case-types", case_types),
        web.get(f"{API}/knowledge", knowledge_search),
        web.get(f"{API}/knowledge/{{slug}}", knowledge_article),
        web.post(f"{API}/contact-moments", contact_moment),
        web.get(f"{API}/conversations/{{id}}", conversation),
        web.post(f"{API}/conversations/{{id}}/take", take),
        web.post(f"{API}/conversations/{{id}}/messages", reply),
        web.post(f"{API}/conversations/{{id}}/attachments", upload),
        web.post(f"{API}/conversations/{{id}}/notes", add_note),
        web.post(f"{API}/conversations/{{id}}/transfer", transfer),
        web.post(f"{API}/conversations/{{id}}/handback", hand_back),
        web.post(f"{API}/conversations/{{id}}/close", close),
        web.post(f"{API}/conversations/{{id}}/case", create_case),
        web.post(f"{API}/conversations/{{id}}/callback", create_callback),
        web.post(f"{API}/conversations/{{id}}/confidential", confidential),
        web.get(f"{API}/files/{{id}}/{{name}}", attachments.download),
    ]

