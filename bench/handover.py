"""Warm handover under load: N web chat residents ask for a person at once, with A agents online.

    .venv/bin/python -m bench.handover [-n 200] [-a 20] [--per-agent 10]

Starts the real stack (Mongo-wire server, action server, Rasa, hub), logs A agents in, sets
them available and opens each one's console WebSocket. Then N residents send "ik wil een
medewerker spreken" through the web chat API at the same moment; the real bot hands over.

Prints p50/p95/p99 of, per conversation:
* handover -> queued event at the consoles (the conversation shows in the team queue);
* handover -> assigned event at the agent's console;
* handover -> the conversation shows in the agent's console: the ``assigned`` event carries
  the list item and the console puts it under "Mijn gesprekken" at once (handover/static/
  console.js ``showAssigned``): the number the issue asks for;
* handover -> the console's list reload (GET /api/v1/handover/queue, which the console also
  does after desk events) lists it too;
* resident's message -> that same moment (includes the bot's own work in Rasa).
"Handover" is the moment the hub queued the conversation (``conversations.handover.at``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
import uuid
from pathlib import Path

import aiohttp
from motor.motor_asyncio import AsyncIOMotorClient

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repo, not bench/ (bench/handover.py would shadow the package)

from bench import profiler  # noqa: E402
from bench.stack import running_stack  # noqa: E402
from bench.stats_util import summary  # noqa: E402
from hub.staff import auth  # noqa: E402

ASK = "ik wil een medewerker spreken"
PASSWORD = "bench-wachtwoord-123"
ALWAYS_OPEN = {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


class Agent:
    def __init__(self, base: str, username: str):
        self.base = base
        self.username = username
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.expected = 0
        self.all_listed = asyncio.Event()

    async def login(self) -> None:
        async with self.http.post(f"{self.base}/api/v1/auth/login", json={"username": self.username, "password": PASSWORD}) as r:
            self.csrf = (await r.json())["csrf_token"]
        async with self.http.put(f"{self.base}/api/v1/handover/presence", json={"presence": "available"},
                                 headers={"X-CSRF-Token": self.csrf}) as r:
            assert r.status == 200, await r.text()
        self.ws = await self.http.ws_connect(f"{self.base}/api/v1/handover/ws", heartbeat=20)

    async def listen(
        self, queued: dict[str, float], assigned: dict[str, float], shown: dict[str, float], listed: dict[str, float]
    ) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            now = time.time()
            event = json.loads(msg.data)
            conv = event.get("conversation_id")
            if event.get("type") == "queued":
                queued.setdefault(conv, now)
            elif event.get("type") == "assigned" and event.get("agent") == self.username:
                assigned.setdefault(conv, now)
                if (event.get("conversation") or {}).get("id") == conv:  # what the console shows at once
                    shown.setdefault(conv, now)
                self.tasks.append(asyncio.create_task(self.list_until_shown(conv, listed)))

    async def list_until_shown(self, conv: str, listed: dict[str, float]) -> None:
        """What the console does on an event: reload its lists; the conversation must be in them."""
        for _ in range(50):
            async with self.http.get(f"{self.base}/api/v1/handover/queue") as r:
                body = await r.json()
            if any(c["id"] == conv for c in body["mine"]):
                listed[conv] = time.time()
                if len(listed) >= self.expected:
                    self.all_listed.set()
                return
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        await self.http.close()


async def print_operations(db, per: int) -> None:
    """Operations the whole run sent to MongoDB, per collection and kind, per conversation."""
    counts = profiler.count(await profiler.stop(db))
    total = sum(counts.values())
    print(f"  MongoDB operations: {total} in all, {total / per:.1f} per conversation")
    for (coll, kind), n in counts.most_common(25):
        print(f"    {coll:28} {kind:16} {n:6}  {n / per:6.2f} per conversation")


async def bench(n: int, agents_n: int, per_agent: int, profile: bool = False) -> None:
    env = {
        "KCC_HANDOVER_OFFICE_HOURS": json.dumps(ALWAYS_OPEN),
        "KCC_HANDOVER_OPEN_ON_HOLIDAYS": "true",
        "KCC_HANDOVER_MAX_PER_AGENT": str(per_agent),
        "KCC_RASA_TIMEOUT_S": "300",
        "KCC_HANDOVER_ANSWER_TIMEOUT_S": "3600",  # the bench agents never answer: no requeues
    }
    with running_stack(env) as stack:
        client = AsyncIOMotorClient(stack.mongo_url, tz_aware=True)
        db = client[stack.db_name]
        names = [f"bench-agent-{i:02d}" for i in range(agents_n)]
        for name in names:
            await auth.create_staff(db, name, PASSWORD, ["agent"], name=name, team="kcc")
        agents = [Agent(stack.hub_url, name) for name in names]
        all_listed = asyncio.Event()
        for agent in agents:
            agent.expected, agent.all_listed = min(n, agents_n * per_agent), all_listed
        await asyncio.gather(*(a.login() for a in agents))
        queued: dict[str, float] = {}
        assigned: dict[str, float] = {}
        shown: dict[str, float] = {}
        listed: dict[str, float] = {}
        listeners = [asyncio.create_task(a.listen(queued, assigned, shown, listed)) for a in agents]
        round_trips: list[float] = []

        async def probe() -> None:  # how busy the Mongo-wire server is while this runs
            while True:
                started = time.perf_counter()
                await db.agents.find_one({"_id": names[0]}, {"_id": 1})
                round_trips.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(0.1)

        prober = asyncio.create_task(probe())
        await asyncio.sleep(0.5)
        if profile:
            await profiler.start(db, size_mb=512)

        sent_at: dict[str, float] = {}
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=n)) as http:
            async def resident(i: int) -> None:
                body = {"session_id": f"bench-{uuid.uuid4().hex[:12]}", "text": ASK}
                started = time.time()
                async with http.post(f"{stack.hub_url}/api/v1/webchat/messages", json=body,
                                     timeout=aiohttp.ClientTimeout(total=600)) as r:
                    reply = await r.json()
                    assert r.status == 200, reply
                sent_at[reply["conversation_id"]] = started

            began = time.perf_counter()
            await asyncio.gather(*(resident(i) for i in range(n)))
            answered = time.perf_counter() - began
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_listed.wait(), 120)

        convs = {c["_id"]: c async for c in db.conversations.find({"_id": {"$in": list(sent_at)}})}
        handed = {cid: c["handover"]["at"].timestamp() for cid, c in convs.items() if c.get("handover")}
        reasons: dict[str, int] = {}
        for c in convs.values():
            reason = (c.get("handover") or {}).get("reason", "none")
            reasons[reason] = reasons.get(reason, 0) + 1

        def lat(seen: dict[str, float], start: dict[str, float]) -> list[float]:
            return [(seen[c] - start[c]) * 1000 for c in seen if c in start]

        print(f"handover bench: {n} web chat residents at once, {agents_n} agents online, {per_agent} conversations per agent")
        print(f"  handovers: {len(handed)} ({', '.join(f'{k}: {v}' for k, v in sorted(reasons.items()))}); "
              f"all {n} web chat requests answered in {answered:.1f}s")
        for label, seen, start in (
            ("handover -> in team queue (WS)", queued, handed),
            ("handover -> assigned (agent's WS)", assigned, handed),
            ("handover -> shown in agent's console", shown, handed),
            ("handover -> in console list reload", listed, handed),
            ("resident message -> shown in console", shown, sent_at),
        ):
            values = lat(seen, start)
            s = summary(values)
            print(f"  {label:38} n={len(values):3}  p50 {s['p50']:8.1f} ms   p95 {s['p95']:8.1f} ms   p99 {s['p99']:8.1f} ms")
        rt = summary(round_trips)
        print(f"  {'Mongo-wire round trip meanwhile':38} n={len(round_trips):3}  p50 {rt['p50']:8.1f} ms   "
              f"p95 {rt['p95']:8.1f} ms   p99 {rt['p99']:8.1f} ms")
        prober.cancel()
        if profile:
            await print_operations(db, n)
        for task in listeners + [t for a in agents for t in a.tasks]:
            task.cancel()
        await asyncio.gather(*(a.close() for a in agents), return_exceptions=True)
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="residents asking for a person at once")
    parser.add_argument("-a", type=int, default=20, help="agents online")
    parser.add_argument("--per-agent", type=int, default=10, help="KCC_HANDOVER_MAX_PER_AGENT for the run")
    parser.add_argument("--profile", action="store_true",
                        help="count the MongoDB operations of the run (the server's profiler; slows the run down)")
    args = parser.parse_args()
    asyncio.run(bench(args.n, args.a, args.per_agent, args.profile))


if __name__ == "__main__":
    main()
