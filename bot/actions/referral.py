"""Referral to partners: a question another organisation handles gets who, why in one line, and how to reach them.

The partner comes from the directory editors maintain (``knowledge.partners``), matched on
the question's words. Every referral is an event (``referral``) the statistics count.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import db, meta
from hub.core import events
from hub.core.event_types import EventType
from knowledge import partners

NO_PARTNER_TEXT = (
    "Ik weet niet zeker welke organisatie hierover gaat. Stel uw vraag in andere woorden, "
    "of vraag naar een medewerker."
)


async def refer(dispatcher: CollectingDispatcher, tracker: Tracker, text: str, melding: bool = False) -> bool:
    """Answer with the partner that handles ``text``; False when the directory names none."""
    await partners.ensure_seeded(db())
    partner = partners.match(await partners.all_partners(db()), text, assets_only=melding)
    if partner is None:
        return False
    dispatcher.utter_message(text=partners.referral_text(partner, melding=melding))
    dispatcher.utter_message(json_message=meta(tracker, "referral", partner=partner.id))
    await events.emit(db(), None, EventType.REFERRAL, tracker.sender_id, partner=partner.id, by="bot",
                      channel=(tracker.latest_message or {}).get("metadata", {}).get("channel"))
    return True


class ActionReferral(Action):
    def name(self) -> str:
        return "action_referral"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        if not await refer(dispatcher, tracker, text):
            dispatcher.utter_message(text=NO_PARTNER_TEXT)
            dispatcher.utter_message(json_message=meta(tracker, "clarify"))
        return []
