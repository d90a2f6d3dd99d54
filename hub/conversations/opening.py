"""Opening a conversation: the open one for a channel address, or a new one with its contact.

``Opening`` is the pipeline's second step (``Pipeline`` inherits it), after the message is stored.
"""

from __future__ import annotations

from typing import Any

from motor.motor_asyncio import AsyncIOMotorCollection, AsyncIOMotorDatabase
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.contacts import store as contacts
from hub.core.models import InboundMessage, State, new_id, utcnow

# Sequence numbers an inbound message reserves in its conversation: its own and its replies'
# (gaps are harmless: clients ask for messages after a number, never count them).
SEQ_BLOCK = 16
AFTER = ReturnDocument.AFTER


class Opening:
    """Finding and opening conversations, for a class that has these (the pipeline)."""

    db: AsyncIOMotorDatabase
    messages: AsyncIOMotorCollection
    conversations: AsyncIOMotorCollection

    async def _open_conversation(self, msg: InboundMessage) -> tuple[dict[str, Any], bool]:
        """The open conversation for this channel address (created, with its contact, if none), and whether it is new.

        Each inbound message reserves ``SEQ_BLOCK`` sequence numbers: its own and its replies', so the
        bot's replies need no second write to the conversation.
        """
        open_key = f"{msg.channel}:{msg.address}"
        now = utcnow()
        bump = {"$inc": {"seq": SEQ_BLOCK}, "$set": {"updated_at": now, "last_inbound_at": now}}
        # No upsert: under concurrency SecantusDB's upserting find_one_and_update can answer None
        # after applying the update. Increment first (one round trip for an open conversation).
        conv = await self.conversations.find_one_and_update({"open_key": open_key}, bump, return_document=AFTER)
        if conv is not None:
            if conv.get("contact_id") is None or msg.metadata.get("identity_token"):
                await self._relink(conv, msg)  # by a signed identity (or a conversation left without a contact)
            return conv, False
        contact_id = await contacts.link_inbound(self.db, msg, None)  # the contact first: one write of the conversation
        for _ in range(5):
            doc = {
                "_id": new_id(), "open_key": open_key, "channel": msg.channel, "address": msg.address,
                "state": State.BOT.value, "seq": SEQ_BLOCK, "created_at": now, "updated_at": now,
                "last_inbound_at": now, "contact_id": contact_id, "thread_key": msg.thread_key,
            }
            try:
                await self.conversations.insert_one(doc)
                return doc, True
            except DuplicateKeyError:  # two first messages raced: the other one created it
                conv = await self.conversations.find_one_and_update({"open_key": open_key}, bump, return_document=AFTER)
                if conv is not None:
                    return conv, False
        raise RuntimeError("could not open conversation")  # pragma: no cover - a unique key settles a race in one retry

    async def _relink(self, conv: dict[str, Any], msg: InboundMessage) -> None:
        contact_id = await contacts.link_inbound(self.db, msg, conv.get("contact_id"))
        if contact_id != conv.get("contact_id"):
            conv["contact_id"] = contact_id
            await self.conversations.update_one({"_id": conv["_id"]}, {"$set": {"contact_id": contact_id}})
            await self.messages.update_many({"conversation_id": conv["_id"]}, {"$set": {"contact_id": contact_id}})
