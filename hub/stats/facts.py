"""Facts folded from the event log: one per conversation, one per callback request or case.

``stats_conversations``
    one document per conversation: when it opened (local day, hour, ISO week), channel, last
    team and topic, whether the bot answered it alone or it went to an agent, queue wait,
    time to the first agent reply, handling time, abandoned, satisfaction grade (and a former
    1-5 score), the contact and the questions the bot could not answer. Folded from conversation
    events; ``hub.stats.norm_facts`` adds whether it was handled within its term and resolved at
    the first contact.
``stats_items``
    one document per callback request and per case: created, deadline, done/answered,
    on time or late. The deadline is the event's ``due_at``, else the hub's working-day
    calendar (weekends and Dutch public holidays skipped, ``hub.core.workdays``).

Folding is idempotent: every field is a minimum, a maximum (the latest ``{at, v}`` pair) or
a set union, so reading an event twice changes nothing. The per-day tables are grouped from
these facts (``hub.stats.daily``); ``hub.stats.rollup`` runs the pipelines.
"""

from __future__ import annotations

import typing
from datetime import date, datetime, time, timedelta
from typing import Any

from handover.queue import NOT_A_TOPIC
from hub.core import event_types as ev
from hub.core import workdays
from hub.core.models import Action

TZ = "Europe/Amsterdam"  # hub.core.workdays.TZ: store UTC, count days and hours as the town hall does
UNKNOWN_QUESTION = "onbekend"

BOT_TYPES = [f"{ev.BOT_PREFIX}{action}" for action in typing.get_args(Action)]
CONVERSATION_TYPES = sorted({
    ev.CONVERSATION_OPENED, *BOT_TYPES, *ev.QUEUE_ENTRY, ev.ASSIGNED, *ev.AGENT_REPLIES, *ev.TRANSFERS,
    *ev.HANDLING_ENDS, ev.ABANDONED, ev.SATISFACTION,
})
ITEM_TYPES = sorted({*ev.CALLBACK_TYPES, *ev.CASE_TYPES})


# ---------------------------------------------------------------------- expression helpers
def _is(*types: str) -> dict[str, Any]:
    return {"$in": ["$type", list(types)]}


def _when(cond: Any, value: Any) -> dict[str, Any]:
    return {"$cond": [cond, value, None]}


def known(value: Any) -> dict[str, Any]:
    """True when ``value`` is neither null nor missing (a missing field is not equal to null)."""
    return {"$ne": [{"$ifNull": [value, None]}, None]}


def _latest(cond: Any, value: Any) -> dict[str, Any]:
    """The value of the latest event that meets ``cond`` (a ``{at, v}`` pair; $max skips nulls)."""
    return {"$max": _when({"$and": [cond, known(value)]}, {"at": "$at", "v": value})}


def _v(pair: str) -> dict[str, Any]:
    """The value of a ``{at, v}`` pair field, null when there is none."""
    return {"$ifNull": [f"{pair}.v", None]}


def _seconds(end: str, start: str) -> dict[str, Any]:
    """``end - start`` in seconds when both are known and in order, else null."""
    return _when(
        {"$and": [known(end), known(start), {"$gte": [end, start]}]},
        {"$divide": [{"$subtract": [end, start]}, 1000]},
    )


def local_day_string(date_expr: Any) -> dict[str, Any]:
    """The local day (``YYYY-MM-DD``, Europe/Amsterdam) of a date."""
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
    "sat": _latest(  # the former 1-5 score (events without scale 10), shown apart
        {"$and": [_is(ev.SATISFACTION), {"$ne": [{"$ifNull": ["$scale", 5]}, 10]}, {"$in": ["$score", [1, 2, 3, 4, 5]]}]},
        "$score",
    ),
    "grade": _latest(  # the Dutch school grade 1-10
        {"$and": [_is(ev.SATISFACTION), {"$eq": ["$scale", 10]}, {"$in": ["$score", list(range(1, 11))]}]}, "$score"
    ),
    "contact": _latest(_is(ev.CONVERSATION_OPENED), "$contact_id"),
    "bot_at": {"$max": _when(_is(*ev.BOT_RESOLVED), "$at")},
    "unanswered": {"$push": _when(
        _is(*ev.BOT_UNANSWERED),
        {"e": "$_id", "k": {"$ifNull": ["$question_key", "$intent", UNKNOWN_QUESTION]}},
    )},
}
CONVERSATION_FOLD = {
    "first_at": "min", "opened_at": "min", "channel": "max", "team": "max", "topic_set": "max",
    "article": "max", "intent": "max", "bot_resolved": "max", "queued_at": "min", "assigned_at": "min",
    "reply_at": "min", "ended_at": "max", "abandoned_at": "min", "outcome": "max", "sat": "max",
    "grade": "max", "contact": "max", "bot_at": "max", "unanswered": "union",
}


