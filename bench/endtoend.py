"""End-to-end figures on the evaluation sets (bench/eval): what a resident gets from the web chat API.

Every item is sent as the first message of a fresh web chat session on the real stack (hub, Rasa,
action server, Mongo-wire server; see bench/stack.py). The reply's ``meta.action`` and
``meta.article`` are compared with the item's expectation (``bench.evalset.accepted``). The same
text also goes to Rasa's ``/model/parse`` for the classifier-only figure (the NLU's best intent,
looking past ``nlu_fallback``, as the actions do).

Tuners see dev misses only: for the test split the report gives counts per style and kind, and the
misses only with ``show_test_misses``.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import aiohttp

from bench import evalset
from bench.stack import running_stack

# meta.action -> the intents that lead to it (bot/data/rules.yml, bot/actions); for the classifier figure
ACTION_INTENTS = {
    "handover": {"handover", "angry"},
    "callback": {"callback"},
    "status": {"status"},
    "melding": {"melding"},
    "greet": {"greet", "goodbye", "bot_challenge"},
    "thanks": {"thanks"},
    "out_of_scope": {"out_of_scope"},
    "data_access": {"ask_data_access"},
}


def intent_ok(item: dict[str, Any], intent: str | None) -> bool:
    """Classifier only: is the NLU's best intent one that leads to an accepted outcome?"""
    wanted = set(item["expect"].get("article", []))
    for action in item["expect"].get("action", []):
        wanted |= ACTION_INTENTS.get(action, set())
    return intent in wanted


async def _ask(
    http: aiohttp.ClientSession, hub_url: str, rasa_url: str, item: dict[str, Any]
) -> dict[str, Any]:
    session = f"eval-{uuid.uuid4().hex[:12]}"
    started = time.perf_counter()
    async with http.post(
        f"{hub_url}/api/v1/webchat/messages", json={"session_id": session, "text": item["text"]}
    ) as r:
        status = r.status
        body = await r.json(content_type=None) if status == 200 else {}
    ms = (time.perf_counter() - started) * 1000
    meta = body.get("meta") or {}
    async with http.post(f"{rasa_url}/model/parse", json={"text": item["text"]}) as r:
        parsed = await r.json()
    ranking = [x for x in parsed.get("intent_ranking") or [] if x.get("name") != "nlu_fallback"]
    nlu_intent = ranking[0]["name"] if ranking else (parsed.get("intent") or {}).get("name")
    # A handover without an intent is the hub's own "the bot could not answer" (Rasa or actions down).
    failed = status != 200 or (meta.get("action") == "handover" and meta.get("intent") is None)
    action, article = (None, None) if failed else (meta.get("action"), meta.get("article"))
    return {
        **item,
        "action": action,
        "article": article,
        "intent": meta.get("intent"),
        "nlu_intent": nlu_intent,
        "failed": failed,
        "ms": ms,
        "ok": evalset.accepted(item, action, article),
        "nlu_ok": intent_ok(item, nlu_intent),
    }


async def _run_all(
    hub_url: str, rasa_url: str, items: list[dict[str, Any]], concurrency: int
) -> list[dict[str, Any]]:
    gate = asyncio.Semaphore(concurrency)
    done = 0
    started = time.monotonic()
    results: list[dict[str, Any]] = [{} for _ in items]
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as http:

        async def one(i: int) -> None:
            nonlocal done
            async with gate:
                results[i] = await _ask(http, hub_url, rasa_url, items[i])
            done += 1
            if done % 25 == 0 or done == len(items):
                rate = done / max(time.monotonic() - started, 1e-6)
                print(f"  {done}/{len(items)} messages ({rate:.1f}/s)", file=sys.stderr, flush=True)

        await asyncio.gather(*(one(i) for i in range(len(items))))
    return results


