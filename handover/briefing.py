"""The warm handover: everything an agent sees before saying a word.

One answer with the whole conversation (bot part included), the bot's handover summary
(intents, collected slots, articles shown, why it handed over), the contact card (who,
all earlier conversations on every channel, open cases and callback requests), internal
notes and knowledge-base articles that fit the question. Reading it is a staff read of
personal data, so the caller audits it (``audit_read``).
"""

from __future__ import annotations

import json
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from connectors.base import ConnectorError
from handover.lifecycle import OUTCOMES_NL
from handover.specialists.transfer import helped_view, request_view
from handover.topics import intent_labels, topic_label
from hub.cases import callbacks
from hub.cases import store as cases
from hub.cases.contact_card import register_contacts
from hub.cases.outbox_klant import identificatoren
from hub.contacts import store as contacts
from hub.conversations.outbound import message_view
from hub.core.identifiers import mask_bsn
from hub.privacy import audit, need_to_know
from hub.staff.auth import SOCIAL_DOMAIN, has_right

REASONS_NL = {
    "asked_for_person": "Inwoner vroeg om een medewerker",
    "angry": "Inwoner is boos of ontevreden",
    "bot_could_not_help": "De chatbot kon de vraag niet beantwoorden",
    "bot_unavailable": "De chatbot werkte niet",
    "bot_error": "De chatbot gaf geen antwoord (storing in de chatbot)",
    "no_bot": "Kanaal zonder chatbot",
}
HIDDEN_SLOTS = ("bsn", "misses", "requested_slot", "articles_shown", "last_article", "session_started_metadata")
OTHER_MESSAGES = 100


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else None


def staff_message(doc: dict[str, Any]) -> dict[str, Any]:
    """``message_view`` plus what only staff see: which agent wrote it, which article it used."""
    meta = doc.get("metadata") or {}
    return {
        **message_view(doc),
        "conversation_id": doc.get("conversation_id"),
        "channel": doc.get("channel"),
        "agent": meta.get("agent"),
        "agent_name": meta.get("agent_name"),
        "article": meta.get("article"),
        "kind": meta.get("kind"),
        "delivery": (doc.get("delivery") or {}).get("status"),
    }


def conversation_view(conv: dict[str, Any]) -> dict[str, Any]:
    """The short form in queues and lists."""
    summary = (conv.get("handover") or {}).get("summary") or {}
    return {
        "id": conv["_id"],
        "channel": conv["channel"],
        "state": conv["state"],
        "team": conv.get("team"),
        "priority": conv.get("priority", 0),
        "front": bool(conv.get("front")),
        "topic": conv.get("topic"),
        "topic_label": topic_label(conv.get("topic")),
        "assignee": conv.get("assignee"),
        "queued_at": iso(conv.get("queued_at")),
        "assigned_at": iso(conv.get("assigned_at")),
        "answered_at": iso(conv.get("answered_at")),
        "after_hours": bool(conv.get("after_hours")),
        "callback_request": _request_view(conv.get("callback_request")),
        "reason": (conv.get("handover") or {}).get("reason"),
        "question": summary.get("last_message"),
        "position": conv.get("position"),
        "contact_id": conv.get("contact_id"),
        "created_at": iso(conv.get("created_at")),
        "outcome": conv.get("outcome"),
        "resident_left_at": iso(conv.get("resident_left_at")),
        "specialist": request_view(conv.get("specialist")),
        "helped_by": helped_view(conv),
    }


def staff_view(staff: dict[str, Any], conv: dict[str, Any]) -> dict[str, Any]:
    """``conversation_view`` as this staff member may see it (need-to-know: only that it exists)."""
    return need_to_know.for_staff(staff, conversation_view(conv), conv)


def _request_view(request: dict[str, Any] | None) -> dict[str, Any] | None:
    return {**request, "at": iso(request.get("at"))} if request else None


def summary_view(conv: dict[str, Any], titles: dict[str, str]) -> dict[str, Any]:
    handover = conv.get("handover") or {}
    summary = handover.get("summary") or {}
    reason = handover.get("reason") or summary.get("reason")
    slots = {
        k: v if isinstance(v, str | int | float | bool) else json.dumps(v, ensure_ascii=False, default=str)
        for k, v in (summary.get("slots") or {}).items()
        if k not in HIDDEN_SLOTS and "bsn" not in k.lower()
    }
    return {
        "reason": reason,
        "reason_text": REASONS_NL.get(reason or "", reason),
        "intents": summary.get("intents") or [],  # the bot's names: for the API, never shown to agents
        "intent_labels": intent_labels(summary.get("intents") or []),
        "slots": slots,
        "articles_shown": [{"slug": s, "title": titles.get(s, s)} for s in summary.get("articles_shown") or []],
        "question": summary.get("last_message"),
        "topic": conv.get("topic"),
        "topic_label": topic_label(conv.get("topic"), titles),
        "at": iso(handover.get("at")),
    }


