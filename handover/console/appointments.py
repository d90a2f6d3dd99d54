"""Appointments from the agent console: book, move and cancel for the resident of the open conversation.

Thin views over ``hub.cases.appointments`` (the same code as the bot and the public API): the
agent needs no proof (role ``agent``, CSRF on changes, via ``console_api.agent_api``), but acts
only on the conversation they may see and on appointments of that conversation's contact. Each
change leaves an internal note in the conversation, so a colleague sees what was arranged.
The colleagues' free/busy (``GET /api/v1/agenda/freebusy``) reads the calendars listed by
``GET /api/v1/handover/appointment-products``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from handover.console.api import API, agent_api, desk, load_visible, staff
from hub.cases import appointments
from hub.cases.appointments import AppointmentError, ContactDetails, Move, NewAppointment
from hub.cases.appointments_api import APPOINTMENT_BOOK
from hub.core.appkeys import BUS, DB, SETTINGS
from hub.core.http import domain_error, parse
from hub.core.workdays import short_dutch_datetime


class DeskBooking(ContactDetails):
    """E-mail address and phone default to the contact's own; one of them is needed to reach the resident."""

    product: str = Field(min_length=1, max_length=120)
    start: datetime
    remind: bool = False


class DeskMove(BaseModel):
    start: datetime


async def contact_addresses(db: Any, contact_id: str | None) -> dict[str, str]:
    doc = await db.contacts.find_one({"_id": contact_id}, {"addresses": 1}) if contact_id else None
    found: dict[str, str] = {}
    for address in (doc or {}).get("addresses", []):
        kind, _, value = address.partition(":")
        if kind in ("email", "phone"):
            found.setdefault(kind, value)
    return found


async def own_appointment(request: web.Request, conv: dict[str, Any]) -> dict[str, Any]:
    """The active appointment of the path, if it belongs to this conversation or its contact."""
    doc = await appointments.find(request.app[DB], request.match_info["reference"], None)
    contact = conv.get("contact_id")
    if doc.get("conversation_id") != conv["_id"] and (not contact or doc.get("contact_id") != contact):
        raise AppointmentError(404, "unknown_appointment", "Dit contact heeft geen afspraak met dit kenmerk.")
    return doc


def note_text(action: str, doc: dict[str, Any]) -> str:
    return f"Afspraak {action}: {doc.get('product_name') or doc['product']}, {short_dutch_datetime(doc['start'])} ({doc['_id']})"


@agent_api
async def products(request: web.Request) -> web.Response:
    """The products booked by appointment, with their calendar (also the free/busy choices)."""
    cursor = request.app[DB].products.find({"appointment": {"$ne": None}}, {"_id": 0, "slug": 1, "name": 1, "appointment": 1})
    found = sorted(await cursor.to_list(100), key=lambda p: p["name"])
    return web.json_response({"products": [
        {"slug": p["slug"], "name": p["name"], "calendar": p["appointment"]["calendar"],
         "place": p["appointment"]["location"], "slot_minutes": p["appointment"]["slot_minutes"]} for p in found
    ], "calendars": sorted({p["appointment"]["calendar"] for p in found})})


@agent_api
async def book(request: web.Request) -> web.Response:
    body: DeskBooking = await parse(request, DeskBooking)
    conv = await load_visible(request)
    app, agent = request.app, staff(request)
    known = await contact_addresses(app[DB], conv.get("contact_id"))
    email, phone = body.email, body.phone
    if not email and not phone:
        email, phone = known.get("email"), known.get("phone")
    new = NewAppointment(product=body.product, start=body.start, email=email, phone=phone,
                         conversation_id=conv["_id"], remind=body.remind)
    try:
        doc = await appointments.book(app[DB], app[APPOINTMENT_BOOK], new, agent["_id"], app[SETTINGS], bus=app[BUS])
        product, _ = await appointments.product_rules(app[DB], doc["product"])
    except AppointmentError as exc:
        return domain_error(exc)
    await desk(request).note(conv["_id"], agent, note_text("gemaakt", doc), kind="appointment", appointment=doc["_id"])
    return web.json_response(appointments.view(doc, product.bring, private=True), status=201)


@agent_api
async def move(request: web.Request) -> web.Response:
    body: DeskMove = await parse(request, DeskMove)
    conv = await load_visible(request)
    app, agent = request.app, staff(request)
    try:
        doc = await own_appointment(request, conv)
        doc = await appointments.move(app[DB], app[APPOINTMENT_BOOK], doc["_id"], Move(start=body.start), None,
                                      agent["_id"], app[SETTINGS], bus=app[BUS])
        product, _ = await appointments.product_rules(app[DB], doc["product"])
    except AppointmentError as exc:
        return domain_error(exc)
    await desk(request).note(conv["_id"], agent, note_text("verzet naar", doc), kind="appointment", appointment=doc["_id"])
    return web.json_response(appointments.view(doc, product.bring, private=True))


@agent_api
async def cancel(request: web.Request) -> web.Response:
    conv = await load_visible(request)
    app, agent = request.app, staff(request)
    try:
        doc = await own_appointment(request, conv)
        doc = await appointments.cancel(app[DB], app[APPOINTMENT_BOOK], doc["_id"], None, agent["_id"], bus=app[BUS])
    except AppointmentError as exc:
        return domain_error(exc)
    await desk(request).note(conv["_id"], agent, note_text("afgezegd", doc), kind="appointment", appointment=doc["_id"])
    return web.json_response(appointments.view(doc, private=True))


def routes() -> list[web.RouteDef]:
    return [
        web.get(f"{API}/appointment-products", products),
        web.post(f"{API}/conversations/{{id}}/appointments", book),
        web.post(f"{API}/conversations/{{id}}/appointments/{{reference}}/move", move),
        web.post(f"{API}/conversations/{{id}}/appointments/{{reference}}/cancel", cancel),
    ]
