"""Appointment reminders: the working day before, on the resident's channel, only with consent.

The consent is the booking's ``remind`` (asked when booking), unless the resident withdrew it
later in the one consent home (``hub.contacts.consent``, topic ``appointment_reminders``).

The loop sleeps until the next reminder is due (or a booking or move brings one closer, or
the slow safety sweep), never in a tight poll. Each reminder is claimed with a conditional
update (``reminder_sent_at`` still empty) before it is sent, so with several hubs exactly one
sends it. The text goes through the pipeline's ``send``: stored in the conversation's history
first, then delivered on its channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.cases import slots
from hub.cases.api import Sender
from hub.cases.appointments import ACTIVE
from hub.contacts import consent
from hub.core import events
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.loops import woken
from hub.core.models import Reply, utcnow

log = logging.getLogger(__name__)
WAKE_ON = (EventType.APPOINTMENT_BOOKED, EventType.APPOINTMENT_MOVED)


def reminder_text(doc: dict[str, Any]) -> str:
    return (f"Herinnering: uw afspraak voor {doc.get('product_name') or doc['product']} is op {slots.spoken(doc['start'])} "
            f"in het {doc['location']}. Uw kenmerk is {doc['_id']}. "
            f"Kunt u niet komen? Zeg de afspraak dan af, dan kan iemand anders die tijd gebruiken.")


async def send_due(db: AsyncIOMotorDatabase, sender: Sender, bus: LiveBus | None, now: datetime | None = None) -> int:
    """Send every reminder that is due; returns how many this hub sent."""
    now = now or utcnow()
    sent = 0
    due = db.appointments.find({"status": {"$in": list(ACTIVE)}, "reminder_sent_at": None, "remind_at": {"$lte": now}})
    for doc in await due.to_list(200):
        claimed = await db.appointments.update_one(
            {"_id": doc["_id"], "reminder_sent_at": None, "remind_at": doc["remind_at"], "status": {"$in": list(ACTIVE)}},
            {"$set": {"reminder_sent_at": now}},
        )
        if not claimed.modified_count:
            continue  # another hub has it
        conv = await db.conversations.find_one({"_id": doc["conversation_id"]}) if doc.get("conversation_id") else None
        if conv is not None and doc.get("contact_id"):  # the one consent home: "stuur mij geen berichten meer" counts here too
            contact = await db.contacts.find_one({"_id": doc["contact_id"]}, {"consents": 1})
            if consent.withdrawn_since(contact, "appointment_reminders", doc.get("created_at")):
                conv = None
        if conv is not None:
            await sender.send(conv, [Reply(text=reminder_text(doc))], author="system", metadata={"appointment": doc["_id"]})
            sent += 1
        await events.emit(db, bus, EventType.APPOINTMENT_REMINDED, doc.get("conversation_id"), appointment=doc["_id"],
                          sent=conv is not None, channel=doc.get("channel"))
    return sent


async def next_due(db: AsyncIOMotorDatabase) -> datetime | None:
    doc = await db.appointments.find_one(
        {"status": {"$in": list(ACTIVE)}, "reminder_sent_at": None, "remind_at": {"$ne": None}},
        {"remind_at": 1}, sort=[("remind_at", 1)],
    )
    return doc["remind_at"] if doc else None


async def run(db: AsyncIOMotorDatabase, bus: LiveBus, sender: Sender, sweep_s: float) -> None:
    """Send due reminders, then sleep until the next one is due, a booking wakes it, or the sweep."""
    wake = asyncio.Event()

    async def listen() -> None:
        async with bus.listen(*WAKE_ON) as queue:
            while True:
                await queue.get()
                wake.set()

    listener = asyncio.create_task(listen(), name="appointment-reminders-listen")
    try:
        while True:
            wait_s = sweep_s
            try:
                await send_due(db, sender, bus)
                upcoming = await next_due(db)
                if upcoming is not None:
                    wait_s = min(sweep_s, max(0.05, (upcoming - utcnow()).total_seconds()))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a database hiccup must not end the loop
                log.exception("appointment reminders failed")
            await woken(wake, wait_s)
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await listener