async def contact_card(
    db: AsyncIOMotorDatabase, contact_id: str | None, conversation_id: str | None, staff: dict[str, Any], register: Any = None
) -> dict[str, Any] | None:
    """``register``: a Klantinteracties client; with it the card of an identified resident also shows the
    contacts made elsewhere, e.g. at a KISS desk (``register_contacts``; ``register_error`` when it failed)."""
    if not contact_id:
        return None
    doc = await contacts.get(db, contact_id)
    if doc is None:
        return None
    card = await contacts.detail(db, doc)
    card["bsn"] = mask_bsn(doc.get("bsn"))  # the console never shows a full BSN
    convs = await db.conversations.find({"contact_id": contact_id}).sort("created_at", -1).to_list(None)
    card["conversations"] = [staff_view(staff, c) for c in convs[:30]]
    hidden = {c["_id"] for c in convs if not need_to_know.visible(staff, c)}
    earlier = [
        m for m in await contacts.history(db, contact_id)
        if m.get("conversation_id") != conversation_id and m.get("conversation_id") not in hidden
    ]
    card["history"] = [staff_message(m) for m in earlier[-OTHER_MESSAGES:]]
    card["hidden_conversations"] = len(hidden)
    may_see = has_right(staff, SOCIAL_DOMAIN)
    card["open_cases"] = [
        cases.view(c, full=may_see or not cases.restricted(c)) for c in await cases.open_cases_for_contact(db, contact_id)
    ]
    card["open_callbacks"] = [
        callbacks.view(c)
        async for c in db.callbacks.find({"contact_id": contact_id, "status": callbacks.OPEN}).sort("due_at", 1)
    ]
    if register is not None and identificatoren(doc):
        try:
            card["register_contacts"] = await register_contacts(db, register, doc)
        except ConnectorError as exc:
            card["register_contacts"], card["register_error"] = [], exc.code
    return card


async def suggestions(knowledge: Any, conv: dict[str, Any], messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Knowledge-base articles for the resident's question (staff view), best first."""
    if knowledge is None:
        return []
    summary = (conv.get("handover") or {}).get("summary") or {}
    asked = [m["text"] for m in messages if m["direction"] == "in" and m.get("text")]
    query = " ".join([summary.get("last_message") or "", *asked[-3:]]).strip()[:500]
    hits = await knowledge.search(query, size=5, view="staff") if query else []
    return [hit.model_dump() for hit in hits]


async def article_titles(knowledge: Any, slugs: list[str]) -> dict[str, str]:
    titles: dict[str, str] = {}
    if knowledge is None:
        return titles
    for slug in slugs[:10]:
        article = await knowledge.get_article(slug, view="staff")
        if article is not None:
            titles[slug] = article.title
    return titles


def existence_only(staff: dict[str, Any], conv: dict[str, Any]) -> dict[str, Any]:
    """What staff without the right get for a restricted conversation: that it exists, not what."""
    return {
        "conversation": staff_view(staff, conv),
        "restricted": True,
        "label": need_to_know.label(conv),
        "messages": [],
        "summary": None,
        "contact": None,
        "notes": [],
        "suggestions": [],
        "outcomes": OUTCOMES_NL,
    }


async def build(
    db: AsyncIOMotorDatabase, knowledge: Any, conv: dict[str, Any], staff: dict[str, Any], register: Any = None
) -> dict[str, Any]:
    if not need_to_know.visible(staff, conv):
        return existence_only(staff, conv)
    messages = [staff_message(m) async for m in db.messages.find({"conversation_id": conv["_id"]}).sort("seq", 1)]
    shown = ((conv.get("handover") or {}).get("summary") or {}).get("articles_shown") or []
    shown = shown + [conv["topic"]] if conv.get("topic") else shown  # a topic can be an article: its title
    return {
        "conversation": staff_view(staff, conv),
        "restricted": False,
        "label": need_to_know.label(conv),
        "messages": messages,
        "summary": summary_view(conv, await article_titles(knowledge, shown)),
        "contact": await contact_card(db, conv.get("contact_id"), conv["_id"], staff, register),
        "notes": [{**n, "at": iso(n.get("at"))} for n in conv.get("notes", [])],
        "suggestions": await suggestions(knowledge, conv, messages),
        "outcomes": OUTCOMES_NL,
    }


async def audit_read(db: AsyncIOMotorDatabase, staff: dict[str, Any], conv: dict[str, Any], view: str) -> None:
    """The conversation's messages were read (``conversation.read``), with the contact card (``contact.read``).

    Nothing is written for staff who only saw that a restricted conversation exists.
    """
    if not need_to_know.visible(staff, conv):
        return
    entries = []
    if conv.get("contact_id") and view != "handover.live":  # the live feed carries messages, not the card
        entries.append(
            audit.AuditEntry(actor=staff["_id"], action="contact.read", contact_id=conv["contact_id"],
                             conversation_id=conv["_id"], detail={"view": view})
        )
    entries.append(
        audit.AuditEntry(actor=staff["_id"], action="conversation.read", contact_id=conv.get("contact_id"),
                         conversation_id=conv["_id"], detail={"view": view})
    )
    await audit.record_many(db, entries)