def run(
    items: list[dict[str, Any]], concurrency: int = 2, model: Path | None = None
) -> list[dict[str, Any]]:
    """Start the stack once, send every item in a fresh session; one result per item (in order)."""
    print(
        f"starting the stack (hub, Rasa, action server, database) for {len(items)} messages ...",
        file=sys.stderr,
        flush=True,
    )
    with running_stack(model=model) as stack:
        print("stack ready; sending messages", file=sys.stderr, flush=True)
        return asyncio.run(_run_all(stack.hub_url, stack.rasa_url, items, concurrency))


def _rate(rows: list[dict[str, Any]], key: str) -> str:
    return f"{sum(r[key] for r in rows) / len(rows):.2f}" if rows else "  - "


def table(results: list[dict[str, Any]], title: str) -> None:
    """Per kind and per style: end-to-end right, classifier-only right, counts."""
    print(f"\n{title}: {len(results)} messages")
    print(f"  {'style':12} {'kind':7} {'n':>4} {'end-to-end':>10} {'classifier':>10}")
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        groups[(r["style"], r["kind"])].append(r)
        groups[(r["style"], "all")].append(r)
        groups[("ALL", r["kind"])].append(r)
        groups[("ALL", "all")].append(r)
    styles = [*evalset.styles_in(results), "ALL"]
    for style in styles:
        for kind in ("topic", "action", "all"):
            rows = groups.get((style, kind))
            if rows and not (
                kind == "all" and style != "ALL" and len({x["kind"] for x in rows}) == 1
            ):
                print(
                    f"  {style:12} {kind:7} {len(rows):4d} {_rate(rows, 'ok'):>10} {_rate(rows, 'nlu_ok'):>10}"
                )
    by_action: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        if r["kind"] == "action":
            by_action[evalset.expected_label(r)].append(r)
    for action, rows in sorted(by_action.items()):
        print(
            f"  {'action=' + action:20} {len(rows):4d} {_rate(rows, 'ok'):>10} {_rate(rows, 'nlu_ok'):>10}"
        )
    failed = sum(r["failed"] for r in results)
    if failed:
        print(
            f"  WARNING: {failed} messages got no bot answer (the hub's 'bot could not answer' handover)"
        )
    offered = [
        r for r in results if r["kind"] == "topic" and not r["ok"] and r["action"] == "clarify"
    ]
    print(f"  topic items answered with a clarify question instead: {len(offered)}")


def _got(r: dict[str, Any]) -> str:
    if r["failed"]:
        return "NO ANSWER"
    return f"answer:{r['article']}" if r["action"] == "answer" else str(r["action"])


def confusions(results: list[dict[str, Any]], top: int = 20) -> None:
    """The confusions that cost most: expected -> got, count."""
    pairs = Counter((evalset.expected_label(r), _got(r)) for r in results if not r["ok"])
    print(f"  costliest confusions (expected -> got: count), {sum(pairs.values())} misses:")
    for (want, got), n in pairs.most_common(top):
        print(f"    {want} -> {got}: {n}")


def misses(results: list[dict[str, Any]]) -> None:
    for r in results:
        if not r["ok"]:
            print(
                f"    [{r['style']}] {r['text']!r}\n        want {r['expect']} got {_got(r)} (NLU: {r['nlu_intent']})"
            )


def report(split: str, results: list[dict[str, Any]], show_misses: bool) -> None:
    """Dev prints its confusions; the test set and a file of one's own print counts, misses only when asked."""
    table(results, f"{evalset.label(split)} end to end through the web chat API")
    if split == "dev":
        confusions(results)
    elif show_misses:
        confusions(results)
        print(f"  {evalset.label(split)} misses:")
        misses(results)
    else:
        print(f"  ({evalset.label(split)} misses are not shown, so nobody tunes on them; --show-test-misses prints them)")
    ms = sorted(r["ms"] for r in results)
    if ms:
        print(
            f"  reply time p50 {ms[len(ms) // 2]:.0f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.0f} ms"
        )
