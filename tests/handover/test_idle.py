"""An idle hub does not poll its database (speed issue: "background loops that do not poll").

The router, the wait notifier, the statistics refresh and the deadline watch wake on the hub's
own events and keep only slow safety sweeps; the knowledge index reads its revision counter
only when someone searches. This test starts
a Mongo-wire server and a hub of its own (no Rasa: the messages go to the queue, so the desk
has a waiting resident and no agent), lets the hub settle after a few web chat messages, and
counts what the hub sends to the database in the next ``WINDOW_S`` seconds with the server's
profiler (every operation but cursor continuations) and the server's ``getMore`` counter
(change streams and cursors). Before the change an idle hub sent about 370 operations and
1,000 ``getMore`` a minute (a sweep every second, a change stream waiting 300 ms at a time).
``bench/idle.py`` prints the same figures and the CPU on the whole stack.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import aiohttp
import pytest
from motor.motor_asyncio import AsyncIOMotorClient

from bench import profiler
from hub.cli import launcher
from tests.conftest import LOG_DIR, Stack

WINDOW_S = 20.0
SETTLE_S = 6.0
MAX_OPS_PER_MIN = 60  # profiled operations of an idle hub; a sweep per second alone is 180
MAX_GETMORE_PER_MIN = 60  # a change stream waiting 300 ms is 200


async def _getmores(client: AsyncIOMotorClient) -> int:
    return (await client.admin.command("serverStatus"))["opcounters"]["getmore"]


@pytest.mark.slow
async def test_an_idle_hub_leaves_its_database_alone(tmp_path: Path) -> None:
    logs = LOG_DIR / "idle"
    logs.mkdir(parents=True, exist_ok=True)
    st = Stack(mongo_port=launcher.free_port(), db_name="kcc_idle")
    env = {**st.env(), "KCC_RASA_URL": f"http://127.0.0.1:{launcher.free_port()}"}  # no Rasa: messages are queued
    env.pop("KCC_APPOINTMENT_REMINDER_SWEEP_S")  # the product's own safety sweep, not the suite's 1-second one
    mongo = launcher.mongo(st.mongo_port, tmp_path / "mongo", logs).launch()
    hub = None
    client = AsyncIOMotorClient(st.mongo_url, tz_aware=True)
    try:
        hub = launcher.hub(st.hub_port, env, logs).launch()
        db = client[st.db_name]
        async with aiohttp.ClientSession() as http:
            for i, text in enumerate(("hallo", "ik wil een medewerker spreken", "hoe vraag ik een paspoort aan")):
                body = {"session_id": f"idle-{i}-{uuid.uuid4().hex[:8]}", "text": text}
                async with http.post(f"{st.hub_url}/api/v1/webchat/messages", json=body) as resp:
                    assert resp.status == 200, await resp.text()
        assert await db.conversations.count_documents({"state": "queued"}) >= 1  # the desk has a waiting resident
        await asyncio.sleep(SETTLE_S)

        await profiler.start(db, size_mb=16)
        getmore_before = await _getmores(client)
        await asyncio.sleep(WINDOW_S)
        getmores = await _getmores(client) - getmore_before
        counts = profiler.count(await profiler.stop(db))
    finally:
        client.close()
        if hub is not None:
            hub.stop()
        mongo.stop()

    per_min = 60.0 / WINDOW_S
    ops = sum(counts.values())
    listed = ", ".join(f"{coll} {kind} {n}" for (coll, kind), n in sorted(counts.items(), key=lambda kv: -kv[1]))
    print(f"idle hub, {WINDOW_S:.0f} s: {ops} operations ({ops * per_min:.0f}/min: {listed or 'none'}), "
          f"{getmores} getMore ({getmores * per_min:.0f}/min)")
    assert ops * per_min <= MAX_OPS_PER_MIN, f"an idle hub sent {ops} operations in {WINDOW_S:.0f} s: {listed}"
    assert getmores * per_min <= MAX_GETMORE_PER_MIN, f"an idle hub sent {getmores} getMore in {WINDOW_S:.0f} s"
