"""The KCC's norms as figures: within term, chat pick-up, first-contact resolution, containment,
callbacks on time and the satisfaction grade, each overall and per channel, team and topic.

The facts behind them are set by ``hub.stats.norm_facts`` and summed per day by
``hub.stats.daily``; definitions in the README ("Statistics", "The KCC's norms"). Shares count
only outcomes that are known (a pending contact is counted as pending, not in the share).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.stats.daily import GRADES, NORM_SUMS, norm_contribution
from hub.stats.measures import Privacy, Query, _sum, breach, durations, share

Shape = Callable[[dict[str, Any]], dict[str, Any]]  # one summed row -> its figures
NORM_FIELDS = ("n", "contained", "handed_over", "g_n", "g_sum", *NORM_SUMS)  # per team and topic
WITH_GRADES = (*NORM_FIELDS, *GRADES)  # overall and per channel: with the grades' distribution
ITEM_COUNTS = {
    "created": {"$sum": 1},
    "on_time": {"$sum": {"$cond": ["$on_time", 1, 0]}},
    "late": {"$sum": {"$cond": ["$late", 1, 0]}},
    "pending": {"$sum": {"$cond": ["$pending", 1, 0]}},
}


def conversation_branches() -> dict[str, list[dict[str, Any]]]:
    """$facet branches over rollup-shaped documents (see ``hub.stats.facets.conversation_branches``)."""
    out: dict[str, list[dict[str, Any]]] = {
        "norm_total": [{"$group": {"_id": None, **_sum(*WITH_GRADES)}}],
        "norm_by_channel": [{"$group": {"_id": "$channel", **_sum(*WITH_GRADES)}}, {"$sort": {"_id": 1}}],
        "norm_by_team": [{"$group": {"_id": "$team", **_sum(*NORM_FIELDS)}}, {"$sort": {"_id": 1}}],
        "pickups": durations("pickups"),
    }
    return out


def item_branches() -> dict[str, list[dict[str, Any]]]:
    """Callbacks per channel, team and topic (``stats_items``)."""
    return {
        f"callbacks_{name}": [
            {"$match": {"kind": "callback"}},
            {"$group": {"_id": f"${dim}", **ITEM_COUNTS}},
            {"$sort": {"_id": 1}},
        ]
        for name, dim in (("by_channel", "channel"), ("by_team", "team"), ("by_topic", "topic"))
    }


async def by_topic(db: AsyncIOMotorDatabase, q: Query) -> list[dict[str, Any]]:
    """The norm sums per topic: from the day-and-topic rollups, or the facts when a channel or team is asked."""
    if q.topic:  # one topic: its facts
        match: dict[str, Any] = {"day": q.days(), **q.dims("team_v"), "topic_v": q.topic}
        head = [{"$match": match}, {"$project": norm_contribution()}]
        source = db.stats_conversations
    elif q.channel or q.team:  # the day-and-topic rollups keep their sums per channel and team ("parts")
        head = [
            {"$match": {"day": q.days()}},
            {"$unwind": "$parts"},
            {"$match": {f"parts.{k}": v for k, v in q.dims().items()}},
            {"$project": {"topic": 1, **{f: f"$parts.{f}" for f in NORM_FIELDS}}},
        ]
        source = db.stats_topic_daily
    else:
        head = [{"$match": {"day": q.days()}}]
        source = db.stats_topic_daily
    return await source.aggregate([
        *head,
        {"$group": {"_id": "$topic", **_sum(*NORM_FIELDS)}},
        {"$sort": {"_id": 1}},
    ]).to_list(None)


# ---------------------------------------------------------------------- shaping
def _rows(raw_conv: dict[str, list[dict[str, Any]]], topics: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {"by_channel": raw_conv.get("norm_by_channel", []), "by_team": raw_conv.get("norm_by_team", []),
            "by_topic": topics}


LABEL = {"by_channel": "channel", "by_team": "team", "by_topic": "topic"}


def _broken_down(raw_conv: dict[str, Any], topics: list[dict[str, Any]], shape: Any) -> dict[str, Any]:
    total = (raw_conv.get("norm_total") or [{}])[0]
    out: dict[str, Any] = {"overall": shape(total)}
    for name, rows in _rows(raw_conv, topics).items():
        out[name] = [{LABEL[name]: r["_id"], **shape(r)} for r in rows if r.get("n")]
    return out


def outcomes(p: Privacy, norm: float, fields: tuple[str, str, str | None], names: tuple[str, str, str]) -> Shape:
    """The shape of a norm counted as met / missed / pending: the counts, the share met among the known
    outcomes (pending ones are not in it) and whether that share breaks ``norm``.

    ``fields`` are the sums read from a row (met, missed, pending or None when the norm has no pending);
    ``names`` the keys written for met, missed and the share.
    """
    met_field, missed_field, pending_field = fields
    met_name, missed_name, share_name = names

    def shape(r: dict[str, Any]) -> dict[str, Any]:
        met, missed = r.get(met_field, 0), r.get(missed_field, 0)
        rate = p.about(share(met, met + missed), met + missed, 4)
        out = {met_name: p.count(met), missed_name: p.count(missed)}
        if pending_field:
            out["pending"] = p.count(r.get(pending_field, 0))
        return out | {share_name: rate, "breach": breach(rate, norm, higher_is_better=True)}

    return shape


def within_term(p: Privacy, settings: Any, raw_conv: dict[str, Any], topics: list[dict[str, Any]]) -> dict[str, Any]:
    norm = settings.norm_within_term
    shape = outcomes(p, norm, ("term_met", "term_missed", "term_pending"), ("within_term", "late", "share_within_term"))
    return {
        **_broken_down(raw_conv, topics, shape), "norm": norm,
        "terms": {"chat_pickup_s": settings.norm_chat_pickup_s, "email_working_days": settings.norm_email_working_days,
                  "webform_working_days": settings.norm_webform_working_days,
                  "social_working_days": settings.norm_social_working_days,
                  "callback_working_days": settings.callback_working_days},
    }


def pickup(p: Privacy, settings: Any, raw_conv: dict[str, Any], topics: list[dict[str, Any]]) -> dict[str, Any]:
    norm = settings.norm_within_term
    shape = outcomes(p, norm, ("pick_met", "pick_missed", None), ("picked_up_in_time", "late", "share_within_norm"))
    d = (raw_conv.get("pickups") or [{"n": 0}])[0]
    n = d["n"]
    out = _broken_down(raw_conv, topics, shape)
    out["by_channel"] = [r for r in out["by_channel"] if r["picked_up_in_time"]["value"] or r["late"]["value"]]
    out["overall"] |= {"n": p.count(n), "avg_s": p.about(d.get("avg"), n), "p50_s": p.about(d.get("p50"), n),
                       "p90_s": p.about(d.get("p90"), n), "max_s": p.about(d.get("max"), n)}
    return {**out, "norm_s": settings.norm_chat_pickup_s, "norm": norm}


def first_contact(p: Privacy, settings: Any, raw_conv: dict[str, Any], topics: list[dict[str, Any]]) -> dict[str, Any]:
    norm = settings.norm_first_contact_resolution
    shape = outcomes(p, norm, ("fcr_yes", "fcr_no", "fcr_pending"), ("resolved", "followed_up", "share_resolved"))
    return {**_broken_down(raw_conv, topics, shape), "norm": norm, "follow_up_days": settings.norm_follow_up_days}


def containment_rows(p: Privacy, settings: Any, raw_conv: dict[str, Any], topics: list[dict[str, Any]]) -> dict[str, Any]:
    norm = settings.norm_containment

    def shape(r: dict[str, Any]) -> dict[str, Any]:
        rate = p.about(share(r.get("contained", 0), r.get("n", 0)), r.get("n", 0), 4)
        return {"contacts": p.count(r.get("n", 0)), "contained": p.count(r.get("contained", 0)), "containment": rate,
                "breach": breach(rate, norm, higher_is_better=True)}

    out = _broken_down(raw_conv, topics, shape)
    out.pop("overall")
    return out


def satisfaction(p: Privacy, settings: Any, raw_conv: dict[str, Any], topics: list[dict[str, Any]]) -> dict[str, Any]:
    """The grade (1-10) overall and per channel, team and topic; groups under ``min_group`` answers hidden."""
    norm = settings.norm_satisfaction

    def shape(r: dict[str, Any]) -> dict[str, Any]:
        n = r.get("g_n", 0)
        avg = p.opinion(share(r.get("g_sum", 0), n), n, 2)
        return {"responses": p.count(n), "average": avg,
                "distribution": {str(i): p.opinion(r.get(f"g{i}", 0), n, 0) for i in range(1, 11)},
                "breach": breach(avg, norm, higher_is_better=True)}

    out = _broken_down(raw_conv, topics, shape)
    for name in LABEL:
        out[name] = [r for r in out[name] if r["responses"]["value"]]
        if name != "by_channel":  # per team and topic the average only (the distribution is not summed there)
            out[name] = [{k: v for k, v in r.items() if k != "distribution"} for r in out[name]]
    return {**out, "scale": 10, "norm": norm}


def callbacks_rows(p: Privacy, settings: Any, raw_items: dict[str, Any]) -> dict[str, Any]:
    norm = settings.norm_callback_on_time
    shape = outcomes(p, norm, ("on_time", "late", "pending"), ("on_time", "late", "share_on_time"))
    return {
        name: [{label: r["_id"], "created": p.count(r["created"]), **shape(r)}
               for r in raw_items.get(f"callbacks_{name}", [])]
        for name, label in LABEL.items()
    }
