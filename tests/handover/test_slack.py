"""Slack as an agent desk: the thread loop through the real hub and a local Slack Web API."""

from __future__ import annotations

import json
import time
import uuid

from slack_sdk.signature import SignatureVerifier

from hub.staff import auth
from tests.handover import stack_env
from tests.handover.conftest import PASSWORD
from tests.polling import eventually
from tests.webchat_client import say


def signed(body: dict, secret: str = stack_env.SLACK_SIGNING_SECRET, at: int | None = None) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    timestamp = str(at or int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=raw.decode())
    return raw, {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature, "Content-Type": "application/json"}


def thread_reply(thread_ts: str, text: str, user: str = stack_env.SLACK_AGENT_USER) -> dict:
    return {
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10]}",
        "team_id": "T0KCC",
        "event": {"type": "message", "channel": stack_env.SLACK_CHANNEL, "user": user, "text": text,
                  "ts": f"{time.time():.6f}", "thread_ts": thread_ts, "channel_type": "channel"},
    }


async def post(http, stack, body: dict, **kwargs):
    raw, headers = signed(body, **kwargs)
    async with http.post(f"{stack.hub_url}/webhooks/slack", data=raw, headers=headers) as resp:
        return resp.status, await resp.json()


async def test_slack_requests_must_be_signed(stack, http, slack):
    raw, headers = signed({"type": "url_verification", "challenge": "abc"})
    async with http.post(f"{stack.hub_url}/webhooks/slack", data=raw, headers={**headers, "X-Slack-Signature": "v0=00"}) as resp:
        assert resp.status == 401 and (await resp.json())["error"]["code"] == "bad_signature"
    status, body = await post(http, stack, {"type": "url_verification", "challenge": "abc"}, at=int(time.time()) - 3600)
    assert status == 401  # an old timestamp is a replay
    status, body = await post(http, stack, {"type": "url_verification", "challenge": "abc"})
    assert status == 200 and body == {"challenge": "abc"}


async def test_the_thread_loop(bot_stack, http, db, session_id, slack, desk_reset):
    await auth.create_staff(db, stack_env.SLACK_AGENT, PASSWORD, ["agent"], name="Sam van Slack", team="kcc")
    conv_id = (await say(http, bot_stack, session_id, "ik wil een medewerker spreken"))["conversation_id"]

    async def thread_of_conv():
        conv = await db.conversations.find_one({"_id": conv_id})
        return (conv.get("slack") or {}).get("ts")

    root_ts = await eventually(thread_of_conv, 10)
    root = next(m for m in slack.roots(stack_env.SLACK_CHANNEL) if m["ts"] == root_ts)
    assert "Nieuw gesprek voor team kcc" in root["text"] and "Inwoner vroeg om een medewerker" in root["text"]
    transcript = await slack.wait_for(lambda m: m.get("thread_ts") == root_ts and "Gesprek tot nu toe" in m["text"])
    assert "Inwoner: ik wil een medewerker spreken" in transcript["text"] and "Chatbot:" in transcript["text"]

    await say(http, bot_stack, session_id, "Is daar iemand? <script>")
    seen = await slack.wait_for(lambda m: m.get("thread_ts") == root_ts and m["text"].startswith("*Inwoner:*"))
    assert seen["text"] == "*Inwoner:* Is daar iemand? &lt;script&gt;"  # shown, never interpreted

    reply = thread_reply(root_ts, "Goedemiddag, u spreekt met Sam. Waarmee kan ik helpen? &lt;3")
    status, body = await post(http, bot_stack, reply)
    assert status == 200 and body["outcome"] == "sent"
    conv = await db.conversations.find_one({"_id": conv_id})
    assert conv["state"] == "agent" and conv["assignee"] == stack_env.SLACK_AGENT  # picked up from the queue
    async with http.get(f"{bot_stack.hub_url}/api/v1/webchat/conversations/{conv_id}/messages") as resp:
        agent_texts = [m["text"] for m in (await resp.json())["messages"] if m["author"] == "agent"]
    assert agent_texts == ["Goedemiddag, u spreekt met Sam. Waarmee kan ik helpen? <3"]
    await slack.wait_for(lambda m: m.get("thread_ts") == root_ts and "Opgepakt door Sam van Slack" in m["text"])

    status, body = await post(http, bot_stack, reply)  # Slack retries the same event
    assert status == 200 and body.get("duplicate") is True
    stranger = thread_reply(root_ts, "Ik doe ook mee", user="U0ONBEKEND")
    status, body = await post(http, bot_stack, stranger)
    assert body["outcome"] == "unknown_agent"
    await slack.wait_for(lambda m: m.get("thread_ts") == root_ts and "niet gekoppeld" in m["text"])
    assert await db.messages.count_documents({"conversation_id": conv_id, "author": "agent"}) == 1

    status, body = await post(http, bot_stack, thread_reply(root_ts, "!sluiten Vraag beantwoord"))
    assert body["outcome"] == "closed"
    conv = await db.conversations.find_one({"_id": conv_id})
    assert conv["state"] == "closed" and conv["outcome"] == "answered"
    await slack.wait_for(lambda m: m.get("thread_ts") == root_ts and "Afgesloten: Beantwoord" in m["text"])


async def test_a_conversation_held_in_the_console_is_not_answered_from_slack(bot_stack, http, db, session_id, slack, desk_reset, console):
    await auth.create_staff(db, stack_env.SLACK_AGENT, PASSWORD, ["agent"], name="Sam van Slack", team="kcc")
    anna = await console()
    conv_id = (await say(http, bot_stack, session_id, "ik wil een medewerker spreken"))["conversation_id"]

    async def ready():
        conv = await db.conversations.find_one({"_id": conv_id})
        return conv.get("slack") and conv.get("assignee") == anna.username and conv["slack"]["ts"]

    root_ts = await eventually(ready, 10)
    status, _ = await anna.call("POST", f"/conversations/{conv_id}/messages", json={"text": "Ik help u, Anna hier."})
    assert status == 201
    await slack.wait_for(lambda m: m.get("thread_ts") == root_ts and "(console):* Ik help u, Anna hier." in m["text"])
    status, body = await post(http, bot_stack, thread_reply(root_ts, "Mag ik het overnemen?"))
    assert body["outcome"] == "not_assigned"
    await slack.wait_for(lambda m: m.get("thread_ts") == root_ts and m["text"].startswith("_Niet verstuurd: Dit gesprek is van een collega"))
    assert await db.messages.count_documents({"conversation_id": conv_id, "author": "agent"}) == 1
