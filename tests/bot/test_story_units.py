"""Long messages (bot/actions/understanding/story.py): the classifier's ranking fused with real knowledge search.

The search is the shipped content in a real Tantivy index; the classifier's ranking is given, as
Rasa would send it, so each case pins what the fusion does with a diluted or a sure guess. The
stories are written for these tests (none is an evaluation sentence).
"""

from __future__ import annotations

import pytest

from bot.actions.common import answered_topics
from bot.actions.understanding import story
from knowledge.models import Hit
from knowledge.search.tantivy_engine import TantivyEngine

FOODTRUCK = (
    "Mijn zus en ik hebben samen een foodtruck gekocht. We willen op vaste dagen op het plein bij het station "
    "staan met onze poffertjes. Een vriend zei dat je daar niet zomaar mag staan. Welke toestemming hebben we nodig?"
)
GRANDPA = (
    "Mijn opa is deze week 90 geworden en we gaan dat vieren met de hele familie. Hij rijdt nog steeds zelf auto. "
    "Nu verloopt zijn rijbewijs in de zomer en hij weet niet wat hij moet doen. Waar moet hij beginnen?"
)
GARDEN_HOUSE = (
    "Wij wonen sinds vorig jaar in een rijtjeshuis met een kleine achtertuin. De buren hebben vorige zomer een "
    "tuinhuis gebouwd en dat willen wij ook. Mijn schoonvader is timmerman en helpt ons mee. Moeten we het eerst "
    "aan de gemeente vragen?"
)


def searcher(engine: TantivyEngine) -> story.Search:
    async def search(q: str) -> list[Hit]:
        return await engine.search(q, size=story.SEARCH_SIZE)

    return search


async def test_a_story_gets_the_topic_search_finds_when_the_classifier_is_diluted(engine):
    # the classifier names a topic whose examples are stories too, and the right one only third
    guess = [("geboorteaangifte", 0.55), ("appointment_book", 0.30), ("standplaatsvergunning", 0.05)]
    assert story.is_long(FOODTRUCK)
    assert await story.story_topic(FOODTRUCK, guess, answered_topics(), searcher(engine)) == "standplaatsvergunning"


async def test_a_sure_classifier_keeps_its_topic_when_search_has_it_close_behind(engine):
    hits = await searcher(engine)(GARDEN_HOUSE)
    assert hits[0].slug == "bestemmingsplan" and hits[1].slug == "omgevingsvergunning"  # search alone would miss
    guess = [("omgevingsvergunning", 0.70), ("bestemmingsplan", 0.10), ("boom-kappen", 0.05)]
    assert await story.story_topic(GARDEN_HOUSE, guess, answered_topics(), searcher(engine)) == "omgevingsvergunning"


async def test_classifier_and_search_that_agree_give_that_topic(engine):
    guess = [("rijbewijs-verlengen", 0.90), ("paspoort-aanvragen", 0.05)]
    assert await story.story_topic(GRANDPA, guess, answered_topics(), searcher(engine)) == "rijbewijs-verlengen"


async def test_short_messages_and_buttons_are_left_to_the_classifier(engine):
    guess = [("geboorteaangifte", 0.55), ("standplaatsvergunning", 0.05)]
    short = "foodtruck met poffertjes op het plein bij het station, welke toestemming?"
    assert not story.is_long(short)
    assert await story.story_topic(short, guess, answered_topics(), searcher(engine)) is None
    button = "/standplaatsvergunning " + " ".join(["x"] * story.LONG_WORDS)
    assert await story.story_topic(button, guess, answered_topics(), searcher(engine)) is None


def test_fusion_weighs_both_and_only_ranks_topics():
    hits = [Hit(slug="b", title="B", score=30.0, snippet=""), Hit(slug="a", title="A", score=15.0, snippet=""),
            Hit(slug="x", title="X", score=29.0, snippet="")]
    ranking = [("status", 0.9), ("a", 0.6), ("b", 0.1)]
    fused = dict(story.fuse(ranking, hits, {"a", "b"}))
    assert set(fused) == {"a", "b"}  # neither the non-topic intent nor a hit outside the topics
    assert fused["a"] == pytest.approx(0.5 * 0.6 + 0.5 * 0.5)  # search scores relative to the best hit
    assert fused["b"] == pytest.approx(0.5 * 0.1 + 0.5 * 1.0)
    assert story.fuse(ranking, [], {"a", "b"})[0] == ("a", pytest.approx(0.3))  # no hits: the classifier alone
    assert story.fuse(ranking, hits, {"a", "b"}, weight=1.0)[0][0] == "a"
    assert story.fuse(ranking, hits, {"a", "b"}, weight=0.0)[0][0] == "b"
