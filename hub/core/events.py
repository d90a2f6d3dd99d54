"""The event log: every step of a conversation, the only source of statistics."""

from __future__ import annotations

from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.core.models import new_id, utcnow


async def record(db: AsyncIOMotorDatabase, type_: str, conversation_id: str | None, **data: Any) -> None:
    await db.events.insert_one(
        {"_id": new_id(), "type": type_, "conversation_id": conversation_id, "at": utcnow(), **data}
    )
