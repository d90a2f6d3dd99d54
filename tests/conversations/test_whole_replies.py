"""A reply the actions send whole (``kcc_reply``) stays one reply, paragraphs and buttons kept."""

from __future__ import annotations

from hub.conversations.bot_client import META_KEY, REPLY_KEY, parse_rest_response


def test_a_whole_reply_is_one_reply_and_plain_texts_stay_as_rasa_cut_them():
    article = "Eerste alinea.\n\nTweede alinea.\n\nMeer over Paspoort: https://www.lindewaard.nl/paspoort"
    answer = parse_rest_response([
        {"recipient_id": "c1", "custom": {REPLY_KEY: {"text": article, "buttons": [{"title": "Meer weten?", "payload": "/follow_up"}]}}},
        {"recipient_id": "c1", "text": "Los deel"},
        {"recipient_id": "c1", "custom": {META_KEY: {"action": "answer", "article": "paspoort-aanvragen"}}},
    ])
    assert [r.text for r in answer.replies] == [article, "Los deel"]
    assert [b.payload for b in answer.replies[0].buttons] == ["/follow_up"]
    assert answer.meta == {"action": "answer", "article": "paspoort-aanvragen"}
