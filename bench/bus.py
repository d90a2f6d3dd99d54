"""The bus across hubs (``KCC_BUS=mongo``): how soon one hub's update reaches the other hub's bus.

Starts a Mongo-wire server of its own (the project's launcher, a temporary data folder), builds
two hubs' buses and relays in this process (each with its own client, as two processes have),
and prints the time from ``publish`` on hub A to the item in a subscriber's queue on hub B:
``-n`` updates one at a time, then a burst of ``--burst`` at once.

    .venv/bin/python -m bench.bus -n 300 --burst 1000
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from motor.motor_asyncio import AsyncIOMotorClient

from hub.cli import launcher
from hub.core.bus import LiveBus
from hub.core.bus_relay import BusRelay
from hub.core.db import embedded_url
from hub.core.settings import ROOT


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def measure(url: str, count: int, burst: int, gap_s: float) -> None:
    clients = [AsyncIOMotorClient(url, tz_aware=True) for _ in range(2)]
    a, b = LiveBus(), LiveBus()
    relays = [BusRelay(clients[0]["kcc_bench_bus"], a), BusRelay(clients[1]["kcc_bench_bus"], b)]
    for relay in relays:
        await relay.start()
    try:
        async with b.subscribe("conversation") as queue:
            took = []
            for n in range(count):
                started = time.perf_counter()
                a.publish("conversation", {"id": n, "text": "Goedemorgen, ik heb een vraag over mijn paspoort."})
                await asyncio.wait_for(queue.get(), 10)
                took.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(gap_s)
            print(f"{count} updates one at a time, hub A -> hub B: p50 {percentile(took, 50):.1f} ms, "
                  f"p95 {percentile(took, 95):.1f} ms, p99 {percentile(took, 99):.1f} ms, max {max(took):.1f} ms")
            started = time.perf_counter()
            for n in range(burst):
                a.publish("conversation", {"id": n})
            for _ in range(burst):
                await asyncio.wait_for(queue.get(), 30)
            print(f"a burst of {burst}: all on hub B after {(time.perf_counter() - started) * 1000:.0f} ms")
    finally:
        for relay in relays:
            await relay.stop()
        for client in clients:
            client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=300, help="updates one at a time (default 300)")
    parser.add_argument("--burst", type=int, default=1000, help="updates published at once (default 1000, at most 1000)")
    parser.add_argument("--gap", type=float, default=0.02, help="seconds between two single updates (default 0.02)")
    args = parser.parse_args()
    logs = ROOT / "var" / "bench-logs"
    logs.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="kcc-bench-bus-"))
    port = launcher.free_port()
    mongo = launcher.mongo(port, data / "mongo", logs).launch()
    try:
        asyncio.run(measure(embedded_url(port), args.n, min(args.burst, 1000), args.gap))
    finally:
        mongo.stop()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
