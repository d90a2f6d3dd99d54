"""The audit log: who looked at or changed whose personal data, when and why.

Append-only: this module offers no update or delete, and nothing else in the hub
writes to the ``audit`` collection. One entry per contact touched, so "who saw
this resident?" is one indexed query. Entries never hold a BSN: they name the
contact by its id (the contact record holds the BSN).
"""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel, Field

from hub.core.models import new_id, utcnow

Action = Literal[
    "contact.read",
    "contact.search",
    "contact.create",
    "contact.merge",
    "contact.unmerge",
    "contact.link_conversation",
    "case.read",
    "case.list",
    "callback.read",
    "appointment.read",
    "brp.lookup",
    "kvk.search",
    "kvk.lookup",
    "conversation.read",
    "conversation.mark",
    "contact.export",
    "contact.erase",
    "retention.run",
    "stats.export",
    "contact.consents",
    "crisis.on",
    "crisis.off",
]
# Reads of a contact's data: what a resident's "who has looked at my data?" lists.
READS: frozenset[str] = frozenset({
    "contact.read", "contact.search", "case.read", "case.list", "callback.read", "brp.lookup", "kvk.lookup",
    "conversation.read", "contact.export", "appointment.read",
})
SYSTEM_PREFIX = "system:"

DEFAULT_REASON = "klantcontact"


class AuditEntry(BaseModel):
    actor: str = Field(description="staff username, or 'system:<part>' for the hub itself")
    action: Action
    contact_id: str | None = None
    reason: str = Field(DEFAULT_REASON, max_length=300)
    conversation_id: str | None = None
    detail: dict[str, Any] = {}


async def record(db: AsyncIOMotorDatabase, entry: AuditEntry) -> str:
    entry_id = new_id()
    await db.audit.insert_one({"_id": entry_id, "at": utcnow(), **entry.model_dump()})
    return entry_id


async def record_many(db: AsyncIOMotorDatabase, entries: list[AuditEntry]) -> None:
    if entries:
        now = utcnow()
        await db.audit.insert_many([{"_id": new_id(), "at": now, **e.model_dump()} for e in entries])


async def for_contact(db: AsyncIOMotorDatabase, contact_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """The newest entries about one contact (for a supervisor or a privacy officer)."""
    cursor = db.audit.find({"contact_id": contact_id}).sort("at", -1).limit(limit)
    return [
        {
            "id": doc["_id"],
            "at": doc["at"].isoformat(),
            "actor": doc["actor"],
            "action": doc["action"],
            "reason": doc.get("reason"),
            "conversation_id": doc.get("conversation_id"),
            "detail": doc.get("detail", {}),
        }
        async for doc in cursor
    ]


def audit_entry(request: web.Request, action: str, contact_id: str | None, **detail: Any) -> AuditEntry:
    """An audit entry for a staff read: who (the session), why (``?reason=``), in which conversation."""
    reason = (request.query.get("reason") or DEFAULT_REASON).strip()[:300] or DEFAULT_REASON
    return AuditEntry(
        actor=str(request["staff"]["_id"]), action=action, contact_id=contact_id, reason=reason,  # type: ignore[arg-type]
        conversation_id=request.query.get("conversation_id"), detail=detail,
    )
