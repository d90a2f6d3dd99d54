"""The agent queue: which team a handed-over conversation waits for, in what order, and how long.

A queued conversation carries ``team``, ``priority``, ``front`` (1 after a requeue, so it is
served before everyone else of its team) and ``queue_key`` (when it joined). The order of a
team's queue is ``QUEUE_ORDER``; routing, positions and the console all use that one order.

The team comes from the conversation's topic: the most recent topic intent the bot saw, or
else the last article it showed. ``KCC_HANDOVER_TEAMS`` maps a topic (article slug) or an
article's department to a team; everything else goes to ``KCC_HANDOVER_DEFAULT_TEAM``.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from handover.office_hours import OfficeHours, describe_opening
from hub.core import events
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.models import State, utcnow
from hub.core.settings import Settings, get_settings
from hub.privacy import need_to_know

QUEUE_ORDER = [("front", -1), ("priority", -1), ("queue_key", 1)]
# Intents that say something about the dialogue, not about what the resident asks about.
NOT_A_TOPIC = frozenset({
    "greet", "thanks", "goodbye", "affirm", "deny", "handover", "angry", "out_of_scope",
    "stop", "inform", "bot_challenge", "nlu_fallback",
})
# Handover reasons for which the bot already told the resident their place in the queue.
BOT_ANNOUNCES = frozenset({"asked_for_person", "angry", "bot_could_not_help"})
HANDLE_WINDOW = timedelta(hours=8)
_handle_cache: dict[tuple[str, str, float], tuple[float, float]] = {}  # -> (expires monotonic, minutes)


@dataclass(frozen=True)
class Estimate:
    position: int
    minutes: int | None  # None outside office hours
    open: bool
    opens_at: datetime | None
    now: datetime

    def sentence(self) -> str:
        """What the resident reads about their place in the queue (Dutch, B1)."""
        if not self.open:
            return (
                "Het klantcontactcentrum is nu gesloten. Wij zijn weer bereikbaar "
                f"{describe_opening(self.opens_at, self.now)}. Wilt u dat wij u terugbellen of mailen? "
                "Stuur dan uw telefoonnummer of e-mailadres. Uw vraag blijft bewaard."
            )
        where = "U bent de volgende in de wachtrij." if self.position == 1 else f"U bent nummer {self.position} in de wachtrij."
        return f"{where} De verwachte wachttijd is {wait_words(self.minutes or 1)}."

    def handover_text(self, angry: bool = False) -> str:
        """The bot's words when it hands over: never "ik zet u door" when nobody can come now.

        Open: a person comes, with position and expected wait, and the chat so far is read.
        Closed: only when we are open again and the callback or e-mail choice.
        """
        sorry = "Vervelend dat het niet lukt. " if angry else ""
        if not self.open:
            return f"{sorry}{self.sentence()}"
        return (
            f"{sorry}Ik zet u door naar een medewerker van het klantcontactcentrum. {self.sentence()} "
            "De medewerker leest dit gesprek mee, dus u hoeft uw vraag niet opnieuw te stellen."
        )

# Written requests (the web contact form): no queue position, no "a person is here": the answer is the next message.
WRITTEN_CHANNELS = ("webform",)

def wait_words(minutes: int) -> str:
    if minutes <= 1:
        return "ongeveer 1 minuut"
    if minutes > 60:
        return "meer dan een uur"
    return f"ongeveer {minutes} minuten"


# ------------------------------------------------------------------ topic, team, priority
def topic_of(summary: dict[str, Any]) -> str | None:
    """The subject of the conversation: the last topic intent, else the last article shown."""
    for intent in reversed(summary.get("intents") or []):
        if intent and intent not in NOT_A_TOPIC:
            return intent
    shown = summary.get("articles_shown") or []
    slots = summary.get("slots") or {}
    return slots.get("last_article") or (shown[-1] if shown else None)


async def team_for(db: AsyncIOMotorDatabase, settings: Settings, topic: str | None) -> str:
    teams = settings.handover_teams
    if topic and topic in teams:
        return teams[topic]
    if topic and teams:
        article = await db.articles.find_one({"slug": topic}, {"department": 1})
        department = (article or {}).get("department") or ""
        for key in (department, department.lower()):
            if key in teams:
                return teams[key]
    return settings.handover_default_team


def priority_for(settings: Settings, reason: str, topic: str | None) -> int:
    table = settings.handover_priorities
    return max(table.get(reason, 0), table.get(topic or "", 0))


# ------------------------------------------------------------------ enqueue
async def enqueue(
    db: AsyncIOMotorDatabase,
    live: LiveBus,
    conversation_id: str,
    reason: str,
    summary: dict[str, Any],
    settings: Settings | None = None,
) -> bool:
    """Put a conversation the bot had into the queue of its team; False when it was not with the bot."""
    settings = settings or get_settings()
    now = utcnow()
    topic = topic_of(summary)
    team = await team_for(db, settings, topic)
    priority = priority_for(settings, reason, topic)
    announced = reason in BOT_ANNOUNCES  # the bot has just told the resident where they stand
    queued = {
        "state": State.QUEUED.value,
        "queued_at": now,
        "queue_key": now,
        "front": 0,
        "team": team,
        "topic": topic,
        "priority": priority,
        "after_hours": not OfficeHours.from_settings(settings).is_open(now),
        "assignee": None,
        "wait_notice": {"pending": True, "at": now} if announced else None,
        "handover": {"reason": reason, "summary": summary, "at": now},
    }
    social = need_to_know.social_topics([topic, *(summary.get("intents") or []), *(summary.get("articles_shown") or [])], settings)
    if social:  # restricted before anyone on the desk (console, Slack) hears of it
        queued.update(need_to_know.mark_fields("bot", f"onderwerp: {', '.join(social)}"))
    res = await db.conversations.update_one({"_id": conversation_id, "state": State.BOT.value}, {"$set": queued})
    if not res.modified_count:
        return False
    await events.emit(db, live, EventType.HANDOVER, conversation_id, reason=reason, team=team, priority=priority, topic=topic)
    if announced:  # what the bot said, so the wait notifier only speaks when it changes
        est = await estimate(db, settings, team, priority, conv={"_id": conversation_id, **queued}, now=now)
        await db.conversations.update_one(
            {"_id": conversation_id, "wait_notice.pending": True},
            {"$set": {"wait_notice": {"position": est.position, "minutes": est.minutes, "at": now}}},
        )
    return True


# ------------------------------------------------------------------ positions and waits
def ahead_filter(conv: dict[str, Any]) -> dict[str, Any]:
    """Queued conversations of the same team that come before ``conv`` in QUEUE_ORDER."""
    front, priority, key = conv.get("front", 0), conv.get("priority", 0), conv["queue_key"]
    return {
        "state": State.QUEUED.value,
        "team": conv["team"],
        "$or": [
            {"front": {"$gt": front}},
            {"front": front, "priority": {"$gt": priority}},
            {"front": front, "priority": priority, "queue_key": {"$lt": key}},
        ],
    }


async def position_of(db: AsyncIOMotorDatabase, conv: dict[str, Any]) -> int:
    return await db.conversations.count_documents(ahead_filter(conv)) + 1


async def handle_minutes(db: AsyncIOMotorDatabase, settings: Settings, team: str) -> float:
    """Median handling time of the team's recent conversations; the setting until there are five."""
    key = (db.name, team, settings.handover_handle_minutes)
    cached = _handle_cache.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    since = utcnow() - HANDLE_WINDOW
    cursor = db.conversations.find(
        {"team": team, "state": State.CLOSED.value, "closed_at": {"$gte": since}, "handle_s": {"$gt": 0}},
        {"handle_s": 1},
    ).sort("closed_at", -1).limit(50)
    durations = [doc["handle_s"] / 60 async for doc in cursor]
    minutes = statistics.median(durations) if len(durations) >= 5 else settings.handover_handle_minutes
    _handle_cache[key] = (time.monotonic() + 60, minutes)
    return minutes


