"""Agents at the desk: presence, teams, capacity and the conversations each one holds.

One document per staff member in ``agents``: ``presence`` (available / busy / away / offline),
``teams``, ``capacity``, ``slots`` (ids of the conversations the agent holds), ``idle_since``
(when the agent last got a conversation or became available) and ``last_seen`` (console
heartbeat). A slot is taken with one atomic update that checks the capacity in the same
step, so an agent never holds more than ``capacity`` conversations, however many hubs route.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ReturnDocument

from handover.queue import online_filter
from hub.core import events
from hub.core.event_types import EventType
from hub.core.models import utcnow
from hub.core.settings import Settings
from hub.staff.auth import SOCIAL_DOMAIN, has_right

Presence = Literal["available", "busy", "away", "offline"]
PRESENCE_NL = {"available": "beschikbaar", "busy": "bezet", "away": "afwezig", "offline": "afgemeld"}
HAS_ROOM = {"$expr": {"$lt": [{"$size": "$slots"}, "$capacity"]}}


def teams_of(staff: dict[str, Any], settings: Settings) -> list[str]:
    team = staff.get("team")
    teams = staff.get("teams") or ([team] if team else [settings.handover_default_team])
    return list(dict.fromkeys(teams))


async def ensure(
    db: AsyncIOMotorDatabase, staff: dict[str, Any], settings: Settings, via: str = "console"
) -> dict[str, Any]:
    """The agent document of a staff member (created offline on first use); refreshes the heartbeat.

    ``via`` is where the agent works: only a console has a heartbeat, so only console agents
    are switched offline when it stops (a Slack agent has no heartbeat to miss).
    """
    now = utcnow()
    return await db.agents.find_one_and_update(
        {"_id": staff["_id"]},
        {
            "$set": {
                "name": staff.get("name") or staff["_id"],
                "teams": teams_of(staff, settings),
                "social_domain": has_right(staff, SOCIAL_DOMAIN),  # may be routed restricted conversations
                "last_seen": now,
                "via": via,
            },
            "$setOnInsert": {
                "presence": "offline",
                "capacity": settings.handover_max_per_agent,
                "slots": [],
                "idle_since": now,
                "created_at": now,
            },
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )


async def heartbeat(db: AsyncIOMotorDatabase, username: str) -> None:
    await db.agents.update_one({"_id": username}, {"$set": {"last_seen": utcnow()}})


async def set_presence(
    db: AsyncIOMotorDatabase, username: str, presence: Presence, only_from: Presence | None = None
) -> dict[str, Any] | None:
    """Set presence (when it is ``only_from``, if given); becoming available starts the idle clock.

    Returns the document before the change, or None when nothing changed. Every change is an
    ``agent_presence`` event (the statistics count online time from them).
    """
    now = utcnow()
    condition: dict[str, Any] = {"_id": username}
    if only_from:
        condition["presence"] = only_from
    before = await db.agents.find_one_and_update(
        condition, {"$set": {"presence": presence, "last_seen": now, "presence_at": now}}
    )
    if before is None:
        return None
    if before.get("presence") != presence:
        if presence == "available":
            await db.agents.update_one({"_id": username}, {"$set": {"idle_since": now}})
        await presence_event(db, before, presence)
    return before


async def presence_event(db: AsyncIOMotorDatabase, agent: dict[str, Any], presence: str) -> None:
    teams = agent.get("teams") or []
    await events.emit(db, None, EventType.AGENT_PRESENCE, None, agent=agent["_id"], status=presence, team=teams[0] if teams else None,
                      teams=teams)


def _available(settings: Settings, now: datetime) -> dict[str, Any]:
    return {**online_filter(settings, now), "presence": "available", **HAS_ROOM}


async def with_room(db: AsyncIOMotorDatabase, settings: Settings, team: str, now: datetime) -> list[dict[str, Any]]:
    """Available agents of ``team`` with a free slot, longest idle first."""
    return await db.agents.find(
        {"teams": team, **_available(settings, now)}, {"capacity": 1, "slots": 1, "social_domain": 1},
        sort=[("idle_since", 1), ("_id", 1)],
    ).to_list(None)


async def reserve_available(
    db: AsyncIOMotorDatabase, settings: Settings, username: str, conversation_id: str, now: datetime
) -> dict[str, Any] | None:
    """Take a slot for ``conversation_id`` at ``username`` if still available, online and with room.

    The idle clock restarts in the same step (the agent goes to the back of the idle order).
    Returns the agent as it was before, so a lost claim can put the clock back (``release``).
    """
    return await db.agents.find_one_and_update(
        {"_id": username, "slots": {"$ne": conversation_id}, **_available(settings, now)},
        {"$push": {"slots": conversation_id}, "$set": {"idle_since": now}},
        return_document=ReturnDocument.BEFORE,
    )


async def reserve_at(
    db: AsyncIOMotorDatabase, username: str, conversation_id: str
) -> dict[str, Any] | None:
    """Take a slot at one agent (manual pick-up, transfer), if the agent has room and is not offline."""
    return await db.agents.find_one_and_update(
        {"_id": username, "presence": {"$ne": "offline"}, "slots": {"$ne": conversation_id}, **HAS_ROOM},
        {"$push": {"slots": conversation_id}, "$set": {"idle_since": utcnow()}},
        return_document=ReturnDocument.AFTER,
    )


async def release(
    db: AsyncIOMotorDatabase, username: str | None, conversation_id: str, idle: tuple[datetime, datetime] | None = None
) -> None:
    """Give the slot back; ``idle`` = (set by the reservation, before it) puts the idle clock back too."""
    if not username:
        return
    await db.agents.update_one({"_id": username}, {"$pull": {"slots": conversation_id}})
    if idle and idle[1] is not None:  # unless something newer restarted the clock meanwhile
        await db.agents.update_one({"_id": username, "idle_since": idle[0]}, {"$set": {"idle_since": idle[1]}})


async def gone_offline(
    db: AsyncIOMotorDatabase, settings: Settings, now: datetime
) -> tuple[list[dict[str, Any]], datetime | None]:
    """Agents whose console went quiet: switched to offline (each one exactly once).

    Also returns when the next console still online goes quiet unless it beats again (None: none online).
    """
    after = timedelta(seconds=settings.handover_offline_after_s)
    online = {"presence": {"$ne": "offline"}, "via": "console"}
    found, next_quiet = [], None
    async for agent in db.agents.find(online, {"last_seen": 1}):
        seen = agent.get("last_seen")
        if seen is not None and seen >= now - after:
            next_quiet = seen + after if next_quiet is None else min(next_quiet, seen + after)
            continue
        before = await db.agents.find_one_and_update(
            {"_id": agent["_id"], **online, "last_seen": {"$lt": now - after}},
            {"$set": {"presence": "offline", "presence_at": now}},
        )
        if before:
            await presence_event(db, before, "offline")
            found.append(before)
    return found, next_quiet


def view(agent: dict[str, Any]) -> dict[str, Any]:
    return {
        "username": agent["_id"],
        "name": agent.get("name"),
        "teams": agent.get("teams", []),
        "presence": agent.get("presence", "offline"),
        "capacity": agent.get("capacity"),
        "active": len(agent.get("slots", [])),
        "idle_since": agent["idle_since"].isoformat() if agent.get("idle_since") else None,
    }
