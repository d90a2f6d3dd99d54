"""The statistics refresh: the working tables kept up to date with the event log.

Figures for a month must come back in well under two seconds, also on the embedded
Mongo-wire server, so ``hub.stats.figures`` does not read raw events. Instead the hub keeps
small tables that are computed from the events only and can be rebuilt from them at any
time: per-conversation and per-item facts (``hub.stats.facts``: ``stats_conversations``,
``stats_items``) and per-day tables grouped from them (``hub.stats.daily``: ``stats_daily``,
``stats_topic_daily``, ``stats_presence``).

Folding is idempotent, so ``refresh`` takes in the events since the last watermark (with an
overlap); ``rebuild(since)`` re-reads all events from a moment on (events written late, or
imported history), ``rebuild()`` everything. One process at a time does this: it holds the
lease ``lease`` in ``stats_state`` (``hub.core.lease``), renewed while it works.

The hub refreshes a moment after it logs events (at most every ``KCC_STATS_REFRESH_S``) and
every ``SWEEP`` without them (events of other processes, callbacks and cases falling due);
the figures API takes in the newest events itself before it answers about today.
"""

from __future__ import annotations

import asyncio
import logging
import typing
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.cases import norms
from hub.core import event_types as ev
from hub.core import workdays
from hub.core.bus import LiveBus
from hub.core.lease import Lease
from hub.core.loops import on_events
from hub.core.models import utcnow
from hub.core.settings import Settings
from hub.stats.daily import (
    daily_pipeline,
    presence_pipeline,
    topic_daily_pipeline,
    topic_parts_pipeline,
)
from hub.stats.facts import (
    ITEM_TYPES,
    conversation_fold_pipeline,
    due_table,
    item_finish_pipeline,
    item_fold_pipeline,
)
from hub.stats.norm_facts import finish_pipeline, mark_earlier_pipeline

log = logging.getLogger(__name__)

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
LAG = timedelta(seconds=2)  # events younger than this may still be on their way in
OVERLAP = timedelta(seconds=30)  # re-read this much before the watermark (folding is idempotent)
CHUNK = timedelta(hours=12)  # events are folded in slices of this much time
MAX_SKIP = timedelta(days=32)  # the longest quiet stretch looked over at once
LEASE = timedelta(minutes=5)
BATCH = 25  # ids per $in: the embedded server slows down sharply on long $in lists
SEED_LOOKBACK = timedelta(days=7)  # an agent's status older than this (no change for a week) counts as offline
TABLES = ("stats_conversations", "stats_daily", "stats_topic_daily", "stats_items", "stats_presence")
TERM_LOOKAHEAD = timedelta(days=31)  # a contact reaches the desk at most this long after it opened (else no term)
SWEEP = timedelta(minutes=5)  # refresh without events of this hub
NEW_FIGURES = tuple(t for t in ev.EventType if t.logged)  # events after which the figures may change


# ---------------------------------------------------------------------- the refresh
class Busy(Exception):
    """Another process is refreshing the statistics right now."""


def local_day(moment: datetime) -> date:
    return moment.astimezone(workdays.TZ).date()


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=workdays.TZ).astimezone(UTC)


