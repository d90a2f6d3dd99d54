"""Contact statistics for supervisors and management, computed from the event log only.

Every figure is a MongoDB aggregation pipeline over the working tables that
``hub.stats.rollup`` keeps folded from the events (so a figure can always be recomputed from the
events and checked). Figures are for any period of whole local days (Europe/Amsterdam),
filterable by channel, team and topic.

Definitions (README, "Statistics"):

* a **contact** is a conversation, counted on the local day and hour it opened;
* **containment**: share of contacts the bot answered (an answer, a case status or a report)
  that never went to an agent; **handover rate**: share of contacts that went to the queue;
* **queue wait**: first entry in the queue until the first agent took it; **time to first
  agent reply**: first entry in the queue until an agent's first message; **handling time**:
  first assignment until closed (or given back to the bot). Percentiles are nearest-rank:
  p90 is the smallest value with at least 90% of the values at or below it;
* **abandoned**: queued contacts whose resident left before an agent came;
* **callbacks on time**: callback requests done by their deadline (two working days, at
  17:00); **questions answered on time**: cases answered (afgehandeld) within five working
  days. The share counts requests whose outcome is known: done, or past the deadline;
* **occupancy**: handling time of the team's contacts / online time of its agents (can be
  above 100% when agents hold several chats at once); per team only, never per person.

Norms: share within term, chat pick-up, first-contact resolution, containment and callbacks
per channel, team and topic, and the satisfaction grade, are shaped in ``hub.stats.norm_figures``.

Privacy (``hub.stats.measures.Privacy``): counts, shares and durations of contacts are always
shown; satisfaction figures of fewer than ``KCC_STATS_MIN_GROUP`` answers are shown as
``{"value": null, "suppressed": true}``; occupancy needs ``KCC_STATS_MIN_AGENTS`` agents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.core import workdays
from hub.core.settings import Settings
from hub.stats import norm_figures
from hub.stats import rollup as stats_rollup
from hub.stats.daily import contribution
from hub.stats.facts import TZ
from hub.stats.measures import (  # noqa: F401 - the figures' names, one home in measures
    MAX_DAYS,
    NAME,
    NO_TEAM,
    Granularity,
    Privacy,
    Query,
    _sum,
    breach,
    durations,
    nearest_rank,
    share,
)
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


# ---------------------------------------------------------------------- the figures
FIGURES = (
    "contacts", "containment", "wait", "first_reply", "handling", "abandoned", "callbacks", "answers",
    "cases", "topics", "unanswered", "satisfaction", "occupancy", "daily", "within_term", "pickup", "first_contact",
)
NORM_FIGURES = {"within_term", "pickup", "first_contact", "containment", "satisfaction"}


@dataclass
class Raw:
    """What the pipelines returned, per source and branch."""

    conv: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    topics: list[dict[str, Any]] = field(default_factory=list)
    presence: list[dict[str, Any]] = field(default_factory=list)
    norm_topics: list[dict[str, Any]] = field(default_factory=list)
    examples: dict[str, str] = field(default_factory=dict)


class Stats:
    def __init__(self, db: AsyncIOMotorDatabase, settings: Settings):
        self.db = db
        self.settings = settings
        self.privacy = Privacy(settings.stats_min_group, settings.stats_min_agents)

    # ------------------------------------------------------------ norms
    def norms(self) -> dict[str, float]:
        s = self.settings
        return {
            "wait_p90_s": s.norm_wait_p90_s,
            "containment": s.norm_containment,
            "callback_on_time": s.norm_callback_on_time,
            "answer_5_days": s.norm_answer_5_days,
            "abandoned": s.norm_abandoned,
            "satisfaction": s.norm_satisfaction,
            "within_term": s.norm_within_term,
            "pickup_s": s.norm_chat_pickup_s,
            "first_contact": s.norm_first_contact_resolution,
        }

    # ------------------------------------------------------------ reading
    async def _conversation_facets(self, q: Query, names: set[str]) -> dict[str, list[dict[str, Any]]]:
        branches = {k: v for k, v in conversation_branches(q).items() if k in names}
        if not branches:
            return {}
        if q.topic and (q.channel or q.team):  # one topic of one channel or team: the facts, shaped like rollups
            match = {"day": q.days(), "topic_v": q.topic, **q.dims("team_v")}
            source = self.db.stats_conversations
            head = [{"$match": match}, {"$project": contribution()}]
        elif q.topic:
            source = self.db.stats_topic_daily
            head = [{"$match": {"topic": q.topic, "day": q.days()}}]
        else:
            source = self.db.stats_daily
            head = [{"$match": {"day": q.days(), **q.dims()}}]
        found = await source.aggregate([*head, {"$facet": branches}]).to_list(None)
        return found[0] if found else {}

    async def _item_facets(self, q: Query) -> dict[str, list[dict[str, Any]]]:
        match = {"day": q.days(), **q.dims(), **({"topic": q.topic} if q.topic else {})}
        found = await self.db.stats_items.aggregate([{"$match": match}, {"$facet": item_branches()}]).to_list(None)
        return found[0] if found else {}

    async def _topics(self, q: Query) -> list[dict[str, Any]]:
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
        return await self.db.stats_topic_daily.aggregate([
            *head,
            {"$group": {"_id": "$topic", **_sum("n", "contained", "handed_over")}},
            {"$sort": {"n": -1, "_id": 1}},
        ]).to_list(None)

    async def _presence(self, q: Query) -> list[dict[str, Any]]:
        match: dict[str, Any] = {"day": q.days()}
        if q.team:
            match["team"] = q.team
        return await self.db.stats_presence.aggregate([
            {"$match": match},
            {"$group": {"_id": "$team", "online_s": {"$sum": "$online_s"}, "agents": {"$addToSet": "$agent"}}},
            {"$project": {"online_s": 1, "agents": {"$size": "$agents"}}},
            {"$sort": {"_id": 1}},
        ]).to_list(None)

    async def read(self, q: Query, figures: tuple[str, ...] = FIGURES) -> Raw:
        wanted = set(figures)
        names = set()
        for fig, branches in BRANCHES_OF.items():
            if fig in wanted:
                names |= branches
        raw = Raw(conv=await self._conversation_facets(q, names))
        if wanted & {"callbacks", "answers", "cases", "daily"}:
            raw.items = await self._item_facets(q)
        if "topics" in wanted:
            raw.topics = await self._topics(q)
        if "occupancy" in wanted and not (q.channel or q.topic):
            raw.presence = await self._presence(q)
        if wanted & NORM_FIGURES:
            raw.norm_topics = await norm_figures.by_topic(self.db, q)
        if "unanswered" in wanted:
            raw.examples = await example_texts(self.db, [r["_id"]["k"] for r in raw.conv.get("unanswered", [])])
        return raw

    # ------------------------------------------------------------ public
    async def summary(self, q: Query, figures: tuple[str, ...] = FIGURES) -> dict[str, Any]:
        raw = await self.read(q, figures)
        watermark = await self.db.stats_state.find_one({"_id": "watermark"})
        return {
            "period": {"from": q.start.isoformat(), "to": q.end.isoformat(), "timezone": TZ,
                       "label": f"{_dutch(q.start, year=True)} tot en met {_dutch(q.end, year=True)}"},
            "day_labels": day_labels(q.start, q.end),
            "filters": q.filters(),
            "granularity": q.granularity,
            "min_group": self.privacy.min_group,
            "norms": self.norms(),
            "refreshed_until": watermark["until"].isoformat() if watermark else None,
            "figures": {name: SHAPERS[name](self, q, raw) for name in figures},
        }

    # ------------------------------------------------------------ shaping (names, privacy, norms)
    def _total(self, raw: Raw) -> dict[str, int]:
        rows = raw.conv.get("total") or [{}]
        return {k: rows[0].get(k, 0) for k in ("n", "bot_resolved", "contained", "handed_over", "abandoned")}

    def contacts(self, q: Query, raw: Raw) -> dict[str, Any]:
        p = self.privacy
        total = self._total(raw)["n"]
        series = []
        for row in raw.conv.get("series", []):
            bucket, channel = row["_id"]["b"], row["_id"].get("c")
            if q.granularity == "hour":
                series += [{"bucket": f"{bucket} {h:02d}:00", "channel": channel, "contacts": p.count(row[f"h{h}"])}
                           for h in range(24) if row[f"h{h}"]]
            else:
                series.append({"bucket": bucket, "channel": channel, "contacts": p.count(row["n"])})
        return {
            "total": p.count(total),
            "by_channel": [{"channel": r["_id"], "contacts": p.count(r["n"])} for r in raw.conv.get("by_channel", [])],
            "series": series,
        }

    def containment(self, q: Query, raw: Raw) -> dict[str, Any]:
        p, t = self.privacy, self._total(raw)
        rate = p.about(share(t["contained"], t["n"]), t["n"], 4)
        return {
            "contacts": p.count(t["n"]),
            "answered_by_bot": p.count(t["bot_resolved"]),
            "contained": p.count(t["contained"]),
            "handed_over": p.count(t["handed_over"]),
            "containment": rate,
            "handover_rate": p.about(share(t["handed_over"], t["n"]), t["n"], 4),
            "norm": self.settings.norm_containment,
            "breach": breach(rate, self.settings.norm_containment, higher_is_better=True),
            **norm_figures.containment_rows(self.privacy, self.settings, raw.conv, raw.norm_topics),
        }

    def _durations(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        row = rows[0] if rows else {"n": 0}
        n, p = row["n"], self.privacy
        return {
            "n": p.count(n),
            "avg_s": p.about(row.get("avg"), n),
            "p50_s": p.about(row.get("p50"), n),
            "p90_s": p.about(row.get("p90"), n),
            "max_s": p.about(row.get("max"), n),
        }

    def wait(self, q: Query, raw: Raw) -> dict[str, Any]:
        out = self._durations(raw.conv.get("waits", []))
        norm = self.settings.norm_wait_p90_s
        return {**out, "norm_p90_s": norm, "breach": breach(out["p90_s"], norm, higher_is_better=False)}

    def first_reply(self, q: Query, raw: Raw) -> dict[str, Any]:
        return self._durations(raw.conv.get("replies", []))

    def handling(self, q: Query, raw: Raw) -> dict[str, Any]:
        return self._durations(raw.conv.get("handles", []))

    def abandoned(self, q: Query, raw: Raw) -> dict[str, Any]:
        p, t = self.privacy, self._total(raw)
        rate = p.about(share(t["abandoned"], t["handed_over"]), t["handed_over"], 4)
        return {
            "queued": p.count(t["handed_over"]),
            "abandoned": p.count(t["abandoned"]),
            "rate": rate,
            "norm": self.settings.norm_abandoned,
            "breach": breach(rate, self.settings.norm_abandoned, higher_is_better=False),
        }

    def _deadline(self, raw: Raw, kind: str, norm: float) -> dict[str, Any]:
        p = self.privacy
        row = next((r for r in raw.items.get("totals", []) if r["_id"] == kind), {})
        known = row.get("on_time", 0) + row.get("late", 0)
        rate = p.about(share(row.get("on_time", 0), known), known, 4)
        out = {
            "created": p.count(row.get("created", 0)),
            "on_time": p.count(row.get("on_time", 0)),
            "late": p.count(row.get("late", 0)),
            "pending": p.count(row.get("pending", 0)),
            "share_on_time": rate,
            "norm": norm,
            "breach": breach(rate, norm, higher_is_better=True),
        }
        if kind == "case":
            out["withdrawn"] = p.count(row.get("withdrawn", 0))
        return out

    def callbacks(self, q: Query, raw: Raw) -> dict[str, Any]:
        return {"working_days": self.settings.callback_working_days,
                **self._deadline(raw, "callback", self.settings.norm_callback_on_time),
                **norm_figures.callbacks_rows(self.privacy, self.settings, raw.items)}

    def answers(self, q: Query, raw: Raw) -> dict[str, Any]:
        return {"working_days": self.settings.answer_working_days,
                **self._deadline(raw, "case", self.settings.norm_answer_5_days)}

    def cases(self, q: Query, raw: Raw) -> dict[str, Any]:
        rows = raw.items.get("case_types", [])
        return {
            "total": self.privacy.count(sum(r["n"] for r in rows)),
            "rows": [{"case_type": r["_id"], "cases": self.privacy.count(r["n"])} for r in rows],
        }

    def topics(self, q: Query, raw: Raw) -> dict[str, Any]:
        p = self.privacy
        rows = [{
            "topic": r["_id"],
            "contacts": p.count(r["n"]),
            "containment": p.about(share(r["contained"], r["n"]), r["n"], 4),
            "handover_rate": p.about(share(r["handed_over"], r["n"]), r["n"], 4),
        } for r in raw.topics if r["_id"] is not None]
        return {"rows": rows[: q.limit], "without_topic": p.count(sum(r["n"] for r in raw.topics if r["_id"] is None))}

    def unanswered(self, q: Query, raw: Raw) -> dict[str, Any]:
        """The questions the bot could not answer, per topic, with a scrubbed example text of each group."""
        rows = [{"topic": r["_id"].get("t"), "key": r["_id"]["k"], "question": raw.examples.get(r["_id"]["k"]),
                 "count": r["n"]} for r in raw.conv.get("unanswered", [])]
        topics: dict[str | None, dict[str, Any]] = {}
        for r in rows:
            group = topics.setdefault(r["topic"], {"topic": r["topic"], "count": 0, "questions": []})
            group["count"] += r["count"]
            if len(group["questions"]) < 3:
                group["questions"].append({"question": r["question"], "key": r["key"], "count": r["count"]})
        by_topic = sorted(topics.values(), key=lambda g: (-g["count"], g["topic"] or "~"))
        return {
            "rows": rows[: q.limit],
            "by_topic": by_topic[: q.limit],
            "total": self.privacy.count(sum(r["count"] for r in rows)),
        }

    def _former_row(self, row: dict[str, Any]) -> dict[str, Any]:
        n, p = row.get("sat_n", 0), self.privacy
        return {
            "responses": p.count(n),
            "average": p.opinion(share(row.get("sat_sum", 0), n), n, 2),
            "distribution": {str(i): p.opinion(row.get(f"s{i}", 0), n, 0) for i in range(1, 6)},
        }

    def satisfaction(self, q: Query, raw: Raw) -> dict[str, Any]:
        """The grade 1-10 (``norm_figures``); scores on the former 1-5 scale apart, never mixed in."""
        by_channel = [r for r in raw.conv.get("sat_by_channel", []) if r["sat_n"]]
        by_team = [r for r in raw.conv.get("sat_by_team", []) if r["sat_n"]]
        overall = {k: sum(r[k] for r in by_channel) for k in SAT_FIELDS}
        former = {
            "scale": 5,
            "overall": self._former_row(overall),
            "by_channel": [{"channel": r["_id"], **self._former_row(r)} for r in by_channel],
            "by_team": [{"team": r["_id"], **self._former_row(r)} for r in by_team],
        }
        return {**norm_figures.satisfaction(self.privacy, self.settings, raw.conv, raw.norm_topics), "former_scale": former}

    def within_term(self, q: Query, raw: Raw) -> dict[str, Any]:
        return norm_figures.within_term(self.privacy, self.settings, raw.conv, raw.norm_topics)

    def pickup(self, q: Query, raw: Raw) -> dict[str, Any]:
        return norm_figures.pickup(self.privacy, self.settings, raw.conv, raw.norm_topics)

    def first_contact(self, q: Query, raw: Raw) -> dict[str, Any]:
        return norm_figures.first_contact(self.privacy, self.settings, raw.conv, raw.norm_topics)

    def occupancy(self, q: Query, raw: Raw) -> dict[str, Any]:
        if q.channel or q.topic:
            return {"rows": [], "note": "Bezetting is er alleen per team: het filter op kanaal of onderwerp geldt hier niet."}
        handled = {r["_id"]: r for r in raw.conv.get("handle_by_team", [])}
        rows = []
        for r in raw.presence:
            team, agents = r["_id"], r["agents"]
            work = handled.get(team, {})
            staff_ok = agents >= self.privacy.min_agents  # a few agents' hours point at them; contacts' hours do not
            value = share(work.get("handle_sum", 0), r["online_s"])
            hidden = {"value": None, "suppressed": True}
            rows.append({
                "team": team,
                "online_h": {"value": round(r["online_s"] / 3600, 2), "suppressed": False} if staff_ok else hidden,
                "handling_h": {"value": round(work.get("handle_sum", 0) / 3600, 2), "suppressed": False},
                "occupancy": {"value": None if value is None else round(value, 4), "suppressed": False}
                if staff_ok else hidden,
            })
        return {"rows": rows}

    def daily(self, q: Query, raw: Raw) -> dict[str, Any]:
        """Per local day: the figures that have a norm, for the dashboard's charts."""
        p, norms = self.privacy, self.norms()
        waits = {r["_id"]: r for r in raw.conv.get("waits_per_day", [])}
        items: dict[str, dict[str, dict[str, Any]]] = {}
        for r in raw.items.get("per_day", []):
            items.setdefault(r["_id"]["day"], {})[r["_id"]["kind"]] = r
        days = sorted({r["_id"] for r in raw.conv.get("per_day", [])} | set(items))
        per_day = {r["_id"]: r for r in raw.conv.get("per_day", [])}
        rows = []
        for day in days:
            c = per_day.get(day, {})
            n = c.get("n", 0)
            w = waits.get(day, {"n": 0})
            row = {
                "day": day,
                "contacts": p.count(n),
                "containment": p.about(share(c.get("contained", 0), n), n, 4),
                "wait_p90_s": p.about(w.get("p90"), w["n"]),
                "abandoned": p.about(share(c.get("abandoned", 0), c.get("handed_over", 0)), c.get("handed_over", 0), 4),
                "satisfaction": p.opinion(share(c.get("g_sum", 0), c.get("g_n", 0)), c.get("g_n", 0), 2),
                "within_term": _rate(p, c, "term_met", "term_missed"),
                "pickup": _rate(p, c, "pick_met", "pick_missed"),
                "first_contact": _rate(p, c, "fcr_yes", "fcr_no"),
            }
            for kind, name in (("callback", "callback_on_time"), ("case", "answer_5_days")):
                it = items.get(day, {}).get(kind, {})
                known = it.get("on_time", 0) + it.get("late", 0)
                row[name] = p.about(share(it.get("on_time", 0), known), known, 4)
            row["breaches"] = [
                name for name, norm, higher in DAILY_NORMS
                if breach(row[name], norms[norm], higher)
            ]
            rows.append(row)
        return {"rows": rows, "norms": norms}


