"""The reminder question of a booking in the chat, and the answer kept as consent.

A reminder (``hub.cases.reminders``, the working day before, on the conversation's channel) goes
out only with the resident's consent. The appointment form asks for it as its last question in
book mode, "Wilt u een herinnering ontvangen ...?" with the buttons Ja / Nee, on a channel a
notification can go out on (``hub.contacts.consent.CHANNEL_ADDRESS``). The answer becomes the
booking's ``remind`` and a record in the one consent home (topic ``appointment_reminders``, the
exact wording shown, what the resident chose or typed), like the console's and the API's ``remind``.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import db, message_metadata, meta
from bot.actions.notify import record_consent
from hub.contacts import consent

SLOT = "appt_remind"  # {"given": bool, "answer": what the resident chose or typed}
QUESTION = "Wilt u een herinnering ontvangen, de werkdag voor uw afspraak?"
BUTTONS = [{"title": "Ja", "payload": "Ja"}, {"title": "Nee", "payload": "Nee"}]
WORDING = QUESTION + " [" + " | ".join(b["title"] for b in BUTTONS) + "]"
NO = re.compile(r"\b(nee|neen|no|niet|geen|hoeft niet)\b", re.I)
YES = re.compile(r"\b(ja|jawel|graag|yes|prima|goed|ok[eé]?|okay|zeker|please)\b", re.I)


def asked_on(tracker: Tracker) -> bool:
    """Whether this conversation's channel can carry the reminder (and so the question is asked)."""
    return message_metadata(tracker).get("channel") in consent.CHANNEL_ADDRESS


def choice(text: str) -> dict[str, Any] | None:
    """The resident's answer: yes or no ("nee hoor", "ja graag"), else None."""
    if NO.search(text):
        return {"given": False, "answer": text[:500]}
    if YES.search(text):
        return {"given": True, "answer": text[:500]}
    return None


def extract(dispatcher: CollectingDispatcher, text: str) -> dict[str, Any]:
    """The form's slot from the answer to the question; asked again when it is neither yes nor no."""
    found = choice(text)
    if not found:
        dispatcher.utter_message(text="Kies Ja of Nee.")
    return {SLOT: found}


def promised(doc: dict[str, Any]) -> str:
    """The confirmation's last sentence when a reminder will go out (not when its moment has passed)."""
    return " U krijgt de werkdag ervoor een herinnering." if doc.get("remind_at") else ""


def wanted(tracker: Tracker) -> bool:
    return bool((tracker.get_slot(SLOT) or {}).get("given"))


class ActionAskApptRemind(Action):
    def name(self) -> str:
        return "action_ask_appt_remind"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=QUESTION, buttons=BUTTONS)
        dispatcher.utter_message(json_message=meta(tracker, "appointment", appointment={"step": "remind"}))
        return []


async def record_answer(tracker: Tracker, doc: dict[str, Any]) -> None:
    """Keep the answer for the booked appointment ``doc`` in the consent home (asked: there is one)."""
    answer = tracker.get_slot(SLOT)
    if not answer or not doc.get("contact_id"):
        return
    conv = await db().conversations.find_one({"_id": tracker.sender_id}, {"channel": 1, "address": 1}) or {}
    given = bool(answer.get("given"))
    body = consent.ConsentBody(
        topics=["appointment_reminders"], given=given, channel=conv.get("channel") if given else None,
        address=conv.get("address") if given else None, wording=WORDING, answer=answer.get("answer"),
        conversation_id=tracker.sender_id,
    )
    await record_consent(tracker, doc["contact_id"], body)
