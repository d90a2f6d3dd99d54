"""Unanswered questions: personal data is scrubbed, similar questions are grouped."""

from __future__ import annotations

from knowledge.search.analysis import normalise_question
from knowledge.unanswered import scrub


def test_scrub_removes_personal_numbers_and_addresses() -> None:
    text = scrub("Mijn BSN is 123456782, bel 06-12345678 of mail jan@example.nl, postcode 1234 AB")
    assert (
        "123456782" not in text
        and "12345678" not in text
        and "jan@example.nl" not in text
        and "1234 AB" not in text
    )
    assert "[nummer]" in text and "[e-mail]" in text and "[postcode]" in text


def test_grouping_key_ignores_order_inflection_and_asking_verbs() -> None:
    assert normalise_question("Hoe vraag ik een paspoort aan?") == normalise_question(
        "paspoort aanvragen"
    )
    assert normalise_question("Paspoorten aanvragen") == normalise_question("paspoort aanvragen")
    assert normalise_question("wat kost een paspoort") != normalise_question("paspoort aanvragen")
