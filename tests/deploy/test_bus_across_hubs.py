"""Two hub processes with ``KCC_BUS=mongo`` on one database: live updates cross from one to the other.

As behind the proxy of docker/compose.yaml: the resident's web chat socket is open on hub A,
a supervisor's console on hub A, an agent's console on hub B. The real bot hands the
resident over (on hub A); the agent on hub B takes the conversation and replies through hub B's
console API. The reply reaches the resident's socket on hub A within seconds, both consoles see
the handover and the assignment, each once, and the resident hears once that an agent joined
(the wait notifier of hub B acts; hub A's does not act on hub B's event again). The other way
round, the resident's next message (through hub A) reaches the console on hub B that watches it.
The hubs are started by the project's launcher (``tests/auth/hubs.py``) beside the shared Rasa.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from motor.motor_asyncio import AsyncIOMotorClient

from hub.core import bus_relay
from hub.staff import auth
from tests.auth import hubs
from tests.conftest import Stack
from tests.handover.conftest import PASSWORD, Console
from tests.handover.stack_env import ALWAYS_OPEN

ASK = "ik wil een medewerker spreken"
REPLY = "Goedemiddag, u spreekt met Anna van de gemeente. Waarmee kan ik u helpen?"
JOINED = "U chat nu met een medewerker"
WITHIN_S = 5.0  # "within a few seconds"
SETTLE_S = 1.5  # after the last expected push: time for a duplicate to show


@pytest.fixture(scope="module")
def two_hubs(bot_stack: Stack) -> Iterator[dict[str, Any]]:
    db_name = f"kcc_bus_{uuid.uuid4().hex[:6]}"
    env = {
        "KCC_BUS": "mongo", "KCC_MONGODB_DB": db_name, "KCC_LOG_LEVEL": "INFO",
        "KCC_HANDOVER_OFFICE_HOURS": json.dumps(ALWAYS_OPEN), "KCC_HANDOVER_OPEN_ON_HOLIDAYS": "true",
    }
    try:
        a = hubs.start(bot_stack, "bus-a", env)
        b = hubs.start(bot_stack, "bus-b", env)
        yield {"a": a.url, "b": b.url, "db": db_name, "mongo_url": bot_stack.mongo_url}
    finally:
        hubs.stop("bus-a")
        hubs.stop("bus-b")


@pytest.fixture
async def shared_db(two_hubs: dict[str, Any]) -> AsyncIterator[Any]:
    client = AsyncIOMotorClient(two_hubs["mongo_url"], tz_aware=True)
    yield client[two_hubs["db"]]
    client.close()


async def logged_in(http: aiohttp.ClientSession, db: Any, hub: str, username: str, roles: list[str]) -> Console:
    """A staff member at the console of ``hub``, busy (so the router gives them nothing by itself)."""
    await auth.create_staff(db, username, PASSWORD, roles, name=username.split("-")[0].title(), team="kcc")
    async with http.post(f"{hub}/api/v1/auth/login", json={"username": username, "password": PASSWORD}) as resp:
        body = await resp.json()
        assert resp.status == 200, body
    console = Console(http, hub, username, body["csrf_token"])
    status, body = await console.call("PUT", "/presence", json={"presence": "busy"})
    assert status == 200, body
    return console


class Socket:
    """Everything a WebSocket is pushed, read in the background, with the time it came."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.seen: list[tuple[float, dict[str, Any]]] = []
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                self.seen.append((time.perf_counter(), json.loads(msg.data)))

    def matching(self, **want: Any) -> list[dict[str, Any]]:
        return [item for _, item in self.seen if all(item.get(k) == v for k, v in want.items())]

    async def first(self, within_s: float = WITHIN_S, **want: Any) -> tuple[float, dict[str, Any]]:
        deadline = time.perf_counter() + within_s
        while time.perf_counter() < deadline:
            for at, item in self.seen:
                if all(item.get(k) == v for k, v in want.items()):
                    return at, item
            await asyncio.sleep(0.02)
        raise AssertionError(f"nothing like {want} within {within_s}s; the socket got {[i for _, i in self.seen]}")

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        await self.ws.close()


