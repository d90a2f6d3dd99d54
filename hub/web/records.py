"""Wires contacts, cases, callback requests and the connectors into the hub app.

One call from ``create_app``: the staff APIs, the deadline watch, the outbox that pushes
records to the configured external systems (Zaken API, Klantinteracties API), and appointments
(the CalDAV calendar, their API and the reminder loop).
"""

from __future__ import annotations

from aiohttp import web

from connectors.calendar import book_from_settings
from hub.cases import api as cases_api
from hub.cases import appointments_api, callbacks_api, contact_card, deadlines, reminders
from hub.cases import outbox as external_sync
from hub.contacts import api as contacts_api
from hub.contacts import consent_api
from hub.conversations import notifier
from hub.core.appkeys import BUS, DB, HTTP, SETTINGS
from hub.core.loops import run_with_app


def setup_contact_records(app: web.Application, pipeline: cases_api.Sender) -> None:
    """``pipeline`` sends reminders and case notices (``hub.cases`` may not read it from the app)."""
    app.router.add_routes(
        [*contacts_api.routes(), *consent_api.routes(), *contact_card.routes(), *cases_api.routes(),
         *callbacks_api.routes(), *appointments_api.routes()]
    )
    settings = app[SETTINGS]
    book = book_from_settings(settings)
    app[appointments_api.APPOINTMENT_BOOK] = book

    async def close_book(app: web.Application) -> None:
        book.close()

    app.on_cleanup.append(close_book)
    run_with_app(
        app,
        deadline_watch=lambda app: deadlines.run(app[DB], app[BUS], app[SETTINGS].deadline_sweep_s, app[SETTINGS]),
        external_sync=lambda app: external_sync.run(app[DB], app[SETTINGS], app[HTTP]),
        appointment_reminders=lambda app: reminders.run(
            app[DB], app[BUS], pipeline, app[SETTINGS].appointment_reminder_sweep_s
        ),
        case_notices=lambda app: notifier.run(app[DB], app[BUS], pipeline, app[SETTINGS]),
    )
