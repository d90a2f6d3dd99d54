"""Need-to-know: a social-domain conversation is visible (that it exists, not what) to staff
without the right, routed only to agents with it, and withheld from the Slack desk.

Against the real test hub with the real bot: the resident talks about bijstand, asks for a
person, and the conversation becomes social domain because of its topic.
"""

from __future__ import annotations

import asyncio

from handover.routing import Router
from hub.cases import store as cases
from hub.core.models import new_id, utcnow
from hub.privacy import need_to_know
from tests.handover import stack_env
from tests.polling import eventually
from tests.webchat_client import say

SOCIAL_QUESTION = "ik wil bijstand aanvragen, mijn inkomen is te laag"
SECRET_WORD = "bijstand"


async def _social_handover(http, stack, session_id):
    first = await say(http, stack, session_id, SOCIAL_QUESTION)
    assert first["meta"]["intent"] in need_to_know.social_topics([first["meta"]["intent"]]) or first["meta"]["article"], first
    body = await say(http, stack, session_id, "ik wil een medewerker spreken")
    assert body["meta"]["state"] == "queued", body
    return body["conversation_id"]


async def test_social_domain_conversation_for_staff_with_the_right_only(
    bot_stack, http, db, session_id, desk_reset, staff_login, slack
):
    plain = await staff_login(presence="available")  # an agent of team kcc without the right
    conv_id = await _social_handover(http, bot_stack, session_id)

    conv = await eventually(lambda: db.conversations.find_one({"_id": conv_id, "social_domain": True}))
    assert conv["confidential"] is True and conv["confidential_by"] == "bot"

    # The queue shows that it exists, not what.
    status, queue = await plain.desk("GET", "/queue")
    assert status == 200
    item = next(c for c in queue["teams"]["kcc"] if c["id"] == conv_id)
    assert item["restricted"] is True and item["label"] == "vertrouwelijk – sociaal domein"
    assert item["channel"] == "webchat" and item["state"] == "queued" and item["created_at"]
    assert "question" not in item and "topic" not in item and "contact_id" not in item and "reason" not in item
    assert SECRET_WORD not in str(queue)

    # Opening it gives no messages, no summary, no contact card, and no audit entry.
    status, brief = await plain.desk("GET", f"/conversations/{conv_id}")
    assert status == 200 and brief["restricted"] is True
    assert brief["messages"] == [] and brief["summary"] is None and brief["contact"] is None
    assert SECRET_WORD not in str(brief)
    assert await db.audit.count_documents({"actor": plain.username}) == 0

    # Routing leaves it for an agent with the right; a manual pick-up is refused.
    await asyncio.sleep(1.5)  # a few router sweeps
    assert (await db.conversations.find_one({"_id": conv_id}))["state"] == "queued"
    status, body = await plain.desk("POST", f"/conversations/{conv_id}/take")
    assert status == 403 and body["error"]["code"] == "need_to_know"

    # The contact card names the conversation with its label only.
    status, card = await plain.call("GET", f"/api/v1/contacts/{conv['contact_id']}")
    assert status == 200
    listed = next(c for c in card["conversations"] if c["id"] == conv_id)
    assert listed["label"] == "vertrouwelijk – sociaal domein"

    # The live feed of the conversation is refused too.
    async with plain.http.ws_connect(f"{bot_stack.hub_url}/api/v1/handover/ws") as ws:
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        await ws.send_json({"action": "watch", "conversation_id": conv_id})
        while True:
            msg = await ws.receive_json(timeout=5)
            if msg["type"] == "error" or msg["type"] == "watching":
                break
        assert msg["type"] == "error" and msg["code"] == "need_to_know"

    # An agent with the right gets it from the router and sees everything (audited).
    cleared = await staff_login(rights=["sociaal_domein"], presence="available")
    assert await eventually(
        lambda: db.conversations.find_one({"_id": conv_id, "state": "agent", "assignee": cleared.username}), 10
    )
    status, brief = await cleared.desk("GET", f"/conversations/{conv_id}")
    assert status == 200 and brief["restricted"] is False and brief["label"] == "vertrouwelijk – sociaal domein"
    assert brief["messages"][0]["text"] == SOCIAL_QUESTION
    actions = {e["action"] async for e in db.audit.find({"actor": cleared.username, "conversation_id": conv_id})}
    assert actions == {"conversation.read", "contact.read"}

    # The Slack desk heard that there is a conversation, never what it is about.
    thread = await eventually(lambda: db.conversations.find_one({"_id": conv_id, "slack": {"$ne": None}}))
    root_ts = thread["slack"]["ts"]
    root = next(m for m in slack.roots(stack_env.SLACK_CHANNEL) if m["ts"] == root_ts)
    assert "vertrouwelijk – sociaal domein" in root["text"] and SECRET_WORD not in root["text"].lower()
    await say(http, bot_stack, session_id, "ik heb ook schulden bij de bijstand")
    await slack.wait_for(lambda m: m.get("thread_ts") == root_ts and "Nieuw bericht van de inwoner" in m["text"])
    assert all(SECRET_WORD not in m["text"].lower() for m in slack.thread(root_ts))


