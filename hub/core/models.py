"""Pydantic models shared by the pipeline and the channels (the hub's boundary types)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class State(StrEnum):
    BOT = "bot"
    QUEUED = "queued"
    AGENT = "agent"
    CLOSED = "closed"


Action = Literal[
    "answer", "clarify", "handover", "status", "callback", "melding",
    "greet", "thanks", "out_of_scope", "fallback", "data_access", "appointment",
    "notify", "referral",  # issue 17: the resident's choice of notifications; a referral to a partner
]


class Button(BaseModel):
    title: str
    payload: str


class Attachment(BaseModel):
    url: str | None = None
    content_type: str | None = None
    filename: str | None = None
    size: int | None = None
    stored_id: str | None = None  # id in the hub's attachment store, where kept


class Location(BaseModel):
    latitude: float
    longitude: float
    label: str | None = None


class InboundMessage(BaseModel):
    """A resident's message as every channel hands it to the pipeline."""

    channel: str
    address: str = Field(description="the resident's address on the channel: session id, phone, chat id, e-mail")
    channel_message_id: str | None = Field(None, description="provider's id; duplicates are dropped")
    text: str = ""
    payload: str | None = None
    attachments: list[Attachment] = []
    location: Location | None = None
    thread_key: str | None = Field(None, description="channel-specific threading key (e-mail)")
    metadata: dict[str, Any] = {}
    received_at: datetime = Field(default_factory=utcnow)


class Reply(BaseModel):
    text: str
    buttons: list[Button] = []


class OutboundMessage(BaseModel):
    """A message to a resident, as the pipeline hands it to a channel."""

    message_id: str
    conversation_id: str
    channel: str
    address: str
    text: str
    buttons: list[Button] = []
    attachments: list[Attachment] = []
    author: Literal["bot", "agent", "system"] = "bot"
    metadata: dict[str, Any] = {}


class OfferedSlot(BaseModel):
    label: str  # "di 8 dec 10:30", the button's text
    start: datetime


class AppointmentMeta(BaseModel):
    """Where an appointment dialogue stands (``meta.action == "appointment"``; issue 17)."""

    step: Literal["product", "offer", "contact", "remind", "reference", "booked", "moved", "cancelled", "refused",
                  "full", "unavailable"]
    product: str | None = None
    slots: list[OfferedSlot] = Field(default_factory=list)
    reference: str | None = None
    start: datetime | None = None
    place: str | None = None


class Meta(BaseModel):
    state: State
    intent: str | None = None
    confidence: float | None = None
    article: str | None = None
    action: Action = "fallback"
    appointment: AppointmentMeta | None = None


class PipelineResult(BaseModel):
    conversation_id: str
    replies: list[Reply]
    meta: Meta
    duplicate: bool = False
    # How long this message took in the hub and how much of that was the bot (milliseconds):
    # the web chat returns them as a Server-Timing header, so a slow reply can be placed.
    timings: dict[str, float] = Field(default_factory=dict, exclude=True)
