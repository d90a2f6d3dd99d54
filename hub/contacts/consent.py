"""Consent records: what a resident agreed to be sent, on which channel, in which words.

One home for every "may we send you messages?" (case news, crisis messages, appointment
reminders). Each answer is appended to the contact's ``consents`` list and never rewritten:
``{topic, given, channel, address, wording (the exact question shown), answer (what the
resident chose or typed), at, by (bot, agent name or resident), conversation_id}``. The
latest record of a topic is what counts; withdrawing ("stuur mij geen berichten meer")
appends ``given: false`` for every topic. No record, or a withdrawal: no message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel, Field, model_validator

from hub.core import identifiers
from hub.core.models import utcnow

Topic = Literal["case_updates", "crisis", "appointment_reminders"]
TOPICS: tuple[str, ...] = ("case_updates", "crisis", "appointment_reminders")
# Channels a notification can go out on, and the kind of address each needs.
CHANNEL_ADDRESS = {"whatsapp": "phone", "sms": "phone", "email": "email", "webchat": "session", "telegram": "chat"}
CHANNEL_NL = {"whatsapp": "WhatsApp", "sms": "sms", "email": "e-mail", "webchat": "deze chat", "telegram": "Telegram"}


class ConsentError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ConsentBody(BaseModel):
    """One answer of the resident (API body and the bot's call)."""

    topics: list[Topic] = Field(min_length=1, max_length=3)
    given: bool
    channel: str | None = Field(None, max_length=32, description="whatsapp, sms, email, webchat or telegram; needed when given")
    address: str | None = Field(None, max_length=254, description="phone number, e-mail address or session; else the contact's")
    wording: str = Field(min_length=1, max_length=1000, description="the exact question or text the resident was shown")
    answer: str | None = Field(None, max_length=500, description="what the resident chose or typed")
    conversation_id: str | None = Field(None, max_length=64)

    @model_validator(mode="after")
    def _channel(self) -> ConsentBody:
        if self.given and self.channel not in CHANNEL_ADDRESS:
            raise ValueError(f"channel must be one of {sorted(CHANNEL_ADDRESS)}")
        return self


def _address(contact: dict[str, Any], channel: str, given: str | None) -> str | None:
    """The address on ``channel``: the one given (normalised) or the contact's own."""
    kind = CHANNEL_ADDRESS[channel]
    if given:
        if kind == "phone":
            return identifiers.normalize_phone(given)
        if kind == "email":
            return identifiers.normalize_email(given)
        return given
    prefix = {"phone": "phone:", "email": "email:"}.get(kind)
    if prefix is None:
        return None
    found = [a.removeprefix(prefix) for a in contact.get("addresses", []) if a.startswith(prefix)]
    return found[-1] if found else None


async def record(db: AsyncIOMotorDatabase, contact_id: str, body: ConsentBody, by: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """Append the answer for each topic; returns the records written. A new address becomes the contact's."""
    contact = await db.contacts.find_one({"_id": contact_id}, {"addresses": 1})
    if contact is None:
        raise ConsentError(404, "unknown_contact", "Dit contact bestaat niet.")
    address = None
    if body.given:
        assert body.channel is not None
        address = _address(contact, body.channel, body.address)
        if not address:
            raise ConsentError(422, "no_address", "Wij weten niet waar wij dit bericht heen moeten sturen. Geef een nummer of e-mailadres.")
    now = now or utcnow()
    records = [
        {"topic": topic, "given": body.given, "channel": body.channel if body.given else None, "address": address,
         "wording": body.wording, "answer": body.answer, "at": now, "by": by, "conversation_id": body.conversation_id}
        for topic in body.topics
    ]
    update: dict[str, Any] = {"$push": {"consents": {"$each": records}}, "$set": {"updated_at": now}}
    key = {"whatsapp": identifiers.phone_key, "sms": identifiers.phone_key, "email": identifiers.email_key}.get(body.channel or "")
    if address and key and key(address):
        update["$addToSet"] = {"addresses": key(address)}
    await db.contacts.update_one({"_id": contact_id}, update)
    return records


def current(contact: dict[str, Any] | None, topic: str) -> dict[str, Any] | None:
    """The consent that counts now for ``topic``: the latest record, when it says yes; else None."""
    latest = None
    for rec in (contact or {}).get("consents", []):
        if rec.get("topic") == topic:
            latest = rec
    return latest if latest and latest.get("given") else None


def withdrawn_since(contact: dict[str, Any] | None, topic: str, since: datetime | None) -> bool:
    """Whether the resident said no to ``topic`` after ``since`` (an appointment's reminder asked at booking)."""
    latest = None
    for rec in (contact or {}).get("consents", []):
        if rec.get("topic") == topic:
            latest = rec
    return bool(latest) and not latest.get("given") and (since is None or latest["at"] >= since)


async def lookup(db: AsyncIOMotorDatabase, contact_id: str | None, topic: str) -> dict[str, Any] | None:
    if not contact_id:
        return None
    return current(await db.contacts.find_one({"_id": contact_id}, {"consents": 1}), topic)


def view(contact: dict[str, Any]) -> dict[str, Any]:
    """Per topic the consent that counts now, and the whole record history (newest last)."""
    def shape(rec: dict[str, Any]) -> dict[str, Any]:
        return {**{k: v for k, v in rec.items() if k != "at"}, "at": rec["at"].isoformat()}

    return {
        "contact_id": contact["_id"],
        "current": {t: (shape(c) if (c := current(contact, t)) else None) for t in TOPICS},
        "records": [shape(r) for r in contact.get("consents", [])],
    }
