"""The warm transfer's JSON API (``handover.specialists.transfer``).

The agent's side (role ``agent``): ``GET /api/v1/handover/specialists`` (whom to ask) and
``POST /api/v1/handover/conversations/{id}/specialist`` (consult or transfer, with a summary).
The specialist's side (role ``specialist``) under ``/api/v1/handover/specialist/...``: the
requests for them or their team, one conversation (audited like an agent's read), accept,
answer (transfer only), internal notes, and give back to the KCC with a note. A specialist sees
nothing else; a plain agent cannot act as a specialist (the role check refuses).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handover import briefing
from handover.console.api import NoteBody, ReplyBody, agent_api, desk, desk_api
from handover.console.api import staff as me
from handover.specialists import transfer as specialist
from hub.core.http import parse

API = "/api/v1/handover"
#: role ``specialist`` (an admin passes too)
specialist_api = desk_api("specialist")


def item(staff: dict[str, Any], conv: dict[str, Any]) -> dict[str, Any]:
    return {**briefing.staff_view(staff, conv), "specialist": specialist.request_view(conv.get("specialist"))}


# ---------------------------------------------------------------------- the agent's side
@agent_api
async def list_specialists(request: web.Request) -> web.Response:
    found = await specialist.specialists(desk(request))
    teams = sorted({t for s in found for t in s["teams"]})
    return web.json_response({"specialists": found, "teams": teams})


@agent_api
async def ask(request: web.Request) -> web.Response:
    body: specialist.AskBody = await parse(request, specialist.AskBody)
    return web.json_response(await specialist.ask(desk(request), request.match_info["id"], me(request), body), status=201)


# ---------------------------------------------------------------------- the specialist's side
@specialist_api
async def requests(request: web.Request) -> web.Response:
    found = await specialist.requests_for(desk(request), me(request))
    return web.json_response({"requests": [item(me(request), c) for c in found]})


@specialist_api
async def conversation(request: web.Request) -> web.Response:
    d = desk(request)
    conv = await specialist.load_asked(d, request.match_info["id"], me(request))
    await briefing.audit_read(d.db, me(request), conv, "handover.specialist")
    return web.json_response(await briefing.build(d.db, None, conv, me(request)))


@specialist_api
async def accept(request: web.Request) -> web.Response:
    return web.json_response(await specialist.accept(desk(request), request.match_info["id"], me(request)))


@specialist_api
async def reply(request: web.Request) -> web.Response:
    body: ReplyBody = await parse(request, ReplyBody)
    if not body.text.strip():
        raise specialist.DeskError(400, "empty_text", "Het bericht is leeg.")
    result = await specialist.reply(desk(request), request.match_info["id"], me(request), body.text.strip())
    return web.json_response(result, status=201)


@specialist_api
async def add_note(request: web.Request) -> web.Response:
    body: NoteBody = await parse(request, NoteBody)
    entry = await specialist.note(desk(request), request.match_info["id"], me(request), body.text)
    return web.json_response({**entry, "at": entry["at"].isoformat()}, status=201)


@specialist_api
async def give_back(request: web.Request) -> web.Response:
    body: specialist.ReturnBody = await parse(request, specialist.ReturnBody)
    return web.json_response(await specialist.give_back(desk(request), request.match_info["id"], me(request), body.note))


def routes() -> list[web.RouteDef]:
    base = f"{API}/specialist/conversations/{{id}}"
    return [
        web.get(f"{API}/specialists", list_specialists),
        web.post(f"{API}/conversations/{{id}}/specialist", ask),
        web.get(f"{API}/specialist/requests", requests),
        web.get(base, conversation),
        web.post(f"{base}/accept", accept),
        web.post(f"{base}/messages", reply),
        web.post(f"{base}/notes", add_note),
        web.post(f"{base}/return", give_back),
    ]
