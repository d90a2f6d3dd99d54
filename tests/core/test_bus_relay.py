"""The bus across hubs (``hub.core.bus_relay``): two relays in one event loop, each with a bus of its own.

Against a real Mongo-wire server of this module's own (started by the project's launcher, so
it can be stopped and started again without touching the shared test database):

* what one hub publishes (a typed event with fields and context, a message view on a
  conversation's topic) reaches the other hub's sockets once, typed as it was sent, and never
  comes back to the hub that sent it; a listener that acts (no ``other_hubs``) hears only its
  own hub's events;
* with the database stopped and started again, what was published meanwhile still arrives,
  once (also more than the small capped collection keeps: it comes from the change stream),
  and the relays carry on;
* a value BSON cannot take costs that one update only.
* ``KCC_BUS=local`` (the default) builds no relay; ``mongo`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from hub.cli import launcher
from hub.core import bus_relay
from hub.core.appkeys import BUS, BUS_RELAY, DB
from hub.core.bus import LiveBus
from hub.core.bus_relay import BusRelay
from hub.core.db import embedded_url
from hub.core.event_types import EventType
from hub.core.events import Event, emit
from hub.core.models import State
from hub.core.settings import Settings
from tests.conftest import LOG_DIR

SETTLE_S = 1.0  # after the expected item: long enough for a duplicate to show


class Server:
    def __init__(self, storage: Path) -> None:
        self.port = launcher.free_port()
        self.storage = storage
        self.service: launcher.Service | None = None

    @property
    def url(self) -> str:
        return embedded_url(self.port)

    def start(self) -> None:
        self.service = launcher.mongo(self.port, self.storage, LOG_DIR)
        self.service.name = "mongo-bus-relay"
        self.service.log_path = LOG_DIR / "mongo-bus-relay.log"
        self.service.launch()

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    found = Server(tmp_path_factory.mktemp("bus-relay") / "mongo")
    found.start()
    yield found
    found.stop()


def client(server: Server) -> AsyncIOMotorClient:
    # as hub.core.db.connect: fail fast while the server is away
    return AsyncIOMotorClient(server.url, tz_aware=True, serverSelectionTimeoutMS=2000, connectTimeoutMS=2000)


class Hub:
    """What a hub process holds for live updates: its own client, bus and relay."""

    def __init__(self, server: Server, db_name: str, **backoff: float) -> None:
        self.client = client(server)
        self.db: AsyncIOMotorDatabase = self.client[db_name]
        self.bus = LiveBus()
        self.relay = BusRelay(self.db, self.bus, **backoff)


@pytest.fixture
async def hubs(server: Server) -> AsyncIterator[Any]:
    made: list[Hub] = []
    name = f"kcc_bus_{uuid.uuid4().hex[:8]}"

    async def make(**backoff: float) -> Hub:
        hub = Hub(server, name, **backoff)
        await hub.relay.start()
        assert hub.relay.ready(), "the change stream is open when start() returns"
        made.append(hub)
        return hub

    yield make
    for hub in made:
        await hub.relay.stop()
    if made:
        with contextlib.suppress(Exception):
            await made[0].client.drop_database(name)
    for hub in made:
        hub.client.close()


async def one(queue: asyncio.Queue[Any], within_s: float = 5.0) -> Any:
    """The next item within ``within_s``, and then nothing more for ``SETTLE_S`` (no duplicate)."""
    item = await asyncio.wait_for(queue.get(), within_s)
    await asyncio.sleep(SETTLE_S)
    assert queue.empty(), f"more than one: {item!r}, then {queue.get_nowait()!r}"
    return item


async def test_a_publish_reaches_the_other_hub_once_typed_as_sent_and_never_comes_back(hubs) -> None:
    a, b = await hubs(), await hubs()
    assert a.relay.origin != b.relay.origin
    queued_at = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
    conversation = {"_id": "conv-1", "state": State.AGENT, "queued_at": queued_at, "teams": ("kcc", "burgerzaken"),
                    "handover": {"reason": "asked_for_person", "slots": {"postcode": "1234AB"}}}
    view = {"id": "msg-1", "seq": 7, "direction": "out", "author": "agent", "text": "Goedemiddag, ik help u verder.",
            "buttons": [], "attachments": [], "created_at": "2026-03-02T09:31:00+00:00"}
    async with (
        b.bus.listen(EventType.ASSIGNED, other_hubs=True) as b_console,
        b.bus.listen(EventType.ASSIGNED) as b_router,
        b.bus.subscribe("conv-1") as b_webchat,
        b.bus.subscribe("conv-2") as b_other_chat,
        a.bus.listen(EventType.ASSIGNED, other_hubs=True) as a_console,
        a.bus.subscribe("conv-1") as a_webchat,
    ):
        started = time.perf_counter()
        sent = await emit(a.db, a.bus, EventType.ASSIGNED, "conv-1", agent="anna", how="manual", team="kcc",
                          waited_s=12.5, context={"conversation": conversation})
        a.bus.publish("conv-1", view)

        heard: Event = await asyncio.wait_for(b_console.get(), 5)
        latency_ms = (time.perf_counter() - started) * 1000
        print(f"event from hub A heard on hub B after {latency_ms:.0f} ms")
        assert heard is not sent and heard.type is EventType.ASSIGNED and heard.conversation_id == "conv-1"
        assert dict(heard.fields) == {"agent": "anna", "how": "manual", "team": "kcc", "waited_s": 12.5}
        assert heard.at.tzinfo is not None and abs(heard.at - sent.at) < timedelta(milliseconds=1)  # BSON keeps ms
        assert heard.context["conversation"] == {
            "_id": "conv-1", "state": "agent", "queued_at": queued_at.replace(microsecond=123000),
            "teams": ["kcc", "burgerzaken"], "handover": {"reason": "asked_for_person", "slots": {"postcode": "1234AB"}},
        }
        with pytest.raises(TypeError):
            heard.fields["agent"] = "piet"  # type: ignore[index]  # read-only, as a local event
        assert await one(b_webchat) == view
        assert b_console.empty() and b_router.empty(), "a listener that acts hears only its own hub"
        assert b_other_chat.empty()

        assert await one(a_console) is sent, "hub A hears its own event once: locally, not back from the database"
        assert await one(a_webchat) == view
        assert b_router.empty()

    docs = await a.db[bus_relay.COLLECTION].find({}, {"_id": 0}).to_list(None)
    assert [(d["kind"], d["origin"]) for d in docs] == [("event", a.relay.origin), ("item", a.relay.origin)]
    assert docs[0]["type"] == "assigned" and docs[1]["topic"] == "conv-1"
    options = await a.db[bus_relay.COLLECTION].options()
    assert options.get("capped") is True and options.get("size") == bus_relay.CAPPED_BYTES
    assert a.relay.dropped == 0 and b.relay.dropped == 0


async def test_a_value_bson_cannot_take_costs_that_update_only(hubs) -> None:
    a, b = await hubs(), await hubs()
    async with b.bus.subscribe("conv-3") as chat:
        a.bus.publish("conv-3", {"id": "bad", "file": object()})
        a.bus.publish("conv-3", {"id": "good"})
        assert await one(chat) == {"id": "good"}
    assert a.relay.dropped == 1


async def test_what_is_published_while_the_database_is_away_arrives_after_it_is_back(server: Server, hubs) -> None:
    a = await hubs(backoff_s=0.2, max_backoff_s=1.0)
    b = await hubs(backoff_s=3.0, max_backoff_s=3.0)  # slow to reopen: the writes below happen before it does
    async with (
        b.bus.subscribe("conv-4") as chat,
        b.bus.subscribe("conv-5") as bulk,
        b.bus.listen(EventType.CLOSED, other_hubs=True) as console,
    ):
        a.bus.publish("conv-4", {"id": "before"})
        assert await one(chat) == {"id": "before"}

        server.stop()
        try:
            for _ in range(200):  # at most 20 s
                if not b.relay.following.is_set():
                    break
                await asyncio.sleep(0.1)
            assert not b.relay.following.is_set(), "hub B noticed that the database went away"
            a.bus.publish("conv-4", {"id": "while away"})  # waits in hub A's outbox
            await asyncio.sleep(1.0)
        finally:
            server.start()
        # written by a third process the moment the server is back, before hub B's stream reopens:
        # only resuming after the last change it saw brings these; more than the capped collection
        # keeps, so they come from the change stream, not from the collection
        other = client(server)
        try:
            written = other[a.db.name][bus_relay.COLLECTION]
            await written.insert_many([{"kind": "item", "topic": "conv-5", "item": {"n": n}, "origin": "another-hub"}
                                       for n in range(bus_relay.CAPPED_DOCS)])
            await written.insert_one(
                {"kind": "event", "type": "closed", "conversation_id": "conv-4", "at": datetime.now(UTC),
                 "fields": {"outcome": "answered"}, "context": {}, "origin": "another-hub"}
            )
            assert await written.count_documents({"topic": "conv-5"}) < bus_relay.CAPPED_DOCS, "the oldest were pushed out"
        finally:
            other.close()

        closed: Event = await asyncio.wait_for(console.get(), 30)
        assert closed.type is EventType.CLOSED and closed.get("outcome") == "answered"
        assert [(await asyncio.wait_for(bulk.get(), 5))["n"] for _ in range(bus_relay.CAPPED_DOCS)] == list(
            range(bus_relay.CAPPED_DOCS))
        got = [await asyncio.wait_for(chat.get(), 30)]
        a.bus.publish("conv-4", {"id": "after"})
        got.append(await asyncio.wait_for(chat.get(), 10))
        await asyncio.sleep(SETTLE_S)
        assert got == [{"id": "while away"}, {"id": "after"}] and chat.empty() and console.empty() and bulk.empty()
    assert a.relay.ready() and b.relay.ready()
    assert a.relay.dropped == 0


def test_only_kcc_bus_mongo_builds_a_relay() -> None:
    from hub.web.app import create_app

    for mode, expected in (("local", False), ("mongo", True)):
        app = create_app(Settings(_env_file=None, mongodb_url="mongodb://127.0.0.1:9/", bus=mode))  # no connection is made
        try:
            assert (BUS_RELAY in app) is expected, mode
            if expected:
                assert app[BUS_RELAY].bus is app[BUS]
        finally:
            app[DB].client.close()