async def test_an_agent_marks_a_conversation_and_only_the_right_clears_it(
    bot_stack, http, db, session_id, desk_reset, staff_login
):
    agent = await staff_login(presence="available")
    body = await say(http, bot_stack, session_id, "ik wil een medewerker spreken")
    conv_id = body["conversation_id"]
    await eventually(lambda: db.conversations.find_one({"_id": conv_id, "state": "agent", "assignee": agent.username}), 10)
    status, brief = await agent.desk("GET", f"/conversations/{conv_id}")
    assert status == 200 and brief["restricted"] is False and brief["label"] is None

    status, body = await agent.desk("POST", f"/conversations/{conv_id}/confidential", json={"reason": "x"})
    assert status == 422 and body["error"]["fields"] == ["reason"]  # a reason of at least 3 characters
    status, body = await agent.desk("POST", f"/conversations/{conv_id}/confidential", json={"reason": "gaat over schulden"})
    assert status == 200 and body["changed"] is True and body["conversation"]["restricted"] is True
    entry = await db.audit.find_one({"action": "conversation.mark", "conversation_id": conv_id})
    assert entry["actor"] == agent.username and entry["reason"] == "gaat over schulden"

    # The agent has no right: from now on only that it exists, and no clearing.
    status, brief = await agent.desk("GET", f"/conversations/{conv_id}")
    assert brief["restricted"] is True and brief["messages"] == []
    status, body = await agent.desk("POST", f"/conversations/{conv_id}/confidential",
                                    json={"social_domain": False, "reason": "vergissing"})
    assert status == 403 and body["error"]["code"] == "need_to_know"

    boss = await staff_login(roles=["supervisor", "agent"])  # supervisors have the right by their role
    status, body = await boss.desk("POST", f"/conversations/{conv_id}/confidential",
                                   json={"social_domain": False, "reason": "vergissing"})
    assert status == 200 and body["changed"] is True
    status, brief = await agent.desk("GET", f"/conversations/{conv_id}")
    assert brief["restricted"] is False and brief["messages"]


async def test_a_social_domain_case_marks_its_conversation(db):
    conv_id = new_id()
    await db.conversations.insert_one(
        {"_id": conv_id, "channel": "webchat", "address": f"a-{conv_id}", "open_key": f"test:{conv_id}", "state": "agent",
         "seq": 0, "contact_id": None, "created_at": utcnow()}
    )
    await cases.create_case(db, "vraag", "Vraag over de afvalpas", conversation_id=conv_id, created_by="test-agent")
    assert not need_to_know.restricted(await db.conversations.find_one({"_id": conv_id}))
    await cases.create_case(db, "wmo-melding", "Hulp bij het huishouden", conversation_id=conv_id, created_by="test-agent")
    conv = await db.conversations.find_one({"_id": conv_id})
    assert conv["social_domain"] is True and conv["confidential_by"] == "test-agent"
    assert conv["confidential_why"].startswith("zaak ")


def test_routing_plan_keeps_restricted_conversations_for_cleared_agents():
    heads = [{"_id": "secret", "social_domain": True}, {"_id": "plain-1"}, {"_id": "plain-2"}]
    plain_agent = {"_id": "piet", "capacity": 3, "slots": [], "social_domain": False}
    cleared = {"_id": "sara", "capacity": 1, "slots": [], "social_domain": True}
    assert Router._plan(heads, [plain_agent]) == {"piet": ["plain-1", "plain-2"]}  # the secret one waits
    assert Router._plan(heads, [cleared, plain_agent]) == {"sara": ["secret"], "piet": ["plain-1", "plain-2"]}
    assert Router._plan(heads, [plain_agent, cleared]) == {"piet": ["plain-1", "plain-2"], "sara": ["secret"]}
