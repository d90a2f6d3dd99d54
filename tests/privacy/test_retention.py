"""The retention policy: closed conversations past the term are anonymised or deleted, with a dry-run report.

In-process runs use a database of their own on the real Mongo-wire server; the scheduled job
is shown on a second real hub (``tests/auth/hubs.py``) that runs it every 1.2 seconds.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from hub.core.db import ensure_indexes
from hub.core.lease import Lease
from hub.core.models import new_id, utcnow
from hub.core.settings import ROOT, Settings
from hub.gdpr import retention
from tests.auth.conftest import demo_hub  # noqa: F401 - the second hub, fixture used below
from tests.auth.hubs import ExtraHub
from tests.conftest import Stack

DAY = timedelta(days=1)


def settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **{"retention_closed_conversation_days": 365, **overrides})


@pytest.fixture
async def rdb(stack: Stack) -> AsyncIterator[AsyncIOMotorDatabase]:
    client = AsyncIOMotorClient(stack.mongo_url, tz_aware=True)
    name = f"kcc_retention_{uuid.uuid4().hex[:8]}"
    db = client[name]
    await ensure_indexes(db)
    yield db
    await client.drop_database(name)
    client.close()


async def conversation(
    db: AsyncIOMotorDatabase, channel: str, closed_days_ago: float | None, messages: int = 2, attachment: bool = False
) -> str:
    """A conversation with messages and events, closed ``closed_days_ago`` (None: still open)."""
    conv_id, now = new_id(), utcnow()
    closed = now - timedelta(days=closed_days_ago) if closed_days_ago is not None else None
    start = (closed or now) - timedelta(minutes=10)
    address = f"+3161{uuid.uuid4().int % 10**7:07d}"
    await db.conversations.insert_one({
        "_id": conv_id, "channel": channel, "address": address, "contact_id": f"contact-{conv_id}",
        "open_key": f"closed:{conv_id}" if closed else f"{channel}:{address}", "state": "closed" if closed else "bot",
        "seq": messages, "created_at": start, "updated_at": closed or now, "closed_at": closed, "team": "kcc",
        "handover": {"reason": "asked_for_person", "summary": {"slots": {"naam": "Piet Puk"}}},
    })
    stored = None
    if attachment:
        stored = f"file-{conv_id}"
        await db.attachments.insert_one({"_id": stored, "content": b"%PDF", "content_type": "application/pdf", "size": 4})
    await db.messages.insert_many([
        {"_id": new_id(), "dedup_key": f"t:{conv_id}:{i}", "conversation_id": conv_id, "contact_id": f"contact-{conv_id}",
         "direction": "in" if i % 2 == 0 else "out", "author": "resident" if i % 2 == 0 else "bot", "channel": channel,
         "address": address, "seq": i + 1, "text": f"Piet Puk, Dorpsstraat {i}", "created_at": start + timedelta(seconds=i),
         "attachments": [{"stored_id": stored, "filename": "brief.pdf"}] if stored and i == 0 else [],
         "metadata": {"page_url": "https://www.lindewaard.nl/afval"}}
        for i in range(messages)
    ])
    await db.events.insert_many([
        {"_id": new_id(), "type": "conversation_opened", "conversation_id": conv_id, "at": start, "channel": channel},
        {"_id": new_id(), "type": "contact_linked", "conversation_id": conv_id, "at": start, "contact_id": f"contact-{conv_id}"},
    ])
    return conv_id


async def scene(db: AsyncIOMotorDatabase) -> dict[str, Any]:
    ids = {
        "web": [await conversation(db, "webchat", 400 + i) for i in range(3)],
        "whatsapp": await conversation(db, "whatsapp", 380, messages=3, attachment=True),
        "open_case": await conversation(db, "webchat", 500),
        "open_callback": await conversation(db, "sms", 450),
        "closed_case": await conversation(db, "email", 370),
        "recent": await conversation(db, "webchat", 10),
        "still_open": await conversation(db, "webchat", None),
    }
    await db.cases.insert_many([
        {"_id": new_id(), "number": f"Z-2024-{uuid.uuid4().int % 10**6:06d}", "status": "in_behandeling",
         "conversation_ids": [ids["open_case"]]},
        {"_id": new_id(), "number": f"Z-2024-{uuid.uuid4().int % 10**6:06d}", "status": "afgehandeld",
         "conversation_ids": [ids["closed_case"]]},
    ])
    await db.callbacks.insert_one({"_id": new_id(), "status": "open", "conversation_id": ids["open_callback"]})
    return ids


async def snapshot(db: AsyncIOMotorDatabase) -> tuple[Any, ...]:
    return (
        [d async for d in db.conversations.find({}).sort("_id", 1)],
        [d async for d in db.messages.find({}).sort("_id", 1)],
        await db.attachments.count_documents({}),
        [d async for d in db.events.find({}).sort("_id", 1)],
    )


async def test_dry_run_reports_and_changes_nothing(rdb):
    ids = await scene(rdb)
    before = await snapshot(rdb)
    report = await retention.run(rdb, settings(), dry_run=True)
    assert report.dry_run and report.mode == "anonymise"
    assert report.conversations == 5 and report.messages == 3 * 2 + 3 + 2
    assert report.kept_open_items == 2
    assert report.per_channel == {
        "webchat": {"conversations": 3, "messages": 6}, "whatsapp": {"conversations": 1, "messages": 3},
        "email": {"conversations": 1, "messages": 2},
    }
    oldest = await rdb.conversations.find_one({"_id": ids["web"][2]})
    assert report.oldest_closed_at == oldest["closed_at"]
    assert await snapshot(rdb) == before
    assert await rdb.audit.count_documents({}) == 0


async def test_anonymise_keeps_conversations_for_statistics(rdb):
    ids = await scene(rdb)
    events_before = [d async for d in rdb.events.find({}, {"contact_id": 0}).sort("_id", 1)]
    report = await retention.run(rdb, settings())
    assert report.conversations == 5 and report.attachments == 1
    done = [*ids["web"], ids["whatsapp"], ids["closed_case"]]
    for conv_id in done:
        conv = await rdb.conversations.find_one({"_id": conv_id})
        assert conv["address"] is None and conv["contact_id"] is None and conv["anonymised_at"]
        assert "summary" not in conv["handover"] and conv["team"] == "kcc" and conv["channel"]
        async for msg in rdb.messages.find({"conversation_id": conv_id}):
            assert msg["text"] == "[geanonimiseerd]" and msg["address"] is None and msg["attachments"] == []
            assert msg["metadata"] == {} and msg["contact_id"] is None
    assert await rdb.attachments.count_documents({}) == 0
    # kept: open case or callback, recent, not closed
    for key in ("open_case", "open_callback", "recent", "still_open"):
        conv = await rdb.conversations.find_one({"_id": ids[key]})
        assert conv["address"] and "anonymised_at" not in conv, key
        assert await rdb.messages.count_documents({"conversation_id": ids[key], "text": {"$regex": "^Piet Puk"}}) == 2
    # every event is still there, only the contact ids of the anonymised conversations are gone
    assert [d async for d in rdb.events.find({}, {"contact_id": 0}).sort("_id", 1)] == events_before
    assert await rdb.events.count_documents({"conversation_id": {"$in": done}, "contact_id": {"$exists": True}}) == 0
    entry = await rdb.audit.find_one({"action": "retention.run"})
    assert entry["actor"] == "system:retention" and entry["detail"]["conversations"] == 5
    # a second run finds nothing new
    again = await retention.run(rdb, settings())
    assert again.conversations == 0 and await rdb.audit.count_documents({}) == 1


async def test_delete_removes_conversations_and_keeps_events(rdb):
    ids = await scene(rdb)
    events = await rdb.events.count_documents({})
    # Rasa's trackers in a MongoDB tracker store (the compose deployment) go with their conversations
    tracker_db = f"rasa_{rdb.name}"
    trackers = rdb.client[tracker_db].conversations
    await trackers.insert_many([{"sender_id": ids["web"][0], "events": []}, {"sender_id": ids["recent"], "events": []}])
    report = await retention.run(rdb, settings(retention_mode="delete", rasa_tracker_database=tracker_db))
    assert [t["sender_id"] async for t in trackers.find()] == [ids["recent"]]
    await rdb.client.drop_database(tracker_db)
    assert report.mode == "delete" and report.conversations == 5 and report.messages == 11
    done = [*ids["web"], ids["whatsapp"], ids["closed_case"]]
    assert await rdb.conversations.count_documents({"_id": {"$in": done}}) == 0
    assert await rdb.messages.count_documents({"conversation_id": {"$in": done}}) == 0
    assert await rdb.conversations.count_documents({}) == 4
    assert await rdb.events.count_documents({}) == events
    assert await rdb.events.count_documents({"conversation_id": {"$in": done}, "contact_id": {"$exists": True}}) == 0


async def test_retention_off_and_bad_settings(rdb):
    await scene(rdb)
    report = await retention.run(rdb, settings(retention_closed_conversation_days=0))
    assert report.skipped and report.conversations == 0
    with pytest.raises(ValueError):
        settings(retention_mode="shred")
    with pytest.raises(ValueError):
        settings(retention_closed_conversation_days=-1)


async def test_one_runner_at_a_time(rdb):
    await scene(rdb)
    other = Lease(rdb.privacy_state, "retention_lease", timedelta(minutes=1))
    assert await other.acquire()
    assert await Lease(rdb.privacy_state, "retention_lease", timedelta(minutes=1)).acquire() is False
    assert await retention.run_once(rdb, settings()) is None  # another replica has it: nothing done
    assert await rdb.conversations.count_documents({"anonymised_at": {"$exists": True}}) == 0
    await other.release()
    report = await retention.run_once(rdb, settings())
    assert report is not None and report.conversations == 5
    # two replicas at the same moment: one works, the other skips
    await scene(rdb)
    both = await asyncio.gather(retention.run_once(rdb, settings()), retention.run_once(rdb, settings()))
    assert sorted(r.conversations if r else -1 for r in both) in ([-1, 5], [0, 5])


def kcc(stack: Stack, db_name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**stack.env(), "KCC_MONGODB_DB": db_name, "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "hub.cli.main", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


async def test_cli_dry_run_report_with_progress(stack, rdb):
    await scene(rdb)
    for _ in range(150):  # more than one batch: progress shows
        await conversation(rdb, "telegram", 700, messages=1)
    before = await rdb.messages.count_documents({"text": {"$regex": "^Piet"}})
    done = await asyncio.to_thread(kcc, stack, rdb.name, "privacy", "retention", "--dry-run", "--days", "365")
    assert done.returncode == 0, done.stderr
    assert "DRY RUN" in done.stdout
    assert "155 conversations and 161 messages would be anonymised" in done.stdout, done.stdout
    assert "kept because a case or callback request is still open: 2" in done.stdout
    assert "telegram" in done.stdout and "oldest closed at" in done.stdout
    assert "100/157 conversations checked" in done.stderr and "157/157" in done.stderr, done.stderr
    assert await rdb.messages.count_documents({"text": {"$regex": "^Piet"}}) == before
    done = await asyncio.to_thread(kcc, stack, rdb.name, "privacy", "retention", "--days", "365", "--mode", "delete")
    assert done.returncode == 0 and "were deleted" in done.stdout, done.stdout + done.stderr
    assert await rdb.conversations.count_documents({}) == 4


async def test_the_hub_runs_the_job_by_itself(demo_hub: ExtraHub, stack):  # noqa: F811 - fixture imported above
    client = AsyncIOMotorClient(stack.mongo_url, tz_aware=True)
    db = client[demo_hub.db_name]
    try:
        old = await conversation(db, "webchat", 45)  # the demo hub keeps 30 days
        young = await conversation(db, "webchat", 5)
        for _ in range(100):  # until the run has ended (its audit entry is its last write)
            if await db.audit.find_one({"action": "retention.run", "actor": "system:retention"}):
                break
            await asyncio.sleep(0.2)
        conv = await db.conversations.find_one({"_id": old})
        assert conv.get("anonymised_at") and conv["address"] is None
        assert "anonymised_at" not in await db.conversations.find_one({"_id": young})
        lease = await db.privacy_state.find_one({"_id": "retention_lease"})
        assert lease and lease["holder"]
        assert await db.audit.find_one({"action": "retention.run", "actor": "system:retention"})
    finally:
        client.close()
