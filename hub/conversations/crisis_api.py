"""Crisis mode over HTTP: supervisors and editors switch it on and off; the widget reads the banner.

``GET /api/v1/crisis`` the active (or last) crisis with the broadcast's progress and the
contacts during it; ``POST /api/v1/crisis`` switches it on (``CrisisOn``), ``POST
/api/v1/crisis/off`` off. ``GET /api/v1/webchat/crisis`` (public, from memory) gives the
widget its banner.
"""

from __future__ import annotations

from aiohttp import web

from hub.conversations import crisis
from hub.conversations.appkeys import PIPELINE
from hub.conversations.crisis import CrisisState
from hub.core.appkeys import BUS, DB
from hub.core.http import BodyError, domain_error, parse
from hub.staff.auth import require_role, staff_name

STAFF_ROLES = ("supervisor", "editor")


@require_role(*STAFF_ROLES)
async def get_crisis(request: web.Request) -> web.Response:
    db = request.app[DB]
    await _events_logged(request)
    doc = await db.crises.find_one({}, sort=[("on_at", -1)])
    return web.json_response(await crisis.view(db, doc))


@require_role(*STAFF_ROLES)
async def switch_on(request: web.Request) -> web.Response:
    try:
        body = await parse(request, crisis.CrisisOn)
    except BodyError as err:
        return err.response
    try:
        doc = await crisis.switch_on(request.app[DB], request.app[BUS], body, staff_name(request))
    except crisis.CrisisError as exc:
        return domain_error(exc)
    return web.json_response(await crisis.view(request.app[DB], doc), status=201)


@require_role(*STAFF_ROLES)
async def switch_off(request: web.Request) -> web.Response:
    try:
        doc = await crisis.switch_off(request.app[DB], request.app[BUS], staff_name(request))
    except crisis.CrisisError as exc:
        return domain_error(exc)
    await _events_logged(request)
    return web.json_response(await crisis.view(request.app[DB], doc))


async def _events_logged(request: web.Request) -> None:
    """The view counts contacts from the event log: the bot path's last events first."""
    pipeline = request.app.get(PIPELINE)
    if pipeline is not None:
        await pipeline.log_events()


def banner(state: CrisisState) -> web.RouteDef:
    async def webchat_crisis(request: web.Request) -> web.Response:
        """The crisis banner for the web chat widget (no database: this hub's copy of the crisis)."""
        current = state.current
        if current is None:
            return web.json_response({"active": False})
        return web.json_response({"active": True, "text": current.text, "article": current.article, "title": current.article_title})

    return web.get("/api/v1/webchat/crisis", webchat_crisis)


def routes(state: CrisisState) -> list[web.RouteDef]:
    return [
        web.get("/api/v1/crisis", get_crisis),
        web.post("/api/v1/crisis", switch_on),
        web.post("/api/v1/crisis/off", switch_off),
        banner(state),
    ]
