"""Hub vs raw Rasa on the same resident messages, in one run, on a database that has been in use.

    .venv/bin/python -m bench.pipeline [-n 120] [-c 1 4] [--grow 10000] [--grow 100000] [--interleave 10]

Starts its own stack (SecantusDB, action server, Rasa, hub). For each ``--grow`` size it first
writes that many realistic past conversations (messages, events, contacts, closed) into the
hub's database, then sends the same ``-n`` resident questions (the knowledge base's evaluation
questions, in a fixed shuffled order, a fresh session for every message) once straight to
Rasa's REST webhook and once through the hub's web chat API, at each concurrency of ``-c``.
Prints messages/s and p50/p95/p99 of both paths, the ratio hub/raw and what the hub adds at
p50. Without ``--grow`` it measures the empty database only. With ``--interleave BLOCK`` the two
paths take turns, BLOCK messages at a time: on a machine shared with other work both then see the
same load, where one path after the other can differ by the load alone.

It also prints the CPU time each path cost per message, by service (Rasa, action server, database,
hub; from ``/proc``, each service's process tree, after a short pause for the hub's work that follows
an answer, such as its event writes): on a machine of two cores what the hub adds is mostly CPU that
Rasa then cannot use, so this explains a ratio that the latencies alone leave open.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import aiohttp
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repo, not bench/ (bench/handover.py would shadow the package)

from bench.cpu import cpu_of  # noqa: E402
from bench.stack import running_stack  # noqa: E402
from bench.stats_util import summary  # noqa: E402
from hub.core.models import utcnow  # noqa: E402
from hub.core.settings import ROOT  # noqa: E402

QUESTIONS = ROOT / "knowledge" / "eval" / "questions.jsonl"
BATCH = 500
SETTLE_S = 0.3  # after a path's messages: the hub's event writes and live updates that follow an answer


def questions(n: int, seed: int = 7) -> list[str]:
    found = [json.loads(line)["q"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    random.Random(seed).shuffle(found)
    return [found[i % len(found)] for i in range(n)]


def server_timing(header: str | None) -> dict[str, float]:
    """``hub;dur=41.2, bot;dur=30.5`` -> {"hub": 41.2, "bot": 30.5}."""
    found = {}
    for part in (header or "").split(","):
        name, _, dur = part.strip().partition(";dur=")
        if name and dur:
            found[name] = float(dur)
    return found


class CpuMeter:
    """CPU seconds each service spent while one path's messages ran, summed over its runs."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids
        self.spent: dict[str, float] = dict.fromkeys(pids, 0.0)

    async def around(self, work):  # noqa: ANN001, ANN201 - a coroutine and its result
        before = cpu_of(self.pids)
        result = await work
        await asyncio.sleep(SETTLE_S)
        for name, seconds in cpu_of(self.pids).items():
            self.spent[name] += seconds - before[name]
        return result

    def per_message(self, n: int) -> str:
        parts = "  ".join(f"{name} {self.spent[name] / n * 1000:.1f}" for name in self.pids)
        return f"{parts}  all {sum(self.spent.values()) / n * 1000:.1f}"


async def run(
    url: str, bodies: list[dict], concurrency: int, timings: list[dict[str, float]] | None = None
) -> tuple[float, list[float], int]:
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
                if timings is not None:
                    timings.append(server_timing(resp.headers.get("Server-Timing")))
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
    return f"  {name:9} {rate:7.2f} msg/s   p50 {s['p50']:7.1f} ms   p95 {s['p95']:7.1f} ms   p99 {s['p99']:7.1f} ms   errors {errors}"