def conversation_derived() -> list[dict[str, Any]]:
    """Stages that compute a fact's figures from its folded fields (insert and fold alike)."""
    opened = {"$ifNull": ["$opened_at", "$first_at"]}
    return [
        {"$set": {"opened": opened}},
        {"$set": {
            "day": local_day_string("$opened"),
            "hour": {"$hour": {"date": "$opened", "timezone": TZ}},
            "week": {"$dateToString": {"date": "$opened", "format": "%G-W%V", "timezone": TZ}},
            "team_v": _v("$team"),
            "topic_v": {"$ifNull": ["$topic_set.v", "$article.v", "$intent.v", None]},
            "outcome_v": _v("$outcome"),
            "sat_v": _v("$sat"),
            "grade_v": _v("$grade"),
            "contact_v": _v("$contact"),
            "handed_over": known("$queued_at"),
            "contained": {"$and": [{"$eq": ["$bot_resolved", 1]}, {"$not": [known("$queued_at")]}]},
            "abandoned": {"$and": [
                known("$queued_at"),
                known("$abandoned_at"),
                {"$or": [{"$not": [known("$assigned_at")]}, {"$lt": ["$abandoned_at", "$assigned_at"]}]},
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
    known("$callback_id"),
    {"$concat": ["callback:", "$callback_id"]},
    {"$cond": [known("$case_number"), {"$concat": ["case:", "$case_number"]}, None]},
]}
_DONE = {"$or": [
    _is(ev.CALLBACK_DONE, *ev.CASE_ANSWERED),
    {"$and": [_is(ev.CALLBACK_ATTEMPT), {"$eq": ["$outcome", ev.CALLBACK_DONE_OUTCOME]}]},
    {"$and": [_is(ev.CASE_STATUS), {"$eq": ["$status", ev.CASE_ANSWERED_STATUS]}]},
]}
ITEM_GROUP: dict[str, Any] = {
    "kind": {"$max": {"$cond": [known("$callback_id"), "callback", "case"]}},
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
        {"$set": {"day": local_day_string("$created"), "due_at": {"$ifNull": ["$due_at_event", from_calendar]}}},
        {"$lookup": {"from": "stats_conversations", "localField": "conversation_id", "foreignField": "_id",
                     "as": "_conv", "pipeline": [{"$project": {"channel": 1, "team_v": 1, "topic_v": 1}}]}},
        {"$set": {"_conv": {"$arrayElemAt": ["$_conv", 0]}}},
        {"$set": {
            "channel": {"$ifNull": ["$ev_channel.v", "$_conv.channel", None]},
            "team": {"$ifNull": ["$ev_team.v", "$_conv.team_v", None]},
            "topic": {"$ifNull": ["$ev_topic.v", "$_conv.topic_v", None]},
            "case_type_v": _v("$case_type"),
            "done": known("$done_at"),
            "withdrawn": {"$and": [known("$withdrawn_at"), {"$not": [known("$done_at")]}]},
            "on_time": {"$and": [known("$done_at"), known("$due_at"), {"$lte": ["$done_at", "$due_at"]}]},
            "late": {"$and": [known("$due_at"), {"$or": [
                {"$and": [known("$done_at"), {"$gt": ["$done_at", "$due_at"]}]},
                {"$and": [{"$not": [known("$done_at")]}, {"$not": [known("$withdrawn_at")]}, {"$gt": [until, "$due_at"]}]},
            ]}]},
        }},
        {"$set": {"pending": {"$and": [{"$not": ["$done"]}, {"$not": ["$withdrawn"]}, {"$not": ["$late"]}]}}},
        {"$unset": "_conv"},
        {"$merge": {"into": "stats_items", "on": "_id", "whenMatched": "replace", "whenNotMatched": "discard"}},
    ]
