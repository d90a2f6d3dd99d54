"""Wires contacts, cases, callback requests and the connectors into the hub app.

One call from ``create_app``: the staff APIs, the deadline watch and the outbox that pushes
records to the configured external systems (Zaken API, Klantinteracties API).
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from hub import callbacks_api, cases_api, contacts_api, deadlines, external_sync


def setup_contact_records(app: web.Application) -> None:
    app.router.add_routes([*contacts_api.routes(), *cases_api.routes(), *callbacks_api.routes()])
    app.on_startup.append(_start)
    app.on_shutdown.append(_stop)


async def _start(app: web.Application) -> None:
    settings = app["settings"]
    app["contact_record_tasks"] = [
        asyncio.ensure_future(deadlines.run(app["db"], app["live"], settings.deadline_sweep_s)),
        asyncio.ensure_future(external_sync.run(app["db"], settings, app["http"])),
    ]


async def _stop(app: web.Application) -> None:
    for task in app.get("contact_record_tasks", []):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
