"""The sustained rate: the highest steady message rate whose replies keep p95 under 2 s, hub beside raw Rasa.

    .venv/bin/python -m bench.load_limit [--rates 2 3 4 6 8 10 12] [--step 30] [--p95-ms 2000]

Starts its own stack (bench/stack.py, rate limits off). For each rate, ascending, it sends
the same resident questions at that steady total rate (open loop: the schedule does not wait
for replies) for ``--step`` seconds, first straight to Rasa's REST webhook, then through the
hub's web chat API, each message from a new resident (the hub's heaviest case: a new
conversation and contact every time). A rate is sustained when every message got its reply
(200), none timed out, and the p95 of the reply time stayed under ``--p95-ms``. Raw Rasa and
the hub are measured step by step in the same run, so both see the same machine. The run stops
for a path at its first rate that fails. Prints a line per step and the two limits.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

import aiohttp

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repo, not bench/ (bench/handover.py would shadow the package)

from bench.load import NO_LIMITS, QUESTIONS  # noqa: E402
from bench.stack import running_stack  # noqa: E402
from bench.stats_util import summary  # noqa: E402

TIMEOUT_S = 30.0


async def _one(http: aiohttp.ClientSession, url: str, body: dict, latencies: list[float], errors: list[str]) -> None:
    started = time.perf_counter()
    try:
        async with http.post(url, json=body, timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)) as resp:
            await resp.read()
            if resp.status != 200:
                errors.append(f"http_{resp.status}")
                return
    except TimeoutError:
        errors.append("timeout")
        return
    except aiohttp.ClientError as exc:
        errors.append(type(exc).__name__)
        return
    latencies.append((time.perf_counter() - started) * 1000)


async def step(url: str, body_for, rate: float, seconds: float) -> tuple[dict[str, float], list[str], int]:  # noqa: ANN001
    """Send at ``rate`` messages/s for ``seconds``; the latency summary, the errors and how many were sent."""
    latencies: list[float] = []
    errors: list[str] = []
    tasks = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        start = time.monotonic()
        count = int(rate * seconds)
        for i in range(count):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(_one(http, url, body_for(i), latencies, errors)))
        await asyncio.gather(*tasks)
    return summary(latencies), errors, count


async def find_limits(hub_url: str, rasa_url: str, rates: list[float], seconds: float, p95_ms: float) -> None:
    tag = uuid.uuid4().hex[:6]
    paths = {
        "raw Rasa": (f"{rasa_url}/webhooks/rest/webhook",
                     lambda r: lambda i: {"sender": f"lim-{tag}-{r}-{i}", "message": QUESTIONS[i % len(QUESTIONS)]}),
        "hub": (f"{hub_url}/api/v1/webchat/messages",
                lambda r: lambda i: {"session_id": f"lim-{tag}-{r}-{i}", "text": QUESTIONS[i % len(QUESTIONS)]}),
    }
    limits: dict[str, float] = dict.fromkeys(paths, 0.0)
    failed: set[str] = set()
    for rate in rates:
        for name, (url, bodies) in paths.items():
            if name in failed:
                continue
            s, errors, sent = await step(url, bodies(rate), rate, seconds)
            ok = not errors and s["p95"] < p95_ms
            print(f"  {rate:5.1f} msg/s  {name:8}  sent {sent:4d}  p50 {s['p50']:6.0f} ms  p95 {s['p95']:6.0f} ms  "
                  f"errors {len(errors):3d}  {'sustained' if ok else 'NOT sustained'}", flush=True)
            if ok:
                limits[name] = rate
            else:
                failed.add(name)
        if len(failed) == len(paths):
            break
    raw, hub = limits["raw Rasa"], limits["hub"]
    print(f"sustained with p95 < {p95_ms:.0f} ms: raw Rasa {raw:g} msg/s, hub {hub:g} msg/s"
          + (f" ({hub / raw:.2f}x)" if raw else ""))
    if raw and raw == rates[-1]:
        print("  (raw Rasa sustained the highest rate tried: give higher --rates to find its limit)")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load_limit",
        description="Highest steady message rate with p95 under a bound, through the hub and straight to Rasa, "
        "step by step in one run on its own stack.",
    )
    parser.add_argument("--rates", type=float, nargs="+", default=[2, 3, 4, 6, 8, 10, 12],
                        help="rates to try, ascending, in messages/s (default 2 3 4 6 8 10 12)")
    parser.add_argument("--step", type=float, default=30.0, help="seconds of sending per rate and path (default 30)")
    parser.add_argument("--p95-ms", type=float, default=2000.0, help="the bound on the p95 reply time (default 2000)")
    args = parser.parse_args()
    if any(r <= 0 for r in args.rates) or args.step <= 0:
        parser.error("--rates and --step must be positive")
    print("starting the stack (SecantusDB, action server, Rasa, hub) with rate limits off ...", flush=True)
    with running_stack(extra_env=NO_LIMITS) as stack:
        asyncio.run(find_limits(stack.hub_url, stack.rasa_url, sorted(args.rates), args.step, args.p95_ms))


if __name__ == "__main__":
    main()
