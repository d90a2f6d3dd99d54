"""Contact moments: a resident who came by phone or to the desk, registered by the agent.

Stored like every other contact (a closed conversation with one message, linked to the
contact), so the contact's history is complete whatever the channel: the console's contact
card, ``hub.contacts.store.history`` and the statistics see it like a chat or a mail.
"""

from __future__ import annotations

from typing import Any, Literal

from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel, Field, model_validator

from handover.lifecycle import Outcome
from hub.contacts import store as contacts
from hub.core import events, identifiers
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.models import State, new_id, utcnow

MomentChannel = Literal["phone", "desk"]
CHANNEL_NL = {"phone": "Telefoon", "desk": "Balie"}


class ContactMoment(BaseModel):
    channel: MomentChannel
    subject: str = Field(min_length=1, max_length=300)
    outcome: Outcome
    notes: str = Field("", max_length=4000)
    contact_id: str | None = Field(None, max_length=64)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    name: str | None = Field(None, max_length=200)
    conversation_id: str | None = Field(None, max_length=64, description="a conversation this moment belongs to")

    @model_validator(mode="after")
    def _who(self) -> ContactMoment:
        if not (self.contact_id or self.phone or self.email):
            raise ValueError("geef een contact, een telefoonnummer of een e-mailadres")
        return self


class MomentError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


async def register(
    db: AsyncIOMotorDatabase, body: ContactMoment, staff: dict[str, Any], live: LiveBus | None = None
) -> dict[str, Any]:
    if body.contact_id:
        if await contacts.get(db, body.contact_id) is None:
            raise MomentError(404, "unknown_contact", "Dit contact bestaat niet.")
        contact_id = body.contact_id
    else:
        if body.phone and not identifiers.normalize_phone(body.phone):
            raise MomentError(422, "invalid_phone", "Dit telefoonnummer klopt niet. Gebruik bijvoorbeeld 06 12345678.")
        if body.email and not identifiers.normalize_email(body.email):
            raise MomentError(422, "invalid_email", "Dit e-mailadres klopt niet.")
        contact_id, _ = await contacts.create(
            db, name=body.name, phones=[body.phone] if body.phone else None, emails=[body.email] if body.email else None
        )
    now = utcnow()
    conv_id, message_id = new_id(), new_id()
    address = f"{body.channel}:{contact_id}"
    await db.conversations.insert_one(
        {
            "_id": conv_id,
            "channel": body.channel,
            "address": address,
            "open_key": f"closed:{conv_id}",
            "state": State.CLOSED.value,
            "seq": 1,
            "contact_id": contact_id,
            "thread_key": None,
            "created_at": now,
            "updated_at": now,
            "closed_at": now,
            "closed_by": staff["_id"],
            "outcome": body.outcome,
            "topic": None,
            "related_conversation_id": body.conversation_id,
            "contact_moment": True,
        }
    )
    await db.messages.insert_one(
        {
            "_id": message_id,
            "dedup_key": f"moment:{message_id}",
            "direction": "in",
            "author": "resident",
            "channel": body.channel,
            "address": address,
            "conversation_id": conv_id,
            "contact_id": contact_id,
            "seq": 1,
            "text": f"{CHANNEL_NL[body.channel]}: {body.subject}" + (f"\n{body.notes}" if body.notes else ""),
            "buttons": [],
            "attachments": [],
            "status": "handled",
            "metadata": {
                "contact_moment": {"subject": body.subject, "outcome": body.outcome, "notes": body.notes},
                "agent": staff["_id"],
                "agent_name": staff.get("name"),
            },
            "created_at": now,
        }
    )
    await events.emit(db, live, EventType.CONTACT_MOMENT, conv_id, channel=body.channel, outcome=body.outcome, by=staff["_id"])
    return {"conversation_id": conv_id, "contact_id": contact_id, "channel": body.channel, "outcome": body.outcome}
