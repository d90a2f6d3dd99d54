"""Notifications the resident chose: the question after a case, callback or appointment, and the answer.

``question`` is what an action that created something adds to its reply: one short question
with buttons ("Ja, via WhatsApp", "Ja, via sms", "Ja, via e-mail", "Ja, hier in de chat",
"Nee, liever niet"). The exact wording shown is kept on the conversation (``notify_question``),
so the answer is recorded with it. ``action_notify_choice`` records the answer, a typed one too
("ja, via whatsapp op 06 12345678"), and "stuur mij geen berichten meer" withdraws every
consent (``hub.contacts.consent``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import db, message_metadata, meta, top_intent
from hub.contacts import consent
from hub.core import events, identifiers
from hub.core.event_types import EventType
from hub.core.models import utcnow

log = logging.getLogger(__name__)
QUESTION = "Wilt u een bericht krijgen als er nieuws is over uw {what}? Kies hoe. U kunt dit later altijd veranderen."
CHANNEL_WORDS = [
    ("whatsapp", re.compile(r"whats\s?app|\bapp\b", re.I)), ("sms", re.compile(r"\bsms", re.I)),
    ("email", re.compile(r"e-?mail|\bmail", re.I)), ("webchat", re.compile(r"\bchat\b", re.I)),
    ("geen", re.compile(r"\b(geen|niet|nee|no)\b", re.I)),
]
CHAT_CHANNELS = {"webchat", "telegram"}
STOP_TEXT = (
    "Goed, wij sturen u geen berichten meer over uw zaken en geen crisisberichten. "
    "Wilt u later toch weer berichten? Zeg het ons gerust."
)


def buttons_for(channel: str) -> list[dict[str, str]]:
    found = [
        {"title": "Ja, via WhatsApp", "payload": '/notify_optin{"notify_channel": "whatsapp"}'},
        {"title": "Ja, via sms", "payload": '/notify_optin{"notify_channel": "sms"}'},
        {"title": "Ja, via e-mail", "payload": '/notify_optin{"notify_channel": "email"}'},
    ]
    if channel in CHAT_CHANNELS:
        found.append({"title": "Ja, hier in de chat", "payload": f'/notify_optin{{"notify_channel": "{channel}"}}'})
    found.append({"title": "Nee, liever niet", "payload": '/notify_optin{"notify_channel": "geen"}'})
    return found


async def question(tracker: Tracker, what: str) -> dict[str, Any]:
    """The question (``utter_message`` arguments) and its wording kept on the conversation."""
    conv = await db().conversations.find_one({"_id": tracker.sender_id}, {"channel": 1})
    text = QUESTION.format(what=what)
    buttons = buttons_for((conv or {}).get("channel", "webchat"))
    wording = text + " [" + " | ".join(b["title"] for b in buttons) + "]"
    if conv is not None:
        await db().conversations.update_one(
            {"_id": conv["_id"]}, {"$set": {"notify_question": {"wording": wording, "at": utcnow()}}}
        )
    return {"text": text, "buttons": buttons}


def chosen_channel(tracker: Tracker) -> str | None:
    entity = [e.get("value") for e in (tracker.latest_message or {}).get("entities", []) if e.get("entity") == "notify_channel"]
    if entity:
        return str(entity[-1])
    text = (tracker.latest_message or {}).get("text") or ""
    for name, pattern in CHANNEL_WORDS:
        if pattern.search(text):
            return name
    return None


async def record_consent(tracker: Tracker, contact_id: str, body: consent.ConsentBody) -> list[dict[str, Any]]:
    """The resident's answer in the one consent home, and its event; raises ``consent.ConsentError``."""
    records = await consent.record(db(), contact_id, body, by="bot")
    await events.emit(db(), None, EventType.CONSENT_RECORDED, tracker.sender_id, topics=body.topics, given=body.given,
                      channel=body.channel)
    return records


class ActionNotifyChoice(Action):
    def name(self) -> str:
        return "action_notify_choice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        conv = await db().conversations.find_one({"_id": tracker.sender_id}, {"contact_id": 1, "channel": 1, "address": 1,
                                                                              "notify_question": 1}) or {}
        # the hub names the contact in the message (a new conversation is written while the bot thinks)
        contact_id = conv.get("contact_id") or message_metadata(tracker).get("contact_id")
        text = ((tracker.latest_message or {}).get("text") or "").strip()
        stop = top_intent(tracker)[0] == "notify_stop"
        channel = None if stop else chosen_channel(tracker)
        if not contact_id or (not stop and channel is None):
            dispatcher.utter_message(text="Hoe wilt u het bericht krijgen? Kies WhatsApp, sms, e-mail of 'Nee, liever niet'.",
                                     buttons=buttons_for(conv.get("channel", "webchat")))
            dispatcher.utter_message(json_message=meta(tracker, "notify", asked="channel"))
            return []
        given = not stop and channel != "geen"
        asked = conv.get("notify_question", {}).get("wording")
        reply = STOP_TEXT if stop else None
        address = None
        if given and channel in CHAT_CHANNELS:
            address = conv.get("address") if conv.get("channel") == channel else None
        elif given:
            address = identifiers.find_phone(text) if channel in ("whatsapp", "sms") else identifiers.find_email(text)
            if address is None and conv.get("channel") in ("whatsapp", "sms") and channel in ("whatsapp", "sms"):
                address = conv.get("address")
        body = consent.ConsentBody(
            topics=list(consent.TOPICS) if stop else ["case_updates"], given=given, channel=channel if given else None,
            address=address, wording=asked or (reply or text)[:1000], answer=text[:500] or None, conversation_id=tracker.sender_id,
        )
        try:
            records = await record_consent(tracker, contact_id, body)
        except consent.ConsentError:
            where = "mobiele nummer" if channel in ("whatsapp", "sms") else "e-mailadres"
            dispatcher.utter_message(text=f"Wat is uw {where}? Schrijf bijvoorbeeld: Ja, via {consent.CHANNEL_NL[channel]} op "
                                          + ("06 12345678." if where == "mobiele nummer" else "naam@voorbeeld.nl."))
            dispatcher.utter_message(json_message=meta(tracker, "notify", asked="address"))
            return []
        if reply is None:
            reply = (f"Goed, u krijgt nieuws via {consent.CHANNEL_NL[channel]}"
                     + (f" op {identifiers.display_phone(records[0]['address'])}" if channel in ("whatsapp", "sms") else "")
                     + ". Wilt u dit later niet meer? Zeg dan: stuur mij geen berichten meer."
                     if given else "Goed, wij sturen u geen berichten. U kunt het altijd zelf vragen.")
        dispatcher.utter_message(text=reply)
        dispatcher.utter_message(json_message=meta(tracker, "notify", given=given, channel=channel if given else None))
        return []
