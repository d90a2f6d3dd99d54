"""Appointments in the resident's AVG rights: the export holds them, an erasure takes the e-mail address,
phone number and contact off them and stops the reminder."""

from __future__ import annotations

from datetime import datetime

import aiohttp

from hub.core.workdays import TZ
from hub.core.workdays import calendar as work_calendar
from tests.appointments.conftest import book, slots
from tests.conftest import Stack
from tests.contacts.staff import logged_in


async def test_export_and_erasure(stack: Stack, http: aiohttp.ClientSession, db) -> None:
    day = work_calendar().add_working_days(datetime.now(TZ).date(), 14)
    slot = (await slots(http, stack.hub_url, "rijbewijs", **{"from": day.isoformat()}))["slots"][0]
    status, booked = await book(http, stack.hub_url, product="rijbewijs", start=slot["start"], email="fleur@example.nl",
                                phone="0655544433", remind=True)
    assert status == 201, booked
    ref = booked["reference"]
    contact_id = (await db.appointments.find_one({"_id": ref}))["contact_id"]
    async with logged_in(stack, db, ["agent"], rights=["privacy"]) as officer:
        status, export = await officer.get(f"/api/v1/contacts/{contact_id}/export", reason="verzoek van inwoner")
        assert status == 200, export
        assert [a["_id"] for a in export["appointments"]] == [ref]
        assert export["appointments"][0]["email"] == "fleur@example.nl"
        status, done = await officer.post(f"/api/v1/contacts/{contact_id}/erase", {"reason": "verzoek verwijdering (AVG art. 17)"})
        assert status == 200, done
    doc = await db.appointments.find_one({"_id": ref})
    assert doc["email"] is None and doc["phone"] is None and doc["contact_id"] is None
    assert doc["remind"] is False and doc["remind_at"] is None and doc["erased_at"]
    assert doc["status"] == "booked", "the appointment itself stays: the calendar holds no personal data"