def online_filter(settings: Settings, now: datetime) -> dict[str, Any]:
    return {
        "presence": {"$in": ["available", "busy"]},
        "last_seen": {"$gte": now - timedelta(seconds=settings.handover_offline_after_s)},
    }


@dataclass(frozen=True)
class TeamLoad:
    capacity: int  # conversations the online agents of the team can hold at once
    free: int  # free slots of available agents right now
    per_agent_minutes: float  # handling time of one conversation


async def team_load(db: AsyncIOMotorDatabase, settings: Settings, team: str, now: datetime) -> TeamLoad:
    online = await db.agents.find(
        {"teams": team, **online_filter(settings, now)}, {"presence": 1, "slots": 1, "capacity": 1}
    ).to_list(None)
    default = settings.handover_max_per_agent
    free = sum(max(0, a.get("capacity", default) - len(a.get("slots", []))) for a in online if a["presence"] == "available")
    capacity = sum(a.get("capacity", default) for a in online)
    return TeamLoad(capacity, free, await handle_minutes(db, settings, team))


def make_estimate(position: int, load: TeamLoad, hours: OfficeHours, now: datetime) -> Estimate:
    """Expected wait: free slots serve at once; beyond them the team finishes capacity/handling time per minute."""
    if not hours.is_open(now):
        return Estimate(position, None, False, hours.next_opening(now), now)
    if position <= load.free:
        minutes = 1
    elif load.capacity:
        minutes = math.ceil((position - load.free) * load.per_agent_minutes / load.capacity)
    else:  # nobody online yet: one at a time
        minutes = math.ceil(position * load.per_agent_minutes)
    return Estimate(position, max(1, minutes), True, now, now)


