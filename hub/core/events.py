"""Emitting events: one call writes the event log and tells the listeners on the bus.

``emit(db, bus, EventType.X, conversation_id, **fields)`` is the one way to say that a step
happened (Chatwoot's dispatcher, Zulip's "save, then notify"): a logged type is written to
the ``events`` collection first, then the ``Event`` is published on the bus, where the router,
the wait notifier, the Slack desk and the consoles listen by type (``LiveBus.listen``). A
desk-only type is only published. Nothing is published that the log failed to keep.

``fields`` are what the event says and what the log keeps; ``context`` is for listeners in
this hub only (the assignee to tell, a console's list item, a text) and is never written.

This module is also the only writer of the ``events`` collection (a test scans for others):
``write`` appends a batch, ``Buffer`` gathers the batches of many messages for one later write
(the bot path's events), and ``erase_field`` removes ids for the resident's rights (``hub.gdpr``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Protocol

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo.errors import BulkWriteError

from hub.core.event_types import EventType
from hub.core.models import new_id, utcnow

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Event:
    """One step or desk notification, as every listener receives it (read-only)."""

    type: EventType
    conversation_id: str | None
    at: datetime
    fields: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    context: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    def has(self, key: str) -> bool:
        return key in self.fields or key in self.context

    def get(self, key: str, default: Any = None) -> Any:
        """A field, else a context value, else ``default``."""
        if key in self.fields:
            return self.fields[key]
        return self.context.get(key, default)


class Bus(Protocol):
    """Where events are published (``hub.core.bus.LiveBus``)."""

    def publish_event(self, event: Event) -> None: ...


async def emit(
    db: AsyncIOMotorDatabase,
    bus: Bus | None,
    type: EventType,
    conversation_id: str | None,
    /,
    *,
    context: Mapping[str, Any] | None = None,
    **fields: Any,
) -> Event:
    """Log the event (if its type is logged), then publish it; returns it.

    ``bus`` is None where nobody in this process listens: code that is handed only the
    database (the action server, the CLI, domain functions of ``hub.cases`` and ``hub.contacts``).
    """
    made = event(type, conversation_id, context=context, **fields)
    await emit_all(db, bus, [made])
    return made


def event(
    type: EventType, conversation_id: str | None, /, *, context: Mapping[str, Any] | None = None, **fields: Any
) -> Event:
    """An event to emit later with ``emit_all`` (a step's events written in one round trip)."""
    if not isinstance(type, EventType):
        raise TypeError(f"an event takes an EventType, not {type!r}")
    return Event(type, conversation_id, utcnow(), MappingProxyType(dict(fields)), MappingProxyType(dict(context or {})))


async def emit_all(db: AsyncIOMotorDatabase, bus: Bus | None, batch: Sequence[Event]) -> None:
    """Log the logged events of ``batch`` in one write, then publish them all, in order."""
    await write(db, batch)
    if bus is not None:
        for item in batch:
            bus.publish_event(item)


def document(event: Event) -> dict[str, Any]:
    """The event as the log keeps it: ``{_id, type, conversation_id, at, **fields}``."""
    return {"_id": new_id(), "type": event.type.value, "conversation_id": event.conversation_id, "at": event.at,
            **event.fields}


async def write(db: AsyncIOMotorDatabase, batch: Sequence[Event]) -> None:
    """Append the logged events of ``batch`` to the ``events`` collection, in order."""
    docs = [document(e) for e in batch if e.type.logged]
    if len(docs) == 1:
        await db.events.insert_one(docs[0])
    elif docs:
        await db.events.insert_many(docs, ordered=True)


class Buffer:
    """Events to log a moment later, the batches of many messages in one write, then published in order.

    For the bot path: its events need not be in the log before the resident has the answer, and one
    write for the messages of a short while costs the database less than one per message. Each
    event gets its id when added, so a flush tried again after a lost connection writes nothing
    twice (an id already written is skipped). Flushes run one at a time, in order.
    """

    def __init__(self, db: AsyncIOMotorDatabase, bus: Bus | None) -> None:
        self.db = db
        self.bus = bus
        self._docs: list[dict[str, Any]] = []
        self._made: list[Event] = []
        self._planned = False  # a flush will take what is added now
        self._lock = asyncio.Lock()

    def add(self, batch: Sequence[Event]) -> bool:
        """Keep ``batch`` for the next flush; True when no flush is planned yet (the caller plans one)."""
        self._docs += [document(e) for e in batch if e.type.logged]
        self._made += batch
        planned, self._planned = self._planned, True
        return not planned

    def __len__(self) -> int:
        return len(self._made)

    async def flush(self) -> None:
        """Write what was added, then publish it; on failure it stays for the next try."""
        async with self._lock:
            docs, made = self._docs, self._made
            self._docs, self._made, self._planned = [], [], False
            try:
                await _insert_new(self.db, docs)
            except BaseException:
                self._docs, self._made = docs + self._docs, made + self._made
                raise
            if self.bus is not None:
                for item in made:
                    self.bus.publish_event(item)


async def _insert_new(db: AsyncIOMotorDatabase, docs: list[dict[str, Any]]) -> None:
    """Insert ``docs``; those whose id is already in the log (an earlier try did write them) are skipped."""
    if not docs:
        return
    try:
        await db.events.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        if any(err.get("code") != 11000 for err in exc.details.get("writeErrors", [])) or exc.details.get(
            "writeConcernErrors"
        ):
            raise


async def erase_field(db: AsyncIOMotorDatabase, name: str, match: Mapping[str, Any]) -> int:
    """Remove field ``name`` from the logged events matching ``match``; returns how many changed.

    For the resident's rights: ids that name a contact go, counts and durations stay.
    """
    res = await db.events.update_many(dict(match), {"$unset": {name: ""}})
    return res.modified_count
