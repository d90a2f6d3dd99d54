"""The satisfaction question (grade 1-10) after an agent closed a conversation and after the bot helped:
buttons on a channel that has them, a typed number elsewhere; optional; one grade per conversation."""

from __future__ import annotations

from hub.conversations import satisfaction
from hub.core.event_types import EventType
from hub.core.models import InboundMessage, State
from tests.polling import eventually


async def _closed_by_agent(d, channel: str) -> dict:
    anna = await d.agent("anna")
    conv_id = await d.handed_over(channel=channel)
    assert await d.assigned_to(conv_id) == "anna"
    await d.desk.reply(conv_id, anna, "Uw paspoort is over vijf werkdagen klaar.")
    await d.desk.close(conv_id, anna, "answered")
    return await d.conv(conv_id)


async def _grade_events(d, conv_id: str) -> list[dict]:
    return await d.db.events.find({"type": EventType.SATISFACTION.value, "conversation_id": conv_id}).to_list(None)


async def test_web_chat_asks_with_ten_buttons_and_takes_the_pressed_grade(inproc):
    d = await inproc()
    conv = await _closed_by_agent(d, "webchat")
    question = (await d.messages(conv["_id"]))[-1]
    assert question["text"] == satisfaction.QUESTION
    assert [b["title"] for b in question["buttons"]] == [str(i) for i in range(1, 11)]
    assert question["buttons"][7]["payload"] == "/tevredenheid:8"

    result = await d.pipeline.receive(InboundMessage(channel="webchat", address=conv["address"], text="8",
                                                     payload="/tevredenheid:8"))
    assert result.conversation_id == conv["_id"] and result.meta.action == "thanks"
    assert [r.text for r in result.replies] == [satisfaction.THANKS]
    graded = await d.conv(conv["_id"])
    assert graded["satisfaction"]["score"] == 8 and graded["satisfaction"]["scale"] == 10
    assert graded["open_key"] == f"closed:{conv['_id']}" and graded["state"] == State.CLOSED.value
    events = await _grade_events(d, conv["_id"])
    assert [(e["score"], e["scale"], e["channel"], e["team"]) for e in events] == [(8, 10, "webchat", "kcc")]

    # the next message is a new conversation with the bot; the grade stays one
    later = await d.pipeline.receive(InboundMessage(channel="webchat", address=conv["address"], text="9"))
    assert later.conversation_id != conv["_id"]
    assert len(await _grade_events(d, conv["_id"])) == 1


async def test_sms_has_no_buttons_so_the_resident_types_a_number(inproc):
    d = await inproc()
    conv = await _closed_by_agent(d, "sms")
    question = (await d.messages(conv["_id"]))[-1]
    assert question["text"] == satisfaction.QUESTION_TYPED and not question.get("buttons")

    result = await d.pipeline.receive(InboundMessage(channel="sms", address=conv["address"], text="een 9"))
    assert result.conversation_id == conv["_id"] and [r.text for r in result.replies] == [satisfaction.THANKS]
    assert (await d.conv(conv["_id"]))["satisfaction"]["score"] == 9
    assert [(e["score"], e["channel"]) for e in await _grade_events(d, conv["_id"])] == [(9, "sms")]


async def test_answering_is_optional_a_new_question_opens_a_new_conversation(inproc):
    d = await inproc()
    conv = await _closed_by_agent(d, "sms")
    result = await d.pipeline.receive(InboundMessage(channel="sms", address=conv["address"], text="Wanneer is de milieustraat open?"))
    assert result.conversation_id != conv["_id"] and result.meta.state is State.BOT
    closed = await d.conv(conv["_id"])
    assert "satisfaction" not in closed and closed["open_key"] == f"closed:{conv['_id']}"
    assert await _grade_events(d, conv["_id"]) == []


async def test_after_the_bot_helped_a_thank_you_brings_the_question_once(inproc):
    d = await inproc()
    address = "res-thanks-1"
    first = await d.pipeline.receive(InboundMessage(channel="webchat", address=address, text="Wat kost een paspoort?"))
    assert first.meta.state is State.BOT
    thanks = await d.pipeline.receive(InboundMessage(channel="webchat", address=address, text="Bedankt!"))
    assert thanks.meta.intent == "thanks", thanks.meta
    assert thanks.replies[-1].text == satisfaction.QUESTION and len(thanks.replies[-1].buttons) == 10
    graded = await d.pipeline.receive(InboundMessage(channel="webchat", address=address, text="7"))
    assert graded.conversation_id == first.conversation_id and graded.meta.action == "thanks"
    assert (await d.conv(first.conversation_id))["state"] == State.BOT.value  # the bot keeps the conversation
    assert [e["score"] for e in await _grade_events(d, first.conversation_id)] == [7]
    again = await d.pipeline.receive(InboundMessage(channel="webchat", address=address, text="Dank u wel"))
    assert all(r.text != satisfaction.QUESTION for r in again.replies)  # asked once per conversation

    async def stored() -> bool:
        return await d.db.messages.count_documents({"conversation_id": first.conversation_id, "direction": "in"}) >= 4

    await eventually(stored, 5)


async def test_a_thank_you_after_only_a_greeting_brings_no_question(inproc):
    d = await inproc()
    address = "res-thanks-2"
    hello = await d.pipeline.receive(InboundMessage(channel="webchat", address=address, text="Hallo"))
    assert hello.meta.intent == "greet", hello.meta
    thanks = await d.pipeline.receive(InboundMessage(channel="webchat", address=address, text="Bedankt!"))
    assert thanks.meta.intent == "thanks", thanks.meta
    assert all(r.text != satisfaction.QUESTION for r in thanks.replies)
    assert satisfaction.ASKED not in await d.conv(thanks.conversation_id)
    # a real question after the greeting: now a goodbye brings the question
    await d.pipeline.receive(InboundMessage(channel="webchat", address=address, text="Wat kost een paspoort?"))
    bye = await d.pipeline.receive(InboundMessage(channel="webchat", address=address, text="Tot ziens"))
    assert bye.meta.intent == "goodbye", bye.meta
    assert bye.replies[-1].text == satisfaction.QUESTION


def test_only_a_turn_that_dealt_with_a_question_counts():
    greeting, thanks = {"action": "greet", "intent": "greet"}, {"action": "thanks", "intent": "thanks"}
    assert not satisfaction.answered([])
    assert not satisfaction.answered([greeting, thanks, {"action": "fallback"}, {"action": "clarify", "offered": ["paspoort"]}])
    assert satisfaction.answered([greeting, {"action": "answer", "article": "paspoort-aanvragen"}])
    assert satisfaction.answered([{"action": "melding"}])
    assert satisfaction.after_answer({"intent": "goodbye", satisfaction.ANSWERED_BEFORE: True})
    assert not satisfaction.after_answer({"intent": "goodbye", satisfaction.ANSWERED_BEFORE: False})
    assert not satisfaction.after_answer({"intent": "thanks"})  # an action server that does not say: not asked
    assert not satisfaction.after_answer({"intent": "ask_paspoort", satisfaction.ANSWERED_BEFORE: True})


def test_typed_grades_are_read_and_other_text_is_not():
    assert [satisfaction.parse_grade(t) for t in ("8", " een 7 ", "10!", "6/10", "cijfer 5", "9 van 10")] == [8, 7, 10, 6, 5, 9]
    assert [satisfaction.parse_grade(t) for t in ("11", "0", "8 euro", "hoe laat?", "", "3 paspoorten")] == [None] * 6
    assert satisfaction.parse_grade("x", "/tevredenheid:4") == 4 and satisfaction.parse_grade("x", "/tevredenheid:12") is None
