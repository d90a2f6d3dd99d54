"""The evidence gates (bot/actions/understanding/gates.py) and the sentence featurizer, without the stack.

The end-to-end behaviour is in tests/e2e/test_bot_understanding.py; these pin the decisions
on messages of each kind, and run the featurizer in the Rasa venv as Rasa does.
"""

from __future__ import annotations

import pytest

from bot.actions.understanding.gates import frustrated, melding_decision, wants_a_person
from tests.bot.rasa_venv import run_json


@pytest.mark.parametrize(
    ("text", "confidence", "expected"),
    [
        ("ik wil een melding maken van een kapotte lantaarnpaal", 0.9, "start"),
        ("er ligt een losse stoeptegel voor de deur", 0.7, "start"),
        ("er ligt een losse stoeptegel voor de deur", 0.4, "confirm"),  # not sure: ask first
        ("ik wil iets melden", 0.8, "start"),  # the form asks what
        ("We hebben een zoon gekregen, we wonen op de Kerkstraat 12. Wat moet ik regelen?", 0.95, "redirect"),
        ("ik wil de geboorte van mijn dochter melden", 0.9, "redirect"),  # 'melden' alone is no report
        ("In onze achtertuin drukken de wortels van een boom de tegels omhoog", 0.99, "redirect"),  # private
        ("Ik heb vorige week een kapotte lamp gemeld, is die al gerepareerd?", 0.9, "status"),
        ("/melding", 1.0, "start"),  # the 'Ja' button
    ],
)
def test_the_report_form_needs_evidence(text, confidence, expected):
    assert melding_decision(text, confidence) == expected


@pytest.mark.parametrize(
    ("text", "angry"),
    [
        ("ik word van het kastje naar de muur gestuurd", True),
        ("ik wacht al weken en niemand reageert, belachelijk", True),
        ("this is useless, I am fed up", True),
        ("Ik heb al drie keer gebeld en elke keer zegt iemand iets anders. Ik ben er echt klaar mee.", True),
        ("Mijn melding staat al twee maanden open, dit is toch niet normaal", True),
        ("I am sick and tired of waiting for the council", True),
        ("ik ben klaar met verhuizen, wat moet ik nu doorgeven?", False),  # 'klaar' alone is no anger
        ("is het normaal dat een paspoort vijf dagen duurt?", False),
        ("Ik heb nog steeds geen brief over mijn bezwaar gehad, hoe zit dat?", False),  # a status question
        ("hoe laat gaat het gemeentehuis vandaag dicht?", False),
        ("waar kan ik mijn oude bank kwijt", False),
        ("wat kost een paspoort", False),
    ],
)
def test_anger_needs_frustration_in_the_words(text, angry):
    assert frustrated(text) is angry


def test_asking_for_a_person_differs_from_asking_whether_this_is_a_bot():
    assert wants_a_person("is there a human I can chat with")
    assert wants_a_person("kan ik met een echt mens praten?")
    assert wants_a_person("Ik wil nu geholpen worden door een mens.")
    assert not wants_a_person("ben jij een robot?")
    assert not wants_a_person("praat ik met een computer")


FEATURIZE = """
import json
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.training_data.message import Message
from bot.components.sentence_encoder import SentenceEncoderFeaturizer
config = {**SentenceEncoderFeaturizer.get_default_config(), "scale": 2.0}
f = SentenceEncoderFeaturizer("enc", config)
texts = ["hoe laat sluit het gemeentehuis", "what time does the town hall close", "mijn hond moet belasting betalen", ""]
msgs = [Message(data={"text": t}) for t in texts]
f.process(msgs)
vecs = []
for m in msgs:
    seq, sent = m.get_dense_features("text")
    vecs.append(None if sent is None else sent.features.tolist())
print(json.dumps(vecs))
"""


def test_the_sentence_featurizer_adds_one_scaled_multilingual_vector():
    nl, en, dog, empty = run_json(FEATURIZE)
    assert empty is None  # no text, no feature
    assert len(nl) == 1 and len(nl[0]) == 512
    norm = sum(x * x for x in nl[0]) ** 0.5
    assert norm == pytest.approx(2.0, rel=1e-3)  # unit vector times scale
    cos = lambda a, b: sum(x * y for x, y in zip(a[0], b[0], strict=True)) / 4.0  # noqa: E731
    assert cos(nl, en) > cos(nl, dog) + 0.2  # the English paraphrase lands near the Dutch question


def test_a_terse_message_with_an_unsure_topic_and_out_of_scope_close_behind_is_out_of_scope():
    from bot.actions.answer import terse_out_of_scope

    assert terse_out_of_scope("beste fietsenmaker", [("leerlingenvervoer", 0.55), ("out_of_scope", 0.3)])
    # a sure topic, a long message, no out-of-scope runner-up, or a gated step: not this rule
    assert not terse_out_of_scope("paspoort verlengen", [("paspoort-aanvragen", 0.95), ("out_of_scope", 0.04)])
    assert not terse_out_of_scope(
        "waar vind ik de beste fietsenmaker van de stad", [("leerlingenvervoer", 0.55), ("out_of_scope", 0.3)]
    )
    assert not terse_out_of_scope("kapvergunning kosten", [("boom-kappen", 0.6), ("bijzondere-bijstand", 0.2)])
    assert not terse_out_of_scope("lamp kapot", [("melding", 0.55), ("out_of_scope", 0.3)])
    assert not terse_out_of_scope("/paspoort-aanvragen", [("paspoort-aanvragen", 0.5), ("out_of_scope", 0.3)])
