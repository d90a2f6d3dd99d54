"""The working tables of the statistics, folded from the event log with aggregation pipelines.

Figures for a month must come back in well under two seconds, also on the embedded
Mongo-wire server, so ``hub.stats.figures`` does not read raw events. Instead this module keeps
small tables that are computed from the events only and can be rebuilt from them at any
time:

``stats_conversations``
    one document per conversation: when it opened (local day, hour, ISO week), channel, last
    team and topic, whether the bot answered it alone or it went to an agent, queue wait,
    time to the first agent reply, handling time, abandoned, satisfaction score and the
    questions the bot could not answer. Folded from conversation events.
``stats_daily`` / ``stats_topic_daily``
    per local day, channel and team (and per local day and topic, with counts per channel
    and team): counts, duration lists and score sums, grouped from ``stats_conversations``
    for the days that changed.
``stats_items``
    one document per callback request and per case: created, deadline, done/answered,
    on time or late. The deadline is the event's ``due_at``, else the hub's working-day
    calendar (weekends and Dutch public holidays skipped, ``hub.core.workdays``).
``stats_presence``
    online seconds per agent per local day, from ``agent_presence`` intervals.

Folding is idempotent: every field is a minimum, a maximum (the latest ``{at, v}`` pair) or
a set union, so reading an event twice changes nothing. ``refresh`` takes in the events
since the last watermark (with an overlap); ``rebuild(since)`` re-reads all events from a
moment on (events written late, or imported history), ``rebuild()`` everything. One process
at a time does this (a lease in ``stats_state``).
"""

from __future__ import annotations

import asyncio
import logging
import typing
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo.errors import DuplicateKeyError

from handover.queue import NOT_A_TOPIC
from hub.core import event_types as ev
from hub.core import workdays
from hub.core.models import Action, utcnow
from hub.core.settings import Settings

log = logging.getLogger(__name__)

TZ = "Europe/Amsterdam"  # hub.core.workdays.TZ: store UTC, count days and hours as the town hall does
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
LAG = timedelta(seconds=2)  # events younger than this may still be on their way in
OVERLAP = timedelta(seconds=30)  # re-read this much before the watermark (folding is idempotent)
CHUNK = timedelta(hours=12)  # events are folded in slices of this much time
MAX_SKIP = timedelta(days=32)  # the longest quiet stretch looked over at once
LEASE = timedelta(minutes=5)
BATCH = 25  # ids per $in: the embedded server slows down sharply on long $in lists
SEED_LOOKBACK = timedelta(days=7)  # an agent's status older than this (no change for a week) counts as offline
UNKNOWN_QUESTION = "onbekend"

BOT_TYPES = [f"{ev.BOT_PREFIX}{action}" for action in typing.get_args(Action)]
CONVERSATION_TYPES = sorted({
    ev.CONVERSATION_OPENED, *BOT_TYPES, *ev.QUEUE_ENTRY, ev.ASSIGNED, *ev.AGENT_REPLIES, *ev.TRANSFERS,
    *ev.HANDLING_ENDS, ev.ABANDONED, ev.SATISFACTION,
})
ITEM_TYPES = sorted({*ev.CALLBACK_TYPES, *ev.CASE_TYPES})
TABLES = ("stats_conversations", "stats_daily", "stats_topic_daily", "stats_items", "stats_presence")


# ---------------------------------------------------------------------- expression helpers
def _is(*types: str) -> dict[str, Any]:
    return {"$in": ["$type", list(types)]}


def _when(cond: Any, value: Any) -> dict[str, Any]:
    return {"$cond": [cond, value, None]}


def _known(value: Any) -> dict[str, Any]:
    """True when ``value`` is neither null nor missing (a missing field is not equal to null)."""
    return {"$ne": [{"$ifNull": [value, None]}, None]}


