"""Load: many concurrent web chat sessions at a steady total message rate, on the real stack.

    .venv/bin/python -m bench.load [--sessions 1000] [--duration 120] [--rate 3]

Starts SecantusDB, the action server, Rasa and the hub (bench/stack.py) with rate limits
switched off, then runs ``--sessions`` residents for ``--duration`` seconds. Messages leave
at a steady total ``--rate`` (open loop: the schedule does not slow down when the hub
does); each goes to a resident who is not waiting for a reply, as a real resident waits.
After its first reply every resident keeps the conversation's WebSocket open, so all
sessions are live at once. Every message carries a client ``message_id``.

Prints a progress line every 10 s, then messages/s, p50/p95/p99 reply latency, errors by
kind, and the exactly-once check: each message sent is looked up in MongoDB by its
dedup key (``webchat:<session>:<message_id>``); an answered message must be stored once.

The default rate (3 messages/s) is what the shared 2-core development machine sustains
with Rasa in the loop and most messages opening a new conversation (bench/pipeline.py
measured 6.5 msg/s through the hub on an idle machine); above it the queue, and so the
latency, grows for as long as the run lasts. At 3 msg/s a 2-minute run reaches about 360 of
the 1,000 sessions; ``--rate 9`` or more lets every session speak on a bigger machine.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from motor.motor_asyncio import AsyncIOMotorClient

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repo, not bench/ (bench/handover.py would shadow the package)

from bench.stack import running_stack  # noqa: E402
from bench.stats_util import summary  # noqa: E402

QUESTIONS = [
    "hallo", "ik wil een paspoort aanvragen", "wat kost een id kaart", "mijn container is niet geleegd",
    "hoe geef ik een verhuizing door", "wanneer wordt het grofvuil opgehaald", "hoe vraag ik een parkeervergunning aan",
    "bedankt", "waar kan ik mijn afval kwijt", "wat zijn de openingstijden van het gemeentehuis",
]
PROGRESS_S = 10.0
REQUEST_TIMEOUT_S = 60.0
# Rate limits are another part of issue 9: switched off here whatever their defaults become.
NO_LIMITS = {"KCC_RATE_LIMITS_ENABLED": "false", "KCC_WEBCHAT_RATE_PER_MINUTE": "0"}


@dataclass
class Resident:
    session_id: str
    busy: bool = False
    sent: int = 0
    conversation_id: str | None = None


@dataclass
class Tally:
    started: float = field(default_factory=time.monotonic)
    sent: list[str] = field(default_factory=list)  # dedup keys of every message sent
    answered: dict[str, int] = field(default_factory=dict)  # dedup key -> HTTP status
    latencies_ms: list[float] = field(default_factory=list)
    window_ms: list[float] = field(default_factory=list)
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    skipped: int = 0  # ticks with every resident still waiting
    sockets: int = 0
    done_at: list[float] = field(default_factory=list)


async def _send(http: aiohttp.ClientSession, hub_url: str, resident: Resident, tally: Tally, sockets: list) -> None:
    resident.busy = True
    resident.sent += 1
    message_id = f"m{resident.sent}"
    key = f"webchat:{resident.session_id}:{message_id}"
    tally.sent.append(key)
    body = {"session_id": resident.session_id, "message_id": message_id, "text": random.choice(QUESTIONS)}
    started = time.perf_counter()
    try:
        async with http.post(f"{hub_url}/api/v1/webchat/messages", json=body,
                             timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)) as resp:
            data = await resp.json(content_type=None)
            tally.answered[key] = resp.status
            if resp.status == 200:
                ms = (time.perf_counter() - started) * 1000
                tally.latencies_ms.append(ms)
                tally.window_ms.append(ms)
                if resident.conversation_id is None:
                    resident.conversation_id = data["conversation_id"]
                    sockets.append(asyncio.ensure_future(_hold_socket(http, hub_url, resident, tally)))
            else:
                code = (data or {}).get("error", {}).get("code", "") if isinstance(data, dict) else ""
                tally.errors[f"http_{resp.status}{':' + code if code else ''}"] += 1
    except TimeoutError:
        tally.errors["timeout"] += 1
    except aiohttp.ClientError as exc:
        tally.errors[type(exc).__name__] += 1
    finally:
        tally.done_at.append(time.monotonic())
        resident.busy = False


async def _hold_socket(http: aiohttp.ClientSession, hub_url: str, resident: Resident, tally: Tally) -> None:
    """The widget's live connection to its conversation, open until the run ends."""
    url = f"{hub_url.replace('http', 'ws', 1)}/api/v1/webchat/conversations/{resident.conversation_id}/ws"
    try:
        async with http.ws_connect(url, heartbeat=25) as ws:
            tally.sockets += 1
            try:
                async for _ in ws:
                    pass
            finally:
                tally.sockets -= 1
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - counted, the run goes on
        tally.errors[f"ws_{type(exc).__name__}"] += 1


def _progress(tally: Tally, last_done: int) -> int:
    elapsed = time.monotonic() - tally.started
    done = len(tally.done_at)
    rate = (done - last_done) / PROGRESS_S
    s = summary(tally.window_ms)
    in_flight = len(tally.sent) - done
    errors = sum(tally.errors.values())
    print(f"[{elapsed:5.0f} s] sent {len(tally.sent):6d}  answered {done:6d}  {rate:5.1f} msg/s  "
          f"p50 {s['p50']:6.0f} ms  p95 {s['p95']:6.0f} ms  in flight {in_flight:4d}  "
          f"live sockets {tally.sockets:4d}  errors {errors}", flush=True)
    tally.window_ms.clear()
    return done


