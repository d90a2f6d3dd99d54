"""The rasa-sdk action server: answers from the knowledge base, clarifications, forms, appointments, handover.

Run with ``python -m rasa_sdk --actions bot.actions``; it runs in the hub's venv so the
actions use ``knowledge`` and ``hub`` directly.
"""

from bot.actions import appointments, forms
from bot.actions.answer import ActionAnswer, ActionClarify
from bot.actions.follow_up import ActionFollowUp
from bot.actions.handover import ActionHandover
from bot.actions.notify import ActionNotifyChoice
from bot.actions.privacy import ActionDataAccess
from bot.actions.referral import ActionReferral
from bot.actions.smalltalk import ActionSmallTalk
from bot.actions.understanding.gates import ActionMeldingGate

__all__ = ["ActionAnswer", "ActionClarify", "ActionDataAccess", "ActionFollowUp", "ActionHandover", "ActionMeldingGate", "ActionNotifyChoice",
           "ActionReferral", "ActionSmallTalk", "appointments", "forms"]
