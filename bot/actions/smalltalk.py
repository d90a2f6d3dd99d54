"""Greetings, thanks, goodbye, 'are you a bot?' and out-of-scope questions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import earlier_meta, meta, top_intent
from bot.actions.understanding.gates import text_of, wants_a_person
from hub.conversations import satisfaction
from hub.core.settings import get_settings

CAN_DO = (
    "Ik kan u helpen met vragen over bijvoorbeeld uw paspoort of ID-kaart, verhuizen, afval, "
    "vergunningen, belastingen en hulp van de gemeente. Ik kan ook een melding aannemen "
    "of een medewerker voor u zoeken."
)


def replies(municipality: str) -> dict[str, tuple[str, str]]:
    """intent -> (meta action, Dutch text at B1 level)."""
    return {
        "greet": ("greet", f"Hallo! Ik ben de digitale assistent van de gemeente {municipality}. Wat is uw vraag?"),
        "thanks": ("thanks", "Graag gedaan! Heeft u nog een andere vraag?"),
        "goodbye": ("greet", "Tot ziens! Heeft u later nog een vraag? Stel hem gerust hier."),
        "bot_challenge": ("greet", "Ik ben een computerprogramma, geen mens. Wilt u liever een medewerker spreken? Zeg het maar."),
        "out_of_scope": ("out_of_scope", f"Daar kan ik u helaas niet mee helpen. {CAN_DO}"),
        "affirm": ("fallback", "Fijn. Waarmee kan ik u helpen?"),
        "deny": ("fallback", "Goed. Is er iets anders waarmee ik u kan helpen?"),
        "stop": ("fallback", "Goed, ik stop ermee. Waarmee kan ik u nog helpen?"),
    }


class ActionSmallTalk(Action):
    def name(self) -> str:
        return "action_smalltalk"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent, _ = top_intent(tracker)
        if intent == "bot_challenge" and wants_a_person(text_of(tracker)):
            from bot.actions.handover import (
                hand_over,  # "is there a human I can chat with" asks for one
            )

            return await hand_over(dispatcher, tracker, "asked_for_person")
        action, text = replies(get_settings().municipality).get(intent or "", ("fallback", CAN_DO))
        dispatcher.utter_message(text=text)
        # a sign-off says whether the bot dealt with a question before: then the hub asks for a grade
        signs_off = {satisfaction.ANSWERED_BEFORE: satisfaction.answered(earlier_meta(tracker))} \
            if intent in satisfaction.SIGN_OFF_INTENTS else {}
        dispatcher.utter_message(json_message=meta(tracker, action, **signs_off))
        return []
