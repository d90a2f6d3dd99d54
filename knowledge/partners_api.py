"""The partner directory over HTTP: agents read it to refer, editors maintain it.

``GET /api/v1/partners`` (agent or editor) lists the partners; ``?q=`` gives the partner a
question points to and the one-line referral (``match``). ``PUT /api/v1/partners/{id}``
(editor) creates or replaces one, ``DELETE`` removes it.
"""

from __future__ import annotations

from aiohttp import web

from hub.core.appkeys import DB
from hub.core.http import BodyError, json_error, parse
from hub.staff.auth import require_role, staff_name
from knowledge import partners


@require_role("agent", "editor")
async def list_partners(request: web.Request) -> web.Response:
    found = await partners.all_partners(request.app[DB])
    body: dict = {"partners": [p.model_dump() for p in found]}
    if request.query.get("q"):
        hit = partners.match(found, request.query["q"])
        body["match"] = {"partner": hit.id, "text": partners.referral_text(hit)} if hit else None
    return web.json_response(body)


@require_role("editor")
async def put_partner(request: web.Request) -> web.Response:
    try:
        body = await parse(request, partners.Partner)
    except BodyError as err:
        return err.response
    if body.id != request.match_info["id"]:
        return json_error(422, "id_mismatch", "Het id in het adres en in de gegevens verschilt.", fields=["id"])
    saved = await partners.save(request.app[DB], body, staff_name(request))
    return web.json_response(saved.model_dump())


@require_role("editor")
async def delete_partner(request: web.Request) -> web.Response:
    gone = await request.app[DB].partners.delete_one({"_id": request.match_info["id"]})
    if not gone.deleted_count:
        return json_error(404, "unknown_partner", "Deze organisatie staat niet in de lijst.")
    return web.json_response({"deleted": request.match_info["id"]})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/v1/partners", list_partners),
        web.put("/api/v1/partners/{id}", put_partner),
        web.delete("/api/v1/partners/{id}", delete_partner),
    ]
