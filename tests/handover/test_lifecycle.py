"""Reply, transfer, hand back to the bot and close, on the real desk with the real Rasa server."""

from __future__ import annotations

import pytest

from handover.agents import set_presence
from handover.lifecycle import CLOSED_TEXT, HANDBACK_TEXT
from handover.routing import DeskError
from hub.conversations import satisfaction
from hub.core.models import InboundMessage, State
from tests.polling import eventually


async def test_only_the_assigned_agent_can_reply_and_the_bot_stays_silent(inproc):
    d = await inproc()
    anna = await d.agent("anna")
    piet = await d.agent("piet", presence="busy")
    conv_id = await d.handed_over()
    assert await d.assigned_to(conv_id) == "anna"
    with pytest.raises(DeskError) as refused:
        await d.desk.reply(conv_id, piet, "Ik neem het over")
    assert refused.value.status == 403 and refused.value.code == "not_assigned"
    conv = await d.conv(conv_id)
    result = await d.pipeline.receive(InboundMessage(channel="webchat", address=conv["address"], text="hallo? is daar iemand?"))
    assert result.replies == [] and result.meta.state is State.AGENT  # stored, no bot answer
    sent = await d.desk.reply(conv_id, anna, "Goedemiddag, u spreekt met Anna.", article="paspoort-aanvragen")
    messages = await d.messages(conv_id)
    # the first reply is preceded by the one "a person is here" notice (not sent on assignment)
    assert [m["author"] for m in messages[-3:]] == ["resident", "system", "agent"]
    assert messages[-2]["metadata"]["kind"] == "agent_joined" and "Anna" in messages[-2]["text"]
    assert messages[-1]["_id"] == sent["message_id"]
    assert messages[-1]["metadata"]["agent"] == "anna" and messages[-1]["metadata"]["article"] == "paspoort-aanvragen"
    assert (await d.conv(conv_id))["answered_at"] is not None


async def test_transfer_to_a_colleague_with_an_internal_note(inproc):
    d = await inproc()
    anna = await d.agent("anna")
    await d.agent("bram", presence="busy")  # busy agents can still receive a transfer
    conv_id = await d.handed_over()
    assert await d.assigned_to(conv_id) == "anna"
    await d.desk.transfer(conv_id, anna, "Vraag over Wmo, Bram weet dit.", to_agent="bram")
    conv = await d.conv(conv_id)
    assert conv["assignee"] == "bram" and conv["state"] == State.AGENT.value
    assert conv["notes"][-1]["text"] == "Vraag over Wmo, Bram weet dit." and conv["notes"][-1]["kind"] == "transfer"
    assert await d.db.agents.count_documents({"_id": "anna", "slots": conv_id}) == 0
    assert await d.db.agents.count_documents({"_id": "bram", "slots": conv_id}) == 1
    texts = [m["text"] for m in await d.messages(conv_id)]
    assert not any("Bram weet dit" in t for t in texts)  # the resident never sees a note
    with pytest.raises(DeskError) as refused:
        await d.desk.reply(conv_id, anna, "nog iets")
    assert refused.value.status == 403


async def test_transfer_to_another_team_goes_to_the_front_of_its_queue(inproc):
    d = await inproc(handover_teams={"paspoort-aanvragen": "burgerzaken"})
    anna = await d.agent("anna")
    conv_id = await d.handed_over()
    assert await d.assigned_to(conv_id) == "anna"
    await d.agent("bea", team="burgerzaken", presence="busy")
    waiting = await d.handed_over(topic="paspoort-aanvragen")  # already waiting for burgerzaken
    await d.desk.transfer(conv_id, anna, "Gaat over een paspoort.", to_team="burgerzaken")
    conv = await d.conv(conv_id)
    assert conv["state"] == State.QUEUED.value and conv["team"] == "burgerzaken" and conv["front"] == 1
    await set_presence(d.db, "bea", "available")
    d.router.kick("burgerzaken")
    assert await d.assigned_to(conv_id) == "bea"
    assert (await d.assigned_order("bea"))[0] == conv_id  # before the one that waited already
    assert await d.assigned_to(waiting) == "bea"


async def test_hand_back_to_the_bot_resumes_rasa(inproc, http, bot_stack):
    d = await inproc()
    anna = await d.agent("anna")
    conv_id = await d.handed_over()
    assert await d.assigned_to(conv_id) == "anna"
    async def paused():
        async with http.get(f"{bot_stack.rasa_url}/conversations/{conv_id}/tracker") as resp:
            return (await resp.json())["paused"]

    await eventually(paused, 5)  # the pipeline paused Rasa at the handover
    result = await d.desk.hand_back(conv_id, anna, note="Algemene vraag, de bot kan dit.")
    assert result["rasa_told"] is True
    assert await paused() is False
    conv = await d.conv(conv_id)
    assert conv["state"] == State.BOT.value and conv["assignee"] is None
    assert (await d.messages(conv_id))[-1]["text"] == HANDBACK_TEXT
    answer = await d.pipeline.receive(InboundMessage(channel="webchat", address=conv["address"], text="hallo"))
    assert answer.meta.state is State.BOT and answer.replies  # the bot answers again
    assert await d.db.agents.count_documents({"_id": "anna", "slots": conv_id}) == 0


async def test_close_with_an_outcome_and_the_next_message_opens_a_new_conversation(inproc):
    d = await inproc()
    anna = await d.agent("anna")
    conv_id = await d.handed_over()
    assert await d.assigned_to(conv_id) == "anna"
    await d.desk.reply(conv_id, anna, "Uw paspoort is over vijf werkdagen klaar.")
    with pytest.raises(DeskError):
        await d.desk.close(conv_id, {"_id": "piet", "roles": ["agent"], "team": "kcc"}, "answered")
    await d.desk.close(conv_id, anna, "answered", note="Levertijd uitgelegd")
    conv = await d.conv(conv_id)
    assert conv["state"] == State.CLOSED.value and conv["outcome"] == "answered"
    # the address stays with it for one more message: the answer to the satisfaction question
    assert conv["open_key"] == f"webchat:{conv['address']}" and conv["handle_s"] > 0
    assert [m["text"] for m in await d.messages(conv_id)][-2:] == [CLOSED_TEXT, satisfaction.QUESTION]
    with pytest.raises(DeskError) as again:
        await d.desk.close(conv_id, anna, "answered")
    assert again.value.code == "closed"
    later = await d.pipeline.receive(InboundMessage(channel="webchat", address=conv["address"], text="hallo"))
    assert later.conversation_id != conv_id and later.meta.state is State.BOT
    assert (await d.conv(conv_id))["open_key"] == f"closed:{conv_id}"  # "hallo" is no grade: the address is free


async def test_a_supervisor_can_close_any_and_an_agent_can_close_a_queued_one(inproc):
    d = await inproc()
    queued = await d.handed_over()
    agent = await d.agent("anna", presence="busy")
    await d.desk.close(queued, agent, "no_answer_needed")
    assert (await d.conv(queued))["outcome"] == "no_answer_needed"
    await d.agent("bob")
    held = await d.handed_over()
    assert await d.assigned_to(held) == "bob"
    boss = {"_id": "sanne", "roles": ["supervisor"], "team": "kcc"}
    await d.desk.close(held, boss, "referred")
    assert (await d.conv(held))["closed_by"] == "sanne"
    assert await d.db.agents.count_documents({"_id": "bob", "slots": held}) == 0
