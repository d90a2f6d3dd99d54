"""Journeys of issue 17 in the web chat, against the real hub, action server and Rasa:
the notification question after a melding (answered by button and typed, then withdrawn),
and a referral to a partner organisation from the directory editors maintain."""

from __future__ import annotations

import re

from tests.contacts.staff import logged_in
from tests.webchat_client import say


async def _melding(http, stack, session_id: str, what: str, where: str, contact: str) -> dict:
    first = await say(http, stack, session_id, what)
    assert first["meta"]["action"] == "melding" and "Waar" in first["replies"][0]["text"], first
    await say(http, stack, session_id, where)
    await say(http, stack, session_id, "geen foto")
    summary = await say(http, stack, session_id, contact)
    assert "Klopt dit?" in summary["replies"][0]["text"], summary  # the summary before sending
    return await say(http, stack, session_id, "ja")


async def test_after_a_melding_the_bot_asks_how_to_send_news_and_records_the_answer(bot_stack, http, db, session_id):
    done = await _melding(http, bot_stack, session_id, "de lantaarnpaal bij ons in de straat is kapot", "Kerkstraat 12", "anoniem")
    assert re.search(r"Z-\d{4}-\d{6}", done["replies"][0]["text"])
    [asked] = [r for r in done["replies"] if r.get("buttons") and "nieuws" in r["text"]]
    titles = [b["title"] for b in asked["buttons"]]
    assert titles == ["Ja, via WhatsApp", "Ja, via sms", "Ja, via e-mail", "Ja, hier in de chat", "Nee, liever niet"]
    conv = await db.conversations.find_one({"_id": done["conversation_id"]})

    # the button for e-mail, without a known address: the bot asks for it
    by_mail = next(b for b in asked["buttons"] if b["title"] == "Ja, via e-mail")
    which = await say(http, bot_stack, session_id, by_mail["title"], payload=by_mail["payload"])
    assert which["meta"]["action"] == "notify" and "e-mailadres" in which["replies"][0]["text"], which
    typed = await say(http, bot_stack, session_id, "ja graag per e-mail naar jan.jansen@example.nl")
    assert typed["meta"]["action"] == "notify", typed
    contact = await db.contacts.find_one({"_id": conv["contact_id"]})
    [record] = [c for c in contact["consents"] if c["given"]]
    assert record["topic"] == "case_updates" and record["channel"] == "email" and record["address"] == "jan.jansen@example.nl"
    assert record["wording"] == asked["text"] + " [" + " | ".join(titles) + "]"  # the exact wording shown
    assert record["answer"] == "ja graag per e-mail naar jan.jansen@example.nl" and record["by"] == "bot"
    assert "email:jan.jansen@example.nl" in contact["addresses"]

    stop = await say(http, bot_stack, session_id, "stuur mij geen berichten meer")
    assert stop["meta"]["action"] == "notify" and "geen berichten meer" in stop["replies"][0]["text"], stop
    contact = await db.contacts.find_one({"_id": conv["contact_id"]})
    latest = {c["topic"]: c["given"] for c in contact["consents"]}
    assert latest == {"case_updates": False, "crisis": False, "appointment_reminders": False}


async def test_a_question_for_the_water_board_is_referred_with_its_contact(bot_stack, http, db, session_id):
    answer = await say(http, bot_stack, session_id, "De dijk achter ons huis lijkt te lekken, wie moet ik bellen?")
    assert answer["meta"]["action"] == "referral", answer
    text = answer["replies"][0]["text"]
    assert text.startswith("Dit regelt het waterschap") and "(0344) 64 90 90" in text
    event = await db.events.find_one({"type": "referral", "conversation_id": answer["conversation_id"]})
    assert event["partner"] == "waterschap" and event["by"] == "bot"

    # editors maintain the directory: a new number is what the next resident hears
    async with logged_in(bot_stack, db, ["editor"]) as editor:
        status, listed = await editor.get("/api/v1/partners", q="mijn fiets is gestolen")
        assert status == 200 and listed["match"]["partner"] == "politie" and "0900-8844" in listed["match"]["text"]
        board = next(p for p in listed["partners"] if p["id"] == "waterschap")
        async with editor.session.put(f"{bot_stack.hub_url}/api/v1/partners/waterschap", json={**board, "phone": "(0344) 11 22 33"},
                                      headers={"X-CSRF-Token": editor.csrf}) as resp:
            assert resp.status == 200
        try:
            again = await say(http, bot_stack, session_id + "-2", "Het waterpeil in de sloot is veel te hoog, wie gaat daarover?")
            assert again["meta"]["action"] == "referral" and "(0344) 11 22 33" in again["replies"][0]["text"], again
        finally:
            async with editor.session.put(f"{bot_stack.hub_url}/api/v1/partners/waterschap", json=board,
                                          headers={"X-CSRF-Token": editor.csrf}) as resp:
                assert resp.status == 200
    async with logged_in(bot_stack, db, ["supervisor"]) as supervisor:  # referrals are counted
        status, figures = await supervisor.get("/api/v1/stats/referrals")
        assert status == 200 and figures["total"] >= 2
        assert next(p for p in figures["partners"] if p["partner"] == "waterschap")["bot"] >= 2
    async with logged_in(bot_stack, db, ["agent"]) as agent:
        async with agent.session.put(f"{bot_stack.hub_url}/api/v1/partners/waterschap", json=board,
                                     headers={"X-CSRF-Token": agent.csrf}) as resp:
            assert resp.status == 403  # agents read the directory, editors maintain it


async def test_a_melding_about_a_partners_asset_goes_to_its_form_not_a_case(bot_stack, http, db, session_id):
    done = await _melding(http, bot_stack, session_id, "Er ligt een omgevallen boom in de sloot, het water kan er niet door",
                          "Dorpsweg 12", "anoniem")
    assert done["meta"]["action"] == "referral" and done["meta"].get("intent") is not None, done
    text = done["replies"][0]["text"]
    assert text.startswith("Dit regelt het waterschap") and "waterschap-rivierenlandoost.example/melding" in text
    assert not await db.cases.find_one({"conversation_ids": done["conversation_id"]})  # no municipal case
    assert await db.events.find_one({"type": "referral", "conversation_id": done["conversation_id"], "partner": "waterschap"})