async def run_load(hub_url: str, mongo_url: str, db_name: str, sessions: int, duration_s: float, rate: float) -> bool:
    run_id = f"load-{int(time.time())}"
    residents = [Resident(f"{run_id}-{i:04d}") for i in range(sessions)]
    tally = Tally()
    tasks: list[asyncio.Future] = []
    sockets: list[asyncio.Future] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        order = collections.deque(random.sample(residents, len(residents)))
        interval = 1.0 / rate
        next_at = time.monotonic()
        stop_at = next_at + duration_s
        next_progress = next_at + PROGRESS_S
        last_done = 0
        while next_at < stop_at:
            now = time.monotonic()
            if now >= next_progress:
                last_done = _progress(tally, last_done)
                next_progress += PROGRESS_S
            if now < next_at:
                await asyncio.sleep(min(next_at - now, max(0.0, next_progress - now)))
                continue
            next_at += interval
            for _ in range(len(order)):  # the next resident not waiting for a reply
                resident = order[0]
                order.rotate(-1)
                if not resident.busy:
                    tasks.append(asyncio.ensure_future(_send(http, hub_url, resident, tally, sockets)))
                    break
            else:
                tally.skipped += 1
        sending_s = time.monotonic() - tally.started
        print(f"sending stopped after {sending_s:.0f} s; waiting for {len(tally.sent) - len(tally.done_at)} replies",
              flush=True)
        await asyncio.gather(*tasks)
        total_s = time.monotonic() - tally.started
        live = tally.sockets
        for task in sockets:
            task.cancel()
        await asyncio.gather(*sockets, return_exceptions=True)

    ok = _report(tally, sessions, rate, sending_s, total_s, live)
    return await _check_stored(mongo_url, db_name, tally) and ok


def _report(tally: Tally, sessions: int, rate: float, sending_s: float, total_s: float, live: int) -> bool:
    answered = sum(1 for s in tally.answered.values() if s == 200)
    s = summary(tally.latencies_ms)
    print()
    print(f"sessions {sessions} (used {len({k.rsplit(':', 1)[0] for k in tally.sent})}), "
          f"live WebSockets at the end {live}, target rate {rate:g} msg/s")
    print(f"sent {len(tally.sent)} in {sending_s:.0f} s = {len(tally.sent) / sending_s:.2f} msg/s offered; "
          f"answered 200: {answered} in {total_s:.0f} s = {answered / total_s:.2f} msg/s")
    print(f"reply latency p50 {s['p50']:.0f} ms  p95 {s['p95']:.0f} ms  p99 {s['p99']:.0f} ms  "
          f"mean {s['mean']:.0f} ms  max {max(tally.latencies_ms, default=0):.0f} ms")
    errors = dict(tally.errors) or "none"
    print(f"errors by kind: {errors}; ticks with every resident waiting: {tally.skipped}")
    return not tally.errors


async def _check_stored(mongo_url: str, db_name: str, tally: Tally) -> bool:
    client = AsyncIOMotorClient(mongo_url, tz_aware=True)
    try:
        counts: collections.Counter[str] = collections.Counter()
        keys = tally.sent
        for i in range(0, len(keys), 500):
            cursor = client[db_name].messages.find({"dedup_key": {"$in": keys[i:i + 500]}}, {"dedup_key": 1})
            async for doc in cursor:
                counts[doc["dedup_key"]] += 1
    finally:
        client.close()
    twice = [k for k, n in counts.items() if n > 1]
    lost = [k for k in keys if tally.answered.get(k) == 200 and counts[k] != 1]
    unanswered_stored = sum(1 for k in keys if tally.answered.get(k) != 200 and counts[k])
    once = sum(1 for k in keys if counts[k] == 1)
    verdict = "OK" if not twice and not lost else "FAILED"
    print(f"exactly once: {verdict}: {once} of {len(keys)} sent stored once, {len(twice)} stored more than once, "
          f"{len(lost)} answered 200 but not stored once, {unanswered_stored} stored without a 200 answer")
    return verdict == "OK"


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description="Concurrent web chat sessions at a steady message rate on the real stack "
        "(rate limits off): messages/s, p50/p95/p99, errors, exactly-once storage.",
    )
    parser.add_argument("--sessions", type=int, default=1000, help="concurrent web chat sessions (default 1000)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of sending (default 120)")
    parser.add_argument("--rate", type=float, default=3.0,
                        help="total messages per second over all sessions (default 3: what the shared 2-core machine "
                        "sustains with Rasa in the loop)")
    parser.add_argument("--hub-url", help="use a running hub instead of starting the stack (then also --mongo-url)")
    parser.add_argument("--mongo-url", help="MongoDB of that hub, for the exactly-once check")
    parser.add_argument("--db", default="kcc", help="database name of that hub (default kcc)")
    args = parser.parse_args()
    if args.rate <= 0 or args.sessions <= 0 or args.duration <= 0:
        parser.error("--rate, --sessions and --duration must be positive")
    if args.hub_url:
        if not args.mongo_url:
            parser.error("--hub-url needs --mongo-url for the exactly-once check")
        ok = asyncio.run(run_load(args.hub_url, args.mongo_url, args.db, args.sessions, args.duration, args.rate))
    else:
        print("starting the stack (SecantusDB, action server, Rasa, hub) with rate limits off ...", flush=True)
        with running_stack(extra_env=NO_LIMITS) as stack:
            ok = asyncio.run(
                run_load(stack.hub_url, stack.mongo_url, stack.db_name, args.sessions, args.duration, args.rate)
            )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
