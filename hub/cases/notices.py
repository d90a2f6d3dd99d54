"""Case notices: what a resident hears about their case, queued for the notifier.

A case event (received with its expected answer date, a status change, a missing document,
the answer term at risk, decided) becomes one document in ``notices``:
``{_id, kind, case_number, contact_id, conversation_id, text, template, state: pending,
created_at}``. Queuing is durable (a crash before sending loses nothing) and emits
``notice_queued`` on the bus, which wakes the notifier (``hub.conversations.notifier``);
the notifier checks consent (``hub.contacts.consent``), sends on the resident's chosen
channel and marks the notice ``sent`` or ``skipped``.

Texts are B1 Dutch and name the case number, never its details; social-domain and
confidential cases only say that there is news.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.core import events, workdays
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.models import new_id, utcnow

Kind = Literal["received", "status", "missing_document", "term_at_risk", "decided"]

RECEIVED_TEXT = "Wij hebben uw {noun} ontvangen. Het nummer is {number}. U krijgt uiterlijk {due} antwoord."
MISSING_TEXT = (
    "Voor uw {noun} met nummer {number} hebben wij nog iets van u nodig: {document}. "
    "Stuur het ons zo snel mogelijk, dan kunnen wij verder."
)
AT_RISK_TEXT = (
    "Het lukt ons misschien niet om uw {noun} met nummer {number} op tijd af te ronden. "
    "De termijn loopt af op {due}. Wij doen ons best en laten u weten wanneer u antwoord krijgt."
)
# What the approved WhatsApp template says around its variables (register it with these words):
# "Er is nieuws over uw zaak {{1}} bij de gemeente: {{2}} Stuur ons een bericht als u vragen heeft."
TEMPLATE_SHORT: dict[str, str] = {
    "received": "wij hebben uw {noun} ontvangen.",
    "missing_document": "wij hebben nog iets van u nodig.",
    "term_at_risk": "het antwoord kan later komen.",
    "decided": "uw {noun} is afgehandeld.",
}


def notice_text(case: dict[str, Any], kind: str, status_text: str, restricted: bool, noun: str,
                document: str | None = None) -> str:
    """The Dutch text of a notice (``status_text``: the store's text for a status change)."""
    fields = {"noun": noun, "number": case["number"], "due": workdays.dutch_date(case["answer_due_at"]), "document": document}
    if restricted:
        return ("Er is nieuws over uw {noun} met nummer {number}. "
                "Log in op de website van de gemeente om het te lezen, of bel ons.").format(**fields)
    if kind == "received":
        return RECEIVED_TEXT.format(**fields)
    if kind == "missing_document" and document:
        return MISSING_TEXT.format(**fields)
    if kind == "term_at_risk":
        return AT_RISK_TEXT.format(**fields)
    return status_text


def template_variables(case: dict[str, Any], kind: str, status_label: str, restricted: bool, noun: str) -> dict[str, str]:
    short = "er is nieuws." if restricted else TEMPLATE_SHORT.get(kind, "de status is nu: {label}.")
    return {"1": case["number"], "2": short.format(noun=noun, label=status_label)}


async def queue(
    db: AsyncIOMotorDatabase, bus: LiveBus | None, case: dict[str, Any], kind: str, text: str,
    variables: dict[str, str], now: datetime | None = None,
) -> dict[str, Any]:
    """Store one notice for the case's contact and wake the notifier; returns the notice."""
    now = now or utcnow()
    conv_ids = case.get("conversation_ids") or []
    doc = {
        "_id": new_id(), "kind": kind, "case_number": case["number"], "contact_id": case.get("contact_id"),
        "conversation_id": conv_ids[-1] if conv_ids else None, "text": text, "template_variables": variables,
        "state": "pending", "created_at": now,
    }
    await db.notices.insert_one(doc)
    await events.emit(db, bus, EventType.NOTICE_QUEUED, None, notice=doc["_id"], kind=kind, case_number=case["number"])
    return doc


def at_risk_from(case: dict[str, Any], settings: Any) -> datetime:
    """When a case's term counts as at risk: ``KCC_NOTICE_AT_RISK_WORKING_DAYS`` working days before it runs out."""
    cal = workdays.from_settings(settings)
    days = max(0, int(getattr(settings, "notice_at_risk_working_days", 1)))
    due = case["answer_due_at"]
    day = due.astimezone(workdays.TZ).date()
    while days:
        day -= timedelta(days=1)
        if cal.is_working_day(day):
            days -= 1
    return datetime.combine(day, due.astimezone(workdays.TZ).timetz()).astimezone(due.tzinfo)


def view(doc: dict[str, Any]) -> dict[str, Any]:
    return {"id": doc["_id"], "kind": doc["kind"], "state": doc["state"], "case_number": doc["case_number"],
            "reason": doc.get("reason"), "channel": doc.get("channel"), "created_at": doc["created_at"].isoformat()}
