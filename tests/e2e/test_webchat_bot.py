"""The whole path through the real hub, Rasa server, action server and Mongo-wire server."""

from __future__ import annotations

import asyncio

from hub.contacts import store as contacts
from hub.core.models import new_id
from tests.webchat_client import say


async def test_greeting_is_answered_by_the_bot(bot_stack, http, db, session_id):
    body = await say(http, bot_stack, session_id, "hallo")
    assert body["meta"]["state"] == "bot"
    assert body["meta"]["action"] == "greet"
    assert body["meta"]["intent"] == "greet"
    assert 0 < body["meta"]["confidence"] <= 1
    assert body["meta"]["article"] is None
    assert "Lindewaard" in body["replies"][0]["text"]
    stored = await db.messages.find({"conversation_id": body["conversation_id"]}).sort("seq", 1).to_list(None)
    assert [m["direction"] for m in stored] == ["in", "out"]
    assert stored[0]["text"] == "hallo" and stored[0]["status"] == "handled"
    assert stored[1]["author"] == "bot"


async def test_asking_for_a_person_queues_the_conversation(bot_stack, http, db, session_id):
    body = await say(http, bot_stack, session_id, "ik wil graag een medewerker spreken")
    assert body["meta"]["action"] == "handover"
    assert body["meta"]["state"] == "queued"
    assert "wachttijd" in body["replies"][0]["text"]
    conv = await db.conversations.find_one({"_id": body["conversation_id"]})
    assert conv["state"] == "queued"
    assert conv["handover"]["reason"] == "asked_for_person"
    # While queued the bot stays silent; the message is stored for the agent.
    later = await say(http, bot_stack, session_id, "hallo? is daar iemand?")
    assert later["replies"] == [] and later["meta"]["state"] == "queued"
    assert await db.messages.count_documents({"conversation_id": body["conversation_id"], "direction": "in"}) == 2


async def test_out_of_scope_says_what_the_bot_can_do(bot_stack, http, session_id):
    body = await say(http, bot_stack, session_id, "wat voor weer wordt het morgen in de stad")
    assert body["meta"]["action"] == "out_of_scope"
    assert "paspoort" in body["replies"][0]["text"]


async def test_a_resent_message_is_stored_once(bot_stack, http, db, session_id):
    first = await say(http, bot_stack, session_id, "goedemorgen", message_id="m-1")
    again = await say(http, bot_stack, session_id, "goedemorgen", message_id="m-1")
    assert again["conversation_id"] == first["conversation_id"]
    assert again["replies"] == first["replies"]
    assert await db.messages.count_documents({"address": session_id, "direction": "in"}) == 1


async def test_a_resend_while_the_first_is_answered_gets_its_conversation(bot_stack, http, db, session_id):
    """A double click (same message_id, both in flight): one message stored, both answers name its conversation."""
    first, again = await asyncio.gather(
        say(http, bot_stack, session_id, "wat kost een paspoort", message_id="dubbel-1"),
        say(http, bot_stack, session_id, "wat kost een paspoort", message_id="dubbel-1"),
    )
    assert first["conversation_id"] and first["conversation_id"] == again["conversation_id"]
    assert await db.messages.count_documents({"address": session_id, "direction": "in"}) == 1


async def test_concurrent_first_messages_share_one_conversation(bot_stack, http, db, session_id):
    bodies = await asyncio.gather(*(say(http, bot_stack, session_id, f"hoi {i}") for i in range(5)))
    assert len({b["conversation_id"] for b in bodies}) == 1
    stored = [m async for m in db.messages.find({"conversation_id": bodies[0]["conversation_id"]}).sort("seq", 1)]
    seqs = [m["seq"] for m in stored]
    assert len(stored) == 10 and len(set(seqs)) == len(seqs)  # every message numbered, no number twice
    # each reply comes right after the message it answers (an inbound message reserves numbers for its replies)
    for before, after in zip(stored, stored[1:], strict=False):
        if after["direction"] == "out":
            assert after["in_reply_to"] == before["_id"], (before, after)


async def test_full_history_of_a_contact_is_one_query(bot_stack, http, db, session_id):
    await say(http, bot_stack, session_id, "hallo")
    await say(http, bot_stack, session_id, "wat kost een paspoort")  # (a sign-off would add the grade question)
    conv = await db.conversations.find_one({"address": session_id})
    history = await contacts.history(db, conv["contact_id"])
    assert [m["direction"] for m in history] == ["in", "out", "in", "out"]


async def test_replies_can_be_fetched_after_a_sequence_number(bot_stack, http, session_id):
    body = await say(http, bot_stack, session_id, "hallo")
    url = f"{bot_stack.hub_url}/api/v1/webchat/conversations/{body['conversation_id']}/messages"
    async with http.get(url, params={"after": "1"}) as resp:
        page = await resp.json()
    assert page["state"] == "bot"
    assert [m["seq"] for m in page["messages"]] == [2]
    assert page["messages"][0]["author"] == "bot"


async def test_websocket_pushes_new_messages(bot_stack, http, session_id):
    body = await say(http, bot_stack, session_id, "hallo")
    url = f"{bot_stack.hub_url}/api/v1/webchat/conversations/{body['conversation_id']}/ws"
    async with http.ws_connect(url) as ws:
        await say(http, bot_stack, session_id, "bedankt")
        pushed = [await asyncio.wait_for(ws.receive_json(), 5) for _ in range(2)]
    assert [m["direction"] for m in pushed] == ["in", "out"]
    assert pushed[0]["text"] == "bedankt"


async def test_healthz_reports_every_component(bot_stack, http):
    async with http.get(f"{bot_stack.hub_url}/healthz") as resp:
        body = await resp.json()
    assert set(body["components"]) == {"mongo", "rasa", "actions", "search"}
    assert resp.status == 200, body
    assert all(v == "up" for v in body["components"].values())


async def test_unknown_session_id_starts_a_new_conversation(bot_stack, http):
    body = await say(http, bot_stack, f"fresh-{new_id()}", "hallo")
    assert body["conversation_id"]
