"""Publish/subscribe for live updates: typed events for the desk, message views per conversation.

* Events (``hub.core.events.Event``), published by ``hub.core.events.emit`` only: a listener
  says which types it wants (``listen(EventType.HANDOVER, ...)``) and receives only those.
  The router, the wait notifier, the Slack desk and each console socket are listeners.
* Message views per conversation (topic = the conversation id): the web chat's live view and
  the console's watched conversation (``publish``/``subscribe``); those are messages, not events.

A stalled subscriber never blocks the publisher: its queue stops taking items at ``BACKLOG``.

Across hubs (``KCC_BUS=mongo``, several hub processes on one database): a relay
(``hub.core.bus_relay``) is attached; it carries every publish of this hub to the others and
hands on here what the others published (``deliver_relayed``, ``deliver_relayed_event``).
A topic's subscribers (sockets that show messages) get those too. An event listener gets
another hub's events only when it asks for them (``listen(..., other_hubs=True)``): the console
sockets, which only show. A listener that acts on an event (the router, the wait notifier, the
Slack desk) hears its own hub's events, so each event is acted on once, by the hub it happened on.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from hub.core.event_types import EventType
from hub.core.events import Event

BACKLOG = 1000


class Relay(Protocol):
    """What carries this hub's publishes to the other hubs (``hub.core.bus_relay.BusRelay``)."""

    def send_event(self, event: Event) -> None: ...

    def send_item(self, topic: str, item: dict[str, Any]) -> None: ...


def _offer(queues: set[asyncio.Queue[Any]] | None, item: Any) -> None:
    for queue in list(queues or ()):
        if queue.qsize() < BACKLOG:
            queue.put_nowait(item)


class LiveBus:
    def __init__(self) -> None:
        self._subs: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self._listeners: dict[EventType, set[asyncio.Queue[Event]]] = defaultdict(set)
        self._everywhere: dict[EventType, set[asyncio.Queue[Event]]] = defaultdict(set)  # also other hubs' events
        self._relay: Relay | None = None

    # ------------------------------------------------------------------ across hubs
    def attach(self, relay: Relay | None) -> None:
        """From now on every publish also goes to ``relay`` (None: this process only again)."""
        self._relay = relay

    def deliver_relayed_event(self, event: Event) -> None:
        """An event another hub published: to the listeners that asked for other hubs' events."""
        _offer(self._everywhere.get(event.type), event)

    def deliver_relayed(self, topic: str, item: dict[str, Any]) -> None:
        """A message view another hub published: to this topic's subscribers."""
        _offer(self._subs.get(topic), item)

    # ------------------------------------------------------------------ events
    def publish_event(self, event: Event) -> None:
        _offer(self._listeners.get(event.type), event)
        if self._relay is not None:
            self._relay.send_event(event)

    @asynccontextmanager
    async def listen(self, *types: EventType, other_hubs: bool = False) -> AsyncIterator[asyncio.Queue[Event]]:
        """A queue that receives every event of these types from now on, until the block ends.

        ``other_hubs``: also the events other hubs publish (when a relay is attached); for
        listeners that show what happens, not for those that act on it.
        """
        if not types:
            raise ValueError("listen to at least one event type")
        wanted = set(types)
        queue: asyncio.Queue[Event] = asyncio.Queue()
        registries = (self._listeners, self._everywhere) if other_hubs else (self._listeners,)
        for registry in registries:
            for type_ in wanted:
                registry[type_].add(queue)
        try:
            yield queue
        finally:
            for registry in registries:
                for type_ in wanted:
                    registry[type_].discard(queue)
                    if not registry[type_]:
                        registry.pop(type_, None)

    # ------------------------------------------------------------------ message views per conversation
    def publish(self, topic: str, item: dict[str, Any]) -> None:
        _offer(self._subs.get(topic), item)
        if self._relay is not None:
            self._relay.send_item(topic, item)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue that receives this topic's message views, this hub's and (with a relay) the other hubs'."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._subs[topic].add(queue)
        try:
            yield queue
        finally:
            self._subs[topic].discard(queue)
            if not self._subs[topic]:
                self._subs.pop(topic, None)
