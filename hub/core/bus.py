"""In-process publish/subscribe: typed events for the desk, message views per conversation.

* Events (``hub.core.events.Event``), published by ``hub.core.events.emit`` only: a listener
  says which types it wants (``listen(EventType.HANDOVER, ...)``) and receives only those.
  The router, the wait notifier, the Slack desk and each console socket are listeners.
* Message views per conversation (topic = the conversation id): the web chat's live view and
  the console's watched conversation (``publish``/``subscribe``); those are messages, not events.

A stalled subscriber never blocks the publisher: its queue stops taking items at ``BACKLOG``.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from hub.core.event_types import EventType
from hub.core.events import Event

BACKLOG = 1000


class LiveBus:
    def __init__(self) -> None:
        self._subs: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self._listeners: dict[EventType, set[asyncio.Queue[Event]]] = defaultdict(set)

    # ------------------------------------------------------------------ events
    def publish_event(self, event: Event) -> None:
        for queue in list(self._listeners.get(event.type, ())):
            if queue.qsize() < BACKLOG:
                queue.put_nowait(event)

    @asynccontextmanager
    async def listen(self, *types: EventType) -> AsyncIterator[asyncio.Queue[Event]]:
        """A queue that receives every event of these types from now on, until the block ends."""
        if not types:
            raise ValueError("listen to at least one event type")
        wanted = set(types)
        queue: asyncio.Queue[Event] = asyncio.Queue()
        for type_ in wanted:
            self._listeners[type_].add(queue)
        try:
            yield queue
        finally:
            for type_ in wanted:
                self._listeners[type_].discard(queue)
                if not self._listeners[type_]:
                    self._listeners.pop(type_, None)

    # ------------------------------------------------------------------ message views per conversation
    def publish(self, topic: str, item: dict[str, Any]) -> None:
        for queue in list(self._subs.get(topic, ())):
            if queue.qsize() < BACKLOG:
                queue.put_nowait(item)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._subs[topic].add(queue)
        try:
            yield queue
        finally:
            self._subs[topic].discard(queue)
            if not self._subs[topic]:
                self._subs.pop(topic, None)
