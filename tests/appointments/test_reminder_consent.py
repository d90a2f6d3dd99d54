"""Appointment reminders and the one consent home: a resident who later says "stuur mij geen
berichten meer" gets no reminder, even though they agreed to one when booking."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp

from hub.core.models import utcnow
from tests.appointments.conftest import book, slots
from tests.appointments.test_race_and_reminders import working_day
from tests.conftest import Stack
from tests.contacts.staff import logged_in
from tests.webchat_client import say


async def test_a_withdrawn_consent_stops_the_reminder(stack: Stack, http: aiohttp.ClientSession, db, session_id: str) -> None:
    reply = await say(http, stack, session_id, "Ik wil een afspraak maken")
    conv_id = reply["conversation_id"]
    offered = (await slots(http, stack.hub_url, "identiteitskaart", limit=1, **{"from": working_day(14)}))["slots"]
    _, booked = await book(http, stack.hub_url, product="identiteitskaart", start=offered[0]["start"],
                           conversation_id=conv_id, remind=True, email="anna@example.nl")
    assert "reference" in booked, booked
    contact_id = (await db.conversations.find_one({"_id": conv_id}))["contact_id"]
    async with logged_in(stack, db, ["agent"]) as agent:
        status, body = await agent.post(f"/api/v1/contacts/{contact_id}/consents", {
            "topics": ["case_updates", "crisis", "appointment_reminders"], "given": False,
            "wording": "Stuur mij geen berichten meer.", "answer": "stuur mij geen berichten meer"})
        assert status == 201, body

    await db.appointments.update_one({"_id": booked["reference"]}, {"$set": {"remind_at": utcnow() - timedelta(seconds=1)}})
    event = None
    for _ in range(300):  # the reminder loop handles it on its next sweep (1 s in the tests); the event comes last
        if event := await db.events.find_one({"type": "appointment_reminded", "appointment": booked["reference"]}):
            break
        await asyncio.sleep(0.1)
    assert event is not None and event["sent"] is False
    assert not await db.messages.find_one({"conversation_id": conv_id, "direction": "out", "text": {"$regex": "Herinnering"}})
