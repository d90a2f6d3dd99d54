"""Unanswered questions: personal data is scrubbed, similar questions are grouped."""

from __future__ import annotations

from knowledge import unanswered
from knowledge.search.analysis import normalise_question
from knowledge.unanswered import is_noise, scrub
from tests.knowledge.conftest import unique_word


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


def test_scrub_removes_postcode_with_house_number_and_street_address() -> None:
    text = scrub("Ik woon op 1234 AB 12 of Kerkstraat 5a, bel +31 6 1234 5678")
    assert text == "Ik woon op [postcode] of [adres], bel [nummer]"


def test_noise_is_recognised() -> None:
    for noise in ("hallo", "Goedemorgen!", "test 123", "dit is een test", "asdfgh", "xkcdqz", "ok", "???"):
        assert is_noise(noise), noise
    for question in ("paspoort", "Wat kost een paspoort?", "Wanneer wordt het afval opgehaald?"):
        assert not is_noise(question), question


async def test_list_scrubs_groups_similar_questions_and_leaves_out_noise(db) -> None:  # noqa: ANN001
    word = unique_word()
    await unanswered.record(db, f"Wat kost een {word}vergunning? Mijn BSN is 123456782", [])
    await unanswered.record(db, f"kosten {word}vergunning", [])
    await unanswered.record(db, f"{word}vergunnig kosten, bel 0612345678", [])  # typo: same group
    assert await unanswered.record(db, "hallo", []) is None
    assert await unanswered.record(db, "test test", []) is None
    await db.unanswered.insert_one({"key": f"noise-{word}", "text": "asdfgh", "count": 99, "examples": ["asdfgh"]})
    groups = await unanswered.top(db, 500)
    mine = [g for g in groups if word in g["text"] or any(word in e for e in g["examples"])]
    assert len(mine) == 1
    [group] = mine
    assert group["count"] == 3 and len(group["keys"]) >= 2
    texts = [group["text"], *group["examples"]]
    assert all("123456782" not in t and "0612345678" not in t for t in texts)
    assert not any(g["text"] == "asdfgh" for g in groups)
