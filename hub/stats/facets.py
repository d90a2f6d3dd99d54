"""What the figures read: the MongoDB ``$facet`` branches over the working tables that
``hub.stats.rollup`` keeps (``stats_daily``, ``stats_topic_daily``, ``stats_items``,
``stats_presence``; single facts when a topic is asked per channel or team), which branches each
figure needs, and ``Raw``, what came back. ``hub.stats.figures`` shapes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.stats import norm_figures
from hub.stats.daily import contribution
from hub.stats.measures import Query, _sum, durations
from hub.stats.unanswered_texts import example_texts

SAT_FIELDS = ("sat_n", "sat_sum", "s1", "s2", "s3", "s4", "s5")
HOURS = tuple(f"h{h}" for h in range(24))


def conversation_branches(q: Query) -> dict[str, list[dict[str, Any]]]:
    """$facet branches over rollup-shaped documents (stats_daily, or single facts for a topic)."""
    series_key = {"hour": "$day", "day": "$day", "week": "$week"}[q.granularity]
    return {
        "total": [{"$group": {"_id": None, **_sum("n", "bot_resolved", "contained", "handed_over", "abandoned")}}],
        "by_channel": [{"$group": {"_id": "$channel", **_sum("n")}}, {"$sort": {"n": -1, "_id": 1}}],
        "series": [
            {"$group": {"_id": {"b": series_key, "c": "$channel"},
                        **_sum(*(HOURS if q.granularity == "hour" else ("n",)))}},
            {"$sort": {"_id.b": 1, "_id.c": 1}},
        ],
        "waits": durations("waits"),
        "replies": durations("replies"),
        "handles": durations("handles"),
        "unanswered": [
            {"$unwind": "$unanswered"},
            {"$group": {"_id": {"k": "$unanswered.k", "t": "$unanswered.t"}, "n": {"$sum": "$unanswered.n"}}},
            {"$sort": {"n": -1, "_id.k": 1}},
        ],
        "sat_by_channel": [{"$group": {"_id": "$channel", **_sum(*SAT_FIELDS)}}, {"$sort": {"_id": 1}}],
        "sat_by_team": [{"$group": {"_id": "$team", **_sum(*SAT_FIELDS)}}, {"$sort": {"_id": 1}}],
        "handle_by_team": [{"$group": {"_id": "$team", **_sum("handle_sum", "handed_over")}}],
        "per_day": [
            {"$group": {"_id": "$day", **_sum("n", "contained", "handed_over", "abandoned", "g_n", "g_sum",
                                              "term_met", "term_missed", "pick_met", "pick_missed", "fcr_yes", "fcr_no")}},
            {"$sort": {"_id": 1}},
        ],
        "waits_per_day": durations("waits", by="$day"),
        **norm_figures.conversation_branches(),
    }


def item_branches() -> dict[str, list[dict[str, Any]]]:
    counts = {
        "created": {"$sum": 1},
        "on_time": {"$sum": {"$cond": ["$on_time", 1, 0]}},
        "late": {"$sum": {"$cond": ["$late", 1, 0]}},
        "pending": {"$sum": {"$cond": ["$pending", 1, 0]}},
        "withdrawn": {"$sum": {"$cond": ["$withdrawn", 1, 0]}},
    }
    return {
        "totals": [{"$group": {"_id": "$kind", **counts}}],
        "per_day": [{"$group": {"_id": {"kind": "$kind", "day": "$day"}, **counts}}, {"$sort": {"_id.day": 1}}],
        "case_types": [
            {"$match": {"kind": "case"}},
            {"$group": {"_id": "$case_type_v", "n": {"$sum": 1}}},
            {"$sort": {"n": -1, "_id": 1}},
        ],
        **norm_figures.item_branches(),
    }


NORM_FIGURES = {"within_term", "pickup", "first_contact", "containment", "satisfaction"}
# which $facet branches over the conversation rollups each figure needs
BRANCHES_OF: dict[str, set[str]] = {
    "contacts": {"total", "by_channel", "series"},
    "containment": {"total", "norm_total", "norm_by_channel", "norm_by_team"},
    "wait": {"waits"},
    "first_reply": {"replies"},
    "handling": {"handles"},
    "abandoned": {"total"},
    "unanswered": {"unanswered"},
    "satisfaction": {"sat_by_channel", "sat_by_team", "norm_total", "norm_by_channel", "norm_by_team"},
    "within_term": {"norm_total", "norm_by_channel", "norm_by_team"},
    "pickup": {"norm_total", "norm_by_channel", "norm_by_team", "pickups"},
    "first_contact": {"norm_total", "norm_by_channel", "norm_by_team"},
    "occupancy": {"handle_by_team"},
    "daily": {"per_day", "waits_per_day"},
}


@dataclass
class Raw:
    """What the pipelines returned, per source and branch."""

    conv: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    topics: list[dict[str, Any]] = field(default_factory=list)
    presence: list[dict[str, Any]] = field(default_factory=list)
    norm_topics: list[dict[str, Any]] = field(default_factory=list)
    examples: dict[str, str] = field(default_factory=dict)


async def _conversation_facets(db: AsyncIOMotorDatabase, q: Query, names: set[str]) -> dict[str, list[dict[str, Any]]]:
    branches = {k: v for k, v in conversation_branches(q).items() if k in names}
    if not branches:
        return {}
    if q.topic and (q.channel or q.team):  # one topic of one channel or team: the facts, shaped like rollups
        match = {"day": q.days(), "topic_v": q.topic, **q.dims("team_v")}
        source = db.stats_conversations
        head = [{"$match": match}, {"$project": contribution()}]
    elif q.topic:
        source = db.stats_topic_daily
        head = [{"$match": {"topic": q.topic, "day": q.days()}}]
    else:
        source = db.stats_daily
        head = [{"$match": {"day": q.days(), **q.dims()}}]
    found = await source.aggregate([*head, {"$facet": branches}]).to_list(None)
    return found[0] if found else {}


async def _item_facets(db: AsyncIOMotorDatabase, q: Query) -> dict[str, list[dict[str, Any]]]:
    match = {"day": q.days(), **q.dims(), **({"topic": q.topic} if q.topic else {})}
    found = await db.stats_items.aggregate([{"$match": match}, {"$facet": item_branches()}]).to_list(None)
    return found[0] if found else {}


async def _topics(db: AsyncIOMotorDatabase, q: Query) -> list[dict[str, Any]]:
    match: dict[str, Any] = {"day": q.days()}
    if q.topic:
        match["topic"] = q.topic
    head: list[dict[str, Any]] = [{"$match": match}]
    if q.channel or q.team:  # the day-and-topic rollups keep their counts per channel and team
        head += [
            {"$unwind": "$parts"},
            {"$match": {f"parts.{k}": v for k, v in q.dims().items()}},
            {"$project": {"topic": 1, **{f: f"$parts.{f}" for f in ("n", "contained", "handed_over")}}},
        ]
    return await db.stats_topic_daily.aggregate([
        *head,
        {"$group": {"_id": "$topic", **_sum("n", "contained", "handed_over")}},
        {"$sort": {"n": -1, "_id": 1}},
    ]).to_list(None)


async def _presence(db: AsyncIOMotorDatabase, q: Query) -> list[dict[str, Any]]:
    match: dict[str, Any] = {"day": q.days()}
    if q.team:
        match["team"] = q.team
    return await db.stats_presence.aggregate([
        {"$match": match},
        {"$group": {"_id": "$team", "online_s": {"$sum": "$online_s"}, "agents": {"$addToSet": "$agent"}}},
        {"$project": {"online_s": 1, "agents": {"$size": "$agents"}}},
        {"$sort": {"_id": 1}},
    ]).to_list(None)


async def read(db: AsyncIOMotorDatabase, q: Query, figures: tuple[str, ...]) -> Raw:
    """What ``figures`` need for ``q``: only their branches are asked for."""
    wanted = set(figures)
    names = set()
    for fig, branches in BRANCHES_OF.items():
        if fig in wanted:
            names |= branches
    raw = Raw(conv=await _conversation_facets(db, q, names))
    if wanted & {"callbacks", "answers", "cases", "daily"}:
        raw.items = await _item_facets(db, q)
    if "topics" in wanted:
        raw.topics = await _topics(db, q)
    if "occupancy" in wanted and not (q.channel or q.topic):
        raw.presence = await _presence(db, q)
    if wanted & NORM_FIGURES:
        raw.norm_topics = await norm_figures.by_topic(db, q)
    if "unanswered" in wanted:
        raw.examples = await example_texts(db, [r["_id"]["k"] for r in raw.conv.get("unanswered", [])])
    return raw
