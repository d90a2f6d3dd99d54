"""One statistics refresh at a time across hub replicas: the lease ``lease`` in ``stats_state``."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hub.core.models import utcnow
from hub.stats.rollup import Busy, Rollup
from tests.stats.conftest import insert_history, settings


async def test_a_replica_holding_the_lease_keeps_the_others_out(fresh_db):
    """The lease document as a running replica writes it (holder, until) is respected and taken over."""
    await insert_history(fresh_db)
    await fresh_db.stats_state.insert_one({"_id": "lease", "holder": "other-replica", "until": utcnow() + timedelta(minutes=1)})
    rollup = Rollup(fresh_db, settings())
    with pytest.raises(Busy):
        await rollup.refresh()
    with pytest.raises(Busy):
        await rollup.rebuild(wait_s=0.5)
    assert await fresh_db.stats_conversations.count_documents({}) == 0
    await fresh_db.stats_state.update_one({"_id": "lease"}, {"$set": {"until": utcnow() - timedelta(seconds=1)}})
    done = await rollup.refresh()
    assert done["days"] and await fresh_db.stats_conversations.count_documents({}) > 0
    lease = await fresh_db.stats_state.find_one({"_id": "lease"})
    assert lease["holder"] != "other-replica"
    assert lease["until"] <= utcnow()  # given back when done: the next replica need not wait for it to expire
    await Rollup(fresh_db, settings()).refresh()  # another replica gets it at once


async def test_two_replicas_at_the_same_moment_one_refreshes(fresh_db):
    await insert_history(fresh_db)
    first, second = Rollup(fresh_db, settings()), Rollup(fresh_db, settings())
    results = await asyncio.gather(first.refresh(), second.refresh(), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Busy", "dict"], results
