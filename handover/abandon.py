"""Residents who leave before an agent comes: the abandoned conversation.

A queued conversation is *abandoned* when the resident ends the chat themselves (the web
chat's "Gesprek beëindigen", ``POST /api/v1/webchat/conversations/{id}/end``) or when their
chat page has been gone for ``KCC_HANDOVER_ABANDON_AFTER_S`` (the page reports itself while
it is open: every poll, and every minute over its WebSocket). It is closed with the outcome
``abandoned`` and an ``abandoned`` event, which the statistics count.

Only the web chat has a page that can go away; a WhatsApp or e-mail resident who is quiet
while waiting has not left, so their conversations stay in the queue.

When the resident leaves while an agent has the conversation, the agent is told (desk-only
event ``resident_left``) and closes it; a conversation with the bot is simply closed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from handover.lifecycle import finish
from hub.core import events
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.models import State, utcnow
from hub.core.settings import Settings

#: a page's presence is written at most this often per conversation (one write, not one per poll)
SEEN_EVERY_S = 30.0
LEFT_TEXT = "De inwoner heeft het gesprek verlaten."


class Presence:
    """Remembers when each conversation's page was last written as seen, to keep writes rare."""

    def __init__(self, db: AsyncIOMotorDatabase):
        self.db = db
        self._written: dict[str, datetime] = {}

    async def seen(self, conversation_id: str, now: datetime | None = None) -> None:
        now = now or utcnow()
        last = self._written.get(conversation_id)
        if last is not None and (now - last).total_seconds() < SEEN_EVERY_S:
            return
        self._written[conversation_id] = now
        if len(self._written) > 50_000:  # forget the oldest half; a missed write only costs a write
            for key in sorted(self._written, key=self._written.__getitem__)[:25_000]:
                del self._written[key]
        await self.db.conversations.update_one(
            {"_id": conversation_id, "state": {"$ne": State.CLOSED.value}}, {"$set": {"resident_seen_at": now}}
        )


async def resident_left(db: AsyncIOMotorDatabase, live: LiveBus, conversation_id: str, why: str) -> str | None:
    """The resident ended the conversation; returns what became of it, or None if unknown/closed."""
    conv = await db.conversations.find_one({"_id": conversation_id}, {"state": 1, "team": 1, "queued_at": 1})
    if conv is None:
        return None
    state = conv.get("state")
    if state == State.QUEUED.value:
        before = await finish(db, live, {"_id": conversation_id, "state": State.QUEUED.value}, "abandoned", "resident")
        if before is None:  # an agent took it at this very moment: tell that agent instead
            return await resident_left(db, live, conversation_id, why)
        now = utcnow()
        waited = (now - before["queued_at"]).total_seconds() if before.get("queued_at") else None
        await events.emit(db, live, EventType.ABANDONED, conversation_id, team=before.get("team"), why=why, waited_s=waited)
        return "abandoned"
    if state == State.AGENT.value:
        await db.conversations.update_one({"_id": conversation_id}, {"$set": {"resident_left_at": utcnow()}})
        await events.emit(db, live, EventType.RESIDENT_LEFT, conversation_id, team=conv.get("team"), text=LEFT_TEXT)
        return "agent_told"
    if state == State.BOT.value:
        await finish(db, live, {"_id": conversation_id, "state": State.BOT.value}, "left", "resident")
        return "closed"
    return None


def leaves_at(conv: dict[str, Any], settings: Settings) -> datetime | None:
    """When ``sweep_silent`` abandons this queued conversation unless its page reports itself (None: never)."""
    if (
        settings.handover_abandon_after_s <= 0
        or conv.get("state") != State.QUEUED.value
        or conv.get("channel") != "webchat"
        or conv.get("after_hours") is True
    ):
        return None
    seen = conv["resident_seen_at"] if "resident_seen_at" in conv else conv.get("queued_at")
    return None if seen is None else seen + timedelta(seconds=settings.handover_abandon_after_s)


async def sweep_silent(db: AsyncIOMotorDatabase, live: LiveBus, settings: Settings, now: datetime | None = None) -> int:
    """Queued web chats whose page has been gone too long are abandoned; returns how many."""
    if settings.handover_abandon_after_s <= 0:
        return 0
    now = now or utcnow()
    cutoff = now - timedelta(seconds=settings.handover_abandon_after_s)
    query: dict[str, Any] = {
        "state": State.QUEUED.value,
        "channel": "webchat",
        "after_hours": {"$ne": True},  # told we are closed: they come back to a callback, not a live chat
        "$or": [
            {"resident_seen_at": {"$lt": cutoff}},
            {"resident_seen_at": {"$exists": False}, "queued_at": {"$lt": cutoff}},
        ],
    }
    count = 0
    async for conv in db.conversations.find(query, {"_id": 1}).limit(500):
        if await resident_left(db, live, conv["_id"], "page_gone") == "abandoned":
            count += 1
    return count