def past_conversation(i: int, now, texts: list[str]) -> tuple[dict, list[dict], list[dict], dict]:  # noqa: ANN001
    """One closed web chat conversation of the past: its contact, 3 questions and 3 answers, its events."""
    conv_id, contact_id = uuid.uuid4().hex, uuid.uuid4().hex
    started = now - timedelta(days=1 + i % 300, minutes=i % 600)
    address = f"grown-{i}"
    messages, events = [], []
    events.append({"_id": uuid.uuid4().hex, "type": "conversation_opened", "conversation_id": conv_id,
                   "at": started, "channel": "webchat"})
    for k in range(3):
        at = started + timedelta(seconds=40 * k)
        text = texts[(i * 3 + k) % len(texts)]
        for direction, author, seq in (("in", "resident", 2 * k + 1), ("out", "bot", 2 * k + 2)):
            messages.append({
                "_id": uuid.uuid4().hex, "dedup_key": f"webchat:{uuid.uuid4().hex}", "direction": direction,
                "author": author, "channel": "webchat", "address": address, "conversation_id": conv_id,
                "contact_id": contact_id, "seq": seq, "text": text if direction == "in" else "Een antwoord. " * 12,
                "status": "handled", "created_at": at,
            })
        events.append({"_id": uuid.uuid4().hex, "type": "message_in", "conversation_id": conv_id, "at": at,
                       "channel": "webchat"})
        events.append({"_id": uuid.uuid4().hex, "type": "bot_answer", "conversation_id": conv_id, "at": at,
                       "channel": "webchat", "intent": "paspoort-aanvragen", "article": "paspoort-aanvragen"})
    closed = started + timedelta(minutes=3)
    events.append({"_id": uuid.uuid4().hex, "type": "closed", "conversation_id": conv_id, "at": closed,
                   "channel": "webchat", "outcome": "bot_only"})
    conv = {"_id": conv_id, "open_key": f"closed:{conv_id}", "channel": "webchat", "address": address,
            "state": "closed", "contact_id": contact_id, "seq": 6, "created_at": started, "updated_at": closed,
            "closed_at": closed, "outcome": "bot_only"}
    contact = {"_id": contact_id, "kind": "anonymous", "addresses": [f"webchat:{address}"], "created_at": started}
    return conv, messages, events, contact


