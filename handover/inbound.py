"""A resident's message while the conversation is queued or with an agent (the bot is silent).

The message is already stored and linked by the pipeline. Here the desk hears of it (the
console and the Slack thread show it live) and, outside office hours, a phone number or
e-mail address in it becomes the conversation's callback request.
"""

from __future__ import annotations

from typing import Any

from handover import after_hours
from hub.conversations.desk import Conversations
from hub.core import events
from hub.core.event_types import EventType
from hub.core.models import Reply, State
from hub.core.settings import get_settings


async def on_resident_message(pipeline: Conversations, conv: dict[str, Any], message_id: str, text: str) -> list[Reply]:
    await events.emit(
        pipeline.db, pipeline.live, EventType.RESIDENT_MESSAGE, conv["_id"],
        message_id=message_id, agent=conv.get("assignee"), state=conv.get("state"),
    )
    if conv.get("state") == State.QUEUED.value and conv.get("after_hours") and not conv.get("callback_request"):
        return await after_hours.capture(pipeline, conv, text, get_settings())
    return []
