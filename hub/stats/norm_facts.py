"""The KCC's norms on each conversation fact: handled within its term, resolved at the first contact.

Runs in the statistics refresh (``hub.stats.rollup``) on the days being rolled up, before their
per-day tables are grouped. It sets on each fact of ``stats_conversations``:

``term_kind``, ``term_due``, ``term``
    the channel's response term (``hub.cases.norms``) and whether the contact was handled within
    it: ``met``, ``missed``, ``pending`` (not yet known) or null (no term applies). A contact the
    bot answered alone is ``met`` (answered at once). A contact that went to the desk is ``met``
    when its response came by the end of its term, counted from its entry in the queue: for the
    live chat the pick-up by an agent, for the other channels the first agent reply. It is
    ``missed`` when the response came later, or when none came and the term ran out before the
    resident left or the conversation closed (or is still running). It is null when the resident
    left, or an agent closed it, within the term without a response, and for contacts that neither
    the bot answered nor the desk received.
``fcr``
    first-contact resolution: ``yes``, ``no``, ``pending`` or null. Counted for a contact the bot
    answered alone, or one an agent closed (not abandoned), with a known resident and topic. It is
    ``no`` when the same resident (contact) opened another conversation on the same topic after it
    and within ``KCC_NORM_FOLLOW_UP_DAYS`` days of its end (the agent's close, or the bot's last
    answer); ``yes`` when that many days passed without one; ``pending`` until then.
``recheck_at``
    when a pending outcome turns (the term's end, the end of the follow-up window): the refresh
    takes in the days of facts whose ``recheck_at`` has passed, so pending becomes known without
    new events. A new conversation sets it to the past on the same resident's earlier facts on
    the same topic (``mark_earlier_pipeline``), so their days are rolled up again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hub.cases import norms
from hub.stats.facts import TZ, known

PAST = datetime(2000, 1, 1)  # recheck_at for "roll up this fact's day again"
LOOKBACK = timedelta(days=45)  # a follow-up is looked for among earlier contacts this far back


def _day_index(base: datetime, moment: str) -> dict[str, Any]:
    return {"$dateDiff": {"startDate": base, "endDate": moment, "unit": "day", "timezone": TZ}}


def term_due(base: datetime, tables: dict[int, list[datetime]], by_channel: dict[str, int], pickup_s: float) -> dict[str, Any]:
    """The end of the term of a fact's contact (from ``queued_at``), or null."""
    index = _day_index(base, "$queued_at")
    working = {"$switch": {
        "branches": [{"case": {"$eq": ["$channel", ch]}, "then": {"$arrayElemAt": [tables[n], index]}}
                     for ch, n in by_channel.items() if n in tables],
        "default": None,
    }}
    return {"$cond": [
        {"$not": [known("$queued_at")]}, None,
        {"$cond": [{"$in": ["$channel", list(norms.CHAT_CHANNELS)]},
                   {"$add": ["$queued_at", int(pickup_s * 1000)]}, working]},
    ]}


