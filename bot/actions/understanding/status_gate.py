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

import re

from rasa_sdk import Tracker

from bot.actions.common import is_payload, text_of
from bot.actions.understanding.likely_topic import likely_topic
from bot.components.request_cues import TERSE_STATUS

# A case number as residents type it ("Z-2026-000512", "z 2026000512"): year and number (the status form reads them).
CASE_NUMBER = re.compile(r"\bz-?\s?(\d{4})-?(\d{6})\b", re.IGNORECASE)
# Asking how far something is (Dutch and English): enough on its own.
ASKS_HOW_FAR = re.compile(
    r"\b(status|stand van zaken|voortgang|hoe ?ver(?! van tevoren)|hoe sta\w* (het|ervoor)|in behandeling|"
    r"al (\w+ )?(klaar|binnen|verwerkt|bekeken|beoordeeld|goedgekeurd|afgekeurd|besloten|verstuurd|onderweg|opgepakt|"
    r"opgelost|gerepareerd|opgeruimd|behandeld|iets (mee )?gedaan|gebeurd)|"
    r"wanneer (hoor|krijg) ik (iets|bericht|antwoord|uitspraak|een (besluit|reactie|antwoord|uitspraak))|nog (niks|niets) (gehoord|ontvangen)|"
    r"is (my|it) (\w+ )?(\w+ )?(ready|approved)|approved yet|any (news|update|progress)|heard back|how far)\b",
    re.IGNORECASE,
)
# Referring to a request, report or case that already exists.
EARLIER_REQUEST = re.compile(
    r"\b((mijn|m'n|onze|ons) (\w+ )?(aanvraag|melding|zaak|dossier|bezwaar\w*|\w+aanvraag|verzoek)|zaaknummer|dossiernummer|"
    r"aangevraagd|ingediend|ingestuurd|opgestuurd|(stuurde|stuurden|diende|dienden) (ik|wij|we)|gemeld|melding (gedaan|gemaakt)|wacht (nog )?op (een |het |uw )?(antwoord|reactie|besluit|bericht|beslissing)|"
    r"i (have )?(already )?(applied|reported|submitted|filed)|my (\w+ )?(application|report|case|request|objection))\b",
    re.IGNORECASE,
)
# A complaint about how a request was handled is the complaint topic, unless it asks how far it is.
COMPLAINT = re.compile(r"\b(klacht\w*|ontevreden|complain\w*|complaint)\b", re.IGNORECASE)


def status_evidence(text: str) -> bool:
    """The words ask how far a request, report or case is, or refer to one that exists.

    "Hoe lang duurt het?" alone is no evidence: the articles answer how long things take.
    """
    if CASE_NUMBER.search(text) or ASKS_HOW_FAR.search(text):
        return True
    if len(text.split()) <= 5 and TERSE_STATUS.search(text) and not COMPLAINT.search(text):
        return True  # "uitspraak bezwaar parkeerboete"
    return bool(EARLIER_REQUEST.search(text)) and not COMPLAINT.search(text)


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
