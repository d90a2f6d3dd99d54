"""The last seat of a slot raced by residents on two hub processes; reminders sent once, only with consent;
free/busy of a colleague's calendar."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import aiohttp
import caldav
import icalendar

from hub.core.models import utcnow
from hub.core.workdays import TZ
from hub.core.workdays import calendar as work_calendar
from tests.appointments.conftest import book, slots
from tests.conftest import Stack
from tests.contacts.staff import logged_in
from tests.webchat_client import say

TODAY = datetime.now(TZ).date()


def working_day(n: int) -> str:
    return work_calendar().add_working_days(TODAY, n).isoformat()


async def events_at(principal: caldav.Principal, calendar: str, start: str) -> list[str]:
    moment = datetime.fromisoformat(start)
    found = await asyncio.to_thread(
        principal.calendar(cal_id=calendar).search, start=moment, end=moment + timedelta(minutes=1), event=True
    )
    return [str(e.icalendar_component["uid"]) for e in found]


async def test_last_seat_two_hubs(
    stack: Stack, second_hub: str, http: aiohttp.ClientSession, calendar_server: caldav.Principal
) -> None:
    """erkenning-kind has one desk per slot: of two residents on two hubs, exactly one gets it."""
    offered = (await slots(http, stack.hub_url, "erkenning-kind", limit=3, **{"from": working_day(5)}))["slots"]
    await slots(http, second_hub, "erkenning-kind")  # the second hub has loaded the catalogue too
    for i, slot in enumerate(offered):
        assert slot["free"] == 1
        results = await asyncio.gather(
            book(http, stack.hub_url, product="erkenning-kind", start=slot["start"], email=f"a{i}@example.nl"),
            book(http, second_hub, product="erkenning-kind", start=slot["start"], email=f"b{i}@example.nl"),
        )
        assert sorted(status for status, _ in results) == [201, 409], results
        winner = next(body for status, body in results if status == 201)
        loser = next(body for status, body in results if status == 409)
        assert loser["error"]["code"] == "slot_taken" and loser["error"]["fields"] == ["start"]
        assert "net door iemand anders gekozen" in loser["error"]["message"]
        assert await events_at(calendar_server, "burgerzaken-aktes", slot["start"]) == [winner["reference"]]
    after = await slots(http, stack.hub_url, "erkenning-kind", limit=3, **{"from": working_day(5)})
    assert not {s["start"] for s in offered} & {s["start"] for s in after["slots"]}


async def test_many_at_once_on_one_hub(stack: Stack, http: aiohttp.ClientSession, db) -> None:
    """Six residents at once for a slot with three desks: three bookings, three refusals."""
    slot = (await slots(http, stack.hub_url, "paspoort", **{"from": working_day(10)}))["slots"][0]
    assert slot["free"] == 3
    results = await asyncio.gather(*[
        book(http, stack.hub_url, product="paspoort", start=slot["start"], email=f"p{i}@example.nl") for i in range(6)
    ])
    assert sorted(status for status, _ in results) == [201, 201, 201, 409, 409, 409], results
    seats = await db.appointment_seats.count_documents({"_id": {"$regex": "^burgerzaken\\|"}, "reference": {
        "$in": [body["reference"] for status, body in results if status == 201]}})
    assert seats == 3


async def test_reminder_once_and_only_with_consent(
    stack: Stack, second_hub: str, http: aiohttp.ClientSession, db, session_id: str
) -> None:
    reply = await say(http, stack, session_id, "Ik wil een afspraak maken")
    conv_id = reply["conversation_id"]
    offered = (await slots(http, stack.hub_url, "identiteitskaart", limit=2, **{"from": working_day(12)}))["slots"]
    _, yes = await book(http, stack.hub_url, product="identiteitskaart", start=offered[0]["start"],
                        conversation_id=conv_id, remind=True, email="dirk@example.nl")
    _, no = await book(http, stack.hub_url, product="identiteitskaart", start=offered[1]["start"],
                       conversation_id=conv_id, remind=False, phone="0687654321")
    assert "reference" in yes and "reference" in no, (yes, no)
    consent = await db.appointments.find_one({"_id": yes["reference"]})
    without = await db.appointments.find_one({"_id": no["reference"]})
    local_due = consent["remind_at"].astimezone(TZ)
    assert f"{local_due:%H:%M}" == "09:00"
    assert work_calendar().add_working_days(local_due.date(), 1) == datetime.fromisoformat(offered[0]["start"]).astimezone(TZ).date()
    assert without["remind_at"] is None and consent["channel"] == "webchat"

    # time passes: the reminder is due now; both hubs' loops see it on their next sweep
    await db.appointments.update_one({"_id": yes["reference"]}, {"$set": {"remind_at": utcnow() - timedelta(seconds=1)}})
    reminders: list[dict] = []
    for _ in range(100):
        reminders = await db.messages.find({"conversation_id": conv_id, "direction": "out", "text": {"$regex": "Herinnering"}}).to_list(None)
        if reminders:
            break
        await asyncio.sleep(0.1)
    assert reminders, "the reminder was not sent"
    await asyncio.sleep(3)  # several sweeps of both hubs
    reminders = await db.messages.find({"conversation_id": conv_id, "direction": "out", "text": {"$regex": "Herinnering"}}).to_list(None)
    assert len(reminders) == 1, [r["text"] for r in reminders]
    assert yes["reference"] in reminders[0]["text"] and no["reference"] not in reminders[0]["text"]
    when = offered[0]["when"]
    assert reminders[0]["text"].startswith(f"Herinnering: uw afspraak voor Identiteitskaart (ID-kaart) is op {when} in het")
    assert await db.events.count_documents({"type": "appointment_reminded", "appointment": yes["reference"]}) == 1
    assert await db.events.count_documents({"type": "appointment_reminded", "appointment": no["reference"]}) == 0
    assert (await db.appointments.find_one({"_id": no["reference"]}))["reminder_sent_at"] is None


async def test_freebusy_of_a_colleague(
    stack: Stack, http: aiohttp.ClientSession, db, calendar_server: caldav.Principal
) -> None:
    name = f"medewerker-{uuid.uuid4().hex[:6]}"
    cal = await asyncio.to_thread(calendar_server.make_calendar, name=name, cal_id=name)
    start = datetime.fromisoformat(f"{working_day(3)}T10:00:00").replace(tzinfo=TZ)
    for summary, transp, offset in (("Overleg Wmo-dossier", "OPAQUE", 0), ("Thuiswerken", "TRANSPARENT", 2)):
        ical = icalendar.Calendar()
        ical.add("prodid", "-//test//NL")
        ical.add("version", "2.0")
        ev = icalendar.Event()
        for key, value in (("uid", uuid.uuid4().hex), ("dtstamp", utcnow()), ("summary", summary), ("transp", transp),
                           ("dtstart", start + timedelta(hours=offset)), ("dtend", start + timedelta(hours=offset + 1))):
            ev.add(key, value)
        ical.add_component(ev)
        await asyncio.to_thread(cal.add_event, ical.to_ical().decode())
    url = f"{stack.hub_url}/api/v1/agenda/freebusy"
    query = {"calendar": name, "from": working_day(3), "to": working_day(4)}
    async with http.get(url, params=query) as resp:
        assert resp.status == 401
    async with logged_in(stack, db, ["agent"]) as agent:
        status, body = await agent.get("/api/v1/agenda/freebusy", **query)
        assert status == 200, body
        assert [(datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"])) for b in body["busy"]] == [
            (start, start + timedelta(hours=1))
        ], "the opaque meeting only; the transparent one does not block"
        assert "Wmo" not in str(body), "free/busy shows no titles"
        status, body = await agent.get("/api/v1/agenda/freebusy", **{**query, "calendar": "bestaat-niet"})
        assert status == 404 and body["error"]["code"] == "unknown_calendar"
        status, body = await agent.get("/api/v1/agenda/freebusy", **{**query, "to": "nope"})
        assert status == 422 and body["error"]["fields"] == ["to"]
