"""End-to-end reply latency of the web chat API, one resident at a time, on the real stack."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from bench.stack import running_stack
from bench.stats_util import summary

QUESTIONS = [
    "hallo", "ik wil een paspoort aanvragen", "en wat kost dat?", "mijn container is niet geleegd",
    "hoe geef ik een verhuizing door", "ik wil een medewerker spreken", "bedankt",
]


async def _measure(hub_url: str, rasa_url: str, n: int) -> None:
    hub_ms: list[float] = []
    rasa_ms: list[float] = []
    async with aiohttp.ClientSession() as http:
        for i in range(n):
            text = QUESTIONS[i % len(QUESTIONS)]
            session = f"lat-{i // len(QUESTIONS)}"
            started = time.perf_counter()
            async with http.post(f"{hub_url}/api/v1/webchat/messages", json={"session_id": session, "text": text}) as r:
                await r.read()
            hub_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            async with http.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": f"raw-{session}", "message": text}) as r:
                await r.read()
            rasa_ms.append((time.perf_counter() - started) * 1000)
    for name, values in (("web chat API (hub + Rasa + actions)", hub_ms), ("Rasa REST webhook alone", rasa_ms)):
        s = summary(values)
        print(f"{name:38} p50 {s['p50']:6.1f} ms  p95 {s['p95']:6.1f} ms  p99 {s['p99']:6.1f} ms")
    h, r = summary(hub_ms), summary(rasa_ms)
    print(f"hub's own share of a reply at p50: {h['p50'] - r['p50']:.1f} ms (the rest is Rasa and the action server)")


def webchat_latency(n: int) -> None:
    with running_stack() as stack:
        asyncio.run(_measure(stack.hub_url, stack.rasa_url, n))
