"""The database budget of one web chat message on the bot path, counted by the server's own profiler.

Every operation the database receives that concerns this one resident's conversation is
counted: the hub's and the action server's alike (commands that name the session, the
conversation, the contact or one of the conversation's messages). The knowledge base reads of
the bot's actions name none of these and are the same when Rasa is asked without the hub.
Background work of the hub that belongs to the message (its events, written after the answer)
is waited for and counted too.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase

from bench import profiler
from tests.webchat_client import say

BUDGET = 7  # database operations for one web chat message the bot answers (its events included)


async def _profiled(db: AsyncIOMotorDatabase, work) -> list[dict[str, Any]]:  # noqa: ANN001
    await profiler.start(db)
    try:
        await work()
    finally:
        ops = await profiler.stop(db)
    return ops


def _concerning(ops: list[dict[str, Any]], names: set[str]) -> list[str]:
    found = []
    for op in ops:
        text = json.dumps(op.get("command", {}), default=str)
        if any(name in text for name in names):
            collection, kind = profiler.kind_of(op)
            found.append(f"{collection} {kind}")
    return found


async def _one_message(bot_stack, http, db, session_id: str, text: str) -> tuple[list[str], str]:  # noqa: ANN001
    body: dict[str, Any] = {}

    async def work() -> None:
        body.update(await say(http, bot_stack, session_id, text))
        await asyncio.sleep(1.0)  # the message's events are written just after the answer (not polled: that counts)

    ops = await _profiled(db, work)
    conv = await db.conversations.find_one({"_id": body["conversation_id"]})
    written = await db.events.count_documents({"conversation_id": conv["_id"], "type": "message_out"})
    assert written >= len(body["replies"]), "the message's events were not written within a second"
    names = {session_id, conv["_id"], conv["contact_id"]}
    names |= {m["_id"] async for m in db.messages.find({"conversation_id": conv["_id"]}, {"_id": 1})}
    return _concerning(ops, names), conv["_id"]


@pytest.mark.slow
async def test_a_first_message_stays_within_the_budget(bot_stack, http, db, session_id) -> None:  # noqa: ANN001
    ops, _ = await _one_message(bot_stack, http, db, session_id, "wat kost een paspoort")
    print(f"first message of a conversation: {len(ops)} operations: {ops}")
    assert len(ops) <= BUDGET, ops


@pytest.mark.slow
async def test_a_later_message_stays_within_the_budget(bot_stack, http, db, session_id) -> None:  # noqa: ANN001
    await say(http, bot_stack, session_id, "hallo")
    await asyncio.sleep(1.0)  # that message's events are written a moment after its answer: not this message's
    ops, _ = await _one_message(bot_stack, http, db, session_id, "hoe lang is een paspoort geldig")
    print(f"later message in the conversation: {len(ops)} operations: {ops}")
    assert len(ops) <= BUDGET - 3, ops  # no conversation or contact to create, nor a contact to look up: 4


@pytest.mark.slow
async def test_the_bot_reads_only_the_knowledge_base_for_an_article_answer(bot_stack, http, db, session_id) -> None:  # noqa: ANN001
    """The action server answers an ordinary question from the article and its products: it does not
    read the conversation or the contact the hub names in the message's metadata (asked as the hub asks)."""
    first = await say(http, bot_stack, session_id, "hallo")
    await asyncio.sleep(1.0)  # that message's events are written a moment after its answer: not the bot's reads
    conv = await db.conversations.find_one({"_id": first["conversation_id"]})
    body = {"sender": conv["_id"], "message": "wat kost een paspoort",
            "metadata": {"channel": "webchat", "conversation_id": conv["_id"], "contact_id": conv["contact_id"]}}
    answer: list[dict[str, Any]] = []

    async def work() -> None:
        async with http.post(f"{bot_stack.rasa_url}/webhooks/rest/webhook", json=body) as resp:
            assert resp.status == 200
            answer.extend(await resp.json())

    ops = await _profiled(db, work)
    meta = [item["custom"]["kcc_meta"] for item in answer if "kcc_meta" in (item.get("custom") or {})]
    assert meta and meta[0]["action"] == "answer" and meta[0]["article"], answer
    kinds = [profiler.kind_of(op) for op in ops]  # the hub's own background loops may be in the profile too
    assert ("articles", "query") in kinds, kinds
    assert not _concerning(ops, {conv["_id"], conv["contact_id"], session_id}), kinds


@pytest.mark.slow
async def test_the_reply_says_where_its_time_went(bot_stack, http, session_id) -> None:  # noqa: ANN001
    """``Server-Timing`` names the hub's steps; the bot's time is part of the hub's, the steps add up."""
    async with http.post(
        f"{bot_stack.hub_url}/api/v1/webchat/messages", json={"session_id": session_id, "text": "wat kost een paspoort"}
    ) as resp:
        assert resp.status == 200
        header = resp.headers.get("Server-Timing", "")
    timings = {}
    for part in header.split(","):
        name, _, dur = part.strip().partition(";dur=")
        timings[name] = float(dur)
    assert set(timings) == {"store", "turn", "open", "bot", "save", "hub"}, header
    assert timings["bot"] > 0 and timings["store"] > 0
    parts = timings["store"] + timings["turn"] + timings["open"] + timings["bot"] + timings["save"]
    assert parts <= timings["hub"] + 0.5, header  # rounding: each figure is to a tenth of a millisecond
