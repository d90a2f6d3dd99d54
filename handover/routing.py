"""Routing: give each queued conversation to an agent, and take it back when the agent is gone.

Assignment (``dispatch``) takes the head of a team's queue (``queue.QUEUE_ORDER``), reserves
a slot at the available agent of that team idle the longest (one atomic update that also
checks capacity), then claims the conversation with a condition on its state. Two agents,
two hubs or a manual pick-up racing for one conversation: exactly one claim matches, the
losers give their slot back. Nothing lives only in memory; several hubs may route at once.

Back to the queue, at the front of its team: when the assigned agent has not answered
within ``KCC_HANDOVER_ANSWER_TIMEOUT_S`` (the agent is then set to away, so the next
conversation is not offered to an empty chair), or when the agent goes offline (no console
heartbeat for ``KCC_HANDOVER_OFFLINE_AFTER_S``, or presence set to offline).

The router listens to the events that can give a team work or an agent room (``WAKES_ROUTER``:
a handover, a freed slot, an agent becoming available). It never polls: an answer timeout
or an agent's heartbeat falls due at a known moment (``STARTS_A_CLOCK``: an assignment, an
agent coming online), and the sweep runs then, reading when the next one falls due; every
``KCC_HANDOVER_SWEEP_S`` a safety sweep also routes teams with a queue, frees stale slots,
and finds what another replica or a crash left.
"""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import datetime, timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ReturnDocument
from pymongo.errors import PyMongoError

from handover import agents
from handover.queue import QUEUE_ORDER
from hub.core import events
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.loops import Loops, woken
from hub.core.models import State, utcnow
from hub.core.settings import Settings
from hub.privacy import need_to_know
from hub.staff.auth import SOCIAL_DOMAIN, has_right

log = logging.getLogger(__name__)
BATCH = 50  # conversations planned per dispatch round
MAX_ROUNDS = 20
# Events after which a team may have work and an agent room.
WAKES_ROUTER = (
    EventType.HANDOVER, EventType.REQUEUED, EventType.TRANSFERRED, EventType.CLOSED, EventType.HANDED_BACK,
    EventType.PRESENCE,
)
# Events after which an answer timeout or an agent's heartbeat falls due at a known moment.
STARTS_A_CLOCK = (EventType.ASSIGNED, EventType.REASSIGNED, EventType.PRESENCE)
DUE_MARGIN_S = 0.05  # a due check runs just after the moment (stored times are whole milliseconds)
RETRY_S = 5.0  # a sweep that failed (MongoDB away) tries again this soon
RECONCILE_S = 10.0  # stale slots are looked for at most this often (a reservation is claimed within milliseconds)


