"""The action server is down: Rasa answers 200 with nothing, and the hub hands over.

Rasa 3.6 logs the failed custom action and answers the REST webhook with an empty list
(``[]``), even for "hallo". The hub treats "no reply and no metadata" as a bot error:
the conversation is queued for an agent with reason ``bot_error`` and the resident is told
so in Dutch. The real Rasa server and the real action server (stopped, then started again).
"""

from __future__ import annotations

from hub.conversations.pipeline import BOT_DOWN_TEXT
from tests.resilience.conftest import wait_health
from tests.webchat_client import say


async def test_bot_falls_back_to_a_handover_when_the_action_server_is_down(bot_stack, http, db, session_id):
    actions = bot_stack.running.pop("actions")
    actions.stop()
    try:
        body = await say(http, bot_stack, session_id, "ik wil mijn paspoort verlengen")
        assert body["meta"]["state"] == "queued" and body["meta"]["action"] == "handover"
        assert [r["text"] for r in body["replies"]] == [BOT_DOWN_TEXT]
        conv = await db.conversations.find_one({"_id": body["conversation_id"]})
        assert conv["state"] == "queued" and conv["handover"]["reason"] == "bot_error"
        stored = await db.messages.find_one({"address": session_id, "direction": "in"})
        assert stored["status"] == "handled" and stored["text"] == "ik wil mijn paspoort verlengen"
        told = await db.messages.find_one({"conversation_id": body["conversation_id"], "direction": "out"})
        assert told["author"] == "system" and told["text"] == BOT_DOWN_TEXT

        later = await say(http, bot_stack, session_id, "hallo?")  # queued: the bot stays silent, the desk hears it
        assert later["meta"]["state"] == "queued"
        health = await wait_health(http, bot_stack, 503, within_s=10)
        assert health["components"]["actions"] == "down"
    finally:
        bot_stack.start(actions)  # later tests get their action server back
    await wait_health(http, bot_stack, 200, within_s=30)
    again = await say(http, bot_stack, f"{session_id}-na", "ik wil mijn paspoort verlengen")
    assert again["meta"]["state"] == "bot" and again["replies"], "a new conversation gets the bot again"
