"""Booking through the real hub into a real CalDAV server (Radicale), read back with the caldav client."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import aiohttp
import caldav
import icalendar
import pytest
from caldav.lib import error as caldav_error

from hub.core.workdays import TZ
from hub.core.workdays import calendar as work_calendar
from tests.appointments.conftest import book, slots
from tests.conftest import Stack
from tests.contacts.staff import logged_in

REFERENCE = re.compile(r"^AFS-[2-9A-HJ-NP-Z]{6}$")
TODAY = datetime.now(TZ).date()


def working_day(n: int) -> date:
    """The n-th working day after today (tests book relative to the real clock)."""
    return work_calendar().add_working_days(TODAY, n)


def next_saturday() -> date:
    return TODAY + timedelta(days=(5 - TODAY.weekday()) % 7 or 7)


def at(day: date, hhmm: str) -> str:
    return datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time(), tzinfo=TZ).isoformat()


def event_of(principal: caldav.Principal, calendar: str, uid: str) -> icalendar.Event:
    obj = principal.calendar(cal_id=calendar).event_by_uid(uid)
    return next(iter(icalendar.Calendar.from_ical(obj.data).walk("VEVENT")))


async def test_slots_follow_opening_hours_and_working_days(stack: Stack, http: aiohttp.ClientSession) -> None:
    body = await slots(http, stack.hub_url, "paspoort", limit=8)
    assert body["place"] == "Stadhuis, Markt 1, Lindewaard"
    starts = [datetime.fromisoformat(s["start"]) for s in body["slots"]]
    assert len(starts) == 8 and starts == sorted(starts)
    now = datetime.now(TZ)
    work = work_calendar()
    for slot, start in zip(body["slots"], starts, strict=True):
        local = start.astimezone(TZ)
        assert start >= now + timedelta(minutes=59), "no slot today within the next hour"
        assert work.is_working_day(local.date())
        assert "09:00" <= f"{local:%H:%M}" < "19:30"
        assert 1 <= slot["free"] <= 3
        assert slot["when"].split()[0] in ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag")
    # asked from a Saturday: the first slot is 09:00 on the next working day (weekend and holidays skipped)
    saturday = next_saturday()
    weekend = await slots(http, stack.hub_url, "paspoort", limit=1, **{"from": saturday.isoformat()})
    first = datetime.fromisoformat(weekend["slots"][0]["start"]).astimezone(TZ)
    assert first.date() == work.add_working_days(saturday, 1) and f"{first:%H:%M}" == "09:00"


async def test_book_writes_a_real_event(
    stack: Stack, http: aiohttp.ClientSession, db, calendar_server: caldav.Principal
) -> None:
    slot = (await slots(http, stack.hub_url, "paspoort", **{"from": working_day(6).isoformat()}))["slots"][0]
    status, body = await book(http, stack.hub_url, product="paspoort", start=slot["start"], email="Anna@Example.nl")
    assert status == 201, body
    ref = body["reference"]
    assert REFERENCE.match(ref)
    assert body["place"] == "Stadhuis, Markt 1, Lindewaard" and body["start"] == slot["start"]
    assert body["confirmation"].startswith(f"Uw afspraak staat vast: {slot['when']} in het Stadhuis, Markt 1")
    assert f"Uw kenmerk is {ref}." in body["confirmation"] and "pasfoto" in body["confirmation"]
    assert "contact_id" not in body  # the resident's answer carries no internal ids

    event = event_of(calendar_server, "burgerzaken", ref)
    assert str(event["uid"]) == ref and "Paspoort" in str(event["summary"])
    assert ref in str(event["description"]) and "Neem mee" in str(event["description"])
    assert str(event["location"]) == "Stadhuis, Markt 1, Lindewaard"
    assert event.decoded("dtstart") == datetime.fromisoformat(slot["start"])
    assert "anna" not in event.to_ical().decode().lower(), "no personal data in the calendar"

    doc = await db.appointments.find_one({"_id": ref})
    assert doc["status"] == "booked" and doc["product"] == "paspoort" and doc["channel"] == "api"
    contact = await db.contacts.find_one({"_id": doc["contact_id"]})
    assert "email:anna@example.nl" in contact["addresses"]
    again = await slots(http, stack.hub_url, "paspoort", **{"from": working_day(6).isoformat()})
    same = [s for s in again["slots"] if s["start"] == slot["start"]]
    assert same and same[0]["free"] == slot["free"] - 1, "the slot shows one desk fewer, read from the calendar"


async def test_move_and_cancel(stack: Stack, http: aiohttp.ClientSession, db, calendar_server: caldav.Principal) -> None:
    offered = (await slots(http, stack.hub_url, "rijbewijs", limit=2, **{"from": working_day(7).isoformat()}))["slots"]
    status, body = await book(http, stack.hub_url, product="rijbewijs", start=offered[0]["start"], phone="06 12345678")
    assert status == 201, body
    ref, url = body["reference"], f"{stack.hub_url}/api/v1/appointments/{body['reference']}"
    later = (await slots(http, stack.hub_url, "rijbewijs", limit=1, **{"from": working_day(8).isoformat()}))["slots"][0]

    async with http.patch(url, json={"start": later["start"], "phone": "0612345679"}) as resp:
        assert resp.status == 404, "the wrong phone number finds nothing"
    async with http.patch(url, json={"start": later["start"]}) as resp:
        assert resp.status == 422 and (await resp.json())["error"]["fields"] == ["email", "phone"]
    async with http.patch(url, json={"start": later["start"], "phone": "+31612345678"}) as resp:
        moved = await resp.json()
        assert resp.status == 200, moved
    assert moved["start"] == later["start"] and moved["status"] == "moved"
    event = event_of(calendar_server, "burgerzaken", ref)
    assert event.decoded("dtstart") == datetime.fromisoformat(later["start"])
    assert int(event["sequence"]) == 1

    async with http.delete(url, json={"phone": "06-12345678"}) as resp:
        gone = await resp.json()
        assert resp.status == 200, gone
    assert "is afgezegd" in gone["message"]
    with pytest.raises(caldav_error.NotFoundError):
        calendar_server.calendar(cal_id="burgerzaken").event_by_uid(ref)
    assert (await db.appointments.find_one({"_id": ref}))["status"] == "cancelled"
    async with http.delete(url, json={"phone": "06-12345678"}) as resp:
        assert resp.status == 409 and "geannuleerd" in (await resp.json())["error"]["message"]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"start": at(TODAY - timedelta(days=1), "10:00")}, "start", "slot_in_past"),
        ({"product": "bestaat-niet"}, "product", "unknown_product"),
        ({"product": "hondenbelasting"}, "product", "no_appointment"),
        ({"email": "anna@"}, "email", "invalid_fields"),
        ({"phone": "12"}, "phone", "invalid_fields"),
        ({"email": None}, "email", "invalid_fields"),  # no e-mail address and no phone number
        ({"start": at(working_day(6), "09:07")}, "start", "not_a_slot"),
        ({"start": at(next_saturday(), "10:00")}, "start", "not_a_slot"),
        ({"start": at(working_day(6), "12:45")}, "start", "not_a_slot"),  # the lunch break
    ],
)
async def test_refused_input(stack: Stack, http: aiohttp.ClientSession, db, change: dict, field: str, code: str) -> None:
    await slots(http, stack.hub_url, "paspoort")  # the catalogue is loaded
    before = await db.appointments.count_documents({})
    good = {"product": "paspoort", "start": at(working_day(6), "10:00"), "email": "bert@example.nl"}
    status, body = await book(http, stack.hub_url, **{**good, **change})
    assert status == 422, body
    assert body["error"]["code"] == code and field in body["error"]["fields"]
    assert len(body["error"]["message"].split()) >= 3  # a sentence a resident can read
    assert await db.appointments.count_documents({}) == before


async def test_agent_books_moves_and_cancels_any(stack: Stack, http: aiohttp.ClientSession, db) -> None:
    slot = (await slots(http, stack.hub_url, "identiteitskaart", **{"from": working_day(9).isoformat()}))["slots"][0]
    status, body = await book(http, stack.hub_url, product="identiteitskaart", start=slot["start"], email="cor@example.nl")
    assert status == 201
    ref = body["reference"]
    url = f"{stack.hub_url}/api/v1/appointments/{ref}"
    async with http.delete(url) as resp:
        assert resp.status in (415, 422), "a resident must prove who they are"
    async with logged_in(stack, db, ["agent"]) as agent:
        status, card = await agent.get(f"/api/v1/contacts/{body_contact(await db.appointments.find_one({'_id': ref}))}")
        assert status == 200 and [a["reference"] for a in card["appointments"]] == [ref]
        headers = {"X-CSRF-Token": agent.csrf}
        async with agent.session.delete(url, headers=headers) as resp:
            assert resp.status == 200, await resp.text()
            assert (await resp.json())["calendar"] == "burgerzaken"  # the agent's view
    doc = await db.appointments.find_one({"_id": ref})
    assert doc["status"] == "cancelled" and doc["cancelled_by"].startswith("staff-")


def body_contact(doc: dict) -> str:
    return doc["contact_id"]


async def test_time_without_offset_is_local_and_agent_books(stack: Stack, http: aiohttp.ClientSession, db) -> None:
    slot = (await slots(http, stack.hub_url, "paspoort", **{"from": working_day(13).isoformat()}))["slots"][0]
    naive = datetime.fromisoformat(slot["start"]).astimezone(TZ).replace(tzinfo=None).isoformat()
    async with logged_in(stack, db, ["agent"]) as agent:
        status, body = await agent.post("/api/v1/appointments", {"product": "paspoort", "start": naive, "phone": "0611122233"})
        assert status == 201, body
    assert body["start"] == slot["start"], "10:00 without an offset is 10:00 in the town hall"
    assert body["created_by"] == agent.username and body["contact_id"], "an agent sees the internal view"
