"""Fixtures of the statistics tests.

* ``known``: the known history (``history.py``) in a database of its own on the real
  Mongo-wire server, folded by the real ``Rollup``; built once per test session.
* ``fresh_db``: an empty database of its own, for tests that fold events step by step.
* ``hub_history``: the same history in the shared test hub's database, recomputed through
  the hub's own ``POST /api/v1/stats/rebuild`` as a supervisor. April 2025 holds no other
  test's events, so the figures for that month are exactly the known ones.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from pymongo.errors import BulkWriteError

from hub.core.db import ensure_indexes
from hub.core.settings import Settings
from hub.stats.rollup import Rollup
from tests.conftest import Stack
from tests.contacts.staff import logged_in
from tests.stats import history, norm_history

_built: dict[str, str] = {}
_hub_ready: set[str] = set()
_norms_ready: set[str] = set()


def settings(**overrides: Any) -> Settings:
    """The defaults of .env.example, whatever the environment of the test run says."""
    return Settings(_env_file=None, **overrides)


async def insert_history(db: AsyncIOMotorDatabase) -> None:
    try:
        await db.events.insert_many(history.build(), ordered=False)
    except BulkWriteError as exc:  # already there from an earlier test: the ids are fixed
        if any(e["code"] != 11000 for e in exc.details["writeErrors"]):
            raise


@pytest.fixture
async def known(stack: Stack) -> AsyncIterator[AsyncIOMotorDatabase]:
    client = AsyncIOMotorClient(stack.mongo_url, tz_aware=True)
    if stack.mongo_url not in _built:
        name = f"kcc_stats_known_{uuid.uuid4().hex[:8]}"
        db = client[name]
        await ensure_indexes(db)
        await insert_history(db)
        await Rollup(db, settings()).rebuild()
        _built[stack.mongo_url] = name
    yield client[_built[stack.mongo_url]]
    client.close()


@pytest.fixture
async def fresh_db(stack: Stack) -> AsyncIterator[AsyncIOMotorDatabase]:
    client = AsyncIOMotorClient(stack.mongo_url, tz_aware=True)
    name = f"kcc_stats_{uuid.uuid4().hex[:8]}"
    db = client[name]
    await ensure_indexes(db)
    yield db
    await client.drop_database(name)
    client.close()


@pytest.fixture
async def hub_history(stack: Stack, db: AsyncIOMotorDatabase) -> Stack:
    if stack.hub_url not in _hub_ready:
        await insert_history(db)
        async with logged_in(stack, db, ["supervisor"]) as boss:
            status, body = await boss.post("/api/v1/stats/rebuild", {"since": "2025-04-01"})
            assert status == 200, body
        _hub_ready.add(stack.hub_url)
    return stack


@pytest.fixture
async def hub_norms(stack: Stack, db: AsyncIOMotorDatabase) -> Stack:
    """The June 2025 norm history (norm_history.py) in the shared test hub, recomputed through the API."""
    if stack.hub_url not in _norms_ready:
        try:
            await db.events.insert_many(norm_history.build(), ordered=False)
        except BulkWriteError as exc:  # already there from an earlier run on this stack: the ids are fixed
            if any(e["code"] != 11000 for e in exc.details["writeErrors"]):
                raise
        async with logged_in(stack, db, ["supervisor"]) as boss:
            status, body = await boss.post("/api/v1/stats/rebuild", {"since": "2025-06-01"})
            assert status == 200, body
        _norms_ready.add(stack.hub_url)
    return stack
