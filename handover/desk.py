"""The agent desk as the pipeline sees it (``hub.conversations.desk.Desk``): queue and inbound."""

from __future__ import annotations

from typing import Any

from handover import inbound, queue
from hub.conversations.desk import Conversations
from hub.core.models import Reply


class HandoverDesk:
    async def enqueue(self, pipeline: Conversations, conversation_id: str, reason: str, summary: dict[str, Any]) -> bool:
        return await queue.enqueue(pipeline.db, pipeline.live, conversation_id, reason, summary)

    async def resident_message(
        self, pipeline: Conversations, conv: dict[str, Any], message_id: str, text: str
    ) -> list[Reply]:
        return await inbound.on_resident_message(pipeline, conv, message_id, text)
