"""Short answers first: the one thing asked in one bubble, "Meer weten?" for the rest.

Real web chat API, Rasa server with the trained model and action server; the widget in
real headless Chromium.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.browser import browser
from tests.webchat_client import say

ANSWERS = ".kcc-out[data-author=bot]:not(.kcc-intro)"
MORE = {"title": "Meer weten?", "payload": "/follow_up"}


async def test_a_fee_question_gets_the_fee_in_one_reply_and_more_on_request(bot_stack, http, db, session_id):
    body = await say(http, bot_stack, session_id, "Wat kost een paspoort?")
    assert body["meta"]["action"] == "answer" and body["meta"]["article"] == "paspoort-aanvragen", body
    assert len(body["replies"]) == 1, body["replies"]
    product = await db.products.find_one({"slug": "paspoort"})
    reply = body["replies"][0]
    assert product["costs"] in reply["text"]
    assert "vingerafdrukken" not in reply["text"]  # not the whole article
    assert reply["buttons"] == [MORE]

    more = await say(http, bot_stack, session_id, "Meer weten?", payload="/follow_up")
    assert more["meta"]["action"] == "answer" and more["meta"]["article"] == "paspoort-aanvragen", more
    assert len(more["replies"]) == 1, more["replies"]  # the rest is one bubble too, paragraphs kept
    rest = more["replies"][0]["text"]
    assert "vingerafdrukken" in rest and "\n\n" in rest
    assert rest.rstrip().endswith("https://www.lindewaard.nl/paspoort")  # the link to the page


async def test_a_term_question_gets_the_term(bot_stack, http, db, session_id):
    body = await say(http, bot_stack, session_id, "Hoe lang duurt het aanvragen van een paspoort?")
    assert body["meta"]["article"] == "paspoort-aanvragen", body
    product = await db.products.find_one({"slug": "paspoort"})
    assert len(body["replies"]) == 1 and product["lead_time"] in body["replies"][0]["text"]


async def test_an_open_question_gets_the_first_paragraph_and_a_typed_meer_gets_the_rest(bot_stack, http, db, session_id):
    body = await say(http, bot_stack, session_id, "ik wil een nieuw paspoort aanvragen")
    article = await db.articles.find_one({"slug": "paspoort-aanvragen"})
    lead, second = article["answer"].strip().split("\n\n")[:2]
    assert body["replies"] == [{"text": lead.strip(), "buttons": [MORE]}]
    more = await say(http, bot_stack, session_id, "meer")  # a channel without buttons: the resident types it
    assert more["meta"]["article"] == "paspoort-aanvragen", more
    text = more["replies"][0]["text"]
    assert second.strip() in text and lead.strip() not in text


@pytest.mark.browser
async def test_the_widget_shows_one_answer_and_expands_it(bot_stack):
    async with browser() as b:
        page = await b.new_page()
        await page.goto(f"{bot_stack.hub_url}/chat")
        await page.locator(".kcc-intro").first.wait_for(timeout=10_000)
        log = page.locator(".kcc-log")
        assert await log.get_attribute("aria-live") == "polite"
        await page.fill("#kcc-text", "Wat kost een paspoort?")
        await page.press("#kcc-text", "Enter")
        answer = page.locator(ANSWERS).first
        await answer.wait_for(timeout=20_000)
        await asyncio.sleep(1.0)  # any further bubbles of the same turn would have arrived by now
        assert await page.locator(ANSWERS).count() == 1  # the live region gets one reply to read out
        assert "€" in await answer.inner_text()
        more = answer.get_by_role("button", name="Meer weten?")
        await more.click()
        await page.locator(ANSWERS).nth(1).wait_for(timeout=20_000)
        await asyncio.sleep(1.0)
        assert await page.locator(ANSWERS).count() == 2
        rest = page.locator(ANSWERS).nth(1)
        assert "Neem mee" in await rest.inner_text()
        link = rest.locator("a[href='https://www.lindewaard.nl/paspoort']")
        assert await link.count() == 1
