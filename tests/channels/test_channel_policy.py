"""Channel policy: on Facebook and Instagram the bot asks for no address or case details; it sends a private link.

The real hub, action server and Rasa; Meta's webhook in, the local Graph Send API out. The
same report on the web chat starts the form and asks where it is (the policy is per channel).
"""

from __future__ import annotations

import uuid

from tests.channels.signed import post_meta
from tests.channels.test_meta import text_event, webhook
from tests.webchat_client import say

REPORT = "Er ligt een kapotte lantaarnpaal op de stoep, hij is helemaal omgevallen"
ASKS_WHERE = "Waar is het?"


async def _texts(fakes, psid: str, count: int) -> list[str]:
    return [m["message"].get("text", "") for m in await fakes.graph.wait_for(psid, count)]


async def test_a_report_on_messenger_moves_to_the_private_chat(bot_stack, fakes, http, db, psid):
    assert (await post_meta(http, bot_stack, webhook(text_event(psid, REPORT))))[0] == 200
    texts = await _texts(fakes, psid, 1)
    assert any(bot_stack.hub_url + "/chat" in t for t in texts), texts
    assert not any(ASKS_WHERE in t or "burgerservicenummer" in t.lower() and "?" in t for t in texts)
    reply = await db.messages.find_one({"address": psid, "direction": "out"})
    assert "Deel ze hier dus niet" in reply["text"]

    # the same words in the web chat: the form asks for the place
    answer = await say(http, bot_stack, f"policy-{uuid.uuid4().hex[:10]}", REPORT)
    assert any(ASKS_WHERE in r["text"] for r in answer["replies"]), answer


async def test_a_status_question_on_instagram_gets_no_case_details(bot_stack, fakes, http, db, psid):
    assert (await post_meta(http, bot_stack, webhook(text_event(psid, "Hoe staat het met mijn melding?"), obj="instagram")))[0] == 200
    texts = await _texts(fakes, psid, 1)
    assert any("/chat" in t and "Instagram" in t for t in texts), texts
    assert not any("nummer van uw zaak" in t for t in texts)
