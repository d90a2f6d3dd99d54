"""Fixtures of the handover tests.

* ``inproc``: the real desk (pipeline, router, wait notifier, lifecycle) built in the test's
  own event loop on the real Mongo-wire server, in a fresh database, with settings the test
  chooses (teams, capacity, timeouts, office hours). Conversations reach the queue the real
  way: a resident's message through the pipeline to the real Rasa server, then the
  pipeline's ``handover``. Nothing else routes in that database, so the test is deterministic.
* ``slack``: the fake Slack Web API on the port the test hub's settings point at.
* ``desk_reset``: for tests against the shared test hub: no agent is online and no
  conversation waits when the test starts (earlier tests leave queued conversations behind),
  and the test's agents are offline again afterwards, so later tests see an empty desk.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase

from handover import agents
from handover.desk import HandoverDesk
from handover.lifecycle import Desk
from handover.routing import Router
from handover.waiting import WaitNotifier
from hub.conversations.bot_client import BotClient
from hub.conversations.pipeline import Pipeline
from hub.core.bus import LiveBus
from hub.core.db import connect, ensure_indexes
from hub.core.event_types import EventType
from hub.core.models import InboundMessage, State, new_id, utcnow
from hub.core.settings import Settings, get_settings
from hub.staff import auth
from tests.conftest import Stack
from tests.handover import stack_env
from tests.polling import eventually

PASSWORD = "test-wachtwoord-123"


# ---------------------------------------------------------------------- in-process desk
@dataclass
class InprocDesk:
    settings: Settings
    db: AsyncIOMotorDatabase
    live: LiveBus
    pipeline: Pipeline
    router: Router
    desk: Desk
    notifier: WaitNotifier
    http: aiohttp.ClientSession
    beating: set[str] = field(default_factory=set)
    assigned_log: list[tuple[str, str]] = field(default_factory=list)  # (agent, conversation) in claim order

    async def record_assignments(self) -> None:
        async with self.live.listen(EventType.ASSIGNED, EventType.REASSIGNED) as queue:
            while True:
                event = await queue.get()
                self.assigned_log.append((event.get("agent"), event.conversation_id))

    async def assigned_order(self, agent: str | None = None, count: int = 1) -> list[str]:
        """Conversations in the order they were assigned (to ``agent``), once ``count`` are."""

        async def enough() -> list[str] | None:
            order = [conv for who, conv in self.assigned_log if agent in (None, who)]
            return order if len(order) >= count else None

        return await eventually(enough, 5)

    async def handed_over(
        self, topic: str | None = None, reason: str = "asked_for_person", channel: str = "webchat", question: str = "hallo"
    ) -> str:
        """A resident talks to the real bot, then the bot hands over (the pipeline's own handover)."""
        result = await self.pipeline.receive(InboundMessage(channel=channel, address=f"res-{new_id()[:12]}", text=question))
        assert result.meta.state is State.BOT, result
        summary = {"reason": reason, "intents": ["greet", *([topic] if topic else []), "handover"], "slots": {},
                   "articles_shown": [topic] if topic else [], "last_message": question}
        await self.pipeline.handover(result.conversation_id, reason, summary)
        return result.conversation_id

    async def agent(self, username: str, team: str = "kcc", presence: str = "available", roles: list[str] | None = None) -> dict[str, Any]:
        staff = {"_id": username, "name": username.title(), "team": team, "roles": roles or ["agent"]}
        await self.db.staff.update_one({"_id": username}, {"$set": {**staff, "active": True}}, upsert=True)
        await agents.ensure(self.db, staff, self.settings)
        await agents.set_presence(self.db, username, presence)  # type: ignore[arg-type]
        self.beating.add(username)
        return staff

    async def conv(self, conv_id: str) -> dict[str, Any]:
        return await self.db.conversations.find_one({"_id": conv_id})

    async def assigned_to(self, conv_id: str, within_s: float = 5.0) -> str:
        async def check() -> str | None:
            doc = await self.conv(conv_id)
            return doc["assignee"] if doc["state"] == State.AGENT.value else None

        return await eventually(check, within_s)

    async def messages(self, conv_id: str, author: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"conversation_id": conv_id}
        if author:
            query["author"] = author
        return await self.db.messages.find(query).sort("seq", 1).to_list(None)

    async def keep_beating(self) -> None:
        """The consoles of the test's agents stay open (heartbeat), unless a test drops one."""
        while True:
            for username in list(self.beating):
                await agents.heartbeat(self.db, username)
            await asyncio.sleep(0.1)


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


@pytest.fixture
async def inproc(bot_stack: Stack) -> AsyncIterator[Callable[..., Awaitable[InprocDesk]]]:
    """Settings come from the environment, as in the hub (``get_settings``), set for this test only."""
    built: list[tuple[InprocDesk, asyncio.Task[None]]] = []
    patch = pytest.MonkeyPatch()

    async def make(**overrides: Any) -> InprocDesk:
        wanted = {
            "mongo_port": bot_stack.mongo_port,
            "mongodb_db": f"kcc_handover_{uuid.uuid4().hex[:10]}",
            "rasa_url": bot_stack.rasa_url,
            "public_url": bot_stack.hub_url,
            "handover_office_hours": stack_env.ALWAYS_OPEN,
            "handover_open_on_holidays": True,
            "handover_sweep_s": 0.1,
            "handover_webchat_update_s": 0,
            **overrides,
        }
        for name, value in wanted.items():
            patch.setenv(f"KCC_{name.upper()}", _env_value(value))
        get_settings.cache_clear()
        settings = get_settings()
        db = connect(settings)
        await ensure_indexes(db)
        http = aiohttp.ClientSession()
        live = LiveBus()
        pipeline = Pipeline(db, BotClient(settings.rasa_url, settings.rasa_timeout_s, http), live, HandoverDesk())
        router = Router(db, live, settings)
        notifier = WaitNotifier(pipeline, settings, debounce_s=0.05)
        found = InprocDesk(settings, db, live, pipeline, router, Desk(db, live, pipeline, router, settings), notifier, http)
        router.start()
        notifier.start()
        built.append((found, asyncio.create_task(found.keep_beating())))
        built.append((found, asyncio.create_task(found.record_assignments())))
        await asyncio.sleep(0)  # subscribed before the test hands anything over
        return found

    yield make
    for _, task in built:
        task.cancel()
    for found in {id(f): f for f, _ in built}.values():
        await found.router.stop()
        await found.notifier.stop()
        await found.pipeline.drain()
        await found.http.close()
        await found.db.client.drop_database(found.settings.mongodb_db)
        found.db.client.close()
    patch.undo()
    get_settings.cache_clear()


# ---------------------------------------------------------------------- the shared test hub
# ``slack`` (the fake Slack Web API of the shared hub) lives in tests/conftest.py: one
# session-wide server on one port, whichever folder's tests ask for it first.


async def _empty_desk(db: AsyncIOMotorDatabase) -> None:
    now = utcnow()
    async for conv in db.conversations.find({"state": {"$in": [State.QUEUED.value, State.AGENT.value]}}, {"_id": 1}):
        await db.conversations.update_one(
            {"_id": conv["_id"]},
            {"$set": {"state": State.CLOSED.value, "open_key": f"closed:{conv['_id']}", "closed_at": now,
                      "closed_by": "test:desk_reset", "outcome": "no_answer_needed"}},
        )
    await db.agents.update_many({}, {"$set": {"presence": "offline", "slots": []}})


@pytest.fixture
async def desk_reset(stack: Stack, db: AsyncIOMotorDatabase) -> AsyncIterator[None]:
    await _empty_desk(db)
    yield
    await db.agents.update_many({}, {"$set": {"presence": "offline"}})


@dataclass
class Console:
    """A staff member logged in to the hub over HTTP (cookie session + CSRF token)."""

    http: aiohttp.ClientSession
    base: str
    username: str
    csrf: str

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        async with self.http.request(method, f"{self.base}/api/v1/handover{path}", headers=headers, **kwargs) as resp:
            body = await resp.json() if resp.content_type == "application/json" else await resp.read()
            return resp.status, body


@pytest.fixture
async def console(stack: Stack, db: AsyncIOMotorDatabase) -> AsyncIterator[Callable[..., Awaitable[Console]]]:
    sessions: list[aiohttp.ClientSession] = []
    created: list[str] = []

    async def login(username: str | None = None, team: str = "kcc", roles: list[str] | None = None, presence: str | None = "available") -> Console:
        username = username or f"agent-{uuid.uuid4().hex[:8]}"
        created.append(username)
        await auth.create_staff(db, username, PASSWORD, roles or ["agent"], name=username.title(), team=team)
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        sessions.append(http)
        async with http.post(f"{stack.hub_url}/api/v1/auth/login", json={"username": username, "password": PASSWORD}) as resp:
            body = await resp.json()
            assert resp.status == 200, body
        found = Console(http, stack.hub_url, username, body["csrf_token"])
        if presence:
            status, _ = await found.call("PUT", "/presence", json={"presence": presence})
            assert status == 200
        return found

    yield login
    for http in sessions:
        await http.close()
    await db.agents.update_many({"_id": {"$in": created}}, {"$set": {"presence": "offline"}})  # later tests: nobody online
