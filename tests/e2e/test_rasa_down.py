"""No message lost when a part is down: the real Rasa process is stopped mid-conversation."""

from __future__ import annotations

from hub.conversations.pipeline import BOT_DOWN_TEXT
from tests.webchat_client import say


async def test_message_is_kept_and_conversation_queued_when_rasa_is_down(bot_stack, http, db, session_id):
    first = await say(http, bot_stack, session_id, "hallo")
    assert first["meta"]["state"] == "bot"
    rasa = bot_stack.running.pop("rasa")
    rasa.stop()
    try:
        body = await say(http, bot_stack, session_id, "ik wil mijn paspoort verlengen")
        assert body["meta"]["state"] == "queued"
        assert body["meta"]["action"] == "handover"
        assert body["replies"][0]["text"] == BOT_DOWN_TEXT
        stored = await db.messages.find_one({"address": session_id, "text": "ik wil mijn paspoort verlengen"})
        assert stored is not None and stored["status"] == "handled"
        conv = await db.conversations.find_one({"_id": body["conversation_id"]})
        assert conv["state"] == "queued" and conv["handover"]["reason"] == "bot_unavailable"
        async with http.get(f"{bot_stack.hub_url}/healthz") as resp:
            assert resp.status == 503
            assert (await resp.json())["components"]["rasa"] == "down"
    finally:
        bot_stack.start(rasa)  # the rest of the suite gets its bot back
    async with http.get(f"{bot_stack.hub_url}/healthz") as resp:
        assert (await resp.json())["components"]["rasa"] == "up"
    # The bot is back: a new conversation gets the bot again. The queued one stays with the
    # agents (the resident was told a colleague takes over); its next message goes to the desk.
    fresh = await say(http, bot_stack, f"{session_id}-na", "ik wil mijn paspoort verlengen")
    assert fresh["meta"]["state"] == "bot" and fresh["replies"]
    queued = await say(http, bot_stack, session_id, "is er al iemand?")
    assert queued["meta"]["state"] == "queued" and queued["conversation_id"] == body["conversation_id"]
    assert await db.messages.count_documents({"address": session_id, "direction": "in"}) == 3