async def estimate(
    db: AsyncIOMotorDatabase,
    settings: Settings,
    team: str,
    priority: int = 0,
    conv: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Estimate:
    """Position and expected wait for ``conv`` (queued), or for a newcomer with ``priority``."""
    now = now or utcnow()
    if conv is not None and conv.get("state") == State.QUEUED.value:
        position = await position_of(db, conv)
    else:
        position = await db.conversations.count_documents(
            {"state": State.QUEUED.value, "team": team, "$or": [{"front": 1}, {"priority": {"$gte": priority}}]}
        ) + 1
    hours = OfficeHours.from_settings(settings)
    if not hours.is_open(now):
        return make_estimate(position, TeamLoad(0, 0, 0.0), hours, now)
    return make_estimate(position, await team_load(db, settings, team, now), hours, now)


async def estimate_for(
    db: AsyncIOMotorDatabase, summary: dict[str, Any], reason: str, settings: Settings | None = None
) -> Estimate:
    """The estimate the bot tells a resident it is about to hand over (same team and priority rules)."""
    settings = settings or get_settings()
    topic = topic_of(summary)
    team = await team_for(db, settings, topic)
    return await estimate(db, settings, team, priority_for(settings, reason, topic))


async def waiting(db: AsyncIOMotorDatabase, teams: list[str] | None = None) -> list[dict[str, Any]]:
    """Queued conversations, per team in queue order, each with its ``position``."""
    query: dict[str, Any] = {"state": State.QUEUED.value}
    if teams is not None:
        query["team"] = {"$in": teams}
    docs = await db.conversations.find(query).sort(QUEUE_ORDER).to_list(None)
    docs.sort(key=lambda d: d.get("team") or "")  # stable: keeps the queue order inside a team
    counters: dict[str, int] = {}
    for doc in docs:
        counters[doc.get("team")] = counters.get(doc.get("team"), 0) + 1
        doc["position"] = counters[doc.get("team")]
    return docs
