"""How long the dashboard's figures take for a quarter of 1 million events.

Starts its own Mongo-wire server (SecantusDB, as ``make run`` does) in ``var/bench-stats``
unless ``--mongodb-url`` points at a running MongoDB, writes a realistic quarter of events
(Q1 2025: web chat, WhatsApp, e-mail, ...; bot answers, handovers, queue waits, callbacks,
cases, satisfaction scores, agent presence), folds them into the statistics tables
(``hub.stats.rollup``), then times what the dashboard asks: every figure for one month,
for one channel, for one topic, and the live queue. Also times the refresh after new events.

    .venv/bin/python -m bench.stats                 # 1,000,000 events (takes a while)
    .venv/bin/python -m bench.stats --events 100000 # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repo, not bench/ (bench/handover.py would shadow the package)

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase  # noqa: E402

from hub.cli import launcher  # noqa: E402
from hub.core.db import embedded_url, ensure_indexes  # noqa: E402
from hub.core.models import new_id, utcnow  # noqa: E402
from hub.core.settings import ROOT, Settings  # noqa: E402
from hub.core.workdays import TZ  # noqa: E402
from hub.stats.figures import Query, Stats  # noqa: E402
from hub.stats.live_view import queue_now  # noqa: E402
from hub.stats.rollup import TABLES, Rollup  # noqa: E402

QUARTER = (date(2025, 1, 1), date(2025, 3, 31))
MONTH = (date(2025, 2, 1), date(2025, 2, 28))
CHANNELS = {"webchat": 55, "whatsapp": 25, "email": 8, "sms": 4, "telegram": 3, "messenger": 3, "instagram": 2}
TEAMS = ["kcc", "burgerzaken", "vergunningen", "belastingen", "sociaal-domein"]
TOPICS = [f"onderwerp-{i:02d}" for i in range(30)]
TOPIC_TEAM = {t: TEAMS[i % len(TEAMS)] for i, t in enumerate(TOPICS)}
TOPIC_WEIGHTS = [1 / (i + 1) for i in range(len(TOPICS))]  # a few topics are asked most
ACTIONS = {"answer": 60, "clarify": 15, "fallback": 10, "status": 5, "melding": 5, "greet": 5}
CASE_TYPES = ["vraag", "melding-openbare-ruimte", "klacht", "terugkoppeling-vergunning"]


class Generator:
    def __init__(self, seed: int = 8):
        self.rnd = random.Random(seed)
        self.events: list[dict[str, Any]] = []

    def add(self, type_: str, conv: str | None, at: datetime, **data: Any) -> None:
        self.events.append({"_id": new_id(), "type": type_, "conversation_id": conv, "at": at, **data})

    def moment(self) -> datetime:
        """A moment in the quarter, mostly on weekdays in office hours (local time)."""
        r = self.rnd
        day = QUARTER[0] + timedelta(days=r.randrange((QUARTER[1] - QUARTER[0]).days + 1))
        busy = day.weekday() < 5 and r.random() < 0.85
        hour = r.randint(8, 16) if busy else r.randint(0, 23)
        local = datetime(day.year, day.month, day.day, hour, r.randrange(60), r.randrange(60), tzinfo=TZ)
        return local.astimezone(UTC)

    def conversation(self) -> None:
        r = self.rnd
        conv, t = new_id(), self.moment()
        channel = r.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
        topic = r.choices(TOPICS, weights=TOPIC_WEIGHTS)[0]
        team = TOPIC_TEAM[topic]
        self.add("conversation_opened", conv, t, channel=channel)
        for _ in range(r.randint(1, 4)):
            t += timedelta(seconds=r.randint(10, 120))
            self.add("message_in", conv, t, channel=channel)
            action = r.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
            extra = {"question_key": f"vraag {r.randrange(400)}"} if action in ("fallback", "clarify") else {}
            self.add(f"bot_{action}", conv, t, intent=topic.replace("-", "_"), channel=channel,
                     article=topic if action == "answer" else None, **extra)
            self.add("message_out", conv, t, author="bot", channel=channel)
        if r.random() < 0.30:
            t += timedelta(seconds=5)
            self.add("handover", conv, t, reason="asked_for_person", team=team, priority=0, topic=topic)
            if r.random() < 0.08:
                self.add("abandoned", conv, t + timedelta(seconds=r.randint(60, 900)), team=team)
            else:
                wait = int(r.lognormvariate(4.5, 1.0))
                agent = f"agent-{r.randrange(25)}"
                t += timedelta(seconds=wait)
                self.add("assigned", conv, t, agent=agent, how="auto", team=team, waited_s=wait)
                for _ in range(r.randint(1, 4)):
                    t += timedelta(seconds=r.randint(20, 180))
                    self.add("agent_reply", conv, t, agent=agent, channel=channel)
                    self.add("message_out", conv, t, author="agent", channel=channel)
                    self.add("message_in", conv, t + timedelta(seconds=30), channel=channel)
                t += timedelta(seconds=r.randint(30, 600))
                self.add("closed", conv, t, by=agent, outcome="answered", team=team)
        if r.random() < 0.15:
            self.add("satisfaction", conv, t + timedelta(seconds=20), score=r.choices([1, 2, 3, 4, 5], [5, 7, 15, 40, 33])[0],
                     channel=channel, team=team)
        if r.random() < 0.02:
            cid = new_id()
            self.add("callback_created", conv, t, callback_id=cid, by="agent-0")
            if r.random() < 0.9:
                self.add("callback_done", conv, t + timedelta(hours=r.randint(1, 80)), callback_id=cid)
        if r.random() < 0.03:
            number = f"Z-2025-{len(self.events):07d}"
            self.add("case_created", conv, t, case_number=number, case_type=r.choice(CASE_TYPES), by="agent-0")
            if r.random() < 0.85:
                self.add("case_status", None, t + timedelta(hours=r.randint(2, 200)), case_number=number, status="afgehandeld")

    def presence(self) -> None:
        day = QUARTER[0]
        while day <= QUARTER[1]:
            if day.weekday() < 5:
                for a in range(25):
                    start = datetime(day.year, day.month, day.day, 8, self.rnd.randrange(30), tzinfo=TZ).astimezone(UTC)
                    team, agent = TEAMS[a % len(TEAMS)], f"agent-{a}"
                    for status, hours in (("available", 2), ("away", 0.25), ("available", 2), ("busy", 1),
                                          ("available", 3), ("offline", 0)):
                        self.add("agent_presence", None, start, agent=agent, status=status, team=team)
                        start += timedelta(hours=hours)
            day += timedelta(days=1)

    def build(self, target: int) -> list[dict[str, Any]]:
        self.presence()
        while len(self.events) < target:
            self.conversation()
        return self.events[:target]


async def timed(label: str, coro_factory: Any, runs: int = 1) -> tuple[float, Any]:
    took, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = await coro_factory()
        took.append(time.perf_counter() - started)
    value = statistics.median(took)
    extra = f" (median of {runs}, first {took[0]:.2f} s)" if runs > 1 else ""
    print(f"  {label:<52} {value:8.2f} s{extra}", flush=True)
    return value, result


async def run(db: AsyncIOMotorDatabase, target: int, reuse: bool = False) -> None:
    settings = Settings(_env_file=None)
    if reuse:  # a database an earlier run kept (--keep): its events are there already
        total = await db.events.estimated_document_count()
        print(f"using the {total:,} events in {db.name}", flush=True)
        print("timings", flush=True)
    else:
        print(f"generating {target:,} events over {QUARTER[0]} .. {QUARTER[1]}", flush=True)
        events = Generator().build(target)
        total = len(events)
        convs = len({e["conversation_id"] for e in events if e["conversation_id"]})
        print(f"  {convs:,} conversations, {sum(e['type'] == 'agent_presence' for e in events):,} presence events")

        async def insert() -> None:
            for i in range(0, len(events), 10_000):
                await db.events.insert_many(events[i:i + 10_000], ordered=False)

        print("timings", flush=True)
        await timed(f"insert {total:,} events (a bulk load, before the indexes)", insert)
    await timed("create the indexes (hub.core.db.INDEXES)", lambda: ensure_indexes(db))
    rollup = Rollup(db, settings)
    await timed("fold them into the statistics tables (full rebuild)", rollup.rebuild)
    sizes = {name: await db[name].estimated_document_count()
             for name in TABLES}
    stats = Stats(db, settings)
    month = Query(start=MONTH[0], end=MONTH[1])
    took, body = await timed("a month's figures (all of the dashboard)", lambda: stats.summary(month), runs=5)
    await timed("a month's figures, one channel (whatsapp)", lambda: stats.summary(
        Query(start=MONTH[0], end=MONTH[1], channel="whatsapp")), runs=3)
    await timed("a month's figures, one topic (from the facts)", lambda: stats.summary(
        Query(start=MONTH[0], end=MONTH[1], topic=TOPICS[0])), runs=3)
    await timed("a month's contacts per hour", lambda: stats.summary(
        Query(start=MONTH[0], end=MONTH[1], granularity="hour"), ("contacts",)), runs=3)
    await timed("the whole quarter's figures", lambda: stats.summary(Query(start=QUARTER[0], end=QUARTER[1])), runs=3)
    await timed("live queue", lambda: queue_now(db, settings), runs=3)

    extra = Generator(seed=9)
    now = utcnow()
    for _ in range(100):
        extra.conversation()
    first = min(e["at"] for e in extra.events)
    span = (max(e["at"] for e in extra.events) - first) or timedelta(seconds=1)
    for e in extra.events:  # the same traffic squeezed into the last minute, in its order
        e["at"] = now - timedelta(seconds=60) + timedelta(seconds=55) * ((e["at"] - first) / span)
    await db.events.insert_many(extra.events)
    await timed(f"refresh after {len(extra.events):,} new events", lambda: rollup.refresh(now=now + timedelta(seconds=10)))

    f = body["figures"]
    print("working tables: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    print(f"February 2025: {f['contacts']['total']['value']:,} contacts, containment {f['containment']['containment']['value']},"
          f" wait p90 {f['wait']['p90_s']['value']} s, callbacks on time {f['callbacks']['share_on_time']['value']}")
    print(f"RESULT: a month's figures for {total:,} events: {took:.2f} s (aim: under 2 s)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--mongodb-url", help="use this MongoDB instead of starting SecantusDB")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="with --mongodb-url: a kept database whose events are loaded already")
    args = parser.parse_args()
    service, storage = None, ROOT / "var" / f"bench-stats-{os.getpid()}"
    url = args.mongodb_url
    if not url:
        port = launcher.free_port()
        log_dir = ROOT / "var" / "bench-logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        service = launcher.mongo(port, storage, log_dir)
        service.start()
        service.wait_ready()
        url = embedded_url(port)
    client = AsyncIOMotorClient(url, tz_aware=True)
    name = args.database or f"kcc_bench_stats_{new_id()[:6]}"
    try:
        await run(client[name], args.events, reuse=bool(args.database))
        if not args.keep:
            await client.drop_database(name)
    finally:
        client.close()
        if service:  # stopped even when the run failed: never two servers on one data folder
            service.stop()
            if not args.keep:
                shutil.rmtree(storage, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a kill still stops the database server
    asyncio.run(main())
