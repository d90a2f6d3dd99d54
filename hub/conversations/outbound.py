"""Outbound: replies stored in order, published, handed to their channel, the outcome stored.

``Outbound`` is the pipeline's sending half (``Pipeline`` inherits it): agents, the bot's
turn, receipts, notices and reminders all send through ``send``. Delivery never blocks the
caller; a delivery's outcome is written even while MongoDB is away for a while.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from motor.motor_asyncio import AsyncIOMotorCollection, AsyncIOMotorDatabase
from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import ConnectionFailure

from channels import delivery
from hub.core import events
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.events import Event
from hub.core.loops import Tasks
from hub.core.models import Button, OutboundMessage, Reply, new_id, utcnow

log = logging.getLogger(__name__)

# Background writes (a delivery's outcome) are tried again this long while MongoDB is away.
STORE_RETRY_S = 120.0
AFTER = ReturnDocument.AFTER

Sender = Callable[[OutboundMessage], Awaitable[str | None]]


def message_view(doc: dict[str, Any]) -> dict[str, Any]:
    """The public JSON shape of a stored message."""
    return {
        "id": doc["_id"],
        "seq": doc.get("seq"),
        "direction": doc["direction"],
        "author": doc["author"],
        "text": doc.get("text", ""),
        "buttons": doc.get("buttons", []),
        "attachments": doc.get("attachments", []),
        "location": doc.get("location"),
        "created_at": doc["created_at"].isoformat(),
        "speaker": speaker(doc),
    }


def speaker(doc: dict[str, Any]) -> dict[str, str | None] | None:
    """Who wrote an agent's message, as a resident may read it: the first name and the team."""
    meta = doc.get("metadata") or {}
    if doc.get("author") != "agent" and meta.get("kind") != "agent_joined":
        return None
    name = (meta.get("agent_name") or "").split(" ")[0] or None
    return {"name": name, "team": meta.get("team")} if name else None


