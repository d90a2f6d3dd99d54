"""The Mongo-wire server restarts under a running hub: nothing that was answered 2xx is lost.

A private stack (own SecantusDB and hub, shared Rasa) so the shared database stays up.
Messages arrive by the web chat API and by a signed Telegram webhook before, during and
after the outage, and in a burst while the server goes down. Each one either got a 2xx and
is stored exactly once, or got a 503 with Retry-After and a JSON error; the 503s are sent
again after the restart (as the widget and Telegram do) and are then stored exactly once.
The hub process is never restarted.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from motor.motor_asyncio import AsyncIOMotorClient

from tests.channels import stack_env as channel_env
from tests.conftest import Stack
from tests.resilience.conftest import private_mongo, wait_health

TEXT = "mijn container is niet geleegd"


@dataclass
class Sent:
    """One message as a client sent it, and what the hub answered."""

    kind: str  # webchat | telegram
    dedup_key: str
    body: dict[str, Any]
    status: int = 0
    answer: Any = None
    retry_after: str | None = None
    took_s: float = 0.0


def webchat(session: str, message_id: str) -> Sent:
    return Sent("webchat", f"webchat:{session}:{message_id}",
                {"session_id": session, "message_id": message_id, "text": TEXT})


def telegram(chat_id: int) -> Sent:
    update_id = secrets.randbelow(10**9)
    update = {
        "update_id": update_id,
        "message": {
            "message_id": secrets.randbelow(10**6),
            "from": {"id": chat_id, "is_bot": False, "first_name": "Jan", "language_code": "nl"},
            "chat": {"id": chat_id, "first_name": "Jan", "type": "private"},
            "date": int(time.time()),
            "text": TEXT,
        },
    }
    return Sent("telegram", f"telegram:{update_id}", update)


async def post(http: aiohttp.ClientSession, stack: Stack, sent: Sent) -> Sent:
    if sent.kind == "webchat":
        url, headers = f"{stack.hub_url}/api/v1/webchat/messages", {}
    else:
        url, headers = f"{stack.hub_url}/webhooks/telegram", {"X-Telegram-Bot-Api-Secret-Token": channel_env.TELEGRAM_SECRET}
    started = time.monotonic()
    async with http.post(url, json=sent.body, headers=headers, timeout=aiohttp.ClientTimeout(total=60)) as resp:
        sent.status = resp.status
        sent.answer = await resp.json(content_type=None)
        sent.retry_after = resp.headers.get("Retry-After")
    sent.took_s = time.monotonic() - started
    return sent


def assert_retryable(sent: Sent) -> None:
    assert sent.status == 503, (sent.kind, sent.status, sent.answer)
    assert sent.retry_after and int(sent.retry_after) > 0
    assert sent.answer["error"]["code"] in ("storage_unavailable", "not_stored"), sent.answer
    assert sent.answer["error"]["message"]  # Dutch text for the widget; no stack trace


async def stored_count(db: Any, sent: Sent) -> int:
    return await db.messages.count_documents({"dedup_key": sent.dedup_key})


async def test_hub_reconnects_after_a_mongo_restart_and_loses_nothing(private_stack, http):
    st = private_stack
    hub = st.running["hub"]
    await wait_health(http, st, 200)
    session = f"res-{secrets.token_hex(6)}"
    chat_id = secrets.randbelow(10**9) + 10**9

    before = [await post(http, st, webchat(session, "voor")), await post(http, st, telegram(chat_id))]
    assert [s.status for s in before] == [200, 200], [s.answer for s in before]

    # a burst in flight while the server goes down (SIGTERM: a restart, not a disk loss)
    burst = [webchat(f"{session}-b{i}", "1") for i in range(12)] + [telegram(chat_id + 1 + i) for i in range(4)]

    burst_task = asyncio.ensure_future(asyncio.gather(*(_later(0.15 * i, post(http, st, s)) for i, s in enumerate(burst))))
    await asyncio.sleep(0.3)
    mongo = st.running.pop("mongo")
    mongo.stop()
    during: list[Sent] = []
    try:
        body = await wait_health(http, st, 503, within_s=20)
        assert body["components"]["mongo"] == "down"
        during = [webchat(session, f"tijdens-{i}") for i in range(3)] + [telegram(chat_id) for _ in range(3)]
        for sent in during:
            await post(http, st, sent)
            assert_retryable(sent)
            assert sent.took_s < 10, f"{sent.kind} hung {sent.took_s:.1f}s while MongoDB was away"
        await burst_task
    finally:
        st.start(private_mongo(st))

    body = await wait_health(http, st, 200, within_s=90)  # the hub reconnects by itself
    assert body["components"] == {"mongo": "up", "rasa": "up", "actions": "up", "search": "up"}
    assert hub.running() and st.running["hub"] is hub  # same process: no hub restart

    after = [await post(http, st, webchat(session, "na")), await post(http, st, telegram(chat_id))]
    assert [s.status for s in after] == [200, 200], [s.answer for s in after]
    assert after[0].answer["replies"], "the bot answers again after the restart"

    client = AsyncIOMotorClient(st.mongo_url, tz_aware=True)
    db = client[st.db_name]
    try:
        for sent in before + burst + after:
            assert sent.status in (200, 503), (sent.kind, sent.status, sent.answer)
            if sent.status == 200:
                assert await stored_count(db, sent) == 1, f"{sent.dedup_key} answered 200 but not stored once"
            else:
                assert_retryable(sent)
                assert await stored_count(db, sent) <= 1
        for sent in during:
            assert await stored_count(db, sent) == 0, "a 503 means: not kept"

        # the senders try again, as the widget and Telegram do after a 503: now kept, exactly once
        rejected = [s for s in burst + during if s.status == 503]
        for sent in rejected:
            await post(http, st, sent)
            assert sent.status == 200, (sent.kind, sent.answer)
        for sent in before + burst + during + after:
            assert await stored_count(db, sent) == 1, sent.dedup_key
            doc = await db.messages.find_one({"dedup_key": sent.dedup_key})
            assert doc["status"] == "handled" and doc.get("conversation_id"), (sent.dedup_key, doc["status"])
        print(f"\nburst: {sum(s.status == 200 for s in burst)} stored, {sum(s.status == 503 for s in burst)} "
              f"answered 503 and stored on retry; during the outage {len(during)} answered 503 "
              f"in at most {max(s.took_s for s in during):.1f}s")
    finally:
        client.close()


async def _later(delay_s: float, coro: Any) -> Any:
    await asyncio.sleep(delay_s)
    return await coro
