"""Below the fallback threshold the bot answers when the classifier and knowledge search agree.

``likely_topic.agreed_topic`` (used by a gate that says no and by ``action_clarify``): the
classifier's best-ranked topic, however low its confidence, is answered when real knowledge search
(the shipped content in a Tantivy index) puts the same article first; otherwise the bot asks.
The messages are written for these tests (none is an evaluation sentence).
"""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from bot.actions.common import answered_topics
from bot.actions.understanding import likely_topic
from knowledge.search.tantivy_engine import TantivyEngine


class Service:
    def __init__(self, engine: TantivyEngine) -> None:
        self.engine = engine

    async def search(self, text: str, size: int, view: str = "resident"):
        return await self.engine.search(text, size=size)


@pytest.fixture
def search(engine, monkeypatch):
    async def knowledge():
        return Service(engine)

    monkeypatch.setattr(likely_topic, "knowledge", knowledge)


def tracker(text: str, ranking: list[tuple[str, float]]) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": "nlu_fallback", "confidence": 0.3},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3}, *({"name": n, "confidence": c} for n, c in ranking)],
        "entities": [],
    }
    return Tracker("s1", {}, latest, [], False, None, {}, "action_listen")


async def test_an_unsure_topic_that_search_puts_first_is_answered(search):
    # a non-topic guess first, the right topic low: search finds the word "hondenbelasting" too
    t = tracker("hoe zit het met de hondenbelasting als je er twee hebt", [("follow_up", 0.25), ("hondenbelasting", 0.2)])
    assert await likely_topic.agreed_topic(t, set(), answered_topics()) == "hondenbelasting"


async def test_disagreement_asks(search):
    # the classifier's best topic is not what search finds first: no answer, the bot asks
    t = tracker("hoe zit het met de hondenbelasting als je er twee hebt", [("geboorteaangifte", 0.25), ("hondenbelasting", 0.2)])
    assert await likely_topic.agreed_topic(t, set(), answered_topics()) is None


async def test_no_topic_in_the_ranking_and_buttons_are_left_alone(search):
    assert await likely_topic.agreed_topic(tracker("hallo daar", [("greet", 0.25), ("thanks", 0.2)]), set(), answered_topics()) is None
    button = tracker("/hondenbelasting", [("hondenbelasting", 0.25)])
    assert await likely_topic.agreed_topic(button, set(), answered_topics()) is None


async def test_a_gated_topic_is_never_answered_by_agreement(search):
    # the article on reporting goes through the melding gate, not straight to an answer
    t = tracker("lantaarnpaal kapot melden", [("melding-openbare-ruimte", 0.25)])
    assert await likely_topic.agreed_topic(t, set(), answered_topics()) is None
