"""Wires contacts, cases, callback requests and the connectors into the hub app.

One call from ``create_app``: the staff APIs, the deadline watch and the outbox that pushes
records to the configured external systems (Zaken API, Klantinteracties API).
"""

from __future__ import annotations

from aiohttp import web

from hub.cases import api as cases_api
from hub.cases import callbacks_api, contact_card, deadlines
from hub.cases import outbox as external_sync
from hub.contacts import api as contacts_api
from hub.core.loops import run_with_app


def setup_contact_records(app: web.Application) -> None:
    app.router.add_routes([*contacts_api.routes(), *contact_card.routes(), *cases_api.routes(), *callbacks_api.routes()])
    run_with_app(
        app,
        deadline_watch=lambda app: deadlines.run(app["db"], app["live"], app["settings"].deadline_sweep_s),
        external_sync=lambda app: external_sync.run(app["db"], app["settings"], app["http"]),
    )
