"""Hub vs raw Rasa: the same N web chat messages at concurrency C, through the hub's
web chat API and straight to Rasa's REST webhook, in one run.

    .venv/bin/python bench/pipeline.py [-n 400] [-c 8]

Prints messages/s and p50/p95/p99 latency of both paths and their ratio. The hub path
adds: storing the inbound message first, the conversation upsert, contact linking,
storing replies and events.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import aiohttp

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repo, not bench/ (bench/handover.py would shadow the package)

from bench.stack import running_stack  # noqa: E402
from bench.stats_util import summary  # noqa: E402

MESSAGES = [
    "hallo", "ik wil een paspoort aanvragen", "wat kost een id kaart", "mijn container is niet geleegd",
    "hoe geef ik een verhuizing door", "bedankt", "wanneer wordt het grofvuil opgehaald", "doei",
]


async def run(url: str, bodies: list[dict], concurrency: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            async with session.post(url, json=body) as resp:
                await resp.read()
                if resp.status != 200:
                    errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return len(bodies) / elapsed, latencies, errors


def line(name: str, rate: float, lat: list[float], errors: int) -> str:
    s = summary(lat)
    return f"{name:9} {rate:8.1f} msg/s   p50 {s['p50']:7.1f} ms   p95 {s['p95']:7.1f} ms   p99 {s['p99']:7.1f} ms   errors {errors}"


async def bench(n: int, concurrency: int, hub_url: str, rasa_url: str) -> None:
    sessions = [f"bench-{i % (concurrency * 4)}" for i in range(n)]
    texts = [MESSAGES[i % len(MESSAGES)] for i in range(n)]
    warm = [{"sender": f"warm-{i}", "message": "hallo"} for i in range(concurrency)]
    await run(f"{rasa_url}/webhooks/rest/webhook", warm, concurrency)
    rasa_rate, rasa_lat, rasa_err = await run(
        f"{rasa_url}/webhooks/rest/webhook",
        [{"sender": f"raw-{s}", "message": t} for s, t in zip(sessions, texts, strict=True)],
        concurrency,
    )
    hub_rate, hub_lat, hub_err = await run(
        f"{hub_url}/api/v1/webchat/messages",
        [{"session_id": s, "text": t} for s, t in zip(sessions, texts, strict=True)],
        concurrency,
    )
    print(f"{n} messages, concurrency {concurrency}, {len(set(sessions))} sessions")
    print(line("raw Rasa", rasa_rate, rasa_lat, rasa_err))
    print(line("hub", hub_rate, hub_lat, hub_err))
    h, r = summary(hub_lat), summary(rasa_lat)
    print(f"ratio hub/raw: throughput {hub_rate / rasa_rate:.2f}x, p50 {h['p50'] / r['p50']:.2f}x, p95 {h['p95'] / r['p95']:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description="Hub vs raw Rasa throughput and latency")
    parser.add_argument("-n", type=int, default=400, help="messages per path")
    parser.add_argument("-c", type=int, default=8, help="concurrent clients")
    args = parser.parse_args()
    with running_stack() as stack:
        asyncio.run(bench(args.n, args.c, stack.hub_url, stack.rasa_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
