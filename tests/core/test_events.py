"""One event vocabulary: ``emit`` logs and publishes one typed event; nothing else writes the log.

* ``emit`` against the real Mongo-wire server, in a database of its own: one document for a
  logged type, none for a desk-only type, one ``Event`` for the listeners of that type only.
* The stored ``type`` strings are pinned: statistics and old events read them.
* A source scan (``ast``) of the product packages: only ``hub/core/events.py`` writes the
  ``events`` collection or publishes events, and no module publishes a plain dict on the old
  "desk" topic or a ``{"type": ...}`` dict on any topic.
"""

from __future__ import annotations

import ast
import asyncio
import typing
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from pymongo.errors import BulkWriteError

from hub.core.bus import LiveBus
from hub.core.event_types import EventType, describe
from hub.core.events import Buffer, Event, emit, event
from hub.core.models import Action
from tests.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("hub", "channels", "connectors", "knowledge", "handover", "bot")
THE_WRITER = Path("hub/core/events.py")
WRITES = frozenset({
    "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one", "delete_many",
    "find_one_and_update", "find_one_and_replace", "find_one_and_delete", "bulk_write", "drop", "rename",
})


@pytest.fixture
async def own_db(stack: Stack) -> AsyncIterator[AsyncIOMotorDatabase]:
    client = AsyncIOMotorClient(stack.mongo_url, tz_aware=True)
    name = f"kcc_events_{uuid.uuid4().hex[:8]}"
    yield client[name]
    await client.drop_database(name)
    client.close()


# ---------------------------------------------------------------------- emit
async def test_emit_logs_one_document_and_tells_only_the_listeners_of_its_type(own_db):
    bus = LiveBus()
    async with bus.listen(EventType.CLOSED) as closed, bus.listen(EventType.HANDOVER, EventType.NOTE) as others:
        event = await emit(
            own_db, bus, EventType.CLOSED, "conv-1", by="anna", outcome="answered", team="kcc", context={"agent": "anna"}
        )
        heard = await asyncio.wait_for(closed.get(), 2)
        await asyncio.sleep(0)
        assert others.empty()  # a listener of other types hears nothing
    assert heard is event and closed.empty()
    assert (heard.type, heard.conversation_id, dict(heard.fields)) == (
        EventType.CLOSED, "conv-1", {"by": "anna", "outcome": "answered", "team": "kcc"}
    )
    assert heard.get("agent") == "anna" and heard.get("team") == "kcc" and not heard.has("nothing")
    docs = await own_db.events.find({}).to_list(None)
    assert len(docs) == 1
    (doc,) = docs
    assert {k: v for k, v in doc.items() if k not in ("_id", "at")} == {
        "type": "closed", "conversation_id": "conv-1", "by": "anna", "outcome": "answered", "team": "kcc"
    }  # the context (the assignee) is for listeners only, never logged
    assert type(doc["type"]) is str and abs(doc["at"] - event.at) < timedelta(milliseconds=2)


async def test_a_desk_only_event_is_published_and_not_logged(own_db):
    bus = LiveBus()
    async with bus.listen(EventType.NOTE) as notes, bus.listen(EventType.CLOSED) as closed:
        await emit(own_db, bus, EventType.NOTE, "conv-2")
        event = await asyncio.wait_for(notes.get(), 2)
        assert closed.empty()
    assert event.type is EventType.NOTE and event.conversation_id == "conv-2"
    assert await own_db.events.count_documents({}) == 0
    assert not EventType.NOTE.logged and EventType.CLOSED.logged


async def test_without_a_bus_the_event_is_logged_and_a_finished_listener_hears_nothing(own_db):
    bus = LiveBus()
    async with bus.listen(EventType.SATISFACTION) as early:
        pass
    await emit(own_db, None, EventType.SATISFACTION, "conv-3", score=4, channel="webchat", team=None)
    await emit(own_db, bus, EventType.SATISFACTION, "conv-3", score=5, channel="webchat", team=None)
    assert early.empty()
    assert [d["score"] for d in await own_db.events.find({"type": "satisfaction"}).sort("score", 1).to_list(None)] == [4, 5]


async def test_a_buffer_writes_many_batches_at_once_then_publishes_them_in_order(own_db):
    bus = LiveBus()
    buffer = Buffer(own_db, bus)
    first = [event(EventType.MESSAGE_IN, "conv-a", channel="webchat"), event(EventType.BOT_ANSWER, "conv-a", article="x")]
    second = [event(EventType.MESSAGE_IN, "conv-b", channel="sms")]
    async with bus.listen(EventType.MESSAGE_IN, EventType.BOT_ANSWER) as heard:
        assert buffer.add(first) is True  # the caller plans a flush
        assert buffer.add(second) is False  # the planned flush takes it too
        assert await own_db.events.count_documents({}) == 0 and heard.empty()  # nothing before the flush
        await buffer.flush()
        got = [heard.get_nowait() for _ in range(3)]
    assert got == [*first, *second]
    assert sorted((d["conversation_id"], d["type"]) for d in await own_db.events.find().to_list(None)) == [
        ("conv-a", "bot_answer"), ("conv-a", "message_in"), ("conv-b", "message_in")]
    assert buffer.add(second) is True and len(buffer) == 1  # after a flush the next batch plans a new one


