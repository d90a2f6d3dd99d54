"""Wires the agent desk into the hub app: routing, wait updates, console API and page, WebSocket, Slack.

``setup_handover(app, pipeline)`` is called by ``hub.web.app.create_app``; the services start
after the hub's own start-up (storage is ready by then) and stop before storage closes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from handover import slack
from handover.console import api as console_api
from handover.console import appointments as appointments_desk
from handover.console.ws import console_ws
from handover.interim import InterimNotifier
from handover.lifecycle import Desk
from handover.routing import Router
from handover.specialists import api as specialist_api
from handover.waiting import WaitNotifier
from hub.conversations.pipeline import Pipeline
from hub.core.appkeys import BUS, DB, SETTINGS
from hub.core.http import json_error
from hub.staff.auth import require_role

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
WAIT_NOTIFIER = web.AppKey("wait_notifier", WaitNotifier)
INTERIM_NOTIFIER = web.AppKey("interim_notifier", InterimNotifier)
SLACK_DESK = web.AppKey("slack_desk", slack.SlackDesk)  # only when Slack is configured


@require_role("agent", "supervisor", "specialist", page=True)
async def console_page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "console.html", headers={"Cache-Control": "no-cache"})


async def slack_webhook(request: web.Request) -> web.Response:
    desk: slack.SlackDesk | None = request.app.get(SLACK_DESK)
    if desk is None:
        return json_error(404, "not_configured", "Slack is niet ingesteld.")
    return await desk.webhook(request)


def setup_handover(app: web.Application, pipeline: Pipeline) -> None:
    settings = app[SETTINGS]

    async def start(app: web.Application) -> None:
        router = Router(app[DB], app[BUS], settings)
        desk = Desk(app[DB], app[BUS], pipeline, router, settings)
        notifier = WaitNotifier(pipeline, settings)
        app[console_api.DESK] = desk
        app[WAIT_NOTIFIER] = notifier
        router.start()
        notifier.start()
        app[INTERIM_NOTIFIER] = InterimNotifier(pipeline, settings)  # a term about to run out (hub.cases.norms)
        app[INTERIM_NOTIFIER].start()
        if slack.configured(settings):
            app[SLACK_DESK] = slack.SlackDesk(desk, settings)
            app[SLACK_DESK].start()
        else:
            log.info("slack desk not configured")

    async def stop(app: web.Application) -> None:
        if SLACK_DESK in app:
            await app[SLACK_DESK].stop()
        if WAIT_NOTIFIER in app:
            await app[WAIT_NOTIFIER].stop()
        if INTERIM_NOTIFIER in app:
            await app[INTERIM_NOTIFIER].stop()
        if console_api.DESK in app:
            await app[console_api.DESK].router.stop()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
    app.router.add_routes(console_api.routes())
    app.router.add_routes(specialist_api.routes())
    app.router.add_routes(appointments_desk.routes())  # book, move, cancel from the console (issue 17)
    app.router.add_get("/api/v1/handover/ws", console_ws)
    app.router.add_post("/webhooks/slack", slack_webhook)
    app.router.add_get("/console", console_page)
    app.router.add_static("/console/static", STATIC, append_version=True)
