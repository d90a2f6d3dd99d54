"""AVG/GDPR requests over HTTP: ``GET /api/v1/contacts/{id}/export`` and ``POST /api/v1/contacts/{id}/erase``.

Who may: staff with the ``admin`` role, or staff holding the ``privacy`` right (a privacy
officer who is not an administrator). Supervisors do not get it by their role. Both are
audited (``contact.export``, ``contact.erase``). Erasure asks for a reason and can first be
tried as a dry run (``{"dry_run": true}``): it answers the counts and changes nothing.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from hub.conversations.appkeys import BOT
from hub.core.appkeys import DB, SETTINGS
from hub.core.http import BodyError, domain_error, json_error, parse
from hub.gdpr import retention
from hub.gdpr import rights as privacy
from hub.gdpr.bot_memory import BotMemory
from hub.staff.auth import PRIVACY, ROLES, has_right, require_role, staff_name

EXPORT_REASON = "verzoek inzage (AVG art. 15)"


class EraseBody(BaseModel):
    reason: str = Field(min_length=3, max_length=300, description="why, e.g. 'verzoek verwijdering (AVG art. 17)'")
    dry_run: bool = False


def _refused() -> web.Response:
    return json_error(403, "forbidden", "Alleen een beheerder of de privacy-functionaris mag dit doen.")


@require_role(*ROLES)
async def export_contact(request: web.Request) -> web.Response:
    if not has_right(request["staff"], PRIVACY):
        return _refused()
    reason = (request.query.get("reason") or EXPORT_REASON).strip()[:300] or EXPORT_REASON
    try:
        body = await privacy.export(request.app[DB], request.match_info["id"], staff_name(request), reason)
    except privacy.PrivacyError as exc:
        return domain_error(exc)
    name = f"kcc-export-{request.match_info['id']}.json"
    return web.json_response(body, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@require_role(*ROLES)
async def erase_contact(request: web.Request) -> web.Response:
    if not has_right(request["staff"], PRIVACY):
        return _refused()
    try:
        body = await parse(request, EraseBody)
    except BodyError as exc:
        return exc.response
    try:
        memory = BotMemory(request.app[BOT], request.app[DB], request.app[SETTINGS].rasa_tracker_database)
        report = await privacy.erase(
            request.app[DB], request.match_info["id"], staff_name(request), body.reason, body.dry_run, memory
        )
    except privacy.PrivacyError as exc:
        return domain_error(exc)
    return web.json_response(report)


@require_role(*ROLES)
async def retention_report(request: web.Request) -> web.Response:
    """``GET /api/v1/privacy/retention``: what the retention job would do now (a dry run)."""
    if not has_right(request["staff"], PRIVACY):
        return _refused()
    report = await retention.run(request.app[DB], request.app[SETTINGS], dry_run=True)
    return web.json_response(report.model_dump(mode="json"))


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/v1/contacts/{id}/export", export_contact),
        web.post("/api/v1/contacts/{id}/erase", erase_contact),
        web.get("/api/v1/privacy/retention", retention_report),
    ]


def setup_privacy(app: web.Application) -> None:
    """One call from ``create_app``: the privacy API and the scheduled retention job."""
    app.router.add_routes(routes())
    retention.setup_retention(app)