async def test_a_buffer_flush_tried_again_writes_nothing_twice_and_keeps_what_failed(own_db):
    bus = LiveBus()
    buffer = Buffer(own_db, bus)
    batch = [event(EventType.MESSAGE_IN, "conv-a", channel="webchat"), event(EventType.BOT_ANSWER, "conv-a", article="x")]
    buffer.add(batch)
    already = buffer._docs[0]  # as if an earlier try wrote the first and its answer was lost on the way
    await own_db.events.insert_one(dict(already))
    await buffer.flush()
    assert await own_db.events.count_documents({}) == 2  # the second written, the first not twice

    await own_db.events.drop()  # a log that refuses these documents: the write fails with another error than a repeat
    await own_db.create_collection("events", validator={"$jsonSchema": {"required": ["never_there"]}})
    broken = Buffer(own_db, bus)
    broken.add(batch)
    with pytest.raises(BulkWriteError):
        await broken.flush()
    assert len(broken) == 2 and broken.add([]) is True  # kept for the next try, in order; a new flush may be planned


async def test_emit_takes_only_a_type_of_the_vocabulary():
    with pytest.raises(TypeError):
        await emit(None, LiveBus(), "closed", "conv-4")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        async with LiveBus().listen():
            pass


def test_an_event_is_read_only():
    event = Event(EventType.NOTE, None, None)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        event.type = EventType.CLOSED  # type: ignore[misc]


# ---------------------------------------------------------------------- the vocabulary
STORED_NAMES = {  # written by the hub before the vocabulary was an enum; statistics read them
    "conversation_opened", "message_in", "message_out", "delivery_failed", "bot_answer", "bot_clarify",
    "bot_fallback", "bot_status", "bot_melding", "bot_callback", "bot_data_access", "bot_handover", "bot_greet",
    "bot_thanks", "bot_out_of_scope", "handover", "queued", "assigned", "requeued", "agent_reply",
    "first_agent_reply", "transfer", "transferred", "handed_back", "closed", "abandoned", "agent_presence",
    "after_hours_request", "contact_moment", "case_created", "case_status", "case_status_not_pushed",
    "answer_deadline_met", "answer_deadline_missed", "callback_created", "callback_attempt", "callback_done",
    "callback_overdue", "case_overdue", "conversation_marked", "conversation_unmarked", "identity_conflict",
    "contact_linked", "contacts_merged", "contacts_unmerged", "satisfaction",
    "appointment_booked", "appointment_moved", "appointment_cancelled", "appointment_reminded", "bot_appointment",
    "specialist_asked", "specialist_accepted", "specialist_returned",
    # issue 17: notifications, crisis mode, referrals
    "bot_notify", "bot_referral", "consent_recorded", "notice_queued", "notice_sent", "notice_skipped",
    "crisis_on", "crisis_off", "crisis_broadcast", "referral",
}


def test_the_stored_names_stay_and_every_bot_action_has_a_type():
    logged = {t.value for t in EventType if t.logged}
    assert logged == STORED_NAMES
    assert {e["type"] for e in describe()} == STORED_NAMES
    for action in typing.get_args(Action):
        assert EventType.for_bot(action).logged
    assert all(t.doc for t in EventType)


# ---------------------------------------------------------------------- the source scan
def _is_events_collection(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "events":
        return True
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == "events":
        return True
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get_collection"
        and bool(node.args) and isinstance(node.args[0], ast.Constant) and node.args[0].value == "events"
    )


def _is_untyped_event(node: ast.expr) -> bool:
    return isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "type" for k in node.keys)


def offences(tree: ast.AST) -> list[str]:
    """What in this module writes the event log or publishes an event other than through ``emit``."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, receiver, args = node.func.attr, node.func.value, node.args
        if name in WRITES and _is_events_collection(receiver):
            found.append(f"line {node.lineno}: writes the events collection ({name})")
        elif name == "publish_event":
            found.append(f"line {node.lineno}: publishes an event without emit")
        elif name == "publish" and args and isinstance(args[0], ast.Constant) and args[0].value == "desk":
            found.append(f"line {node.lineno}: publishes on the desk topic")
        elif name == "publish" and len(args) > 1 and _is_untyped_event(args[1]):
            found.append(f"line {node.lineno}: publishes an untyped event (a dict with a type)")
    return found


def test_the_scan_finds_what_it_looks_for():
    bad = """
async def f(db, live, app):
    await db.events.insert_one({})
    await app["db"]["events"].update_many({}, {})
    await db.get_collection("events").delete_many({})
    live.publish("desk", {"type": "note"})
    live.publish(conv_id, {"type": "closed"})
    live.publish_event(event)
"""
    assert len(offences(ast.parse(bad))) == 6
    fine = """
async def f(db, live):
    await db.events.aggregate([]).to_list(None)
    await db.events.find_one({})
    await db.messages.insert_one({})
    live.publish(conv_id, message_view(doc))
"""
    assert offences(ast.parse(fine)) == []


def test_only_the_event_module_writes_the_log_and_publishes_events():
    found = {}
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if rel == THE_WRITER:
                continue
            hits = offences(ast.parse(path.read_text(encoding="utf-8"), filename=str(rel)))
            if hits:
                found[str(rel)] = hits
    assert found == {}, "use hub.core.events.emit (or events.erase_field) instead:\n" + "\n".join(
        f"{path}: {hit}" for path, hits in found.items() for hit in hits
    )
    assert offences(ast.parse((ROOT / THE_WRITER).read_text(encoding="utf-8")))  # the one writer is seen as one