def _latest(cond: Any, value: Any) -> dict[str, Any]:
    """The value of the latest event that meets ``cond`` (a ``{at, v}`` pair; $max skips nulls)."""
    return {"$max": _when({"$and": [cond, _known(value)]}, {"at": "$at", "v": value})}


def _v(pair: str) -> dict[str, Any]:
    """The value of a ``{at, v}`` pair field, null when there is none."""
    return {"$ifNull": [f"{pair}.v", None]}


def _seconds(end: str, start: str) -> dict[str, Any]:
    """``end - start`` in seconds when both are known and in order, else null."""
    return _when(
        {"$and": [_known(end), _known(start), {"$gte": [end, start]}]},
        {"$divide": [{"$subtract": [end, start]}, 1000]},
    )


def _local_day(date_expr: Any) -> dict[str, Any]:
    return {"$dateToString": {"date": date_expr, "format": "%Y-%m-%d", "timezone": TZ}}


def _fold(fields: dict[str, str]) -> dict[str, Any]:
    """The ``$set`` that folds a new partial fact (``$$new``) into the stored one."""
    out: dict[str, Any] = {}
    for name, how in fields.items():
        if how == "min":
            out[name] = {"$min": [f"${name}", f"$$new.{name}"]}
        elif how == "max":
            out[name] = {"$max": [f"${name}", f"$$new.{name}"]}
        else:  # union
            out[name] = {"$setUnion": [{"$ifNull": [f"${name}", []]}, {"$ifNull": [f"$$new.{name}", []]}]}
    return {"$set": out}


# ---------------------------------------------------------------------- conversation facts
_TEAM = {"$ifNull": ["$team", "$to_team"]}
CONVERSATION_GROUP: dict[str, Any] = {
    "first_at": {"$min": "$at"},
    "opened_at": {"$min": _when(_is(ev.CONVERSATION_OPENED), "$at")},
    "channel": {"$max": "$channel"},
    "team": _latest(True, _TEAM),
    "topic_set": _latest(True, "$topic"),
    "article": _latest(_is(ev.BOT_ANSWER), "$article"),
    "intent": _latest(
        {"$and": [_is(*BOT_TYPES), {"$not": [{"$in": ["$intent", sorted(NOT_A_TOPIC)]}]}]}, "$intent"
    ),
    "bot_resolved": {"$max": {"$cond": [_is(*ev.BOT_RESOLVED), 1, 0]}},
    "queued_at": {"$min": _when(_is(*ev.QUEUE_ENTRY), "$at")},
    "assigned_at": {"$min": _when(_is(ev.ASSIGNED), "$at")},
    "reply_at": {"$min": _when(_is(*ev.AGENT_REPLIES), "$at")},
    "ended_at": {"$max": _when(_is(*ev.HANDLING_ENDS), "$at")},
    "abandoned_at": {"$min": _when(_is(ev.ABANDONED), "$at")},
    "outcome": _latest(_is(ev.CLOSED), "$outcome"),
    "sat": _latest(
        {"$and": [_is(ev.SATISFACTION), {"$in": ["$score", [1, 2, 3, 4, 5]]}]}, "$score"
    ),
    "unanswered": {"$push": _when(
        _is(*ev.BOT_UNANSWERED),
        {"e": "$_id", "k": {"$ifNull": ["$question_key", "$intent", UNKNOWN_QUESTION]}},
    )},
}
CONVERSATION_FOLD = {
    "first_at": "min", "opened_at": "min", "channel": "max", "team": "max", "topic_set": "max",
    "article": "max", "intent": "max", "bot_resolved": "max", "queued_at": "min", "assigned_at": "min",
    "reply_at": "min", "ended_at": "max", "abandoned_at": "min", "outcome": "max", "sat": "max",
    "unanswered": "union",
}


