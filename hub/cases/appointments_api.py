"""HTTP API of appointments: free slots, book, move, cancel; the staff's free/busy view.

Public (the bot and the web chat use them): ``GET /api/v1/appointments/slots``, ``POST
/api/v1/appointments``; moving (``PATCH``) or cancelling (``DELETE``) needs the reference plus
the e-mail address or phone number given at booking. A logged-in agent (role ``agent``, with
the CSRF header) may book, move and cancel any appointment and list a contact's appointments.
``GET /api/v1/agenda/freebusy`` shows a colleague's busy periods (no titles) from the same
CalDAV server: the agendas are open and transparent inside the organisation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from aiohttp import web
from pydantic import BaseModel, Field, ValidationError

from connectors.calendar import AppointmentBook, CalendarNotFound, CalendarUnavailable
from hub.cases import appointments, slots
from hub.cases.appointments import AppointmentError, ContactDetails, Move, NewAppointment
from hub.core.appkeys import BUS, DB, SETTINGS
from hub.core.http import BodyError, domain_error, invalid_fields, json_error, parse
from hub.core.models import utcnow
from hub.core.workdays import TZ
from hub.privacy import audit
from hub.privacy.audit import audit_entry
from hub.staff.auth import current_staff, has_role, require_role

APPOINTMENT_BOOK = web.AppKey("appointment_book", AppointmentBook)
UNAVAILABLE = "De agenda is even niet bereikbaar. Probeer het zo opnieuw."


class SlotQuery(BaseModel):
    product: str = Field(min_length=1, max_length=120)
    from_: date | None = Field(None, alias="from")
    limit: int = Field(3, ge=1, le=20)


class FreeBusyQuery(BaseModel):
    calendar: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    from_: date = Field(alias="from")
    to: date


async def acting_agent(request: web.Request) -> str | None:
    """The username of a logged-in agent acting with the CSRF header; None for a resident."""
    staff = await current_staff(request)
    if not staff or not has_role(staff, "agent"):
        return None
    if request.method not in ("GET", "HEAD") and request.headers.get("X-CSRF-Token") != staff["csrf"]:
        return None
    request["staff"] = staff
    return staff["_id"]


async def list_slots(request: web.Request) -> web.Response:
    try:
        query = SlotQuery.model_validate(_present({
            "product": request.query.get("product"), "from": request.query.get("from"), "limit": request.query.get("limit"),
        }))
    except ValidationError as exc:
        return invalid_fields(exc)
    app = request.app
    settings, now = app[SETTINGS], utcnow()
    try:
        product, rules = await appointments.product_rules(app[DB], query.product)
        found = await appointments.free_slots(app[APPOINTMENT_BOOK], rules, settings, query.from_, query.limit, now)
    except AppointmentError as exc:
        return domain_error(exc)
    return web.json_response({
        "product": product.slug, "product_name": product.name, "place": rules.location,
        "slots": [{"start": s.start.isoformat(), "end": s.end.isoformat(), "when": slots.spoken(s.start), "free": s.free}
                  for s in found],
    })


async def create(request: web.Request) -> web.Response:
    agent = await acting_agent(request)
    try:
        body = await parse(request, NewAppointment)
    except BodyError as err:
        return err.response
    app = request.app
    try:
        doc = await appointments.book(app[DB], app[APPOINTMENT_BOOK], body, agent or "resident", app[SETTINGS], bus=app[BUS])
        product, _ = await appointments.product_rules(app[DB], doc["product"])
    except AppointmentError as exc:
        return domain_error(exc)
    return web.json_response(appointments.view(doc, product.bring, private=agent is not None), status=201)


def _present(values: dict[str, str | None]) -> dict[str, str]:
    return {k: v for k, v in values.items() if v is not None}


def _unproven(agent: str | None, body: ContactDetails | None) -> web.Response | None:
    """A resident must give the e-mail address or phone number of the booking; an agent need not."""
    if agent or (body is not None and (body.email or body.phone)):
        return None
    return json_error(422, "invalid_fields", "Geef het e-mailadres of telefoonnummer van de afspraak.",
                      fields=["email", "phone"])


async def change(request: web.Request) -> web.Response:
    agent = await acting_agent(request)
    try:
        body = await parse(request, Move)
    except BodyError as err:
        return err.response
    if refused := _unproven(agent, body):
        return refused
    app = request.app
    proof = None if agent else ContactDetails(email=body.email, phone=body.phone)
    try:
        doc = await appointments.move(app[DB], app[APPOINTMENT_BOOK], request.match_info["reference"], body, proof,
                                      agent or "resident", app[SETTINGS], bus=app[BUS])
        product, _ = await appointments.product_rules(app[DB], doc["product"])
    except AppointmentError as exc:
        return domain_error(exc)
    return web.json_response(appointments.view(doc, product.bring, private=agent is not None))


async def remove(request: web.Request) -> web.Response:
    """Cancel; a resident sends ``{"email"}`` or ``{"phone"}`` as the body, an agent may send none."""
    agent = await acting_agent(request)
    proof = None
    if not agent or request.can_read_body:
        try:
            proof = await parse(request, ContactDetails)
        except BodyError as err:
            return err.response
    if refused := _unproven(agent, proof):
        return refused
    app = request.app
    try:
        doc = await appointments.cancel(app[DB], app[APPOINTMENT_BOOK], request.match_info["reference"],
                                        None if agent else proof, agent or "resident", bus=app[BUS])
    except AppointmentError as exc:
        return domain_error(exc)
    body = appointments.view(doc, private=agent is not None)
    body["message"] = f"Uw afspraak van {slots.spoken(doc['start'])} is afgezegd. Het tijdstip is weer vrij."
    return web.json_response(body)


@require_role("agent")
async def of_contact(request: web.Request) -> web.Response:
    db = request.app[DB]
    contact_id = request.match_info["id"]
    if not await db.contacts.find_one({"_id": contact_id}, {"_id": 1}):
        return json_error(404, "unknown_contact", "Dit contact bestaat niet.")
    docs = await appointments.for_contact(db, contact_id, upcoming_only=request.query.get("all") != "true")
    await audit.record(db, audit_entry(request, "appointment.read", contact_id, count=len(docs)))
    return web.json_response({"appointments": [appointments.view(d, private=True) for d in docs]})


@require_role("agent")
async def freebusy(request: web.Request) -> web.Response:
    try:
        query = FreeBusyQuery.model_validate(_present({
            "calendar": request.query.get("calendar"), "from": request.query.get("from"), "to": request.query.get("to"),
        }))
    except ValidationError as exc:
        return invalid_fields(exc)
    if query.to < query.from_ or (query.to - query.from_).days > 31:
        return json_error(422, "invalid_fields", "Kies een periode van hoogstens 31 dagen, 'to' na 'from'.", fields=["to"])
    start = datetime.combine(query.from_, time.min, tzinfo=TZ).astimezone(UTC)
    end = datetime.combine(query.to + timedelta(days=1), time.min, tzinfo=TZ).astimezone(UTC)
    try:
        busy = await request.app[APPOINTMENT_BOOK].freebusy(query.calendar, start, end)
    except CalendarNotFound:
        return json_error(404, "unknown_calendar", "Deze agenda bestaat niet.", fields=["calendar"])
    except CalendarUnavailable:
        return json_error(503, "calendar_unavailable", UNAVAILABLE)
    return web.json_response({
        "calendar": query.calendar, "from": start.isoformat(), "to": end.isoformat(),
        "busy": [{"start": b.start.isoformat(), "end": b.end.isoformat()} for b in busy],  # no titles: free/busy only
    })


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/v1/appointments/slots", list_slots),
        web.post("/api/v1/appointments", create),
        web.patch("/api/v1/appointments/{reference}", change),
        web.delete("/api/v1/appointments/{reference}", remove),
        web.get("/api/v1/contacts/{id}/appointments", of_contact),
        web.get("/api/v1/agenda/freebusy", freebusy),
    ]
