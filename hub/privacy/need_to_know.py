"""Need-to-know: social-domain and confidential conversations are for staff with the right only.

A conversation is marked ``social_domain`` (and ``confidential``) when

* the bot saw one of the social-domain topics in it (``KCC_SOCIAL_DOMAIN_TOPICS``: an
  intent or an article slug such as ``bijstandsuitkering``, ``wmo-ondersteuning``),
* a social-domain case is created from it or linked to it (a confidential case, from
  ``vertrouwelijk`` up, marks it ``confidential`` only), or
* an agent marks it (console: ``POST /api/v1/handover/conversations/{id}/confidential``).

The mark is never taken away by the hub; only staff with the right may clear it.

Staff without the ``sociaal_domein`` right (``RIGHT``) see that such a conversation exists
(id, channel, times, state, team and the label "vertrouwelijk – sociaal domein"), never
what it is about: no messages, no summary, no topic. Supervisors and admins have the
right by their role: ``hub.staff.auth.has_right``, the one check, also for cases. Routing gives
such a conversation only to an agent with the right.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.core import events
from hub.core.event_types import EventType
from hub.core.models import utcnow
from hub.core.settings import Settings, get_settings
from hub.staff.auth import SOCIAL_DOMAIN, has_right

RIGHT = SOCIAL_DOMAIN
# Confidentiality levels of a case (Zaken API ``vertrouwelijkheidaanduiding``) from which it is restricted.
CONFIDENTIAL_FROM: list[str] = ["vertrouwelijk", "confidentieel", "geheim", "zeer_geheim"]
LABEL_SOCIAL = "vertrouwelijk – sociaal domein"
LABEL_CONFIDENTIAL = "vertrouwelijk"
# Conversations an agent without the right may be given (routing, claims).
OPEN_TO_ALL: dict[str, Any] = {"social_domain": {"$ne": True}, "confidential": {"$ne": True}}
# Fields of a conversation's short view that say only that it exists.
EXISTENCE_FIELDS = (
    "id", "channel", "state", "team", "priority", "front", "assignee", "queued_at", "assigned_at", "answered_at",
    "created_at", "position", "after_hours", "waiting_s", "outcome",
)


def restricted(conv: dict[str, Any]) -> bool:
    return bool(conv.get("social_domain") or conv.get("confidential"))


def visible(staff: dict[str, Any], conv: dict[str, Any]) -> bool:
    """May this staff member see what the conversation is about?"""
    return not restricted(conv) or has_right(staff, RIGHT)


def label(conv: dict[str, Any]) -> str | None:
    if conv.get("social_domain"):
        return LABEL_SOCIAL
    return LABEL_CONFIDENTIAL if conv.get("confidential") else None


def social_topics(topics: Iterable[str | None], settings: Settings | None = None) -> list[str]:
    """The social-domain topics among ``topics`` (intents, article slugs)."""
    configured = set((settings or get_settings()).social_domain_topics)
    return sorted({t for t in topics if t and t.lstrip("/") in configured})


def existence_view(view: dict[str, Any], conv: dict[str, Any]) -> dict[str, Any]:
    """A conversation's short view cut down to "it exists" (for staff without the right)."""
    return {
        **{k: view[k] for k in EXISTENCE_FIELDS if k in view},
        "restricted": True,
        "social_domain": bool(conv.get("social_domain")),
        "confidential": True,
        "label": label(conv),
    }


def for_staff(staff: dict[str, Any], view: dict[str, Any], conv: dict[str, Any]) -> dict[str, Any]:
    """``view`` as this staff member may see it; adds the label for everyone."""
    if not restricted(conv):
        return {**view, "restricted": False, "label": None}
    if has_right(staff, RIGHT):
        return {**view, "restricted": False, "social_domain": bool(conv.get("social_domain")), "confidential": True,
                "label": label(conv)}
    return existence_view(view, conv)


def mark_fields(by: str, why: str, social_domain: bool = True) -> dict[str, Any]:
    """The fields a mark sets (for callers that fold them into their own update)."""
    fields: dict[str, Any] = {"confidential": True, "confidential_by": by, "confidential_why": why, "confidential_at": utcnow()}
    if social_domain:
        fields["social_domain"] = True
    return fields


async def mark(
    db: AsyncIOMotorDatabase, conversation_id: str, by: str, why: str, social_domain: bool = True
) -> bool:
    """Mark a conversation confidential (and social-domain); True when it changed."""
    condition: dict[str, Any] = {"_id": conversation_id, "confidential": {"$ne": True}}
    if social_domain:
        condition = {"_id": conversation_id, "social_domain": {"$ne": True}}
    res = await db.conversations.update_one(condition, {"$set": mark_fields(by, why, social_domain)})
    if res.modified_count:
        await events.emit(db, None, EventType.CONVERSATION_MARKED, conversation_id, by=by, why=why, social_domain=social_domain)
    return bool(res.modified_count)


async def clear(db: AsyncIOMotorDatabase, conversation_id: str, by: str, why: str) -> bool:
    """Take the mark away (only for staff with the right: the caller checks)."""
    res = await db.conversations.update_one(
        {"_id": conversation_id, "$or": [{"social_domain": True}, {"confidential": True}]},
        {"$set": {"social_domain": False, "confidential": False, "confidential_by": by, "confidential_why": why,
                  "confidential_at": utcnow()}},
    )
    if res.modified_count:
        await events.emit(db, None, EventType.CONVERSATION_UNMARKED, conversation_id, by=by, why=why)
    return bool(res.modified_count)


async def mark_for_topics(db: AsyncIOMotorDatabase, conversation_id: str, topics: Iterable[str | None], by: str) -> bool:
    """Mark when one of ``topics`` is a social-domain topic (the bot's intents and articles)."""
    found = social_topics(topics)
    return await mark(db, conversation_id, by, f"onderwerp: {', '.join(found)}") if found else False


async def mark_for_case(db: AsyncIOMotorDatabase, conversation_id: str | None, case: dict[str, Any]) -> bool:
    """A social-domain (or confidential) case makes the conversation it came from restricted too."""
    if not conversation_id:
        return False
    social = bool(case.get("social_domain"))
    if not social and case.get("confidentiality") not in CONFIDENTIAL_FROM:
        return False
    return await mark(db, conversation_id, case.get("created_by") or "system", f"zaak {case['number']}", social_domain=social)