def conversation_derived() -> list[dict[str, Any]]:
    """Stages that compute a fact's figures from its folded fields (insert and fold alike)."""
    opened = {"$ifNull": ["$opened_at", "$first_at"]}
    return [
        {"$set": {"opened": opened}},
        {"$set": {
            "day": _local_day("$opened"),
            "hour": {"$hour": {"date": "$opened", "timezone": TZ}},
            "week": {"$dateToString": {"date": "$opened", "format": "%G-W%V", "timezone": TZ}},
            "team_v": _v("$team"),
            "topic_v": {"$ifNull": ["$topic_set.v", "$article.v", "$intent.v", None]},
            "outcome_v": _v("$outcome"),
            "sat_v": _v("$sat"),
            "handed_over": _known("$queued_at"),
            "contained": {"$and": [{"$eq": ["$bot_resolved", 1]}, {"$not": [_known("$queued_at")]}]},
            "abandoned": {"$and": [
                _known("$queued_at"),
                _known("$abandoned_at"),
                {"$or": [{"$not": [_known("$assigned_at")]}, {"$lt": ["$abandoned_at", "$assigned_at"]}]},
            ]},
            "wait_s": _seconds("$assigned_at", "$queued_at"),
            "reply_s": _seconds("$reply_at", {"$ifNull": ["$queued_at", "$assigned_at"]}),
            "handle_s": _seconds("$ended_at", "$assigned_at"),
        }},
    ]


def conversation_fold_pipeline(source: list[dict[str, Any]], stamp: str) -> list[dict[str, Any]]:
    """Events (after ``source``) grouped per conversation and folded into ``stats_conversations``.

    A fact touched by this run gets ``dirty = stamp`` and ``dirty_days``: the days whose rollups
    must be rebuilt (its day, and its former day when an earlier event moved it).
    """
    fold = [
        {"$set": {"_old_day": "$day"}},
        _fold(CONVERSATION_FOLD),
        *conversation_derived(),
        {"$set": {"dirty": stamp, "dirty_days": {"$setDifference": [["$_old_day", "$day"], [None]]}}},
        {"$unset": "_old_day"},
    ]
    return [
        *source,
        {"$match": {"type": {"$in": CONVERSATION_TYPES}, "conversation_id": {"$nin": [None, ""]}}},
        {"$group": {"_id": "$conversation_id", **CONVERSATION_GROUP}},
        {"$set": {"unanswered": {"$filter": {"input": "$unanswered", "cond": {"$ne": ["$$this", None]}}}}},
        *conversation_derived(),
        {"$set": {"dirty": stamp, "dirty_days": ["$day"]}},
        {"$merge": {"into": "stats_conversations", "on": "_id", "whenMatched": fold, "whenNotMatched": "insert"}},
    ]


# ---------------------------------------------------------------------- callbacks and cases
_ITEM_KEY = {"$cond": [
    _known("$callback_id"),
    {"$concat": ["callback:", "$callback_id"]},
    {"$cond": [_known("$case_number"), {"$concat": ["case:", "$case_number"]}, None]},
]}
_DONE = {"$or": [
    _is(ev.CALLBACK_DONE, *ev.CASE_ANSWERED),
    {"$and": [_is(ev.CALLBACK_ATTEMPT), {"$eq": ["$outcome", ev.CALLBACK_DONE_OUTCOME]}]},
    {"$and": [_is(ev.CASE_STATUS), {"$eq": ["$status", ev.CASE_ANSWERED_STATUS]}]},
]}
ITEM_GROUP: dict[str, Any] = {
    "kind": {"$max": {"$cond": [_known("$callback_id"), "callback", "case"]}},
    "conversation_id": {"$max": "$conversation_id"},
    "first_at": {"$min": "$at"},
    "created_at": {"$min": _when(_is(ev.CALLBACK_CREATED, ev.CASE_CREATED), "$at")},
    "due_at_event": {"$max": _when(_is(ev.CALLBACK_CREATED, ev.CASE_CREATED), "$due_at")},
    "done_at": {"$min": _when(_DONE, "$at")},
    "withdrawn_at": {"$min": _when(
        {"$and": [_is(ev.CASE_STATUS), {"$eq": ["$status", ev.CASE_WITHDRAWN_STATUS]}]}, "$at"
    )},
    "case_type": _latest(_is(ev.CASE_CREATED), {"$ifNull": ["$case_type", "$kind"]}),
    "ev_channel": _latest(True, "$channel"),
    "ev_team": _latest(True, "$team"),
    "ev_topic": _latest(True, "$topic"),
}
ITEM_FOLD = {
    "kind": "max", "conversation_id": "max", "first_at": "min", "created_at": "min", "due_at_event": "max",
    "done_at": "min", "withdrawn_at": "min", "case_type": "max", "ev_channel": "max", "ev_team": "max",
    "ev_topic": "max",
}


