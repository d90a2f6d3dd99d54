"""What an idle hub costs: CPU of the hub and its database, and the operations it sends.

    .venv/bin/python -m bench.idle [--seconds 60] [--settle 15] [--no-bot] [--no-profile]

Starts the real stack (Mongo-wire server, action server, Rasa, hub) as the other benches do,
sends a few web chat messages (a greeting, a question, a request for a person, so one
conversation waits in the queue with no agent online), waits ``--settle`` seconds for
their after-effects (bot replies, the router's round, a statistics refresh), then leaves
the hub alone for ``--seconds`` and prints:

* CPU of the hub process and of the Mongo-wire server process (their process trees), as a
  percentage of one core over the idle window (from ``/proc/<pid>/stat``);
* the database operations of that window: the server's profiler on the hub's database
  (level 2, every operation but cursor continuations), per collection and kind, plus the
  server's own op counters (``serverStatus().opcounters``), which also count ``getMore``
  (change streams) and the drivers' monitoring.

The target (speed issue "background loops that do not poll"): hub + database together
under 3 % of a core, and no loop that polls the database in a tight loop.
``--no-profile`` leaves the profiler off (its own writes cost the server a little).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from pathlib import Path

import aiohttp
from motor.motor_asyncio import AsyncIOMotorClient

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repo, not bench/

from bench import profiler  # noqa: E402
from bench.cpu import cpu_seconds  # noqa: E402
from bench.stack import running_stack  # noqa: E402

ALWAYS_OPEN = {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
MESSAGES = [
    ("idle-a", "hallo"),
    ("idle-a", "hoe vraag ik een paspoort aan?"),
    ("idle-b", "ik wil een medewerker spreken"),
]


async def opcounters(client: AsyncIOMotorClient) -> dict[str, int]:
    status = await client.admin.command("serverStatus")
    return dict(status.get("opcounters") or {})


async def bench(seconds: float, settle: float, with_bot: bool, profile: bool) -> None:
    env = {"KCC_HANDOVER_OFFICE_HOURS": json.dumps(ALWAYS_OPEN), "KCC_HANDOVER_OPEN_ON_HOLIDAYS": "true"}
    with running_stack(env, with_bot=with_bot) as stack:
        client = AsyncIOMotorClient(stack.mongo_url, tz_aware=True)
        db = client[stack.db_name]
        run = uuid.uuid4().hex[:8]
        async with aiohttp.ClientSession() as http:
            for session, text in MESSAGES:
                async with http.post(f"{stack.hub_url}/api/v1/webchat/messages",
                                     json={"session_id": f"{session}-{run}", "text": text},
                                     timeout=aiohttp.ClientTimeout(total=120)) as r:
                    await r.read()
        queued = await db.conversations.count_documents({"state": "queued"})
        await asyncio.sleep(settle)

        if profile:
            await profiler.start(db)
        ops_before = await opcounters(client)
        cpu_before = {name: cpu_seconds(pid) for name, pid in stack.pids.items()}
        started = time.monotonic()
        await asyncio.sleep(seconds)
        took = time.monotonic() - started
        cpu_after = {name: cpu_seconds(pid) for name, pid in stack.pids.items()}
        ops_after = await opcounters(client)
        counts = profiler.count(await profiler.stop(db)) if profile else {}
        client.close()

    per_min = 60.0 / took
    share = {name: 100.0 * (cpu_after[name] - cpu_before[name]) / took for name in cpu_after}
    print(f"idle bench: {len(MESSAGES)} messages ({queued} conversation(s) queued, no agent online), "
          f"{settle:.0f} s settle, then {took:.0f} s idle{' (bot running)' if with_bot else ' (no bot)'}")
    for name in ("hub", "mongo", "actions", "rasa"):
        if name in share:
            print(f"  CPU {name:8} {share[name]:6.2f} % of a core")
    both = share.get("hub", 0.0) + share.get("mongo", 0.0)
    print(f"  CPU hub + database {both:6.2f} % of a core (target: under 3 %)")
    deltas = {k: ops_after.get(k, 0) - ops_before.get(k, 0) for k in ops_after}
    deltas["command"] = deltas.get("command", 0) - 1  # our own second serverStatus
    print("  server op counters per minute: " + ", ".join(f"{k} {v * per_min:.1f}" for k, v in sorted(deltas.items())))
    if profile:
        total = sum(counts.values())
        print(f"  profiled operations on {stack.db_name}: {total} ({total * per_min:.1f} per minute)")
        for (coll, kind), count in sorted(counts.items(), key=lambda kv: -kv[1])[:25]:
            print(f"    {coll:28} {kind:16} {count:6}  {count * per_min:7.1f} per minute")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the idle window (default 60)")
    parser.add_argument("--settle", type=float, default=15.0, help="wait after the messages before measuring (default 15)")
    parser.add_argument("--no-bot", action="store_true", help="no Rasa and action server (the hub queues every message)")
    parser.add_argument("--no-profile", action="store_true", help="leave the server's profiler off")
    args = parser.parse_args()
    asyncio.run(bench(args.seconds, args.settle, not args.no_bot, not args.no_profile))


if __name__ == "__main__":
    main()
