"""The notifier: sends queued case notices on the channel the resident chose, only with consent.

It wakes on ``notice_queued`` (and on the bot's melding and callback answers, whose notices
the action server queues without a bus), with a slow safety sweep for notices another hub or
a crash left. Each notice is claimed with a conditional update before it is sent, so with
several hubs exactly one sends it; a claim older than ``RECLAIM_AFTER`` is taken over, unless
its message is already stored (then it is only marked sent: never a message twice).

Sending goes through the pipeline's ``send``: the message is stored in the conversation of
that channel and address (opened when there is none, linked to the contact, so it is in the
contact's history), then delivered by the channel. A WhatsApp notice outside the 24-hour
window goes out as the approved template ``KCC_WHATSAPP_NOTICE_TEMPLATE_SID``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo.errors import DuplicateKeyError

from hub.contacts import consent
from hub.core import events
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.loops import on_events
from hub.core.models import Reply, State, new_id, utcnow
from hub.core.settings import Settings

log = logging.getLogger(__name__)
WAKE_ON = (EventType.NOTICE_QUEUED, EventType.BOT_MELDING, EventType.BOT_CALLBACK)
RECLAIM_AFTER = timedelta(minutes=5)
BATCH = 100


async def conversation_for(db: AsyncIOMotorDatabase, channel: str, address: str, contact_id: str | None) -> dict[str, Any]:
    """The open conversation on ``channel`` with ``address``, opened (linked to the contact) when there is none."""
    open_key = f"{channel}:{address}"
    found = await db.conversations.find_one({"open_key": open_key})
    if found is not None:
        return found
    now = utcnow()
    doc = {
        "_id": new_id(), "open_key": open_key, "channel": channel, "address": address, "state": State.BOT.value,
        "seq": 0, "created_at": now, "updated_at": now, "contact_id": contact_id, "thread_key": None, "opened_by": "hub",
    }
    try:
        await db.conversations.insert_one(doc)
        return doc
    except DuplicateKeyError:  # the resident wrote at the same moment: theirs is the open one
        found = await db.conversations.find_one({"open_key": open_key})
        assert found is not None
        return found


async def send_with_consent(
    db: AsyncIOMotorDatabase, pipeline: Any, agreed: dict[str, Any], contact_id: str | None, text: str,
    metadata: dict[str, Any], template: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store and send ``text`` on the channel and address of a consent record; returns the conversation."""
    conv = await conversation_for(db, agreed["channel"], agreed["address"], contact_id)
    if template and agreed["channel"] == "whatsapp" and template.get("content_sid"):
        metadata = {**metadata, "template": template}
    outs = await pipeline.send(conv, [Reply(text=text)], author="system", metadata=metadata)
    return {"conversation_id": conv["_id"], "message_id": outs[0].message_id if outs else None}


async def _deliver(db: AsyncIOMotorDatabase, bus: LiveBus | None, pipeline: Any, settings: Settings, notice: dict[str, Any]) -> None:
    agreed = await consent.lookup(db, notice.get("contact_id"), "case_updates")
    if agreed is None:
        reason = "no_contact" if not notice.get("contact_id") else "no_consent"
        await db.notices.update_one({"_id": notice["_id"]}, {"$set": {"state": "skipped", "reason": reason, "done_at": utcnow()}})
        await events.emit(db, bus, EventType.NOTICE_SKIPPED, None, notice=notice["_id"], kind=notice["kind"], reason=reason)
        return
    template = {"content_sid": settings.whatsapp_notice_template_sid, "variables": notice.get("template_variables") or {}}
    sent = await send_with_consent(
        db, pipeline, agreed, notice.get("contact_id"), notice["text"],
        {"notice": notice["_id"], "case_number": notice["case_number"]}, template,
    )
    await db.notices.update_one(
        {"_id": notice["_id"]}, {"$set": {"state": "sent", "channel": agreed["channel"], "done_at": utcnow(), **sent}}
    )
    await events.emit(db, bus, EventType.NOTICE_SENT, sent["conversation_id"], notice=notice["_id"], kind=notice["kind"],
                      channel=agreed["channel"])


async def send_pending(db: AsyncIOMotorDatabase, bus: LiveBus | None, pipeline: Any, settings: Settings) -> int:
    """Handle every pending notice (and claims left too long); returns how many this hub handled."""
    now = utcnow()
    query = {"$or": [{"state": "pending"}, {"state": "sending", "claimed_at": {"$lt": now - RECLAIM_AFTER}}]}
    handled = 0
    for notice in await db.notices.find(query).sort("created_at", 1).to_list(BATCH):
        claimed = await db.notices.update_one(
            {"_id": notice["_id"], "state": notice["state"], "claimed_at": notice.get("claimed_at")},
            {"$set": {"state": "sending", "claimed_at": now}},
        )
        if not claimed.modified_count:
            continue  # another hub has it
        if notice["state"] == "sending":  # taken over: was its message stored before the other hub stopped?
            stored = await db.messages.find_one({"metadata.notice": notice["_id"]}, {"_id": 1, "conversation_id": 1})
            if stored is not None:
                await db.notices.update_one({"_id": notice["_id"]}, {"$set": {
                    "state": "sent", "done_at": now, "message_id": stored["_id"], "conversation_id": stored["conversation_id"]}})
                continue
        try:
            await _deliver(db, bus, pipeline, settings, notice)
            handled += 1
        except Exception:  # noqa: BLE001 - one bad notice must not stop the others; the claim expires
            log.exception("notice failed", extra={"notice": notice["_id"]})
    return handled


async def run(db: AsyncIOMotorDatabase, bus: LiveBus, pipeline: Any, settings: Settings) -> None:
    """Send pending notices at start, on every notice event, and every ``KCC_NOTICE_SWEEP_S``."""
    await on_events(bus, WAKE_ON, lambda: send_pending(db, bus, pipeline, settings), settings.notice_sweep_s, name="notifier")