def item_fold_pipeline(source: list[dict[str, Any]], stamp: str) -> list[dict[str, Any]]:
    return [
        *source,
        {"$set": {"_key": _ITEM_KEY}},
        {"$match": {"_key": {"$ne": None}}},
        {"$group": {"_id": "$_key", **ITEM_GROUP}},
        {"$set": {"dirty": stamp}},
        {"$merge": {"into": "stats_items", "on": "_id", "whenMatched": [_fold(ITEM_FOLD), {"$set": {"dirty": stamp}}],
                    "whenNotMatched": "insert"}},
    ]


def due_table(calendar: workdays.WorkCalendar, first: date, last: date, working_days: int) -> list[datetime]:
    """Deadline (UTC) of something made on each local day from ``first`` to ``last``."""
    out, day = [], first
    while day <= last:
        noon = datetime.combine(day, time(12, 0), tzinfo=workdays.TZ)
        out.append(calendar.due_at(noon, working_days))
        day += timedelta(days=1)
    return out


def item_finish_pipeline(
    ids: list[str], base: datetime, tables: dict[str, list[datetime]], until: datetime
) -> list[dict[str, Any]]:
    """Deadline, on time / late / pending, local day and dimensions of the given items."""
    created = {"$ifNull": ["$created_at", "$first_at"]}
    index = {"$dateDiff": {"startDate": base, "endDate": "$created", "unit": "day", "timezone": TZ}}
    from_calendar = {"$cond": [
        {"$eq": ["$kind", "callback"]},
        {"$arrayElemAt": [tables["callback"], index]},
        {"$arrayElemAt": [tables["case"], index]},
    ]}
    return [
        {"$match": {"_id": {"$in": ids}}},
        {"$set": {"created": created}},
        {"$set": {"day": _local_day("$created"), "due_at": {"$ifNull": ["$due_at_event", from_calendar]}}},
        {"$lookup": {"from": "stats_conversations", "localField": "conversation_id", "foreignField": "_id",
                     "as": "_conv", "pipeline": [{"$project": {"channel": 1, "team_v": 1, "topic_v": 1}}]}},
        {"$set": {"_conv": {"$arrayElemAt": ["$_conv", 0]}}},
        {"$set": {
            "channel": {"$ifNull": ["$ev_channel.v", "$_conv.channel", None]},
            "team": {"$ifNull": ["$ev_team.v", "$_conv.team_v", None]},
            "topic": {"$ifNull": ["$ev_topic.v", "$_conv.topic_v", None]},
            "case_type_v": _v("$case_type"),
            "done": _known("$done_at"),
            "withdrawn": {"$and": [_known("$withdrawn_at"), {"$not": [_known("$done_at")]}]},
            "on_time": {"$and": [_known("$done_at"), _known("$due_at"), {"$lte": ["$done_at", "$due_at"]}]},
            "late": {"$and": [_known("$due_at"), {"$or": [
                {"$and": [_known("$done_at"), {"$gt": ["$done_at", "$due_at"]}]},
                {"$and": [{"$not": [_known("$done_at")]}, {"$not": [_known("$withdrawn_at")]}, {"$gt": [until, "$due_at"]}]},
            ]}]},
        }},
        {"$set": {"pending": {"$and": [{"$not": ["$done"]}, {"$not": ["$withdrawn"]}, {"$not": ["$late"]}]}}},
        {"$unset": "_conv"},
        {"$merge": {"into": "stats_items", "on": "_id", "whenMatched": "replace", "whenNotMatched": "discard"}},
    ]


