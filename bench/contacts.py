"""Contacts, cases and callbacks: what linking and the agent's look-ups cost.

    .venv/bin/python bench/contacts.py [-n 2000]

Starts a Mongo-wire server and the hub (no bot), fills N contacts, then prints:
linking throughput (new and known keys), case numbers per second under concurrency,
callback requests per second (incl. the working-day deadline), working-day arithmetic,
and p50/p95 latency of an agent's contact search and contact read through the API
(each read writes an audit entry).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import aiohttp
from motor.motor_asyncio import AsyncIOMotorClient

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repo, not bench/ (bench/handover.py would shadow the package)

from bench.stack import running_stack  # noqa: E402
from bench.stats_util import summary  # noqa: E402
from hub.cases import callbacks  # noqa: E402
from hub.cases import store as cases  # noqa: E402
from hub.contacts import store as contacts  # noqa: E402
from hub.core.db import ensure_indexes  # noqa: E402
from hub.core.workdays import WorkCalendar  # noqa: E402
from hub.staff.auth import create_staff  # noqa: E402


def phone(i: int) -> str:
    return f"+3161{i:07d}"


async def timed(label: str, count: int, coro_factory, concurrency: int = 1) -> None:
    started = time.perf_counter()
    queue = list(range(count))

    async def worker() -> None:
        while queue:
            await coro_factory(queue.pop())

    await asyncio.gather(*[worker() for _ in range(concurrency)])
    took = time.perf_counter() - started
    print(f"{label:<44} {count / took:8.0f}/s  ({count} in {took:.2f}s, concurrency {concurrency})")


async def api_latency(session: aiohttp.ClientSession, url: str, n: int) -> list[float]:
    latencies = []
    for _ in range(n):
        t = time.perf_counter()
        async with session.get(url) as resp:
            assert resp.status == 200, await resp.text()
            await resp.read()
        latencies.append((time.perf_counter() - t) * 1000)
    return latencies


async def main(n: int) -> None:
    with running_stack(with_bot=False) as stack:
        client = AsyncIOMotorClient(stack.mongo_url, tz_aware=True)
        db = client[stack.db_name]
        await ensure_indexes(db)
        await timed("link: new contact per message", n, lambda i: contacts.link(db, [f"whatsapp:{phone(i)}", f"phone:{phone(i)}"]), 8)
        await timed("link: known phone (cross-channel)", n, lambda i: contacts.link(db, [f"sms:{phone(i)}", f"phone:{phone(i)}"]), 8)
        await timed("case numbers (atomic counter)", 500, lambda i: cases.next_number(db), 20)
        await timed("callback requests (incl. 2-working-day deadline)", 300,
                    lambda i: callbacks.create_callback(db, phone=phone(i), subject="bench", created_by="bench"), 8)
        cal = WorkCalendar()
        t = time.perf_counter()
        for i in range(20000):
            cal.add_working_days(date(2026, 1, 1 + i % 28), 5)
        print(f"{'working days: add 5 working days':<44} {20000 / (time.perf_counter() - t):8.0f}/s")

        username = f"bench-{uuid.uuid4().hex[:6]}"
        await create_staff(db, username, "bench-password-1", ["agent"])
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.post(f"{stack.hub_url}/api/v1/auth/login", json={"username": username, "password": "bench-password-1"}) as r:
                assert r.status == 200
            one = await contacts.link(db, [f"phone:{phone(n // 2)}"])
            search = summary(await api_latency(session, f"{stack.hub_url}/api/v1/contacts?q=0{phone(n // 2)[3:]}", 200))
            read = summary(await api_latency(session, f"{stack.hub_url}/api/v1/contacts/{one}", 200))
        print(f"{'API search by phone (200x, audited)':<44} p50 {search['p50']:.1f} ms  p95 {search['p95']:.1f} ms")
        print(f"{'API contact read (200x, audited)':<44} p50 {read['p50']:.1f} ms  p95 {read['p95']:.1f} ms")
        print(f"audit entries written: {await db.audit.count_documents({})}; contacts: {await db.contacts.count_documents({})}")
        client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000)
    asyncio.run(main(parser.parse_args().n))
