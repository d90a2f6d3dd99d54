"""Residents who leave before an agent comes (abandoned), and the notice when an agent joins."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from handover import abandon
from handover.lifecycle import JOINED_PREFIX
from handover.waiting import TRANSFERRED_TEXT
from hub.core.event_types import EventType
from hub.core.models import utcnow
from tests.polling import eventually
from tests.webchat_client import say


async def _abandoned_events(d, conv_id):
    return await d.db.events.find({"conversation_id": conv_id, "type": "abandoned"}).to_list(None)


async def test_leaving_the_queue_is_abandoned_and_counted_once(inproc):
    d = await inproc()
    conv_id = await d.handed_over(topic="paspoort")
    assert await abandon.resident_left(d.db, d.live, conv_id, "ended_by_resident") == "abandoned"
    conv = await d.conv(conv_id)
    assert conv["state"] == "closed" and conv["outcome"] == "abandoned" and conv["open_key"] == f"closed:{conv_id}"
    (event,) = await _abandoned_events(d, conv_id)
    assert event["team"] == "kcc" and event["why"] == "ended_by_resident" and event["waited_s"] >= 0
    assert await abandon.resident_left(d.db, d.live, conv_id, "again") is None  # closed: nothing more happens
    assert len(await _abandoned_events(d, conv_id)) == 1
    await d.agent("anna")  # an agent coming online later does not get the closed conversation
    assert (await d.conv(conv_id))["assignee"] is None


async def test_leaving_while_an_agent_has_it_tells_the_agent(inproc):
    d = await inproc()
    conv_id = await d.handed_over()
    await d.agent("anna")
    assert await d.assigned_to(conv_id) == "anna"
    async with d.live.listen(EventType.RESIDENT_LEFT) as left:
        assert await abandon.resident_left(d.db, d.live, conv_id, "ended_by_resident") == "agent_told"
        event = await asyncio.wait_for(left.get(), 3)
    assert event.conversation_id == conv_id and event.get("text") == abandon.LEFT_TEXT
    conv = await d.conv(conv_id)
    assert conv["state"] == "agent" and conv["resident_left_at"] is not None  # the agent closes it
    assert await _abandoned_events(d, conv_id) == []  # an agent had come: not abandoned


async def test_a_web_chat_page_gone_too_long_is_abandoned_other_channels_stay(inproc):
    d = await inproc(handover_abandon_after_s=120)
    gone = await d.handed_over()
    present = await d.handed_over()
    sms = await d.handed_over(channel="sms")
    old = utcnow() - timedelta(seconds=600)
    await d.db.conversations.update_many({"_id": {"$in": [gone, sms]}}, {"$set": {"resident_seen_at": old, "queued_at": old}})
    await abandon.Presence(d.db).seen(present)
    # the hub's own wait-notifier round may get there first: either way, it is abandoned once
    assert await abandon.sweep_silent(d.db, d.live, d.settings) in (0, 1)
    assert (await d.conv(gone))["outcome"] == "abandoned"
    assert await abandon.sweep_silent(d.db, d.live, d.settings) == 0
    # whichever sweep won writes the event just after closing the conversation
    assert [e["why"] for e in await eventually(lambda: _abandoned_events(d, gone), 5)] == ["page_gone"]
    assert (await d.conv(present))["state"] == "queued"
    assert (await d.conv(sms))["state"] == "queued"  # quiet on SMS is not leaving


async def test_the_resident_hears_once_that_a_person_joined_and_when_transferred(inproc):
    d = await inproc()
    conv_id = await d.handed_over()
    anna = await d.agent("anna")
    piet = await d.agent("piet", presence="busy")
    assert await d.assigned_to(conv_id) == "anna"

    async def notices():
        return [m["text"] for m in await d.messages(conv_id, author="system") if m["metadata"].get("kind") in ("agent_joined", "transferred")]

    await asyncio.sleep(1.5)  # assigned, but nobody has read it yet: nothing is said
    assert await notices() == []
    await d.desk.reply(conv_id, anna, "Goedemiddag, waarmee kan ik helpen?")  # the first reply says it first
    found = await eventually(notices, 5)
    assert len(found) == 1 and found[0].startswith(JOINED_PREFIX) and "Anna" in found[0]
    assert not await d.desk.announce_joined(conv_id, anna)  # opening it afterwards repeats nothing
    await d.desk.transfer(conv_id, anna, note="Vraag over de Wmo", to_agent="piet")
    assert (await eventually(lambda: _count(notices, 2), 5))[1] == TRANSFERRED_TEXT
    await d.desk.reply(conv_id, piet, "Ik help u verder.")
    assert not await d.desk.announce_joined(conv_id, piet)  # a re-assignment never repeats "a person is here"
    await asyncio.sleep(0.5)
    assert len(await notices()) == 2


async def _count(get, n):
    found = await get()
    return found if len(found) >= n else None


async def test_ending_the_web_chat_over_http(bot_stack, http, db, session_id, desk_reset):
    body = await say(http, bot_stack, session_id, "ik wil een medewerker spreken")
    conv_id = body["conversation_id"]
    assert body["meta"]["state"] == "queued"
    url = f"{bot_stack.hub_url}/api/v1/webchat/conversations/{conv_id}/end"
    async with http.post(url) as resp:
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["result"] == "abandoned"
    async with http.post(url) as resp:
        assert resp.status == 409 and (await resp.json())["error"]["code"] == "already_closed"
    async with http.post(f"{bot_stack.hub_url}/api/v1/webchat/conversations/nope/end") as resp:
        assert resp.status == 404
    assert await db.events.count_documents({"conversation_id": conv_id, "type": "abandoned"}) == 1
    again = await say(http, bot_stack, session_id, "hallo")  # a new message starts a new conversation
    assert again["conversation_id"] != conv_id
