"""The turns of a message that do not ask the bot: the resident's satisfaction grade, and the desk's
(a channel without the bot, or a conversation that is queued or with an agent).

``Turns`` is part of the pipeline (``Pipeline`` inherits it); the bot's turn is in ``pipeline``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from motor.motor_asyncio import AsyncIOMotorCollection, AsyncIOMotorDatabase

from hub.conversations import satisfaction
from hub.conversations.desk import Desk
from hub.conversations.opening import SEQ_BLOCK
from hub.conversations.outbound import message_view
from hub.core import events
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.events import Event
from hub.core.models import (
    InboundMessage,
    Meta,
    OutboundMessage,
    PipelineResult,
    Reply,
    State,
    utcnow,
)


class Turns:
    """The grade's and the desk's turns, for a class that has these (the pipeline)."""

    db: AsyncIOMotorDatabase
    live: LiveBus
    messages: AsyncIOMotorCollection
    conversations: AsyncIOMotorCollection
    desk: Desk
    send: Callable[..., Awaitable[list[OutboundMessage]]]
    handover: Callable[..., Awaitable[None]]

    async def _grade_turn(
        self, conv: dict[str, Any], msg: InboundMessage, message_id: str, doc: dict[str, Any], grade: int
    ) -> PipelineResult:
        """The resident answered the satisfaction question: keep the grade, thank them; the bot is not asked."""
        seq = conv["seq"] - SEQ_BLOCK + 1
        link = {"conversation_id": conv["_id"], "contact_id": conv["contact_id"], "seq": seq}
        self.live.publish(conv["_id"], message_view({**doc, "seq": seq}))
        closed = conv["state"] == State.CLOSED.value
        meta = Meta(state=State(conv["state"]), action="thanks")  # the grade is kept; the resident is thanked
        await self.messages.update_one({"_id": message_id}, {"$set": {
            **link, "status": "handled", "meta": meta.model_dump(exclude={"state"}),
        }})
        await events.emit(self.db, self.live, EventType.MESSAGE_IN, conv["_id"], channel=msg.channel)
        try:
            result = await satisfaction.record_score(self.db, conv["_id"], grade, release_key=closed)
            replies = [Reply(text=result["message"])]
        except satisfaction.SatisfactionError as exc:
            replies = [Reply(text=exc.message)]
        await self.send(conv, replies, author="system", in_reply_to=message_id, metadata={"kind": "satisfaction"})
        return PipelineResult(conversation_id=conv["_id"], replies=replies, meta=meta)

    async def ask_satisfaction(self, conv: dict[str, Any], replies: list[Reply]) -> list[Reply]:
        """``replies`` and the satisfaction question, once per conversation (marked before it goes out)."""
        if conv.get(satisfaction.ASKED) or conv.get("satisfaction"):
            return replies
        marked = await self.conversations.update_one(
            {"_id": conv["_id"], satisfaction.ASKED: None}, {"$set": {satisfaction.ASKED: utcnow()}}
        )
        return [*replies, satisfaction.question(conv.get("channel"))] if marked.modified_count else replies

    async def _agent_turn(
        self, conv: dict[str, Any], msg: InboundMessage, message_id: str, link: dict[str, Any], steps: list[Event]
    ) -> PipelineResult:
        """Queued or with an agent: the bot is silent, the desk (console, Slack) hears the message."""
        await self.messages.update_one({"_id": message_id}, {"$set": {**link, "status": "linked"}})
        await events.emit_all(self.db, self.live, steps)
        replies = await self.desk.resident_message(self, conv, message_id, msg.text)
        await self.messages.update_one({"_id": message_id}, {"$set": {"status": "handled"}})
        return PipelineResult(
            conversation_id=conv["_id"], replies=replies, meta=Meta(state=State(conv["state"]), action="handover")
        )

    async def _desk_turn(
        self, conv: dict[str, Any], msg: InboundMessage, message_id: str, link: dict[str, Any], steps: list[Event]
    ) -> PipelineResult:
        """A message of a channel without the bot: to the queue (or to the agent who has it), then the receipt.

        The order keeps a retry after a crash from queueing twice (``enqueue`` only moves a
        conversation the bot has) or sending a second receipt (it goes after the message is handled).
        """
        desk = msg.metadata.get("desk") or {}
        if conv["state"] == State.BOT.value:
            summary = {k: v for k, v in desk.items() if k != "receipt"}
            await self.handover(conv["_id"], reason=desk.get("reason", msg.channel), summary=summary)
            await self.messages.update_one({"_id": message_id}, {"$set": {**link, "status": "linked"}})
        else:  # queued or with an agent: the desk hears it like any message in that conversation
            await self.messages.update_one({"_id": message_id}, {"$set": {**link, "status": "linked"}})
            await self.desk.resident_message(self, conv, message_id, msg.text)
        meta = Meta(state=State.QUEUED if conv["state"] == State.BOT.value else State(conv["state"]), action="handover")
        await self.messages.update_one(
            {"_id": message_id}, {"$set": {"status": "handled", "meta": meta.model_dump(exclude={"state"})}}
        )
        await events.emit_all(self.db, self.live, steps)
        replies = [Reply(text=desk["receipt"])] if desk.get("receipt") else []
        await self.send(conv, replies, author="system", in_reply_to=message_id, metadata={"kind": "receipt"})
        return PipelineResult(conversation_id=conv["_id"], replies=replies, meta=meta)
