"""Storage basics against the real Mongo-wire server: indexes, dedup key, one-query history."""

from __future__ import annotations

import pytest
from pymongo.errors import DuplicateKeyError

from hub.contacts import store as contacts
from hub.core.db import INDEXES, ensure_indexes
from hub.core.models import new_id, utcnow


async def test_indexes_exist_after_startup(stack, db):
    await ensure_indexes(db)  # idempotent: the hub already created them at start-up
    names = {ix["name"] for ix in await db.messages.list_indexes().to_list(None)}
    assert {ix.document["name"] for ix in INDEXES["messages"]} <= names


async def test_dedup_key_is_unique(stack, db):
    key = f"test:{new_id()}"
    await db.messages.insert_one({"_id": new_id(), "dedup_key": key, "created_at": utcnow()})
    with pytest.raises(DuplicateKeyError):
        await db.messages.insert_one({"_id": new_id(), "dedup_key": key, "created_at": utcnow()})


async def test_contact_linking_reuses_a_known_address(stack, db):
    key = f"phone:+3161{new_id()[:7]}"
    first = await contacts.link(db, [key])
    second = await contacts.link(db, [f"email:{new_id()}@example.nl", key])
    assert first == second
    doc = await db.contacts.find_one({"_id": first})
    assert len(doc["addresses"]) == 2