# ---------------------------------------------------------------------- daily rollups
def _count(cond: Any) -> dict[str, Any]:
    return {"$sum": {"$cond": [cond, 1, 0]}}


def _key(*parts: str) -> dict[str, Any]:
    """A string _id from group keys: the embedded server merges on document ids very slowly."""
    pieces: list[Any] = []
    for part in parts:
        pieces += [{"$ifNull": [part, ""]}, "|"]
    return {"$concat": pieces[:-1]}


def _one(cond: Any) -> dict[str, Any]:
    return {"$cond": [cond, 1, 0]}


def _maybe(field: str) -> dict[str, Any]:
    """A one-element list with the fact's value, or an empty list."""
    return {"$cond": [_known(field), [field], []]}


def contribution() -> dict[str, Any]:
    """What one conversation fact adds to the rollup of its day, channel and team.

    ``stats_daily`` sums these per group; ``hub.stats.figures`` uses the same shape on single facts
    when a figure is asked for one topic, so both paths give the same numbers.
    """
    return {
        "day": 1, "week": 1, "channel": 1, "team": "$team_v", "topic": "$topic_v",
        "n": {"$literal": 1},
        **{f"h{h}": _one({"$eq": ["$hour", h]}) for h in range(24)},
        "bot_resolved": _one({"$eq": ["$bot_resolved", 1]}),
        "contained": _one("$contained"),
        "handed_over": _one("$handed_over"),
        "abandoned": _one("$abandoned"),
        "waits": _maybe("$wait_s"),
        "replies": _maybe("$reply_s"),
        "handles": _maybe("$handle_s"),
        "handle_sum": {"$ifNull": ["$handle_s", 0]},
        "sat_n": _one(_known("$sat_v")),
        "sat_sum": {"$ifNull": ["$sat_v", 0]},
        **{f"s{i}": _one({"$eq": ["$sat_v", i]}) for i in range(1, 6)},
        "unanswered": {"$map": {"input": {"$ifNull": ["$unanswered", []]}, "in": {"k": "$$this.k", "n": 1}}},
    }


SUMMED = ["n", *(f"h{h}" for h in range(24)), "bot_resolved", "contained", "handed_over", "abandoned",
          "handle_sum", "sat_n", "sat_sum", *(f"s{i}" for i in range(1, 6))]
LISTS = ["waits", "replies", "handles", "unanswered"]


def _flatten(field: str) -> dict[str, Any]:
    return {"$reduce": {"input": f"${field}", "initialValue": [], "in": {"$concatArrays": ["$$value", "$$this"]}}}


def rollup_pipeline(days: list[str], stamp: str, keys: tuple[str, ...], into: str) -> list[dict[str, Any]]:
    """Per ``keys`` (day and more): everything the figures need, from the days' conversation facts."""
    return [
        {"$match": {"day": {"$in": days}}},
        {"$project": contribution()},
        {"$group": {
            "_id": {k: f"${k}" for k in keys},
            "week": {"$first": "$week"},
            **{f: {"$sum": f"${f}"} for f in SUMMED},
            **{f: {"$push": f"${f}"} for f in LISTS},
        }},
        {"$set": {
            **{k: f"$_id.{k}" for k in keys}, "built": stamp,
            "_id": _key(*(f"$_id.{k}" for k in keys)),
            **{f: _flatten(f) for f in LISTS},
        }},
        {"$set": {"unanswered": {"$map": {
            "input": {"$setUnion": [{"$map": {"input": "$unanswered", "in": "$$this.k"}}, []]}, "as": "k",
            "in": {"k": "$$k", "n": {"$size": {"$filter": {"input": "$unanswered", "cond": {"$eq": ["$$this.k", "$$k"]}}}}},
        }}}},
        {"$merge": {"into": into, "on": "_id", "whenMatched": "replace", "whenNotMatched": "insert"}},
    ]