class Outbound:
    """Sending, for a class that has these (the pipeline)."""

    db: AsyncIOMotorDatabase
    live: LiveBus
    messages: AsyncIOMotorCollection
    conversations: AsyncIOMotorCollection
    senders: dict[str, Sender]
    in_band: set[str]
    _tasks: Tasks

    async def send(
        self,
        conv: dict[str, Any],
        replies: list[Reply],
        author: str,
        in_reply_to: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> list[OutboundMessage]:
        """Store replies (in order), then hand them to the channel; delivery never blocks the caller."""
        if not replies:
            return []
        updated = await self.conversations.find_one_and_update(
            {"_id": conv["_id"]},
            {"$inc": {"seq": len(replies)}, "$set": {"updated_at": utcnow()}},
            return_document=AFTER,
        )
        steps: list[Event] = []
        outs = await self._store_replies(
            conv, replies, author, in_reply_to, first_seq=updated["seq"] - len(replies) + 1, steps=steps, metadata=metadata
        )
        await events.emit_all(self.db, self.live, steps)
        self._deliver_all(conv, outs)
        return outs

    async def _store_replies(
        self,
        conv: dict[str, Any],
        replies: list[Reply],
        author: str,
        in_reply_to: str | None,
        first_seq: int,
        steps: list[Event],
        metadata: dict[str, Any] | None = None,
        outcome: tuple[str, dict[str, Any]] | None = None,
    ) -> list[OutboundMessage]:
        """Insert the replies in one write (numbered from ``first_seq``), publish them, add their events to ``steps``.

        ``outcome`` (the inbound message's id and the fields that say it was handled) goes in the same
        ordered command after the replies: one round trip, and the outcome is never stored without the
        replies before it. The replies are then upserts by id, so a repeated command adds nothing twice.
        """
        if not replies:
            if outcome is not None:
                await self.messages.update_one({"_id": outcome[0]}, {"$set": outcome[1]})
            return []
        in_band = conv["channel"] in self.in_band
        now = utcnow()
        docs, outs = [], []
        for i, reply in enumerate(replies):
            mid = new_id()
            doc = {
                "_id": mid,
                "dedup_key": f"out:{mid}",
                "direction": "out",
                "author": author,
                "channel": conv["channel"],
                "address": conv["address"],
                "conversation_id": conv["_id"],
                "contact_id": conv.get("contact_id"),
                "seq": first_seq + i,
                "text": reply.text,
                "buttons": [b.model_dump() for b in reply.buttons],
                "in_reply_to": in_reply_to,
                # the web chat reads its replies from the store: delivered once stored
                "delivery": {"status": "sent" if in_band else "pending", "attempts": 0},
                "metadata": metadata or {},
                "created_at": now,
            }
            docs.append(doc)
            outs.append(
                OutboundMessage(
                    message_id=mid,
                    conversation_id=conv["_id"],
                    channel=conv["channel"],
                    address=conv["address"],
                    text=reply.text,
                    buttons=[Button(**b) for b in doc["buttons"]],
                    author=author,  # type: ignore[arg-type]
                    metadata={"thread_key": conv.get("thread_key"), **(metadata or {})},
                )
            )
        if outcome is None:
            await self.messages.insert_many(docs)
        else:
            await self.messages.bulk_write([
                *(UpdateOne({"_id": d["_id"]}, {"$setOnInsert": {k: v for k, v in d.items() if k != "_id"}}, upsert=True)
                  for d in docs),
                UpdateOne({"_id": outcome[0]}, {"$set": outcome[1]}),
            ], ordered=True)
        for doc in docs:
            self.live.publish(conv["_id"], message_view(doc))
            steps.append(events.event(EventType.MESSAGE_OUT, conv["_id"], author=author, channel=conv["channel"]))
        return outs

    def _deliver_all(self, conv: dict[str, Any], outs: list[OutboundMessage]) -> None:
        sender = self.senders.get(conv["channel"])
        if sender and conv["channel"] not in self.in_band:
            for out in outs:
                self._tasks.spawn(self._deliver(sender, out))

    async def _deliver(self, sender: Sender, out: OutboundMessage) -> None:
        """Send through the channel (retrying 429/5xx with backoff, in order per conversation) and store the outcome."""
        outcome = await delivery.deliver(sender, out)
        # the provider has acted: the outcome is kept even if MongoDB is away for a while
        await until_stored(lambda: self._store_outcome(out, outcome))

    async def _store_outcome(self, out: OutboundMessage, outcome: delivery.Outcome) -> None:
        fields: dict[str, Any] = {"delivery.attempts": outcome.attempts, "delivery.updated_at": utcnow()}
        if outcome.status == "sent":
            fields["provider_message_id"] = outcome.provider_message_id
            # "sent", unless a provider's delivery report already moved the status on (then only the details)
            res = await self.messages.update_one(
                {"_id": out.message_id, "delivery.status": "pending"}, {"$set": {**fields, "delivery.status": "sent"}}
            )
            if not res.matched_count:
                await self.messages.update_one({"_id": out.message_id}, {"$set": fields})
            return
        log.warning(
            "delivery failed", extra={"message_id": out.message_id, "channel": out.channel, "attempts": outcome.attempts}
        )
        fields.update({"delivery.status": "failed", "delivery.error": outcome.error})
        await self.messages.update_one({"_id": out.message_id}, {"$set": fields})
        await events.emit(
            self.db, self.live, EventType.DELIVERY_FAILED, out.conversation_id, channel=out.channel, message_id=out.message_id
        )


async def until_stored(write: Callable[[], Awaitable[None]], within_s: float = STORE_RETRY_S) -> None:
    """Run a background write, trying again while MongoDB is unreachable (it reconnects by itself)."""
    deadline = asyncio.get_running_loop().time() + within_s
    wait = 0.5
    while True:
        try:
            await write()
            return
        except ConnectionFailure:
            if asyncio.get_running_loop().time() + wait > deadline:
                raise
            await asyncio.sleep(wait)
            wait = min(wait * 2, 10.0)
