"""The live bus across hubs (``KCC_BUS=mongo``): a capped collection and its change stream.

With several hubs behind the proxy, a resident's web chat socket may be open on one hub while
an agent answers through another, and each console listens on the hub it happens to reach.
The relay joins their buses through the database they already share:

* every publish of this hub (a message view on a conversation's topic, a typed event with its
  fields and context) is also written to the capped collection ``bus`` (``COLLECTION``), with
  this process's random ``origin``. The publisher never waits: documents go into an outbox that
  one writer empties in batches, in publish order; while the database is away the writer tries
  again and drops what is older than ``STALE_S`` (live updates; everything is stored anyway);
* each hub follows that collection's change stream (MongoDB's, SecantusDB's alike) and hands
  on to its local bus what other hubs wrote; its own documents are filtered out by the server,
  so nothing arrives twice. After an error the stream reopens with a short back-off and
  resumes after the last change it saw (its resume token), so what was written meanwhile
  still arrives; a token the server no longer knows is dropped and the stream starts afresh.

The collection is created at start-up if missing (``ensure_collection``); being capped it keeps
only the last ``CAPPED_DOCS`` updates: the change stream reads the oplog, the collection itself
is only the place to write. It holds what the consoles and web chats were shown (message texts
included) until newer updates push it out, as the oplog of a replica set does anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Any

from bson.errors import InvalidDocument
from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo.errors import (
    BulkWriteError,
    CollectionInvalid,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
)

from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.events import Event
from hub.core.loops import Loops
from hub.core.models import utcnow

log = logging.getLogger(__name__)

COLLECTION = "bus"
# Small on purpose: a hub reads other hubs' updates from the change stream (the oplog), also
# when it resumes, never from the collection. SecantusDB 0.7 walks a capped collection on every
# insert to evict: a full one of 128 costs 1.7 ms an insert (plain 0.6 ms), of 20,000 240 ms.
CAPPED_BYTES = 1024 * 1024
CAPPED_DOCS = 128
BATCH = 200  # documents per insert
OUTBOX_MAX = 10_000  # documents waiting for the writer; more are dropped (and counted)
STALE_S = 30.0  # a document the database could not take for this long is dropped
MAX_AWAIT_MS = 5_000  # one idle wait for changes; a change ends it at once
NAMESPACE_EXISTS = 48
DUPLICATE_KEY = 11000
WRITE_FLUSH_S = 2.0  # at stop, how long the writer may finish what is in the outbox


def plain(value: Any) -> Any:
    """A copy of ``value`` that BSON takes: mappings as dicts, sequences and sets as lists, enums as their value."""
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value


def event_document(event: Event) -> dict[str, Any]:
    return {"kind": "event", "type": event.type.value, "conversation_id": event.conversation_id, "at": event.at,
            "fields": plain(event.fields), "context": plain(event.context)}


def item_document(topic: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "item", "topic": topic, "item": plain(item)}


async def ensure_collection(db: AsyncIOMotorDatabase) -> None:
    """The capped collection ``bus``, created once (several hubs starting at once: one creates it)."""
    try:
        await db.create_collection(COLLECTION, capped=True, size=CAPPED_BYTES, max=CAPPED_DOCS)
    except CollectionInvalid:
        return
    except OperationFailure as exc:
        if exc.code != NAMESPACE_EXISTS:
            raise


class BusRelay:
    """Joins this hub's ``LiveBus`` to the other hubs' through the ``bus`` collection."""

    def __init__(
        self, db: AsyncIOMotorDatabase, bus: LiveBus, *, backoff_s: float = 0.5, max_backoff_s: float = 10.0
    ) -> None:
        self.db = db
        self.bus = bus
        self.origin = secrets.token_hex(8)  # this process; a restarted hub is a new origin
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.dropped = 0  # documents never written (outbox full, stale, not BSON)
        self.following = asyncio.Event()  # set while the change stream is open
        self._outbox: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
        self._token: Mapping[str, Any] | None = None
        self._loops = Loops()

    # ------------------------------------------------------------------ life cycle
    async def start(self, open_within_s: float = 5.0) -> None:
        """Create the collection, open the change stream, attach to the bus.

        Waits until the stream is open (so a socket that connects after start-up hears the
        other hubs' updates from then on), at most ``open_within_s``: with the database away
        the hub still starts and the relay keeps trying.
        """
        self._loops.start(**{"bus-follow": self._follow(), "bus-write": self._write()})
        self.bus.attach(self)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(open_within_s):
                await self.following.wait()
        log.info("bus relay started", extra={"origin": self.origin, "following": self.following.is_set()})

    async def stop(self) -> None:
        """Detach, give the writer a moment for what is waiting, then end both tasks."""
        self.bus.attach(None)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(WRITE_FLUSH_S):
                await self._outbox.join()
        await self._loops.stop()
        self.following.clear()

    def ready(self) -> bool:
        return self.following.is_set() and self._loops.running()

    # ------------------------------------------------------------------ this hub -> the others
    def send_event(self, event: Event) -> None:
        self._put(event_document(event))

    def send_item(self, topic: str, item: dict[str, Any]) -> None:
        self._put(item_document(topic, item))

    def _put(self, doc: dict[str, Any]) -> None:
        if self._outbox.qsize() >= OUTBOX_MAX:
            self._drop(1, "outbox full")
            return
        doc["origin"] = self.origin
        self._outbox.put_nowait((time.monotonic(), doc))

    def _drop(self, count: int, why: str) -> None:
        self.dropped += count
        log.warning("bus updates not relayed", extra={"count": count, "why": why, "dropped": self.dropped})

    async def _write(self) -> None:
        while True:
            batch = [await self._outbox.get()]
            while len(batch) < BATCH and not self._outbox.empty():
                batch.append(self._outbox.get_nowait())
            try:
                await self._insert(batch)
            finally:
                for _ in batch:
                    self._outbox.task_done()

    async def _insert(self, batch: list[tuple[float, dict[str, Any]]]) -> None:
        """Write ``batch`` in order; after a failure, go on from the first document not written."""
        delay = self.backoff_s
        while batch:
            try:
                await self.db[COLLECTION].insert_many([doc for _, doc in batch], ordered=True)
                return
            except InvalidDocument:
                await self._insert_one_by_one(batch)
                return
            except BulkWriteError as exc:  # ordered: the ones before the first error are written
                first = (exc.details.get("writeErrors") or [{}])[0]
                index = first.get("index")
                if index is not None:
                    if first.get("code") != DUPLICATE_KEY:  # a duplicate was written before, its answer lost
                        self._drop(1, f"refused ({first.get('code')})")
                    batch = batch[index + 1 :]
                    continue
                log.warning("bus write failed, trying again", extra={"error": "BulkWriteError", "count": len(batch)})
            except PyMongoError as exc:
                log.warning("bus write failed, trying again", extra={"error": type(exc).__name__, "count": len(batch)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff_s)
            now = time.monotonic()
            fresh = [entry for entry in batch if now - entry[0] < STALE_S]
            if len(fresh) < len(batch):
                self._drop(len(batch) - len(fresh), "database away too long")
            batch = fresh

    async def _insert_one_by_one(self, batch: list[tuple[float, dict[str, Any]]]) -> None:
        """A batch holding a value BSON cannot take: write the others, drop that one."""
        for _, doc in batch:
            try:
                await self.db[COLLECTION].insert_one(doc)
            except DuplicateKeyError:
                pass  # written by the batch before it stopped at the bad one
            except InvalidDocument:
                self._drop(1, f"not storable ({doc.get('kind')} {doc.get('type') or ''})".strip())
            except PyMongoError as exc:
                self._drop(1, type(exc).__name__)

    # ------------------------------------------------------------------ the others -> this hub
    def _watch(self) -> Any:
        pipeline = [{"$match": {"operationType": "insert", "fullDocument.origin": {"$ne": self.origin}}}]
        return self.db[COLLECTION].watch(pipeline, resume_after=self._token, max_await_time_ms=MAX_AWAIT_MS)

    async def _follow(self) -> None:
        """Hand on the other hubs' updates for good; reopen (resuming) after any error."""
        delay = self.backoff_s
        while True:
            try:
                if self._token is None:  # at start, or after the collection went away
                    await ensure_collection(self.db)
                async with self._watch() as stream:
                    if delay > self.backoff_s:
                        log.info("bus change stream open again", extra={"resumed": self._token is not None})
                    self.following.set()
                    delay = self.backoff_s
                    while stream.alive:
                        change = await stream.try_next()
                        self._token = stream.resume_token
                        if change is not None:
                            self.hand_on(change.get("fullDocument") or {})
                self._token = None  # the stream ended (the collection was dropped): start afresh
            except asyncio.CancelledError:
                raise
            except OperationFailure as exc:
                if self._token is not None and not exc.has_error_label("ResumableChangeStreamError"):
                    # e.g. ChangeStreamHistoryLost: the token is older than the server's history
                    log.warning("bus resume token refused, following from now", extra={"error": exc.code})
                    self._token = None
                else:
                    log.warning("bus change stream failed", extra={"error": exc.code})
            except (PyMongoError, OSError) as exc:
                log.warning("bus change stream interrupted", extra={"error": type(exc).__name__})
            self.following.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff_s)

    def hand_on(self, doc: Mapping[str, Any]) -> None:
        """One document another hub wrote, to this hub's bus."""
        if doc.get("origin") == self.origin:
            return  # the server filters these; a document of our own never goes round twice
        kind = doc.get("kind")
        if kind == "item" and isinstance(doc.get("topic"), str) and isinstance(doc.get("item"), dict):
            self.bus.deliver_relayed(doc["topic"], doc["item"])
        elif kind == "event":
            try:
                type_ = EventType(doc.get("type"))
            except ValueError:  # a newer hub's event type, during a rolling update
                log.info("bus event of an unknown type skipped", extra={"type": doc.get("type")})
                return
            self.bus.deliver_relayed_event(Event(
                type_, doc.get("conversation_id"), doc.get("at") or utcnow(),
                MappingProxyType(dict(doc.get("fields") or {})), MappingProxyType(dict(doc.get("context") or {})),
            ))
