"""A channel provider answering 500: outbound is retried, and a final failure is visible to agents.

The private hub sends Telegram replies through python-telegram-bot to the fake Bot API,
which answers 500 on demand. The test hub's retry settings: 4 tries, backoff 0.05 s
doubling to at most 0.4 s (tests/channels/stack_env.py).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time

import aiohttp
from motor.motor_asyncio import AsyncIOMotorClient

from tests.channels import stack_env as channel_env
from tests.contacts.staff import logged_in
from tests.resilience.conftest import wait_health

MAX_ATTEMPTS = int(channel_env.channel_env({n: 1 for n in channel_env.PORT_NAMES})["KCC_DELIVERY_MAX_ATTEMPTS"])


def update(chat_id: int, text: str) -> dict:
    return {
        "update_id": secrets.randbelow(10**9),
        "message": {
            "message_id": secrets.randbelow(10**6),
            "from": {"id": chat_id, "is_bot": False, "first_name": "Jan"},
            "chat": {"id": chat_id, "first_name": "Jan", "type": "private"},
            "date": int(time.time()),
            "text": text,
        },
    }


async def post(http: aiohttp.ClientSession, hub_url: str, body: dict) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": channel_env.TELEGRAM_SECRET}
    async with http.post(f"{hub_url}/webhooks/telegram", json=body, headers=headers) as resp:
        return resp.status


async def outcomes(db, chat_id: int, within_s: float = 30) -> list[dict]:
    """The bot's replies to ``chat_id`` once none is pending any more."""
    deadline = time.monotonic() + within_s
    while True:
        out = await db.messages.find({"channel": "telegram", "address": str(chat_id), "direction": "out"}).sort("seq", 1).to_list(None)
        if out and all(m["delivery"]["status"] != "pending" for m in out):
            return out
        assert time.monotonic() < deadline, [m["delivery"] for m in out]
        await asyncio.sleep(0.1)


async def test_outbound_is_retried_after_server_errors(private_stack, private_telegram, http):
    await wait_health(http, private_stack, 200)
    chat_id = secrets.randbelow(10**9) + 10**9
    private_telegram.fail_for(str(chat_id), 500, 500)  # then normal answers
    assert await post(http, private_stack.hub_url, update(chat_id, "hallo")) == 200
    client = AsyncIOMotorClient(private_stack.mongo_url, tz_aware=True)
    try:
        replies = await outcomes(client[private_stack.db_name], chat_id)
    finally:
        client.close()
    assert all(m["delivery"]["status"] == "sent" for m in replies), [m["delivery"] for m in replies]
    assert replies[0]["delivery"]["attempts"] == 3  # 500, 500, then sent
    assert [s["text"] for s in private_telegram.sent_to(str(chat_id))] == [m["text"] for m in replies]


async def test_a_provider_that_keeps_failing_is_shown_to_agents(private_stack, private_telegram, http):
    await wait_health(http, private_stack, 200)
    chat_id = secrets.randbelow(10**9) + 10**9
    private_telegram.fail_for(str(chat_id), *[500] * 50)
    client = AsyncIOMotorClient(private_stack.mongo_url, tz_aware=True)
    db = client[private_stack.db_name]
    try:
        async with logged_in(private_stack, db, ["supervisor"]) as staff:
            async with staff.session.ws_connect(f"{private_stack.hub_url}/api/v1/handover/ws") as ws:
                assert (await ws.receive_json(timeout=10))["type"] == "hello"
                before = private_telegram.attempts[str(chat_id)]
                assert await post(http, private_stack.hub_url, update(chat_id, "hallo")) == 200
                while True:  # the first failure of this resident's replies (earlier tests' retries may still end)
                    pushed = await _desk_event(ws, "delivery_failed", within_s=30)
                    if await db.messages.count_documents({"_id": pushed["message_id"], "address": str(chat_id)}):
                        break
            replies = await outcomes(db, chat_id)
            failed = [m for m in replies if m["delivery"]["status"] == "failed"]
            assert failed and failed[0]["_id"] == pushed["message_id"]
            assert failed[0]["delivery"]["attempts"] == MAX_ATTEMPTS
            assert "500" in failed[0]["delivery"]["error"] or "Internal" in failed[0]["delivery"]["error"]
            assert private_telegram.attempts[str(chat_id)] - before >= MAX_ATTEMPTS
            assert private_telegram.sent_to(str(chat_id)) == []

            status, view = await staff.get(f"/api/v1/handover/conversations/{pushed['conversation_id']}")
            assert status == 200, view
            shown = {m["id"]: m["delivery"] for m in view["messages"]}
            assert shown[failed[0]["_id"]] == "failed"
            event = await db.events.find_one({"type": "delivery_failed", "conversation_id": pushed["conversation_id"]})
            assert event is not None
    finally:
        client.close()


async def _desk_event(ws: aiohttp.ClientWebSocketResponse, kind: str, within_s: float) -> dict:
    deadline = time.monotonic() + within_s
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no {kind} event on the console socket"
        msg = await ws.receive(timeout=left)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        event = json.loads(msg.data)
        if event.get("type") == kind:
            return event
