"""'Who has looked at my data?': the audit log as the resident may see it (hub.gdpr.my_data_log).

The Rasa sender id is the hub's conversation id (``hub.conversations.pipeline`` asks the bot with it), so
the action finds the conversation, checks that it was identified with DigiD/eHerkenning and
lists the staff reads of the contact: date, role and department, never names.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import db, meta
from hub.gdpr import my_data_log as data_access

log = logging.getLogger(__name__)
UNAVAILABLE_TEXT = (
    "Het lukt mij nu niet om dit op te zoeken. Probeer het later nog eens, "
    "of vraag het aan de functionaris gegevensbescherming via het privacyformulier op de website."
)


class ActionDataAccess(Action):
    def name(self) -> str:
        return "action_data_access"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            answer = await data_access.for_conversation(db(), tracker.sender_id)
        except Exception:  # noqa: BLE001 - storage away: say so, never a stack trace to the resident
            log.exception("data access lookup failed")
            dispatcher.utter_message(text=UNAVAILABLE_TEXT)
            dispatcher.utter_message(json_message=meta(tracker, "data_access", identified=None))
            return []
        dispatcher.utter_message(text=answer.text)
        dispatcher.utter_message(
            json_message=meta(tracker, "data_access", identified=answer.identified, total=answer.total)
        )
        return []