def daily_pipeline(days: list[str], stamp: str) -> list[dict[str, Any]]:
    """``stats_daily``: per day, channel and team."""
    return rollup_pipeline(days, stamp, ("day", "channel", "team"), "stats_daily")


def topic_daily_pipeline(days: list[str], stamp: str) -> list[dict[str, Any]]:
    """``stats_topic_daily``: per day and topic (figures for one topic, and the top topics)."""
    return rollup_pipeline(days, stamp, ("day", "topic"), "stats_topic_daily")


def topic_parts_pipeline(days: list[str]) -> list[dict[str, Any]]:
    """Adds to each day-and-topic rollup its counts per channel and team (top topics of a channel or team)."""
    return [
        {"$match": {"day": {"$in": days}}},
        {"$group": {
            "_id": {"day": "$day", "topic": "$topic_v", "channel": "$channel", "team": "$team_v"},
            "n": {"$sum": 1},
            "contained": _count("$contained"),
            "handed_over": _count("$handed_over"),
        }},
        {"$group": {
            "_id": _key("$_id.day", "$_id.topic"),
            "parts": {"$push": {"channel": "$_id.channel", "team": "$_id.team", "n": "$n",
                                "contained": "$contained", "handed_over": "$handed_over"}},
        }},
        {"$merge": {"into": "stats_topic_daily", "on": "_id", "whenMatched": [{"$set": {"parts": "$$new.parts"}}],
                    "whenNotMatched": "discard"}},
    ]


