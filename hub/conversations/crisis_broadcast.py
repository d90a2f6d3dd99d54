"""The crisis broadcast: the crisis notice to every resident who opted in to crisis messages.

One hub sends at a time: it holds the lease ``crisis-broadcast`` (renewed while it works,
given back when it stops). Contacts are visited in ``_id`` order; after each one the crisis
document records how far it got (``broadcast.after``, ``sent``, ``skipped``, per channel), so
after a restart the next holder goes on from there. Before sending to a contact it checks
that this crisis's message is not already stored for them: a hub that stopped between
sending and recording never makes a second message. Each channel has its own pace
(``KCC_CRISIS_BROADCAST_PER_MINUTE``). The loop wakes on ``crisis_on`` and sweeps slowly
for a broadcast another hub left unfinished.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.contacts import consent
from hub.conversations import notifier
from hub.core import events
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.lease import Lease
from hub.core.loops import on_events
from hub.core.settings import Settings

log = logging.getLogger(__name__)
BATCH = 50
LEASE = "crisis-broadcast"


class Pace:
    """At most ``per_minute`` sends per channel: a channel's next send waits a full gap after its last one."""

    def __init__(self, per_minute: int):
        self.gap_s = 60.0 / max(1, per_minute)
        self.next_at: dict[str, float] = {}

    async def wait(self, channel: str) -> None:
        wait_s = self.next_at.get(channel, 0.0) - time.monotonic()
        if wait_s > 0:
            await asyncio.sleep(wait_s)

    def sent(self, channel: str) -> None:
        self.next_at[channel] = time.monotonic() + self.gap_s


async def _step(db: AsyncIOMotorDatabase, crisis: dict[str, Any], contact: dict[str, Any], pipeline: Any, pace: Pace) -> str | None:
    """Send to one contact; the channel it went out on, or None when skipped."""
    agreed = consent.current(contact, "crisis")
    if agreed is None:
        return None
    if await db.messages.find_one({"metadata.crisis": crisis["_id"], "contact_id": contact["_id"]}, {"_id": 1}):
        return agreed["channel"]  # sent before a restart, not yet recorded
    await pace.wait(agreed["channel"])
    await notifier.send_with_consent(db, pipeline, agreed, contact["_id"], "Let op: " + crisis["text"], {"crisis": crisis["_id"]})
    pace.sent(agreed["channel"])
    return agreed["channel"]


async def send_broadcast(db: AsyncIOMotorDatabase, bus: LiveBus | None, pipeline: Any, settings: Settings) -> int:
    """Go on with the active crisis's broadcast while this hub holds the lease; returns how many it sent."""
    crisis = await db.crises.find_one({"active": True, "broadcast.state": {"$in": ["pending", "running"]}})
    if crisis is None:
        return 0
    lease = Lease(db.leases, LEASE, timedelta(seconds=max(10.0, 5 * 60.0 / settings.crisis_broadcast_per_minute)))
    if not await lease.acquire():
        return 0
    pace, sent = Pace(settings.crisis_broadcast_per_minute), 0
    try:
        if crisis["broadcast"]["state"] == "pending":
            total = await db.contacts.count_documents({"consents": {"$elemMatch": {"topic": "crisis", "given": True}}})
            await db.crises.update_one({"_id": crisis["_id"]}, {"$set": {"broadcast.state": "running", "broadcast.total": total}})
        after = crisis["broadcast"].get("after", "")
        while True:
            batch = await db.contacts.find(
                {"_id": {"$gt": after}, "consents.topic": "crisis"}, {"consents": 1}
            ).sort("_id", 1).to_list(BATCH)
            if not batch:
                break
            for contact in batch:
                if not await db.crises.count_documents({"_id": crisis["_id"], "active": True}):
                    await db.crises.update_one({"_id": crisis["_id"]}, {"$set": {"broadcast.state": "stopped"}})
                    return sent
                channel = await _step(db, crisis, contact, pipeline, pace)
                inc = {"broadcast.sent": 1, f"broadcast.channels.{channel}": 1} if channel else {"broadcast.skipped": 1}
                await db.crises.update_one({"_id": crisis["_id"]}, {"$set": {"broadcast.after": contact["_id"]}, "$inc": inc})
                sent += bool(channel)
                after = contact["_id"]
                await lease.renew()
        done = await db.crises.find_one_and_update(
            {"_id": crisis["_id"]}, {"$set": {"broadcast.state": "done"}}, return_document=True
        )
        await events.emit(db, bus, EventType.CRISIS_BROADCAST, None, crisis=crisis["_id"],
                          sent=done["broadcast"]["sent"], done=True)
        return sent
    finally:
        await lease.release()


async def run(db: AsyncIOMotorDatabase, bus: LiveBus, pipeline: Any, settings: Settings) -> None:
    await on_events(bus, (EventType.CRISIS_ON,), lambda: send_broadcast(db, bus, pipeline, settings),
                    settings.crisis_sweep_s, name="crisis-broadcast")
