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

from collections.abc import Callable
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.core.settings import Settings
from hub.stats import facets, norm_figures
from hub.stats.facets import SAT_FIELDS, Raw
from hub.stats.facts import TZ
from hub.stats.measures import Privacy, Query, breach, share
from hub.stats.period import day_labels, dutch_day

# ---------------------------------------------------------------------- the figures
FIGURES = (
    "contacts", "containment", "wait", "first_reply", "handling", "abandoned", "callbacks", "answers",
    "cases", "topics", "unanswered", "satisfaction", "occupancy", "daily", "within_term", "pickup", "first_contact",
)


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

    # ------------------------------------------------------------ public
    async def summary(self, q: Query, figures: tuple[str, ...] = FIGURES) -> dict[str, Any]:
        raw = await facets.read(self.db, q, figures)
        watermark = await self.db.stats_state.find_one({"_id": "watermark"})
        return {
            "period": {"from": q.start.isoformat(), "to": q.end.isoformat(), "timezone": TZ,
                       "label": f"{dutch_day(q.start, year=True)} tot en met {dutch_day(q.end, year=True)}"},
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
        shape = norm_figures.outcomes(p, norm, ("on_time", "late", "pending"), ("on_time", "late", "share_on_time"))
        out = {"created": p.count(row.get("created", 0)), **shape(row), "norm": norm}
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
                row[name] = _rate(p, items.get(day, {}).get(kind, {}), "on_time", "late")
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


SHAPERS: dict[str, Callable[[Stats, Query, Raw], dict[str, Any]]] = {name: getattr(Stats, name) for name in FIGURES}
