"""Gates between what the classifier guessed and what the bot does.

The classifier names the most likely intent; some intents start something heavy (the
melding form asks "Waar is het?", the angry intent hands over with queue priority). A
story that mentions a street or a problem is not a report, and a plain question is not
anger. So these two intents act only on evidence in the words themselves; without it the
bot answers the topic the resident most likely means, or asks one short question.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import channel_policy
from bot.actions.answer import answer_article
from bot.actions.common import is_payload, meta, text_of, top_intent
from bot.actions.understanding.likely_topic import likely_topic
from bot.components.report_cues import (  # the report words have one home, beside the other request words
    ASKS_HOW,
    COLLECTION,
    NOT_PUBLIC,
    report_evidence,
)
from bot.components.request_cues import asks_for_person, sent_around
from bot.components.status_cues import refers_to_earlier_report

# The classifier's confidence enough to start the form when the words name a public thing and a
# problem ("a tree branch has fallen on the footpath": melding first at 0.52); on dev no message
# that is not a report has melding first at 0.45-0.6 with such words.
START_ON_THING_AND_PROBLEM = 0.45

GENERIC_REPORT = re.compile(
    r"\b(iets (te )?melden|een melding (maken|doen|indienen)|melding (maken|doen)|report (something|a problem|an issue))\b",
    re.IGNORECASE,
)

# Frustration in the words themselves: enough for a priority handover.
FRUSTRATION = re.compile(
    r"(belachelijk|waardeloo?s|schandalig|schande|woedend|boos|kwaad|geïrriteerd|gefrustreerd|frustrerend|"
    r"het (spuug)?zat|ben het zat|gehad met|hopeloos|nutteloo?s|onbekwaam|amateurs|puinhoop|ellende|"
    r"snap(t|pen)? er (echt )?(niks|niets|helemaal niks) van|begrijp(t)? (er )?(echt )?(niks|niets)|\bstom\w*|\bdom\w*|flut\w*|onzin|te gek voor woorden|slaat nergens op|geen zin meer|gek van|"
    r"kastje naar de muur|van het kastje|niema?n[dt] (helpt|doet|reageert|belt)|nooit (iets|meer iets|antwoord)|"
    r"(kom|komen|schiet) (\w+ )?(nergens|geen stap) (verder|mee)|getting nowhere|going nowhere|get nowhere|"
    r"hoe vaak (moet|nog)|(derde|vierde|vijfde|zoveelste) keer|al (\w+ ?)?(keer|x|weken|maanden) (gevraagd|gebel[dt]|gemaild|geschreven|gewacht|wacht)|"
    r"wacht al (\w+ )?(weken|maanden)|weken (lang )?(niks|niets)|maanden (niks|niets)|!!|"
    r"(ben|zijn) (er|het) (echt |helemaal |nu )?(klaar mee|zat)|niet (meer )?normaal|schiet (toch )?(eens )?op|"
    r"slechtste|moedeloos|elke keer (weer )?(hetzelfde|een ander)|niemand (die|kan|weet) (iets|er|me|mij)|"
    r"ridiculous|useless|unacceptable|fed up|sick (and tired )?of|furious|angry|joke|disgrace|terrible service|"
    r"worst|nobody (helps|answers|knows|calls))",
    re.IGNORECASE,
)

def wants_a_person(text: str) -> bool:
    """Asks for a person in so many words (not "are you a bot?"): one home, ``request_cues``."""
    return asks_for_person(text)


def frustrated(text: str) -> bool:
    """Frustration in the words, or being sent from desk to desk (``request_cues.sent_around``)."""
    return bool(FRUSTRATION.search(text)) or sent_around(text)


def confidence(tracker: Tracker) -> float:
    return float(top_intent(tracker)[1] or 0)


def misses(tracker: Tracker) -> float:
    return float(tracker.get_slot("misses") or 0)


def melding_decision(text: str, conf: float) -> str:
    """"start" the form, "confirm" first, "status" of an earlier report, or "redirect" to a topic.

    "melden" alone is no evidence: residents also "melden" a birth or a move.
    """
    if is_payload(text):
        return "start"
    thing, problem, wants = report_evidence(text)
    if refers_to_earlier_report(text) and not GENERIC_REPORT.search(text):
        return "status"
    if NOT_PUBLIC.search(text) and not GENERIC_REPORT.search(text):
        return "redirect"
    if COLLECTION.search(text) and not problem and not GENERIC_REPORT.search(text):
        return "redirect"
    if thing and (problem or wants):  # a thing and what is wrong with it is stronger evidence than "melden"
        return "start" if conf >= (START_ON_THING_AND_PROBLEM if problem else 0.6) else "confirm"
    if (thing or problem) and conf >= 0.9:
        return "start"
    if not thing and GENERIC_REPORT.search(text) and len(text.split()) <= 10:
        return "start"  # "ik wil iets melden": the form asks what
    if thing and conf >= 0.5:
        return "confirm"
    return "redirect"


def angry_decision(text: str, tracker: Tracker) -> bool:
    """Priority handover only on frustration in the words, or after the bot missed twice."""
    return is_payload(text) or frustrated(text) or misses(tracker) >= 2


async def redirect(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, skip: set[str]) -> list[dict[str, Any]]:
    """Answer the topic the resident most likely means, or ask one short question (clarify)."""
    from bot.actions.answer import ActionClarify

    if refers_to_earlier_report(text_of(tracker)):
        return [FollowupAction("status_form")]  # "ik wacht op antwoord, hoe lang duurt het nog?"
    slug = await likely_topic(tracker, skip)
    events = await answer_article(dispatcher, tracker, slug) if slug else None
    return events if events is not None else await ActionClarify().run(dispatcher, tracker, domain)


class ActionMeldingGate(Action):
    """Starts the melding form only on evidence of a problem in public space (see melding_decision)."""

    def name(self) -> str:
        return "action_melding_gate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = text_of(tracker)
        intent, conf = top_intent(tracker)
        if intent == "melding-openbare-ruimte":  # the article on reporting, unless this is a report
            thing, problem, _ = report_evidence(text)
            named = bool(thing and problem and conf and conf >= 0.5)
            # "ik wil een melding maken (van een kapotte lantaarnpaal)": the form, whatever the score
            wished = bool(GENERIC_REPORT.search(text)) and (bool(thing) or len(text.split()) <= 10) and not NOT_PUBLIC.search(text)
            decision = "start" if (named or wished) and not ASKS_HOW.search(text) else "article"
            if refers_to_earlier_report(text) and not GENERIC_REPORT.search(text):
                decision = "status"  # "hoe staat het met mijn melding?"
        else:
            decision = melding_decision(text, confidence(tracker))
        platform = channel_policy.public_social(tracker)
        if platform and decision in ("start", "status"):  # an address or case details: not on a public channel
            dispatcher.utter_message(text=channel_policy.move_text(platform))
            dispatcher.utter_message(json_message=meta(tracker, decision if decision == "status" else "melding",
                                                       private_channel=channel_policy.private_url()))
            return [SlotSet("melding_go", False)]
        if decision == "article":
            events = await answer_article(dispatcher, tracker, intent) or []
            return [*events, SlotSet("melding_go", False)]
        if decision == "status":
            return [SlotSet("melding_go", False), FollowupAction("status_form")]
        if decision == "start":
            pending = tracker.get_slot("melding_pending")
            thing, problem, _ = report_evidence(text)
            what = pending if is_payload(text) else (text[:1000] if thing or problem else None)
            return [SlotSet("melding_what", what), SlotSet("melding_pending", None), SlotSet("melding_go", True)]
        if decision == "confirm":
            thing, _, _ = report_evidence(text)
            dispatcher.utter_message(
                text=f"Wilt u een melding maken over '{thing}'?" if thing else "Wilt u een melding maken?",
                buttons=[{"title": "Ja, melding maken", "payload": "/melding"}, {"title": "Nee", "payload": "/deny"}],
            )
            dispatcher.utter_message(json_message=meta(tracker, "clarify", asked="melding"))
            return [SlotSet("melding_pending", text[:1000] if thing else None), SlotSet("melding_go", False)]
        events = await redirect(dispatcher, tracker, domain, {"melding"})
        return [*events, SlotSet("melding_go", False)]
