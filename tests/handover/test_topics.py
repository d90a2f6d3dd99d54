"""Agents read Dutch subjects, never the bot's intent names."""

from __future__ import annotations

from handover.topics import intent_labels, topic_label


def test_topic_intents_get_a_dutch_label_and_articles_their_title():
    assert topic_label("paspoort") == "Paspoort"
    assert topic_label("paspoort-aanvragen", {"paspoort-aanvragen": "Paspoort aanvragen of verlengen"}) == "Paspoort aanvragen of verlengen"
    assert topic_label(None) is None
    assert topic_label("iets_nieuws") is None  # an unknown name is not shown at all


def test_conversational_intents_are_left_out_and_mood_is_said_in_dutch():
    labels = intent_labels(["greet", "inform", "deny", "handover", "angry", "paspoort", "paspoort", "nlu_fallback"])
    assert labels == ["Boos of ontevreden", "Paspoort"]
    assert not {"inform", "deny", "handover", "angry"} & set(labels)
