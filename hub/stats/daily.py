"""The per-day tables of the statistics, grouped for the days that changed.

``stats_daily`` / ``stats_topic_daily``
    per local day, channel and team (and per local day and topic, with counts per channel
    and team): counts, duration lists and score sums, grouped from ``stats_conversations``
    (``hub.stats.facts``).
``stats_presence``
    online seconds per agent per local day, from ``agent_presence`` intervals.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.core import event_types as ev
from hub.stats.facts import TZ, known, local_day_string


# ---------------------------------------------------------------------- stats_daily and stats_topic_daily
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
    return {"$cond": [known(field), [field], []]}


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
        "sat_n": _one(known("$sat_v")),
        "sat_sum": {"$ifNull": ["$sat_v", 0]},
        **{f"s{i}": _one({"$eq": ["$sat_v", i]}) for i in range(1, 6)},
        "g_n": _one(known("$grade_v")),
        "g_sum": {"$ifNull": ["$grade_v", 0]},
        **{f"g{i}": _one({"$eq": ["$grade_v", i]}) for i in range(1, 11)},
        **{f"term_{v}": _one({"$eq": ["$term", v]}) for v in ("met", "missed", "pending")},
        **{f"pick_{v}": _one({"$and": [{"$eq": ["$term_kind", "chat"]}, "$handed_over", {"$eq": ["$term", v]}]})
           for v in ("met", "missed")},
        "pickups": {"$cond": [{"$and": [{"$eq": ["$term_kind", "chat"]}, known("$wait_s")]}, ["$wait_s"], []]},
        **{f"fcr_{v}": _one({"$eq": ["$fcr", v]}) for v in ("yes", "no", "pending")},
        "unanswered": {"$map": {"input": {"$ifNull": ["$unanswered", []]},
                                "in": {"k": "$$this.k", "t": {"$ifNull": ["$topic_v", None]}, "n": 1}}},
    }


def norm_contribution() -> dict[str, Any]:
    """The part of ``contribution`` the norms per team and topic need (fewer fields: the embedded server
    evaluates every one of them per fact)."""
    full = contribution()
    keep = ("team", "topic", "n", "contained", "handed_over", "g_n", "g_sum", *NORM_SUMS)
    return {"channel": 1, **{k: full[k] for k in keep}}


GRADES = tuple(f"g{i}" for i in range(1, 11))
NORM_SUMS = ("term_met", "term_missed", "term_pending", "pick_met", "pick_missed", "fcr_yes", "fcr_no", "fcr_pending")
SUMMED = ["n", *(f"h{h}" for h in range(24)), "bot_resolved", "contained", "handed_over", "abandoned",
          "handle_sum", "sat_n", "sat_sum", *(f"s{i}" for i in range(1, 6)), "g_n", "g_sum", *GRADES, *NORM_SUMS]
LISTS = ["waits", "replies", "handles", "pickups", "unanswered"]


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
        {"$set": {"unanswered": {"$map": {  # per question key and topic: how often
            "input": {"$setUnion": [{"$map": {"input": "$unanswered", "in": {"k": "$$this.k", "t": "$$this.t"}}}, []]},
            "as": "kt",
            "in": {"k": "$$kt.k", "t": "$$kt.t", "n": {"$size": {"$filter": {
                "input": "$unanswered", "cond": {"$and": [{"$eq": ["$$this.k", "$$kt.k"]}, {"$eq": ["$$this.t", "$$kt.t"]}]},
            }}}},
        }}}},
        {"$merge": {"into": into, "on": "_id", "whenMatched": "replace", "whenNotMatched": "insert"}},
    ]


def daily_pipeline(days: list[str], stamp: str) -> list[dict[str, Any]]:
    """``stats_daily``: per day, channel and team."""
    return rollup_pipeline(days, stamp, ("day", "channel", "team"), "stats_daily")


def topic_daily_pipeline(days: list[str], stamp: str) -> list[dict[str, Any]]:
    """``stats_topic_daily``: per day and topic (figures for one topic, and the top topics)."""
    return rollup_pipeline(days, stamp, ("day", "topic"), "stats_topic_daily")


# the norm sums each day-and-topic part keeps too (the norms per topic of one channel or team)
PART_NORMS: dict[str, Any] = {
    **{f"term_{v}": _count({"$eq": ["$term", v]}) for v in ("met", "missed", "pending")},
    **{f"pick_{v}": _count({"$and": [{"$eq": ["$term_kind", "chat"]}, "$handed_over", {"$eq": ["$term", v]}]})
       for v in ("met", "missed")},
    **{f"fcr_{v}": _count({"$eq": ["$fcr", v]}) for v in ("yes", "no", "pending")},
    "g_n": _count(known("$grade_v")),
    "g_sum": {"$sum": {"$ifNull": ["$grade_v", 0]}},
}


def topic_parts_pipeline(days: list[str]) -> list[dict[str, Any]]:
    """Adds to each day-and-topic rollup its counts per channel and team (top topics of a channel or team)."""
    return [
        {"$match": {"day": {"$in": days}}},
        {"$group": {
            "_id": {"day": "$day", "topic": "$topic_v", "channel": "$channel", "team": "$team_v"},
            "n": {"$sum": 1},
            "contained": _count("$contained"),
            "handed_over": _count("$handed_over"),
            **PART_NORMS,
        }},
        {"$group": {
            "_id": _key("$_id.day", "$_id.topic"),
            "parts": {"$push": {"channel": "$_id.channel", "team": "$_id.team", "n": "$n",
                                "contained": "$contained", "handed_over": "$handed_over",
                                **{f: f"${f}" for f in PART_NORMS}}},
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
            "_id": {"agent": "$agent", "day": local_day_string("$ps")},
            "team": {"$last": "$team"},
            "online_ms": {"$sum": {"$subtract": ["$pe", "$ps"]}},
        }},
        {"$set": {"agent": "$_id.agent", "day": "$_id.day", "online_s": {"$divide": ["$online_ms", 1000]},
                  "_id": _key("$_id.agent", "$_id.day"), "built": stamp}},
        {"$unset": "online_ms"},
        {"$merge": {"into": "stats_presence", "on": "_id", "whenMatched": "replace", "whenNotMatched": "insert"}},
    ]