def _batches(items: list[Any], size: int = BATCH) -> typing.Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class Rollup:
    def __init__(self, db: AsyncIOMotorDatabase, settings: Settings):
        self.db = db
        self.settings = settings
        self.calendar = workdays.from_settings(settings)
        self.lease = Lease(db.stats_state, "lease", LEASE)  # the document running replicas already share
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------ lease
    async def _acquire(self, wait_s: float) -> None:
        """Take the lease, trying for ``wait_s`` seconds; raises ``Busy`` when another process keeps it."""
        deadline = asyncio.get_running_loop().time() + wait_s
        while not await self.lease.acquire():
            if asyncio.get_running_loop().time() >= deadline:
                raise Busy
            await asyncio.sleep(0.2)

    # ------------------------------------------------------------ entry points
    async def watermark(self) -> datetime | None:
        doc = await self.db.stats_state.find_one({"_id": "watermark"})
        return doc["until"] if doc else None

    async def refresh(self, now: datetime | None = None, wait_s: float = 0.0) -> dict[str, Any]:
        """Take in the events since the watermark. Raises ``Busy`` when another process is at it."""
        mark = await self.watermark()
        return await self._run(mark - OVERLAP if mark else EPOCH, now, wait_s)

    async def refresh_if_stale(self, max_age: timedelta) -> None:
        """Before answering about today: take in new events, unless that happened just now or is running."""
        mark = await self.watermark()
        if self._lock.locked() or (mark is not None and mark > utcnow() - LAG - max_age):
            return
        try:
            await self.refresh()
        except Busy:
            pass

    async def rebuild(self, since: datetime | None = None, now: datetime | None = None, wait_s: float = 60.0) -> dict[str, Any]:
        """Re-read every event from ``since`` on (everything without it); a full rebuild starts empty."""
        if since is None:
            async with self._lock:
                await self._acquire(wait_s)
                try:
                    for name in TABLES:
                        await self.db[name].delete_many({})
                    await self.db.stats_state.delete_many({"_id": {"$in": ["watermark", "open_agents"]}})
                finally:
                    await self.lease.release()
        return await self._run(since or EPOCH, now, wait_s)

    async def _run(self, start: datetime, now: datetime | None, wait_s: float) -> dict[str, Any]:
        async with self._lock:
            await self._acquire(wait_s)
            try:
                return await self._refresh(start, (now or utcnow()) - LAG)
            finally:
                await self.lease.release()

    async def _refresh(self, start: datetime, until: datetime) -> dict[str, Any]:
        stamp = uuid.uuid4().hex
        started = asyncio.get_running_loop().time()
        lo, width = start, CHUNK
        while lo < until:
            # Only bounded ranges: the embedded server reads a whole index range before it limits.
            hi = min(lo + width, until)
            if await self.db.events.find_one({"at": {"$gte": lo, "$lt": hi}}, {"_id": 1}) is None:
                lo, width = hi, min(width * 2, MAX_SKIP)  # a quiet stretch: look further ahead
                continue
            if width > CHUNK:  # events somewhere in a long stretch: go on in chunks from its start
                width = CHUNK
                continue
            source = [{"$match": {"at": {"$gte": lo, "$lt": hi}}},
                      {"$project": {"value": 0}}]  # a stage between the index range and the type filter
            await self.db.events.aggregate(conversation_fold_pipeline(source, stamp)).to_list(None)
            await self.lease.renew()
            lo = hi
        for type_ in ITEM_TYPES:  # few events: one indexed read per type (the server is slow on $in)
            source = [{"$match": {"type": type_, "at": {"$gte": start, "$lt": until}}}]
            await self.db.events.aggregate(item_fold_pipeline(source, stamp)).to_list(None)
        days = await self._rollup_days(stamp, until)
        items = await self._finish_items(until, stamp)
        agents = await self._presence(start, until, stamp)
        mark = await self.watermark()
        if mark is None or until > mark:
            await self.db.stats_state.update_one({"_id": "watermark"}, {"$set": {"until": until}}, upsert=True)
        took = asyncio.get_running_loop().time() - started
        level = logging.INFO if days or items or agents else logging.DEBUG
        log.log(level, "statistics refreshed", extra={"days": len(days), "items": items, "agents": agents, "took_s": round(took, 2)})
        return {"days": days, "items": items, "agents": agents, "until": until, "took_s": took}

    async def _rollup_days(self, stamp: str, until: datetime) -> list[str]:
        await self.db.stats_conversations.aggregate(mark_earlier_pipeline(stamp)).to_list(None)
        days = set(await self.db.stats_conversations.distinct("dirty_days", {"dirty": stamp}))
        days |= set(await self.db.stats_conversations.distinct("day", {"recheck_at": {"$lte": until}}))
        days = sorted(d for d in days if d)
        by_channel = norms.working_days_by_channel(self.settings)
        for batch in _batches(days, 7):
            first, last = date.fromisoformat(batch[0]), date.fromisoformat(batch[-1])
            tables = {n: due_table(self.calendar, first, last + TERM_LOOKAHEAD, n) for n in set(by_channel.values())}
            for with_resident in (True, False):
                await self.db.stats_conversations.aggregate(finish_pipeline(
                    batch, until, local_midnight(first), tables, by_channel,
                    self.settings.norm_chat_pickup_s, self.settings.norm_follow_up_days, with_resident,
                )).to_list(None)
            await self.db.stats_conversations.aggregate(daily_pipeline(batch, stamp)).to_list(None)
            await self.db.stats_conversations.aggregate(topic_daily_pipeline(batch, stamp)).to_list(None)
            await self.db.stats_conversations.aggregate(topic_parts_pipeline(batch)).to_list(None)
            for name in ("stats_daily", "stats_topic_daily"):
                await self.db[name].delete_many({"day": {"$in": batch}, "built": {"$ne": stamp}})
            await self.lease.renew()
        return days

    async def _finish_items(self, until: datetime, stamp: str) -> int:
        ids = [d["_id"] async for d in self.db.stats_items.find({"dirty": stamp}, {"_id": 1})]
        ids += [d["_id"] async for d in self.db.stats_items.find({"pending": True, "due_at": {"$lt": until}}, {"_id": 1})]
        ids = sorted(set(ids))
        for batch in _batches(ids):
            span = await self.db.stats_items.aggregate([
                {"$match": {"_id": {"$in": batch}}},
                {"$group": {"_id": None, "lo": {"$min": {"$ifNull": ["$created_at", "$first_at"]}},
                            "hi": {"$max": {"$ifNull": ["$created_at", "$first_at"]}}}},
            ]).to_list(None)
            if not span:
                continue
            first, last = local_day(span[0]["lo"]), local_day(span[0]["hi"])
            tables = {
                "callback": due_table(self.calendar, first, last, self.settings.callback_working_days),
                "case": due_table(self.calendar, first, last, self.settings.answer_working_days),
            }
            await self.db.stats_items.aggregate(
                item_finish_pipeline(batch, local_midnight(first), tables, until)
            ).to_list(None)
        return len(ids)

    async def _presence(self, start: datetime, until: datetime, stamp: str) -> int:
        """Online time of the agents with presence events since ``start``, and of those still online."""
        window = local_midnight(local_day(max(start, EPOCH)))
        touched = set(await self.db.events.distinct("agent", {"type": ev.AGENT_PRESENCE, "at": {"$gte": window, "$lt": until}}))
        state = await self.db.stats_state.find_one({"_id": "open_agents"}) or {}
        agents = sorted(a for a in touched | set(state.get("agents", [])) if a)
        if not agents:
            return 0
        first = window
        if window > EPOCH:  # where each agent stood when the window opened: their last change before it
            seeds = await self.db.events.aggregate([
                {"$match": {"type": ev.AGENT_PRESENCE, "at": {"$gte": window - SEED_LOOKBACK, "$lt": window}}},
                *([{"$match": {"agent": {"$in": agents}}}] if len(agents) <= BATCH else []),
                {"$group": {"_id": "$agent", "at": {"$max": "$at"}}},
            ]).to_list(None)
            first = min([window, *(r["at"] for r in seeds)])
        match: dict[str, Any] = {"type": ev.AGENT_PRESENCE, "at": {"$gte": first, "$lt": until}}
        if len(agents) <= BATCH:
            match["agent"] = {"$in": agents}
        await self.db.events.aggregate(presence_pipeline(match, window, until, stamp)).to_list(None)
        gone = {"day": {"$gte": local_day(window).isoformat()}, "built": {"$ne": stamp}}
        if len(agents) <= BATCH:
            gone["agent"] = {"$in": agents}
        await self.db.stats_presence.delete_many(gone)
        last = await self.db.events.aggregate([
            {"$match": match},
            {"$group": {"_id": "$agent", "last": {"$max": {"at": "$at", "status": "$status"}}}},
        ]).to_list(None)
        online = sorted(r["_id"] for r in last if r["last"]["status"] in ev.ONLINE_STATUSES)
        await self.db.stats_state.update_one({"_id": "open_agents"}, {"$set": {"agents": online}}, upsert=True)
        return len(agents)