async def grow(db: AsyncIOMotorDatabase, upto: int) -> None:
    """Write past conversations until the database holds ``upto`` of them (progress on stderr)."""
    have = await db.conversations.estimated_document_count()
    texts = questions(500, seed=11)
    now = utcnow()
    started = time.perf_counter()
    for first in range(have, upto, BATCH):
        convs, msgs, evs, contacts = [], [], [], []
        for i in range(first, min(first + BATCH, upto)):
            conv, m, e, c = past_conversation(i, now, texts)
            convs.append(conv)
            msgs += m
            evs += e
            contacts.append(c)
        await db.contacts.insert_many(contacts, ordered=False)
        await db.conversations.insert_many(convs, ordered=False)
        await db.messages.insert_many(msgs, ordered=False)
        await db.events.insert_many(evs, ordered=False)
        done = min(first + BATCH, upto)
        print(f"\r  growing the database: {done}/{upto} conversations ({time.perf_counter() - started:.0f} s)",
              end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


async def in_blocks(
    paths: list[tuple[str, list[dict], list[dict[str, float]] | None]], concurrency: int, block: int,
    meters: list[CpuMeter],
) -> list[tuple[float, list[float], int]]:
    """Run the paths' bodies a block at a time, the paths in turn (the first path first in every other
    block): each path sees the same drift of a shared machine. Messages/s over the blocks' own time."""
    took = [0.0] * len(paths)
    lat: list[list[float]] = [[] for _ in paths]
    errors = [0] * len(paths)
    for k, start in enumerate(range(0, len(paths[0][1]), block)):
        order = list(range(len(paths)))
        for i in order if k % 2 == 0 else order[::-1]:
            url, bodies, timings = paths[i]
            part = bodies[start:start + block]
            rate, latencies, errs = await meters[i].around(run(url, part, concurrency, timings))
            took[i] += len(part) / rate
            lat[i] += latencies
            errors[i] += errs
    return [(len(paths[i][1]) / took[i], lat[i], errors[i]) for i in range(len(paths))]


async def compare(
    n: int, concurrency: int, hub_url: str, rasa_url: str, label: str, pids: dict[str, int], block: int = 0
) -> None:
    texts = questions(n)
    tag = uuid.uuid4().hex[:6]
    warm = [{"sender": f"warm-{tag}-{i}", "message": "hallo"} for i in range(concurrency)]
    await run(f"{rasa_url}/webhooks/rest/webhook", warm, concurrency)
    await run(f"{hub_url}/api/v1/webchat/messages", [{"session_id": f"warm-{tag}-{i}", "text": "hallo"}
                                                     for i in range(concurrency)], concurrency)
    raw_url, raw_bodies = f"{rasa_url}/webhooks/rest/webhook", [{"sender": f"raw-{tag}-{i}", "message": t} for i, t in enumerate(texts)]
    hub_path, hub_bodies = f"{hub_url}/api/v1/webchat/messages", [{"session_id": f"hub-{tag}-{i}", "text": t} for i, t in enumerate(texts)]
    timings: list[dict[str, float]] = []
    meters = [CpuMeter(pids), CpuMeter(pids)]
    if block:
        raw, hub = await in_blocks([(raw_url, raw_bodies, None), (hub_path, hub_bodies, timings)], concurrency, block,
                                   meters)
    else:
        raw = await meters[0].around(run(raw_url, raw_bodies, concurrency))
        hub = await meters[1].around(run(hub_path, hub_bodies, concurrency, timings))
    h, r = summary(hub[1]), summary(raw[1])
    order = f", raw and hub in turn, {block} messages at a time" if block else ""
    print(f"{label}, {n} messages, concurrency {concurrency}, a fresh session each{order}")
    print(line("raw Rasa", *raw))
    print(line("hub", *hub))
    print(f"  ratio hub/raw: throughput {hub[0] / raw[0]:.2f}x, p50 {h['p50'] / r['p50']:.2f}x "
          f"(hub adds {h['p50'] - r['p50']:.0f} ms at p50), p95 {h['p95'] / r['p95']:.2f}x", flush=True)
    own = [t["hub"] - t["bot"] for t in timings if "hub" in t and "bot" in t]
    if own:  # the hub's Server-Timing: its time for a message by step, and that time without the bot's
        steps = "  ".join(f"{name} {summary([t[name] for t in timings if name in t])['p50']:.1f}"
                          for name in ("store", "turn", "open", "bot", "save", "hub"))
        print(f"  inside the hub (Server-Timing, p50 ms): {steps}; not waiting for Rasa {summary(own)['p50']:.1f}")
    print(f"  CPU per message (ms), raw Rasa: {meters[0].per_message(n)}")
    print(f"  CPU per message (ms), hub:      {meters[1].per_message(n)}", flush=True)


async def bench(n: int, concurrencies: list[int], sizes: list[int], stack, block: int = 0) -> None:  # noqa: ANN001
    client = AsyncIOMotorClient(stack.mongo_url, tz_aware=True)
    db = client[stack.db_name]
    try:
        for size in sizes:
            await grow(db, size)
            past = await db.conversations.estimated_document_count()
            label = f"database with {past} conversations, {await db.messages.estimated_document_count()} messages, " \
                    f"{await db.events.estimated_document_count()} events"
            for c in concurrencies:
                await compare(n, c, stack.hub_url, stack.rasa_url, label, stack.pids, block and max(block, 2 * c))
    finally:
        client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description="Hub vs raw Rasa throughput and latency, on a database in use")
    parser.add_argument("-n", type=int, default=120, help="messages per path and concurrency (default 120)")
    parser.add_argument("-c", type=int, nargs="+", default=[1, 4], help="concurrent clients (default: 1 4)")
    parser.add_argument("--grow", type=int, action="append", default=[],
                        help="first fill the database to this many past conversations (repeatable, ascending)")
    parser.add_argument("--interleave", type=int, default=0, metavar="BLOCK",
                        help="send raw and hub in turn, BLOCK messages at a time (at least twice the concurrency), "
                             "so both see the same load of a shared machine (default: all raw, then all hub)")
    args = parser.parse_args()
    sizes = [0, *sorted(args.grow)]
    with running_stack() as stack:
        asyncio.run(bench(args.n, args.c, sizes, stack, args.interleave))
    return 0


if __name__ == "__main__":
    sys.exit(main())
