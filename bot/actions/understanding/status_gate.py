"""The status step starts only on evidence of an earlier request, report or case.

The classifier reads dates and "wanneer" as a status question: "Mijn rijbewijs verloopt op
3 januari, wanneer moet ik verlengen?" or "Ik woon sinds 1 maart op de Beukenstraat 12, moet ik
dat doorgeven?" opened the status step, which asks for a case number the resident does not
have. A status question refers to something that already exists: a case number, "mijn
aanvraag", "ik heb ... aangevraagd / gemeld", "al klaar", "hoe ver is ...", "stand van zaken",
"wanneer hoor ik ...", "is my ... ready". Without such evidence in the words the bot answers
the topic it most likely is (``likely_topic``, as the melding and angry gates do); a complaint about how a request was
handled is no status question either, unless it asks how far it is;
when no topic is ranked high enough the status step goes on as before.

The status step is a Rasa form (``status_form``), so the gate sits in its two custom actions
and needs no new action or rule (no retraining): ``validate_status_form`` asks for no slot
when the message is not a status question (the form ends at once) and ``action_case_status``
then answers the topic instead of listing cases.
"""

from __future__ import annotations

from rasa_sdk import Tracker

from bot.actions.common import is_payload, text_of
from bot.actions.understanding.likely_topic import likely_topic
from bot.components.status_cues import status_evidence


def leave_status(tracker: Tracker) -> bool:
    """True when the message is no status question: no button press, case number or evidence in the words."""
    text = text_of(tracker)
    return bool(text) and not is_payload(text) and not tracker.get_slot("case_number") and not status_evidence(text)


async def topic_instead(tracker: Tracker) -> str | None:
    """The topic to answer instead of the status step (``likely_topic``), or None when the status step is right."""
    return await likely_topic(tracker, {"status"}) if leave_status(tracker) else None


def activating(tracker: Tracker) -> bool:
    """The status form is being started by this message (it has not asked for the case number yet)."""
    return tracker.get_slot("requested_slot") != "case_number"