def finish_pipeline(
    days: list[str], until: datetime, base: datetime, tables: dict[int, list[datetime]],
    by_channel: dict[str, int], pickup_s: float, follow_up_days: int, with_resident: bool = True,
) -> list[dict[str, Any]]:
    """Term and first-contact resolution of the facts of ``days``, as known at ``until``.

    Run twice per batch of days: for the facts with a known resident and topic (``with_resident``:
    they look for a follow-up) and for the others (no look-up at all).
    """
    window_ms = follow_up_days * 86_400_000
    response = {"$cond": [{"$in": ["$channel", list(norms.CHAT_CHANNELS)]}, "$assigned_at", "$reply_at"]}
    left = {"$min": ["$ended_at", "$abandoned_at"]}  # $min skips the missing one
    resolved = {"$or": ["$contained", {"$and": ["$handed_over", known("$ended_at"), {"$not": ["$abandoned"]}]}]}
    who = {"contact_v": {"$ne": None}, "topic_v": {"$ne": None}}
    find_next: list[dict[str, Any]] = [{"$lookup": {
        "from": "stats_conversations", "localField": "contact_v", "foreignField": "contact_v", "as": "_next",
        "let": {"topic": "$topic_v", "opened": "$opened", "until": "$_window_end", "me": "$_id"},
        "pipeline": [
            {"$match": {"$expr": {"$and": [
                {"$ne": ["$_id", "$$me"]}, {"$eq": ["$topic_v", "$$topic"]},
                {"$gt": ["$opened", "$$opened"]}, {"$lte": ["$opened", "$$until"]},
            ]}}},
            {"$limit": 1},
            {"$project": {"_id": 1}},
        ],
    }}] if with_resident else [{"$set": {"_next": []}}]
    return [
        {"$match": {"day": {"$in": days}, **(who if with_resident else {"$nor": [who]})}},
        {"$set": {
            "term_kind": {"$switch": {"branches": [
                {"case": {"$in": ["$channel", list(norms.CHAT_CHANNELS)]}, "then": "chat"},
                {"case": {"$in": ["$channel", list(norms.WRITTEN_CHANNELS)]}, "then": "written"},
                {"case": {"$in": ["$channel", list(norms.SOCIAL_CHANNELS)]}, "then": "social"},
            ], "default": None}},
            "term_due": term_due(base, tables, by_channel, pickup_s),
            "_resp": response,
            "_left": left,
            "_base": {"$cond": [resolved, {"$ifNull": ["$ended_at", "$bot_at", "$opened"]}, None]},
        }},
        {"$set": {
            "term": {"$switch": {"branches": [
                {"case": "$contained", "then": "met"},
                {"case": {"$or": [{"$not": ["$handed_over"]}, {"$not": [known("$term_due")]}]}, "then": None},
                {"case": known("$_resp"), "then": {"$cond": [{"$lte": ["$_resp", "$term_due"]}, "met", "missed"]}},
                {"case": known("$_left"), "then": {"$cond": [{"$gt": ["$_left", "$term_due"]}, "missed", None]}},
                {"case": {"$gt": [until, "$term_due"]}, "then": "missed"},
            ], "default": "pending"}},
            "_window_end": {"$cond": [known("$_base"), {"$add": ["$_base", window_ms]}, None]},
        }},
        *find_next,
        {"$set": {"fcr": {"$switch": {"branches": [
            {"case": {"$or": [{"$not": [known("$_base")]}, {"$not": [known("$contact_v")]}, {"$not": [known("$topic_v")]}]},
             "then": None},
            {"case": {"$gt": [{"$size": "$_next"}, 0]}, "then": "no"},
            {"case": {"$gte": [until, "$_window_end"]}, "then": "yes"},
        ], "default": "pending"}}}},
        {"$set": {"recheck_at": {"$min": [
            {"$cond": [{"$eq": ["$term", "pending"]}, "$term_due", None]},
            {"$cond": [{"$eq": ["$fcr", "pending"]}, "$_window_end", None]},
        ]}}},
        {"$unset": ["_resp", "_left", "_base", "_window_end", "_next"]},
        {"$merge": {"into": "stats_conversations", "on": "_id", "whenMatched": "replace", "whenNotMatched": "discard"}},
    ]


def mark_earlier_pipeline(stamp: str) -> list[dict[str, Any]]:
    """The same resident's earlier facts on the same topic as a fact of this run: roll their days up again."""
    return [
        {"$match": {"dirty": stamp, "contact_v": {"$ne": None}, "topic_v": {"$ne": None}}},
        {"$project": {"contact_v": 1, "topic_v": 1, "opened": 1}},
        {"$lookup": {
            "from": "stats_conversations", "localField": "contact_v", "foreignField": "contact_v", "as": "_earlier",
            "let": {"topic": "$topic_v", "opened": "$opened"},
            "pipeline": [
                {"$match": {"$expr": {"$and": [
                    {"$eq": ["$topic_v", "$$topic"]}, {"$lt": ["$opened", "$$opened"]},
                    {"$gte": ["$opened", {"$subtract": ["$$opened", int(LOOKBACK.total_seconds() * 1000)]}]},
                ]}}},
                {"$project": {"_id": 1}},
            ],
        }},
        {"$unwind": "$_earlier"},
        {"$project": {"_id": "$_earlier._id", "recheck_at": {"$literal": PAST}}},
        {"$group": {"_id": "$_id", "recheck_at": {"$first": "$recheck_at"}}},
        {"$merge": {"into": "stats_conversations", "on": "_id", "whenMatched": "merge", "whenNotMatched": "discard"}},
    ]
