"""Conversations through the real web chat API, Rasa server and action server."""

from __future__ import annotations

import re

from tests.webchat_client import say


async def test_topic_question_is_answered_from_the_knowledge_base(bot_stack, http, db, session_id):
    body = await say(http, bot_stack, session_id, "ik wil een nieuw paspoort aanvragen")
    meta = body["meta"]
    assert meta["action"] == "answer"
    assert meta["intent"] == "paspoort-aanvragen"
    assert meta["article"] == "paspoort-aanvragen"
    assert meta["confidence"] is not None
    article = await db.articles.find_one({"slug": "paspoort-aanvragen"})
    assert article["answer"].strip()[:60] in body["replies"][0]["text"]


async def test_follow_up_question_stays_on_the_topic(bot_stack, http, session_id):
    await say(http, bot_stack, session_id, "ik wil een nieuw paspoort aanvragen")
    body = await say(http, bot_stack, session_id, "en wat kost dat?")
    assert body["meta"]["article"] == "paspoort-aanvragen"
    assert body["meta"]["action"] == "answer"
    assert "€" in body["replies"][0]["text"]


async def test_an_editors_change_reaches_residents_without_retraining(bot_stack, http, db, session_id):
    marker = f"Testregel {session_id}."
    article = await db.articles.find_one({"slug": "hondenbelasting"})
    original = article["answer"]
    await db.articles.update_one({"slug": "hondenbelasting"}, {"$set": {"answer": f"{marker}\n\n{original}"}})
    try:
        for _ in range(20):  # the action server's index follows the change stream
            body = await say(http, bot_stack, session_id, "ik heb een hond gekocht, moet ik belasting betalen")
            if marker in body["replies"][0]["text"]:
                break
        assert body["meta"]["article"] == "hondenbelasting"
        assert marker in body["replies"][0]["text"]
    finally:
        await db.articles.update_one({"slug": "hondenbelasting"}, {"$set": {"answer": original}})


async def test_gibberish_is_clarified_and_a_person_offered_after_two_misses(bot_stack, http, session_id):
    first = await say(http, bot_stack, session_id, "qwrtz plofkip zonnebril")
    # a few words the bot cannot place: it asks (clarify), or, when out of scope is close behind the
    # unsure guess, says what it can help with; both offer topic buttons and count as a miss
    assert first["meta"]["action"] in ("clarify", "fallback", "out_of_scope")
    assert not any(b["payload"] == "/handover" for r in first["replies"] for b in r["buttons"])
    second = await say(http, bot_stack, session_id, "blub blub trampoline")
    buttons = [b for r in second["replies"] for b in r["buttons"]]
    assert any(b["payload"] == "/handover" for b in buttons)


async def test_vague_question_offers_articles_as_buttons(bot_stack, http, session_id):

    body = await say(http, bot_stack, session_id, "gft bak kliko ophaaldag")
    if body["meta"]["action"] == "clarify":
        buttons = body["replies"][0]["buttons"]
        assert 2 <= len([b for b in buttons if b["payload"] != "/handover"]) <= 3
    else:  # the classifier was sure enough to answer directly
        assert body["meta"]["action"] == "answer" and body["meta"]["article"] == "afvalinzameling"


async def test_report_form_creates_a_case(bot_stack, http, db, session_id):
    first = await say(http, bot_stack, session_id, "de lantaarnpaal bij ons in de straat is kapot")
    assert first["meta"]["action"] == "melding", first
    assert "Waar" in first["replies"][0]["text"]
    await say(http, bot_stack, session_id, "Kerkstraat 12")
    photo = await say(http, bot_stack, session_id, "geen foto")
    assert "bereiken" in photo["replies"][0]["text"]
    summary = await say(http, bot_stack, session_id, "0612345678")
    assert summary["replies"][0]["text"].startswith("Klopt dit?"), summary  # nothing is sent before the resident agrees
    done = await say(http, bot_stack, session_id, "ja")
    assert done["meta"]["action"] == "melding"
    number = re.search(r"Z-\d{4}-\d{6}", done["replies"][0]["text"]).group(0)
    case = await db.cases.find_one({"number": number})
    assert case is not None
    assert "lantaarnpaal" in case["description"]
    assert "Kerkstraat 12" in str(case["location"])
    assert case["conversation_ids"] == [done["conversation_id"]]


async def test_report_form_can_be_corrected_and_stopped(bot_stack, http, db, session_id):
    await say(http, bot_stack, session_id, "er ligt een losse stoeptegel voor de deur")
    await say(http, bot_stack, session_id, "Kerkstraat 12")
    # correction while the bot asks for a photo: the new place replaces the old one
    await say(http, bot_stack, session_id, "nee sorry het is Molenweg 3")
    stopped = await say(http, bot_stack, session_id, "stop")
    assert "gestopt" in stopped["replies"][0]["text"]
    assert await db.cases.count_documents({"conversation_ids": stopped["conversation_id"]}) == 0


async def test_callback_form_creates_a_callback_due_in_two_working_days(bot_stack, http, db, session_id):
    first = await say(http, bot_stack, session_id, "kunnen jullie mij terugbellen")
    assert first["meta"]["action"] == "callback", first
    await say(http, bot_stack, session_id, "0687654321")
    await say(http, bot_stack, session_id, "over mijn aanslag afvalstoffenheffing")
    done = await say(http, bot_stack, session_id, "ochtend")
    assert done["meta"]["action"] == "callback"
    assert "uiterlijk" in done["replies"][0]["text"]
    callback = await db.callbacks.find_one({"conversation_id": done["conversation_id"]})
    assert callback["phone"].endswith("687654321")
    assert callback["day_part"] == "ochtend"
    assert callback["due_at"] > callback["created_at"]


async def test_status_of_a_case_by_number(bot_stack, http, db, session_id):
    from hub.cases import store as cases

    case = await cases.create_case(db, kind="melding-openbare-ruimte", description="testmelding status", created_by="test")
    first = await say(http, bot_stack, session_id, "ik wil weten wat de status van mijn zaak is")
    assert first["meta"]["action"] == "status", first
    done = await say(http, bot_stack, session_id, case["number"])
    assert done["meta"]["action"] == "status"
    assert case["number"] in done["replies"][0]["text"]


async def test_page_opener_asks_about_the_page_topic(bot_stack, http):
    url = f"{bot_stack.hub_url}/api/v1/webchat/opener"
    async with http.get(url, params={"page_url": "https://www.lindewaard.nl/paspoort-aanvragen"}) as resp:
        body = await resp.json()
    assert body["text"] == "Wilt u een paspoort aanvragen? Ik help u graag."
    assert body["buttons"][0]["payload"] == "/paspoort-aanvragen"
    async with http.get(url, params={"page_url": "https://www.lindewaard.nl/"}) as resp:
        assert (await resp.json())["text"] is None