class DeskError(Exception):
    """A desk action that cannot be done; ``status``/``code``/``message`` become the API error."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Router:
    def __init__(self, db: AsyncIOMotorDatabase, live: LiveBus, settings: Settings):
        self.db = db
        self.live = live
        self.settings = settings
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._loops = Loops()
        self._stale: dict[tuple[str, str], datetime] = {}
        self._rounds: set[str] = set()  # teams whose dispatch round is running in this hub
        self._again: set[str] = set()  # teams kicked while their round ran: one more round after it
        self._last_reconcile = utcnow()
        self._due = math.inf  # loop time of the next answer timeout or heartbeat check
        self._sweep_wake = asyncio.Event()

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        self._loops.start(**{
            "handover-router-listen": self._listen(),
            "handover-router-work": self._work(),
            "handover-router-sweep": self._sweep_forever(),
        })

    async def stop(self) -> None:
        await self._loops.stop()

    def kick(self, *teams: str | None) -> None:
        self._dirty.update(t for t in teams if t)
        self._wake.set()

    def due_in(self, seconds: float) -> None:
        """Something may fall due in ``seconds``: the sweep runs then (if nothing earlier is due)."""
        self._due = min(self._due, asyncio.get_running_loop().time() + max(0.0, seconds) + DUE_MARGIN_S)
        self._sweep_wake.set()

    async def _listen(self) -> None:
        async with self.live.listen(*{*WAKES_ROUTER, *STARTS_A_CLOCK}) as queue:
            while True:
                event = await queue.get()
                if event.type in WAKES_ROUTER:
                    self.kick(event.get("team"), *(event.get("teams") or ()))
                if event.type in (EventType.ASSIGNED, EventType.REASSIGNED):
                    self.due_in(self.settings.handover_answer_timeout_s)
                elif event.type is EventType.PRESENCE and event.get("presence") != "offline":
                    self.due_in(self.settings.handover_offline_after_s)

    async def _work(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._dirty:
                team = self._dirty.pop()
                if team in self._rounds:
                    self._again.add(team)
                else:
                    self._rounds.add(team)
                    self._background(self._rounds_of(team))
            await asyncio.sleep(0)

    async def _rounds_of(self, team: str) -> None:
        """One dispatch round per team at a time in this hub; kicks during it make one more round.

        A burst of 200 handovers used to start 200 rounds that queued behind each other, each
        reading the queue and the agents again: the last handover waited for all of them.
        Now a handover waits for at most the round in progress and the one after it.
        """
        try:
            while True:
                self._again.discard(team)
                try:
                    await self.dispatch(team)
                except Exception:  # noqa: BLE001 - tried again soon; routing never dies
                    log.exception("dispatch failed", extra={"team": team})
                    asyncio.get_running_loop().call_later(RETRY_S, self.kick, team)
                if team not in self._again:
                    return
        finally:
            self._rounds.discard(team)

    async def _sweep_forever(self) -> None:
        """The safety sweep at start and every ``handover_sweep_s``; between them, a sweep when something falls due."""
        clock = asyncio.get_running_loop().time
        next_full = clock()
        while True:
            until = min(next_full, self._due)
            if until > clock():
                await woken(self._sweep_wake, until - clock())
                continue  # woken: something may fall due earlier now
            full = clock() >= next_full
            if full:
                next_full = clock() + self.settings.handover_sweep_s
            self._due = math.inf
            try:
                next_in = await self.sweep(full=full)
            except Exception:  # noqa: BLE001 - Mongo away for a moment: try again soon
                log.exception("handover sweep failed")
                next_in = min(RETRY_S, self.settings.handover_sweep_s)
            if next_in is not None:
                self.due_in(next_in)

    # ------------------------------------------------------------------ assignment
    async def dispatch(self, team: str) -> int:
        """Assign queued conversations of ``team`` while agents have room; returns how many.

        Pairs the head of the queue with agents, longest idle first, then claims the pairs.

        Plans a batch from one read of the queue and one of the agents (an agent who gets a
        conversation goes to the back of the idle order, as if assigned one by one), then
        reserves and claims: one agent's conversations in queue order, different agents at
        the same time. Every step is conditional, so a plan that went stale just fails a claim
        and the next round (or the sweep) tries again; rounds of other hubs (or a manual
        pick-up) may overlap with this one and can only lose a claim harmlessly.
        """
        assigned = 0
        for _ in range(MAX_ROUNDS):
            now = utcnow()
            heads, ready = await asyncio.gather(
                self.db.conversations.find(
                    {"state": State.QUEUED.value, "team": team}, {"_id": 1, "social_domain": 1, "confidential": 1},
                    sort=QUEUE_ORDER, limit=BATCH,
                ).to_list(None),
                agents.with_room(self.db, self.settings, team, now),
            )
            if not heads:
                return assigned
            plan = self._plan(heads, ready)
            if not plan:
                return assigned
            cleared = {a["_id"]: bool(a.get("social_domain")) for a in ready}
            done = await asyncio.gather(
                *(self._assign_all(agent, convs, team, cleared[agent]) for agent, convs in plan.items())
            )
            assigned += sum(done)
            planned = sum(len(c) for c in plan.values())
            if not sum(done) or (sum(done) == planned and len(heads) < BATCH):
                # All done (newcomers wake the router again), or the plan went stale everywhere
                # (another hub or a pick-up was quicker: this team is looked at again soon).
                if not sum(done):
                    asyncio.get_running_loop().call_later(RETRY_S, self.kick, team)
                return assigned
        return assigned

    @staticmethod
    def _plan(heads: list[dict[str, Any]], ready: list[dict[str, Any]]) -> dict[str, list[str]]:
        """Agents (longest idle first) take the queue in order; a restricted conversation
        (need-to-know) waits for an agent with the right and does not hold up the others."""
        plan: dict[str, list[str]] = {}
        room = {a["_id"]: a["capacity"] - len(a.get("slots", [])) for a in ready}
        queue = list(heads)
        progressed = True
        while queue and progressed:
            progressed = False
            for agent in ready:
                if room[agent["_id"]] <= 0:
                    continue
                pick = next((h for h in queue if agent.get("social_domain") or not need_to_know.restricted(h)), None)
                if pick is None:
                    continue
                queue.remove(pick)
                plan.setdefault(agent["_id"], []).append(pick["_id"])
                room[agent["_id"]] -= 1
                progressed = True
        return plan

    async def _assign_all(self, username: str, conv_ids: list[str], team: str, cleared: bool = False) -> int:
        count = 0
        for conv_id in conv_ids:
            now = utcnow()
            now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as stored (BSON: milliseconds)
            before = await agents.reserve_available(self.db, self.settings, username, conv_id, now)
            if before is None:
                return count  # the agent went busy or full meanwhile
            if await self._claim(conv_id, username, now, how="auto", team=team, cleared=cleared):
                count += 1
            else:  # another round or hub was quicker: this agent did not get work after all
                await agents.release(self.db, username, conv_id, idle=(now, before.get("idle_since")))
        return count

    async def take(
        self, conversation_id: str, staff: dict[str, Any], supervisor: bool = False, via: str = "console"
    ) -> dict[str, Any]:
        """Manual pick-up from the queue (console or Slack): team and capacity rules apply."""
        conv = await self.db.conversations.find_one({"_id": conversation_id})
        if conv is None:
            raise DeskError(404, "unknown_conversation", "Dit gesprek bestaat niet.")
        if conv.get("state") == State.AGENT.value and conv.get("assignee") == staff["_id"]:
            return conv
        if conv.get("state") != State.QUEUED.value:
            raise DeskError(409, "not_queued", "Dit gesprek staat niet meer in de wachtrij.")
        cleared = has_right(staff, SOCIAL_DOMAIN)
        if need_to_know.restricted(conv) and not cleared:
            raise DeskError(403, "need_to_know", "Dit gesprek is vertrouwelijk (sociaal domein). Alleen collega's met dat recht kunnen het oppakken.")
        agent = await agents.ensure(self.db, staff, self.settings, via=via)
        if conv.get("team") not in agent["teams"] and not supervisor:
            raise DeskError(403, "other_team", "Dit gesprek is voor een ander team.")
        if agent["presence"] == "offline":
            await agents.set_presence(self.db, staff["_id"], "busy")
        if await agents.reserve_at(self.db, staff["_id"], conversation_id) is None:
            raise DeskError(409, "no_room", "U heeft al het maximale aantal gesprekken open.")
        claimed = await self._claim(conversation_id, staff["_id"], utcnow(), how="manual", team=conv.get("team"), cleared=cleared)
        if claimed is None:
            await agents.release(self.db, staff["_id"], conversation_id)
            raise DeskError(409, "taken", "Een collega heeft dit gesprek net opgepakt.")
        return claimed

    async def _claim(
        self, conversation_id: str, username: str, now: datetime, how: str, team: str | None, cleared: bool = False
    ) -> dict[str, Any] | None:
        """Claim a queued conversation; an agent without the right (``cleared``) never gets a restricted one."""
        condition: dict[str, Any] = {"_id": conversation_id, "state": State.QUEUED.value}
        if not cleared:
            condition.update(need_to_know.OPEN_TO_ALL)
        claimed = await self.db.conversations.find_one_and_update(
            condition,
            {
                "$set": {"state": State.AGENT.value, "assignee": username, "assigned_at": now, "answered_at": None, "front": 0},
                "$min": {"first_assigned_at": now},
                "$push": {"assignments": {"agent": username, "at": now, "how": how}},
            },
            return_document=ReturnDocument.AFTER,
        )
        if claimed is None:
            return None
        waited = (now - claimed["queued_at"]).total_seconds() if claimed.get("queued_at") else None
        try:  # logged before it is told, in claim order; the context's conversation stays in the hub
            await events.emit(  # (each console socket makes the list item that staff member may see)
                self.db, self.live, EventType.ASSIGNED, conversation_id, agent=username, how=how, team=team,
                waited_s=waited, context={"conversation": claimed},
            )
        except PyMongoError:  # the claim stands; consoles catch up on their next queue load
            log.warning("assignment not logged", extra={"conversation_id": conversation_id, "agent": username})
        return claimed

    def _background(self, coro: Any) -> None:
        self._loops.spawn(coro)

    # ------------------------------------------------------------------ back to the queue
    async def requeue(
        self, conversation_id: str, agent: str, why: str, only_unanswered: bool = False, team: str | None = None
    ) -> bool:
        """Put a conversation the agent held back at the front of its (or another) team's queue."""
        condition: dict[str, Any] = {"_id": conversation_id, "state": State.AGENT.value, "assignee": agent}
        if only_unanswered:
            condition["answered_at"] = None
        update: dict[str, Any] = {"state": State.QUEUED.value, "assignee": None, "front": 1, "requeued_at": utcnow()}
        if team:
            update["team"] = team
        conv = await self.db.conversations.find_one_and_update(
            condition, {"$set": update}, return_document=ReturnDocument.AFTER
        )
        if conv is None:
            return False
        await agents.release(self.db, agent, conversation_id)
        await events.emit(
            self.db, self.live, EventType.REQUEUED, conversation_id, agent=agent, why=why, team=conv.get("team")
        )
        return True

    async def agent_offline(self, username: str, why: str = "offline") -> int:
        """Everything the agent held goes back to the front of the queue."""
        count = 0
        async for conv in self.db.conversations.find(
            {"state": State.AGENT.value, "assignee": username}, {"_id": 1}
        ):
            count += await self.requeue(conv["_id"], username, why)
        return count

    # ------------------------------------------------------------------ the sweep
    async def sweep(self, full: bool = True) -> float | None:
        """Requeue unanswered conversations past their timeout, switch quiet consoles offline;
        the ``full`` (safety) sweep also frees stale slots and routes every team with a queue.

        Returns the seconds until the next answer timeout or heartbeat check falls due (None: nothing pending).
        """
        now = utcnow()
        timeout = timedelta(seconds=self.settings.handover_answer_timeout_s)
        pending: list[datetime] = []
        async for conv in self.db.conversations.find(
            {"state": State.AGENT.value, "answered_at": None}, {"assignee": 1, "assigned_at": 1}
        ):
            assigned_at = conv.get("assigned_at")
            if assigned_at is not None and assigned_at >= now - timeout:
                pending.append(assigned_at + timeout)
                continue
            # Away first, so the conversation is not routed straight back to the same empty chair.
            if await agents.set_presence(self.db, conv["assignee"], "away", only_from="available"):
                await events.emit(self.db, self.live, EventType.PRESENCE, None, agent=conv["assignee"], presence="away")
            await self.requeue(conv["_id"], conv["assignee"], "answer_timeout", only_unanswered=True)
        gone, quiet_at = await agents.gone_offline(self.db, self.settings, now)
        for agent in gone:
            log.info("agent went offline", extra={"agent": agent["_id"]})
            await events.emit(self.db, self.live, EventType.PRESENCE, None, agent=agent["_id"], presence="offline")
            await self.agent_offline(agent["_id"])
        if quiet_at is not None:
            pending.append(quiet_at)
        if full:
            if (now - self._last_reconcile).total_seconds() >= RECONCILE_S:
                self._last_reconcile = now
                await self.reconcile(now)
            self.kick(*await self.db.conversations.distinct("team", {"state": State.QUEUED.value}))
        return (min(pending) - now).total_seconds() if pending else None

    async def reconcile(self, now: datetime) -> None:
        """Drop slot entries whose conversation is no longer the agent's (after a crash mid-way)."""
        seen_now: set[tuple[str, str]] = set()
        async for agent in self.db.agents.find({"slots.0": {"$exists": True}}, {"slots": 1}):
            held = {
                c["_id"]
                async for c in self.db.conversations.find(
                    {"_id": {"$in": agent["slots"]}, "state": State.AGENT.value, "assignee": agent["_id"]}, {"_id": 1}
                )
            }
            for conv_id in set(agent["slots"]) - held:
                key = (agent["_id"], conv_id)
                seen_now.add(key)
                first = self._stale.setdefault(key, now)
                if (now - first).total_seconds() >= 10:  # a reservation is claimed within milliseconds
                    await agents.release(self.db, agent["_id"], conv_id)
        self._stale = {k: v for k, v in self._stale.items() if k in seen_now}