DAILY_NORMS = (  # (row field, norm, higher is better)
    ("containment", "containment", True), ("wait_p90_s", "wait_p90_s", False), ("abandoned", "abandoned", False),
    ("satisfaction", "satisfaction", True), ("callback_on_time", "callback_on_time", True),
    ("answer_5_days", "answer_5_days", True), ("within_term", "within_term", True), ("pickup", "within_term", True),
    ("first_contact", "first_contact", True),
)


def _rate(p: Privacy, row: dict[str, Any], yes: str, no: str) -> dict[str, Any]:
    known = row.get(yes, 0) + row.get(no, 0)
    return p.about(share(row.get(yes, 0), known), known, 4)


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
SHAPERS: dict[str, Callable[[Stats, Query, Raw], dict[str, Any]]] = {name: getattr(Stats, name) for name in FIGURES}


# ---------------------------------------------------------------------- tables (CSV)
def _flat(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and "suppressed" in value:
            out[name] = value
        elif isinstance(value, dict):
            out.update(_flat(value, f"{name}_"))
        elif isinstance(value, list):
            if all(isinstance(v, str) for v in value):
                out[name] = " ".join(value)
        else:
            out[name] = value
    return out


def tables(name: str, figure: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The tables of a figure: every list of rows, plus the single numbers as one row."""
    found = {key: [_flat(r) for r in value] for key, value in figure.items()
             if isinstance(value, list) and value and isinstance(value[0], dict)}
    single = _flat({k: v for k, v in figure.items() if not isinstance(v, list)})
    if single:
        found = {name: [single], **found}
    return found


def _dutch(day: date, year: bool = False, short: bool = False) -> str:
    return workdays.dutch_date(datetime.combine(day, time(12), tzinfo=workdays.TZ), weekday=False, year=year, short=short)


def day_labels(start: date, end: date) -> dict[str, str]:
    """``{"2025-12-01": "1 dec"}`` for every day of the period: the dashboard's Dutch dates."""
    return {(start + timedelta(days=i)).isoformat(): _dutch(start + timedelta(days=i), short=True)
            for i in range((end - start).days + 1)}


def parse_day(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return date.fromisoformat(text)


def default_period(today: date) -> tuple[date, date]:
    """This month up to today."""
    return today.replace(day=1), today


def as_local_day(moment: datetime) -> date:
    return stats_rollup.local_day(moment)
