"""Outside office hours: no live wait; the resident leaves a phone number or e-mail address.

The handover message (the bot's, or the wait notifier's when the bot did not speak) tells
the resident we are closed and asks for a number or address. The first one the resident
then sends is kept on the conversation as ``callback_request``; the conversation stays in
its team's queue, so the first agent of the day sees it with the question and the request.
"""

from __future__ import annotations

import contextlib
from typing import Any

from handover.lifecycle import finish
from handover.office_hours import OfficeHours, describe_opening
from hub.cases import callbacks
from hub.conversations.desk import Conversations
from hub.core import events, identifiers
from hub.core.event_types import EventType
from hub.core.models import Reply, State, utcnow
from hub.core.settings import Settings

ACTOR = "system:handover"


def contact_detail(text: str) -> tuple[str, str] | None:
    """('phone', '+31612345678') or ('email', 'jan@example.nl') from what the resident typed."""
    email = identifiers.find_email(text)
    if email:
        return "email", email
    phone = identifiers.find_phone(text)
    return ("phone", phone) if phone else None


async def capture(pipeline: Conversations, conv: dict[str, Any], text: str, settings: Settings) -> list[Reply]:
    """Keep a callback/e-mail request from an after-hours message; the reply confirms it."""
    found = contact_detail(text)
    if found is None:
        return []
    kind, value = found
    now = utcnow()
    res = await pipeline.db.conversations.update_one(
        {"_id": conv["_id"], "callback_request": None},
        {"$set": {"callback_request": {"kind": kind, "value": value, "at": now}}},
    )
    if not res.modified_count:
        return []
    await events.emit(pipeline.db, pipeline.live, EventType.AFTER_HOURS_REQUEST, conv["_id"], kind=kind, team=conv.get("team"))
    hours = OfficeHours.from_settings(settings)
    when = describe_opening(hours.next_opening(now), now)
    callback = None
    if kind == "phone":
        with contextlib.suppress(callbacks.CallbackError):  # not a number hub.cases.callbacks accepts: agents call
            callback = await callbacks.create_callback(
                pipeline.db, value, question(conv), contact_id=conv.get("contact_id"),
                conversation_id=conv["_id"], created_by=ACTOR, settings=settings,
            )
    if callback is not None:
        # A callback request of its own (hub.cases.callbacks: deadline, attempts); the chat is done.
        await pipeline.db.conversations.update_one(
            {"_id": conv["_id"]}, {"$set": {"callback_request.callback_id": callback["_id"]}}
        )
        reply = Reply(text=f"Dank u wel. Wij bellen u terug op {value}. Dat doen wij {when} of kort daarna. U hoeft niets meer te doen.")
        await pipeline.send(conv, [reply], author="system")
        await finish(pipeline.db, pipeline.live, {"_id": conv["_id"], "state": State.QUEUED.value}, "callback_created", ACTOR)
    else:
        # The conversation waits for the first agent of the day, who sees the address or number.
        await events.emit(pipeline.db, pipeline.live, EventType.CALLBACK_REQUEST, conv["_id"], team=conv.get("team"))
        how = "mailen u op" if kind == "email" else "bellen u terug op"
        reply = Reply(text=f"Dank u wel. Wij {how} {value}. Dat doen wij {when} of kort daarna. U hoeft niets meer te doen.")
        await pipeline.send(conv, [reply], author="system")
    return [reply]


def question(conv: dict[str, Any]) -> str:
    summary = (conv.get("handover") or {}).get("summary") or {}
    text = summary.get("last_message") or conv.get("topic") or "Vraag via de chat buiten openingstijden"
    return text[:500]
