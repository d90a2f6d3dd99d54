"""Today's queue as the supervisor sees it live: waiting per team, longest wait, agents available.

Read straight from the conversations (state ``queued``, ``queued_at``) and the agent desk's
``agents`` collection (presence and console heartbeat, ``handover.agents``). Without agent
documents (no desk running yet) the agents' state comes from today's ``agent_presence``
events. Only counts and durations; no conversation or agent is named.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from handover.queue import online_filter
from hub.core import event_types as ev
from hub.core.event_types import EventType
from hub.core.models import State, utcnow
from hub.core.settings import Settings
from hub.stats.rollup import local_day, local_midnight


async def _waiting(db: AsyncIOMotorDatabase, team: str | None) -> dict[str | None, dict[str, Any]]:
    match: dict[str, Any] = {"state": State.QUEUED.value}
    if team:
        match["team"] = team
    rows = await db.conversations.aggregate([
        {"$match": match},
        {"$group": {"_id": "$team", "waiting": {"$sum": 1}, "oldest": {"$min": "$queued_at"}}},
    ]).to_list(None)
    return {r["_id"]: r for r in rows}


async def _agents_from_desk(db: AsyncIOMotorDatabase, settings: Settings, now: datetime, team: str | None) -> dict[str | None, dict[str, set[str]]]:
    match = online_filter(settings, now)
    rows = await db.agents.aggregate([
        {"$match": match},
        {"$unwind": "$teams"},
        *([{"$match": {"teams": team}}] if team else []),
        {"$group": {
            "_id": "$teams",
            "online": {"$addToSet": "$_id"},
            "available": {"$addToSet": {"$cond": [{"$eq": ["$presence", "available"]}, "$_id", None]}},
        }},
    ]).to_list(None)
    return {r["_id"]: {"online": set(r["online"]), "available": set(r["available"]) - {None}} for r in rows}


async def _agents_from_events(db: AsyncIOMotorDatabase, now: datetime, team: str | None) -> dict[str | None, dict[str, set[str]]]:
    since = local_midnight(local_day(now))
    rows = await db.events.aggregate([
        {"$match": {"type": EventType.AGENT_PRESENCE, "at": {"$gte": since, "$lte": now}}},
        {"$group": {"_id": "$agent", "last": {"$max": {"at": "$at", "status": "$status", "team": "$team"}}}},
        *([{"$match": {"last.team": team}}] if team else []),
        {"$group": {
            "_id": "$last.team",
            "online": {"$addToSet": {"$cond": [{"$in": ["$last.status", list(ev.ONLINE_STATUSES)]}, "$_id", None]}},
            "available": {"$addToSet": {"$cond": [{"$eq": ["$last.status", "available"]}, "$_id", None]}},
        }},
    ]).to_list(None)
    return {r["_id"]: {"online": set(r["online"]) - {None}, "available": set(r["available"]) - {None}} for r in rows}


async def queue_now(db: AsyncIOMotorDatabase, settings: Settings, team: str | None = None) -> dict[str, Any]:
    now = utcnow()
    waiting = await _waiting(db, team)
    if await db.agents.count_documents({}, limit=1):
        agents, source = await _agents_from_desk(db, settings, now, team), "desk"
    else:
        agents, source = await _agents_from_events(db, now, team), "events"
    rows = []
    for name in sorted(set(waiting) | set(agents), key=lambda t: t or ""):
        w = waiting.get(name, {})
        oldest = w.get("oldest")
        a = agents.get(name, {})
        rows.append({
            "team": name,
            "waiting": w.get("waiting", 0),
            "longest_wait_s": round((now - oldest).total_seconds()) if oldest else None,
            "agents_available": len(a.get("available", ())),
            "agents_online": len(a.get("online", ())),
        })
    longest = [r["longest_wait_s"] for r in rows if r["longest_wait_s"] is not None]
    everyone = {k: set().union(*(a.get(k, set()) for a in agents.values())) for k in ("available", "online")}
    return {
        "at": now.isoformat(),
        "agents_from": source,
        "teams": rows,
        "total": {  # an agent of two teams counts once
            "waiting": sum(r["waiting"] for r in rows),
            "longest_wait_s": max(longest) if longest else None,
            "agents_available": len(everyone["available"]),
            "agents_online": len(everyone["online"]),
        },
    }