async def run(rollup: Rollup, every_s: float, bus: LiveBus | None = None) -> None:
    """Background loop of the hub: take in new events a moment after ``bus`` carries logged ones
    (at most every ``every_s`` seconds), and every ``SWEEP`` without them."""

    async def refresh() -> None:
        try:
            await rollup.refresh()
        except Busy:
            pass

    await on_events(
        bus, NEW_FIGURES, refresh, sweep_s=max(every_s, SWEEP.total_seconds()),
        settle_s=LAG.total_seconds() + 0.5,  # the refresh reads LAG behind: it sees the event
        gap_s=every_s, name="stats-refresh",
    )


def main() -> None:
    """``python -m hub.stats.rollup [--since YYYY-MM-DD]``: recompute the figures from the event log."""
    import argparse

    from hub.core.db import connect, ensure_indexes
    from hub.core.logging_setup import configure
    from hub.core.settings import get_settings

    parser = argparse.ArgumentParser(description="Recompute the statistics tables from the event log.")
    parser.add_argument("--since", type=date.fromisoformat, help="from this local day on (default: everything)")
    args = parser.parse_args()
    settings = get_settings()
    configure(settings.log_level)

    async def go() -> None:
        db = connect(settings)
        await ensure_indexes(db)
        done = await Rollup(db, settings).rebuild(local_midnight(args.since) if args.since else None, wait_s=600)
        print(f"{len(done['days'])} days, {done['items']} callbacks/cases, {done['agents']} agents in {done['took_s']:.1f} s")
        db.client.close()

    asyncio.run(go())


if __name__ == "__main__":
    main()
