"""Place/date questions and the gates: the status step needs evidence of an earlier request
(bot/actions/understanding/status_gate.py); a collection request with a street is no report (bot/actions/understanding/gates.py).

The end-to-end figures are in bot/README.md (bench/nlu.py on the dev set); these pin the
decision on messages of each kind. When the classifier's next topic is unsure, the topic is
chosen with knowledge search (bot/actions/understanding/likely_topic.py): that path runs end to end only.
"""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker

from bot.actions.understanding.gates import melding_decision
from bot.actions.understanding.status_gate import activating, leave_status, topic_instead
from bot.components.status_cues import status_evidence


def tracker(text: str, ranking: list[tuple[str, float]], **slots: object) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "entities": [],
    }
    return Tracker("s1", dict(slots), latest, [], False, None, {}, "action_listen")


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        # how far is it: enough on its own
        ("Is mijn melding al opgelost?", True),
        ("hoe ver zijn jullie met m'n aanvraag", True),
        ("Wat is de status van mijn bezwaarschrift?", True),
        ("Z-2026-000512", True),
        ("is my passport ready?", True),
        ("I applied for a parking permit on 5 May, is it approved yet?", True),
        ("Op 2 april heb ik een omgevingsvergunning aangevraagd voor Berkenlaan 6, hoe ver is die nu?", True),
        ("Ik wacht op een antwoord van de gemeente. Hoe lang duurt het nog?", True),
        # a topic question with a date, a street or "wanneer"
        ("Mijn rijbewijs verloopt op 3 januari, wanneer moet ik verlengen?", False),
        ("Ik woon sinds 1 maart op de Beukenstraat 12, moet ik dat doorgeven?", False),
        ("Wanneer is mijn VOG klaar als ik hem vandaag aanvraag?", False),  # no 'al': not applied yet
        ("Ik wil in mei een dakkapel plaatsen, hoe lang duurt de aanvraag?", False),  # a duration, the article says
        ("hoe ver van tevoren kan ik mijn verhuizing doorgeven", False),
        # a complaint about how a request was handled is the complaint topic
        ("ontevreden over hoe mijn aanvraag is behandeld waar dien ik dat in", False),
        ("Ik heb een klacht ingediend, hoe ver is die?", True),  # ... unless it asks how far it is
    ],
)
def test_status_needs_evidence_of_an_earlier_request(text, evidence):
    assert status_evidence(text) is evidence


def test_a_topic_question_ranked_as_status_leaves_the_status_step_for_the_next_topic():
    t = tracker("Mijn rijbewijs verloopt op 3 januari, wanneer moet ik verlengen?", [("status", 0.6), ("rijbewijs-verlengen", 0.3)])
    assert leave_status(t)
    assert asyncio.run(topic_instead(t)) == "rijbewijs-verlengen"  # the classifier's next topic, sure enough


def test_a_status_question_stays_a_status_question():
    t = tracker("Is mijn paspoort al klaar?", [("status", 0.7), ("paspoort-aanvragen", 0.2)])
    assert not leave_status(t)
    assert asyncio.run(topic_instead(t)) is None


def test_a_filled_in_case_number_or_a_button_never_leaves_the_status_step():
    ranked = [("status", 0.6), ("rijbewijs-verlengen", 0.3)]
    assert not leave_status(tracker("op 3 januari", ranked, case_number="Z-2026-000123"))
    assert not leave_status(tracker("/status", ranked))


def test_the_gate_acts_only_when_the_form_starts():
    assert activating(tracker("wanneer?", [("status", 0.6)]))
    assert not activating(tracker("weet ik niet", [("status", 0.6)], requested_slot="case_number"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kan de bank en de oude kast op donderdag 12 maart worden meegenomen bij Dorpsstraat 81?", "redirect"),
        ("can you pick up the old bench at Kerkstraat 4 on Monday", "redirect"),
        ("Op welke dag wordt het afval opgehaald aan de Lindelaan 22?", "redirect"),
        ("Ik wil vanaf 1 juli een bord met mijn bedrijfsnaam aan de gevel op de Hoofdstraat 10 hangen, mag dat?", "redirect"),
        ("De bank in het park aan de Vijverlaan is kapot, kan iemand die ophalen?", "start"),  # a problem is named
        ("Er ligt een losse stoeptegel voor de Smidstraat 14", "start"),
    ],
)
def test_a_collection_or_permission_question_with_a_street_is_no_report(text, expected):
    assert melding_decision(text, 0.95) == expected


def test_a_low_confidence_out_of_scope_guess_is_answered_as_out_of_scope():
    from bot.actions.answer import out_of_scope_guess

    fallback = ("nlu_fallback", 0.3)
    assert out_of_scope_guess(tracker("stand eerste divisie", [fallback, ("out_of_scope", 0.22), ("afvalinzameling", 0.1)]))
    # past a step whose gate turned it down (anger without frustration in the words)
    assert out_of_scope_guess(tracker("wat is jouw favoriete film", [("angry", 0.35), ("out_of_scope", 0.3), ("bot_challenge", 0.2)]))
    assert not out_of_scope_guess(tracker("wsnp via gemeente", [fallback, ("wmo-ondersteuning", 0.1), ("out_of_scope", 0.09)]))