@pytest.mark.slow
async def test_an_agents_reply_through_hub_b_reaches_the_residents_socket_on_hub_a(two_hubs, shared_db) -> None:
    a, b = two_hubs["a"], two_hubs["b"]
    suffix = uuid.uuid4().hex[:6]
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as sanne_http,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as anna_http,
        aiohttp.ClientSession() as resident,
    ):
        await logged_in(sanne_http, shared_db, a, f"sanne-{suffix}", ["agent", "supervisor"])  # console on hub A
        anna = await logged_in(anna_http, shared_db, b, f"anna-{suffix}", ["agent"])  # console on hub B
        sockets: list[Socket] = []
        try:
            console_a = Socket(await sanne_http.ws_connect(f"{a}/api/v1/handover/ws"))
            console_b = Socket(await anna_http.ws_connect(f"{b}/api/v1/handover/ws"))
            sockets += [console_a, console_b]
            await console_a.first(type="hello")
            await console_b.first(type="hello")

            # the resident, on hub A: the real bot hands over
            session = f"bus-{suffix}"
            async with resident.post(f"{a}/api/v1/webchat/messages", json={"session_id": session, "text": ASK}) as resp:
                body = await resp.json()
                assert resp.status == 200, body
            assert body["meta"]["state"] == "queued", body
            conv_id = body["conversation_id"]
            chat = Socket(await resident.ws_connect(f"{a}/api/v1/webchat/conversations/{conv_id}/ws"))
            sockets.append(chat)

            # the queue changed on both consoles: hub A's locally, hub B's through the database
            await console_a.first(type="queued", conversation_id=conv_id)
            await console_b.first(type="queued", conversation_id=conv_id)

            # the agent on hub B takes it and replies through hub B
            status, taken = await anna.call("POST", f"/conversations/{conv_id}/take")
            assert status == 200, taken
            _, assigned = await console_a.first(type="assigned", conversation_id=conv_id, agent=anna.username)
            assert assigned["conversation"]["id"] == conv_id, "the supervisor's list item, from the relayed context"
            await console_b.first(type="assigned", conversation_id=conv_id, agent=anna.username)
            sent_at = time.perf_counter()
            status, answer = await anna.call("POST", f"/conversations/{conv_id}/messages", json={"text": REPLY})
            assert status == 201, answer
            came_at, pushed = await chat.first(text=REPLY)
            print(f"agent's reply through hub B on the resident's socket on hub A after {(came_at - sent_at) * 1000:.0f} ms")
            assert pushed["author"] == "agent" and pushed["direction"] == "out"

            # the other way: the console on hub B watches; the resident writes through hub A
            await console_b.ws.send_json({"action": "watch", "conversation_id": conv_id})
            await console_b.first(type="watching", conversation_id=conv_id)
            async with resident.post(f"{a}/api/v1/webchat/messages", json={"session_id": session, "text": "Dank u, ik heb een vraag over mijn paspoort."}) as resp:
                assert resp.status == 200, await resp.text()
            _, watched = await console_b.first(type="conversation_message", conversation_id=conv_id)
            assert watched["message"]["author"] == "resident"
            await console_b.first(type="resident_message", conversation_id=conv_id)

            await asyncio.sleep(SETTLE_S)
            # each push once: nothing comes back to the hub that published it, no listener acts twice
            for console in (console_a, console_b):
                assert len(console.matching(type="queued", conversation_id=conv_id)) == 1
                assert len(console.matching(type="assigned", conversation_id=conv_id)) == 1
                assert len(console.matching(type="resident_message", conversation_id=conv_id)) == 1
            assert len(chat.matching(text=REPLY)) == 1
            joined = [item for _, item in chat.seen if item.get("text", "").startswith(JOINED)]
            assert len(joined) == 1, [item for _, item in chat.seen]
            stored = await shared_db.messages.count_documents({"conversation_id": conv_id, "metadata.kind": "agent_joined"})
            assert stored == 1, "one hub told the resident that an agent joined"
            origins = await shared_db[bus_relay.COLLECTION].distinct("origin")
            assert len(origins) == 2, "both hubs wrote to the bus"
            docs = await shared_db[bus_relay.COLLECTION].find({}, {"kind": 1, "type": 1}).to_list(None)
            kinds = Counter(d.get("type") or d["kind"] for d in docs)
            print(f"bus documents written in this test: {len(docs)} {dict(kinds)}")
        finally:
            for socket in sockets:
                await socket.close()
            await shared_db.agents.update_many({}, {"$set": {"presence": "offline"}})
