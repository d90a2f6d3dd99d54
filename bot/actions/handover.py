"""Warm handover: tell the resident what happens next, and give the agent a short summary."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import db, meta, top_intent
from bot.actions.understanding.gates import angry_decision, redirect, text_of, wants_a_person
from handover.queue import estimate_for


def summary(tracker: Tracker, reason: str) -> dict[str, Any]:
    intents = [
        e.get("parse_data", {}).get("intent", {}).get("name")
        for e in tracker.events
        if e.get("event") == "user"
    ]
    slots = {
        k: v for k, v in tracker.current_slot_values().items()
        if v not in (None, [], "", 0, 0.0) and k not in ("misses", "requested_slot")
    }
    return {
        "reason": reason,
        "intents": [i for i in intents if i][-5:],
        "slots": slots,
        "articles_shown": tracker.get_slot("articles_shown") or [],
        "last_message": (tracker.latest_message or {}).get("text"),
    }


class ActionHandover(Action):
    def name(self) -> str:
        return "action_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent, _ = top_intent(tracker)
        if intent == "angry" and not angry_decision(text_of(tracker), tracker):
            if wants_a_person(text_of(tracker)):  # no anger in the words, but a person asked for in them
                return await hand_over(dispatcher, tracker, "asked_for_person")
            # The classifier guessed anger from an ordinary question: answer it, or ask.
            return await redirect(dispatcher, tracker, domain, {"angry"})
        reason = {"angry": "angry", "handover": "asked_for_person"}.get(intent or "", "bot_could_not_help")
        return await hand_over(dispatcher, tracker, reason)


async def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list[dict[str, Any]]:
    """Tell the resident what happens next and give the agent the summary."""
    # Position and wait (or, outside office hours, the callback offer) by the hub's queue rules.
    estimate = await estimate_for(db(), summary(tracker, reason), reason)
    dispatcher.utter_message(text=estimate.handover_text(angry=reason == "angry"))
    dispatcher.utter_message(
        json_message=meta(tracker, "handover", reason=reason, summary=summary(tracker, reason))
    )
    return []
