"""The desk port: what the pipeline asks of the agent desk, without knowing who the desk is.

The pipeline hands a conversation over and passes on a resident's message while people are
in charge; ``handover.desk.HandoverDesk`` implements ``Desk`` (the queue, the console, Slack)
and the app factory plugs it in, so ``hub.conversations`` never imports ``handover``. The desk
gets back only what ``Conversation`` names: the database, the bus and a way to reply.
"""

from __future__ import annotations

from typing import Any, Protocol

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.core.bus import LiveBus
from hub.core.models import OutboundMessage, Reply


class Conversations(Protocol):
    """The part of the pipeline a desk may use."""

    db: AsyncIOMotorDatabase
    live: LiveBus

    async def send(
        self,
        conv: dict[str, Any],
        replies: list[Reply],
        author: str,
        in_reply_to: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> list[OutboundMessage]: ...


class Desk(Protocol):
    async def enqueue(self, pipeline: Conversations, conversation_id: str, reason: str, summary: dict[str, Any]) -> bool:
        """Queue the conversation for its team; False when it was queued or with an agent already."""
        ...

    async def resident_message(
        self, pipeline: Conversations, conv: dict[str, Any], message_id: str, text: str
    ) -> list[Reply]:
        """A resident wrote while the conversation is queued or with an agent; replies to send, if any."""
        ...
