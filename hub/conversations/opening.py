"""Opening a conversation: the open one for a channel address, or a new one with its contact.

``Opening`` is the pipeline's second step (``Pipeline`` inherits it), after the message is stored.
A new conversation (and a new contact) is *planned* first: its ids are chosen and its writes
returned as one step to run, so the bot path can run them while Rasa thinks (the bot needs the
ids, not the documents); every other path runs them at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
        """The open conversation for this channel address (created, with its contact, if none), and whether it is new."""
        conv, opened, _ = await self._plan_conversation(msg, defer=False)
        return conv, opened

    async def _plan_conversation(
        self, msg: InboundMessage, defer: bool
    ) -> tuple[dict[str, Any], bool, Callable[[], Awaitable[dict[str, Any]]] | None]:
        """The open conversation for this channel address, whether it is new, and the step that writes a new one.

        Each inbound message reserves ``SEQ_BLOCK`` sequence numbers: its own and its replies', so the
        bot's replies need no second write to the conversation. With ``defer`` a new conversation comes
        back unwritten with its step (which returns the conversation written: the planned one, or the
        one a first message of the same address opened meanwhile); otherwise, and always for a signed
        identity (the bot's data-access answer reads that conversation), it is written here.
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
            return conv, False, None
        keys: list[str] = []
        if msg.metadata.get("identity_token"):  # a signed identity: linked (and the token forgotten) before all else
            contact_id = await contacts.link_inbound(self.db, msg, None)
        else:
            keys = contacts.keys_for(msg.channel, msg.address, msg.metadata.get("identity_keys", []))
            contact_id = await contacts.owner(self.db, keys)
        new_contact = contact_id is None
        doc = {
            "_id": new_id(), "open_key": open_key, "channel": msg.channel, "address": msg.address,
            "state": State.BOT.value, "seq": SEQ_BLOCK, "created_at": now, "updated_at": now,
            "last_inbound_at": now, "contact_id": contact_id or new_id(), "thread_key": msg.thread_key,
        }

        async def create() -> dict[str, Any]:
            if new_contact:  # the contact first: a conversation never names a contact that is not there
                await contacts.create_anonymous(self.db, keys, doc["contact_id"])
            for _ in range(5):
                try:
                    await self.conversations.insert_one(doc)
                    return doc
                except DuplicateKeyError:  # two first messages raced: the other one created it
                    found = await self.conversations.find_one_and_update({"open_key": open_key}, bump, return_document=AFTER)
                    if found is not None:
                        return found
            raise RuntimeError("could not open conversation")  # pragma: no cover - a unique key settles a race in one retry

        if defer and not msg.metadata.get("identity_token"):
            return doc, True, create
        made = await create()
        return made, made is doc, None

    async def _relink(self, conv: dict[str, Any], msg: InboundMessage) -> None:
        contact_id = await contacts.link_inbound(self.db, msg, conv.get("contact_id"))
        if contact_id != conv.get("contact_id"):
            conv["contact_id"] = contact_id
            await self.conversations.update_one({"_id": conv["_id"]}, {"$set": {"contact_id": contact_id}})
            await self.messages.update_many({"conversation_id": conv["_id"]}, {"$set": {"contact_id": contact_id}})
