"""Wires the residents' journeys of issue 17 into the app: crisis mode, the partner directory, referral figures.

Crisis mode: the API and the widget's banner, the loop that keeps this hub's copy of the
crisis current, and the broadcast (one hub at a time, by lease). The partner directory: its
API, seeded from ``knowledge/content/partners.yaml`` when empty. (Case notices: the notifier
starts with the case records in ``hub/web/records.py``.)
"""

from __future__ import annotations

from aiohttp import web

from hub.conversations import crisis, crisis_api, crisis_broadcast
from hub.conversations.pipeline import Pipeline
from hub.core.appkeys import BUS, DB, SETTINGS
from hub.core.loops import run_with_app
from hub.stats import referrals
from knowledge import partners, partners_api


def setup_journeys(app: web.Application, pipeline: Pipeline) -> None:
    app.router.add_routes([*crisis_api.routes(pipeline.crisis), *partners_api.routes(), *referrals.routes()])

    async def seed(app: web.Application) -> None:
        await partners.ensure_seeded(app[DB])

    app.on_startup.append(seed)
    run_with_app(
        app,
        crisis_state=lambda app: crisis.run(pipeline.crisis, app[DB], app[BUS], app[SETTINGS].crisis_sweep_s),
        crisis_broadcast=lambda app: crisis_broadcast.run(app[DB], app[BUS], pipeline, app[SETTINGS]),
    )
