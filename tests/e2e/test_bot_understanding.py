"""The bot acts on what residents mean: forms, handover and status only on evidence.

Real web chat API, real Rasa server with the trained model, real action server. Each
message goes into a fresh session, as a resident's first message would.
"""

from __future__ import annotations

import pytest

from tests.webchat_client import say


async def test_asking_to_report_a_broken_lantern_starts_the_report_form(bot_stack, http, session_id):
    body = await say(http, bot_stack, session_id, "ik wil een melding maken van een kapotte lantaarnpaal")
    assert body["meta"]["action"] == "melding", body
    assert body["replies"][0]["text"].startswith("Waar is het?"), body


async def test_a_story_about_a_birth_at_an_address_does_not_start_the_report_form(bot_stack, http, session_id):
    text = (
        "Gisteren is onze dochter geboren. We wonen sinds kort op de Kerkstraat 12 en ik weet niet "
        "wat ik nu bij de gemeente moet regelen."
    )
    body = await say(http, bot_stack, session_id, text)
    assert body["meta"]["action"] != "melding", body
    assert not any("Waar is het?" in r["text"] for r in body["replies"]), body
    if body["meta"]["action"] == "answer":
        assert body["meta"]["article"] == "geboorteaangifte", body


async def test_a_plain_opening_hours_question_is_not_handed_over_as_angry(bot_stack, http, session_id):
    body = await say(http, bot_stack, session_id, "hoe laat gaat het gemeentehuis vandaag dicht?")
    assert body["meta"]["action"] != "handover", body
    assert not any(r["text"].startswith("Vervelend") for r in body["replies"]), body


async def test_a_clearly_frustrated_resident_gets_a_warm_handover(bot_stack, http, session_id):
    text = "ik word al weken van het kastje naar de muur gestuurd, dit is echt belachelijk"
    body = await say(http, bot_stack, session_id, text)
    assert body["meta"]["action"] == "handover", body
    assert body["replies"][0]["text"].startswith("Vervelend dat het niet lukt."), body


async def test_a_status_question_reaches_the_status_step(bot_stack, http, session_id):
    body = await say(http, bot_stack, session_id, "ik heb vorige maand iets aangevraagd, is dat al klaar?")
    assert body["meta"]["action"] == "status", body
    assert "Z-2026-000123" in body["replies"][0]["text"], body  # it asks for the case number


@pytest.mark.parametrize(
    ("text", "article"),
    [
        # the classifier says status (0.80), the driving licence second: its next topic
        ("Wanneer is mijn nieuwe rijbewijs klaar als ik het op 3 mei aanvraag?", "rijbewijs-verlengen"),
        # status 0.96, the certificate of conduct 0.03: search puts the same article first
        ("Wanneer is mijn VOG klaar als ik hem morgen aanvraag? Ik begin 1 juli als taxichauffeur.", "verklaring-omtrent-gedrag"),
    ],
)
async def test_a_topic_question_with_a_date_gets_the_article_not_the_status_step(bot_stack, http, session_id, text, article):
    body = await say(http, bot_stack, session_id, text)
    assert body["meta"]["action"] == "answer", body
    assert body["meta"]["article"] == article, body
    assert not any("Z-2026-000123" in r["text"] for r in body["replies"]), body  # no case number asked


async def test_an_english_question_gets_an_english_line_and_the_dutch_article(bot_stack, http, db, session_id):
    body = await say(http, bot_stack, session_id, "how much does a new passport cost?")
    assert body["meta"]["action"] == "answer", body
    assert body["meta"]["article"] == "paspoort-aanvragen", body
    text = body["replies"][0]["text"]
    assert text.startswith("I can help you in Dutch."), text
    product = await db.products.find_one({"slug": "paspoort"})
    assert product["costs"] in text  # the question asked: the fee from the catalogue


async def test_asking_for_a_real_person_is_a_handover_not_a_bot_question(bot_stack, http, session_id):
    body = await say(http, bot_stack, session_id, "kan ik met een echt mens praten?")
    assert body["meta"]["action"] == "handover", body
    assert not body["replies"][0]["text"].startswith("Vervelend"), body


async def test_a_bare_case_number_gives_the_status_of_that_case(bot_stack, http, db, session_id):
    from hub.cases import store as cases

    case = await cases.create_case(db, kind="melding-openbare-ruimte", description="testmelding nummer", created_by="test")
    body = await say(http, bot_stack, session_id, case["number"])
    assert body["meta"]["action"] == "status", body
    assert case["number"] in body["replies"][0]["text"], body
