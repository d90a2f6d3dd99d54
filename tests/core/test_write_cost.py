"""The cost of a write stays flat as the embedded database is used (issue: speed on a used database).

SecantusDB keeps a registry of retryable writes and scans it on every write; with pymongo's
default (``retryWrites=true``) a probe insert grew from ~1.7 ms to 13-30 ms after ~10,000
writes. ``hub.core.db`` connects to the embedded server without retryable writes. This test
starts a fresh server with the project's launcher, connects through the product's own
``connect()``, and compares a probe insert's median before and after 20,000 writes.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import pytest

from hub.cli import launcher
from hub.core.db import connect
from hub.core.settings import Settings

WRITES = 20_000
PROBES = 200


async def _probe_ms(db) -> float:  # noqa: ANN001
    took = []
    for i in range(PROBES):
        started = time.perf_counter()
        await db.probe.insert_one({"i": i})
        took.append((time.perf_counter() - started) * 1000)
    await db.probe.delete_many({})
    return statistics.median(took)


async def _write_many(db, n: int, concurrency: int = 16) -> None:  # noqa: ANN001
    async def worker(k: int) -> None:
        for i in range(k, n, concurrency):
            if i % 2:
                await db.messages.update_one({"_id": i - 1}, {"$set": {"status": "handled"}})
            else:
                await db.messages.insert_one({"_id": i, "status": "received", "text": "x" * 200})

    await asyncio.gather(*(worker(k) for k in range(concurrency)))


@pytest.mark.slow
async def test_a_write_costs_the_same_after_20000_writes(tmp_path: Path) -> None:
    port = launcher.free_port()
    server = launcher.mongo(port, tmp_path / "mongo", tmp_path).launch()
    db = connect(Settings(mongo_port=port, mongodb_url=None, mongodb_db="kcc_write_cost"))
    try:
        before = await _probe_ms(db)
        started = time.perf_counter()
        await _write_many(db, WRITES)
        took_s = time.perf_counter() - started
        after = await _probe_ms(db)
        print(f"probe insert median: {before:.2f} ms before, {after:.2f} ms after {WRITES} writes ({took_s:.1f} s)")
        assert after <= 2 * before + 1.0, f"a write got slower with use: {before:.2f} ms -> {after:.2f} ms"
    finally:
        db.client.close()
        server.stop()