# ---------------------------------------------------------------------- agent presence
def presence_pipeline(match: dict[str, Any], start: datetime, until: datetime, stamp: str) -> list[dict[str, Any]]:
    """Online seconds per agent and local day from ``start`` on: the intervals between presence events.

    ``match`` selects the agents' presence events from their last one before ``start`` on.
    """
    return [
        {"$match": match},
        {"$setWindowFields": {"partitionBy": "$agent", "sortBy": {"at": 1},
                              "output": {"next": {"$shift": {"output": "$at", "by": 1, "default": until}}}}},
        {"$match": {"status": {"$in": list(ev.ONLINE_STATUSES)}}},
        {"$set": {"s": {"$max": ["$at", start]}, "e": {"$min": ["$next", until]}}},
        {"$match": {"$expr": {"$gt": ["$e", "$s"]}}},
        {"$set": {
            "d0": {"$dateTrunc": {"date": "$s", "unit": "day", "timezone": TZ}},
            "nd": {"$dateDiff": {"startDate": "$s", "endDate": "$e", "unit": "day", "timezone": TZ}},
        }},
        {"$set": {"part": {"$map": {"input": {"$range": [0, {"$add": ["$nd", 1]}]}, "as": "i", "in": {
            "$dateAdd": {"startDate": "$d0", "unit": "day", "amount": "$$i", "timezone": TZ}}}}}},
        {"$unwind": "$part"},
        {"$set": {
            "ps": {"$max": ["$s", "$part"]},
            "pe": {"$min": ["$e", {"$dateAdd": {"startDate": "$part", "unit": "day", "amount": 1, "timezone": TZ}}]},
        }},
        {"$match": {"$expr": {"$gt": ["$pe", "$ps"]}}},
        {"$group": {
            "_id": {"agent": "$agent", "day": _local_day("$ps")},
            "team": {"$last": "$team"},
            "online_ms": {"$sum": {"$subtract": ["$pe", "$ps"]}},
        }},
        {"$set": {"agent": "$_id.agent", "day": "$_id.day", "online_s": {"$divide": ["$online_ms", 1000]},
                  "_id": _key("$_id.agent", "$_id.day"), "built": stamp}},
        {"$unset": "online_ms"},
        {"$merge": {"into": "stats_presence", "on": "_id", "whenMatched": "replace", "whenNotMatched": "insert"}},
    ]


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
        self.holder = uuid.uuid4().hex
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------ lease
    async def _acquire(self, wait_s: float) -> None:
        deadline = asyncio.get_running_loop().time() + wait_s
        while True:
            now = utcnow()
            try:
                got = await self.db.stats_state.find_one_and_update(
                    {"_id": "lease", "$or": [{"until": {"$lt": now}}, {"holder": self.holder}]},
                    {"$set": {"holder": self.holder, "until": now + LEASE}},
                    upsert=True,
                )
                if got is not None or await self.db.stats_state.count_documents({"_id": "lease", "holder": self.holder}):
                    return
            except DuplicateKeyError:
                pass
            if asyncio.get_running_loop().time() >= deadline:
                raise Busy
            await asyncio.sleep(0.2)

    async def _renew(self) -> None:
        await self.db.stats_state.update_one({"_id": "lease", "holder": self.holder}, {"$set": {"until": utcnow() + LEASE}})

    async def _release(self) -> None:
        await self.db.stats_state.update_one({"_id": "lease", "holder": self.holder}, {"$set": {"until": EPOCH}})

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
                    await self._release()
        return await self._run(since or EPOCH, now, wait_s)

    async def _run(self, start: datetime, now: datetime | None, wait_s: float) -> dict[str, Any]:
        async with self._lock:
            await self._acquire(wait_s)
            try:
                return await self._refresh(start, (now or utcnow()) - LAG)
            finally:
                await self._release()

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
            await self._renew()
            lo = hi
        for type_ in ITEM_TYPES:  # few events: one indexed read per type (the server is slow on $in)
            source = [{"$match": {"type": type_, "at": {"$gte": start, "$lt": until}}}]
            await self.db.events.aggregate(item_fold_pipeline(source, stamp)).to_list(None)
        days = await self._rollup_days(stamp)
        items = await self._finish_items(until, stamp)
        agents = await self._presence(start, until, stamp)
        mark = await self.watermark()
        if mark is None or until > mark:
            await self.db.stats_state.update_one({"_id": "watermark"}, {"$set": {"until": until}}, upsert=True)
        took = asyncio.get_running_loop().time() - started
        level = logging.INFO if days or items or agents else logging.DEBUG
        log.log(level, "statistics refreshed", extra={"days": len(days), "items": items, "agents": agents, "took_s": round(took, 2)})
        return {"days": days, "items": items, "agents": agents, "until": until, "took_s": took}

    async def _rollup_days(self, stamp: str) -> list[str]:
        days = sorted(d for d in await self.db.stats_conversations.distinct("dirty_days", {"dirty": stamp}) if d)
        for batch in _batches(days, 7):
            await self.db.stats_conversations.aggregate(daily_pipeline(batch, stamp)).to_list(None)
            await self.db.stats_conversations.aggregate(topic_daily_pipeline(batch, stamp)).to_list(None)
            await self.db.stats_conversations.aggregate(topic_parts_pipeline(batch)).to_list(None)
            for name in ("stats_daily", "stats_topic_daily"):
                await self.db[name].delete_many({"day": {"$in": batch}, "built": {"$ne": stamp}})
            await self._renew()
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


async def run(rollup: Rollup, every_s: float) -> None:
    """Background loop of the hub: take in new events every ``every_s`` seconds."""
    while True:
        try:
            await rollup.refresh()
        except Busy:
            pass
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the loop must survive a database hiccup
            log.exception("statistics refresh failed")
        await asyncio.sleep(every_s)


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
