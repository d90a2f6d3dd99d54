"""Tell waiting residents where they stand: position and expected wait, kept up to date.

Web chat hears of every change, at most once per ``KCC_HANDOVER_WEBCHAT_UPDATE_S``; other
channels (an SMS or e-mail per step would be noise) only when the wait changed a lot, at
most once per ``KCC_HANDOVER_UPDATE_OTHER_S``. A handover the bot did not announce (bot
down, a channel without the bot) gets its first message from here, and outside office
hours that message offers a callback or e-mail instead of a live wait.

Updates are sent through the pipeline like any message, so they are stored and delivered
on the resident's channel. ``wait_notice`` on the conversation records what was said last;
it is set with a condition on its old value, so two hubs never send the same update twice.

A round runs after the desk events that change the queue (``WAKES_NOTIFIER``), when an update
held back by its rate limit or an abandoned web chat (``handover.abandon``) falls due, and
every ``SWEEP_S`` for what no event announces (another replica's queue, office hours).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from handover import abandon
from handover.office_hours import OfficeHours
from handover.queue import WRITTEN_CHANNELS, Estimate, TeamLoad, make_estimate, team_load, waiting
from hub.conversations.pipeline import Pipeline
from hub.core.event_types import EventType
from hub.core.loops import Loops, woken
from hub.core.models import Reply, utcnow
from hub.core.settings import Settings

log = logging.getLogger(__name__)
# Events after which a position or expected wait may have changed. An assignment alone tells the
# resident nothing (handover.lifecycle.Desk.announce_joined speaks when the agent opens or writes);
# a transfer tells them a colleague takes over.
ASSIGNMENTS = (EventType.ASSIGNED, EventType.REASSIGNED)
WAKES_NOTIFIER = (
    EventType.HANDOVER, EventType.REQUEUED, *ASSIGNMENTS, EventType.TRANSFERRED, EventType.CLOSED,
    EventType.HANDED_BACK, EventType.PRESENCE,
)
SWEEP_S = 60.0  # safety round: what no event of this hub announces
MIN_WAIT_S = 1.0  # rounds follow each other at least this far apart when nothing wakes them
RETRY_S = 15.0  # after a failed round (MongoDB away)
EVER = datetime.min.replace(tzinfo=UTC)
TRANSFERRED_TEXT = "Uw vraag is doorgezet naar een collega. Die helpt u nu verder."


def tell_from(channel: str, last: dict[str, Any] | None, est: Estimate, settings: Settings) -> datetime | None:
    """From when ``est`` may be told (its channel's rate limit); None when it is no news."""
    if channel in WRITTEN_CHANNELS:
        return None  # a written request has its answer term (in its receipt), not a place in a queue
    if last is None:
        return EVER
    if last.get("pending"):
        return None  # the bot's announcement is being recorded right now
    if last.get("position") == est.position and last.get("minutes") == est.minutes:
        return None
    if channel == "webchat":
        return last["at"] + timedelta(seconds=settings.handover_webchat_update_s)
    before, after = last.get("minutes") or 0, est.minutes or 0
    big = abs(after - before) >= max(5, before / 2)
    return last["at"] + timedelta(seconds=settings.handover_update_other_s) if big else None


def worth_telling(channel: str, last: dict[str, Any] | None, est: Estimate, now: datetime, settings: Settings) -> bool:
    start = tell_from(channel, last, est, settings)
    return start is not None and now >= start


class WaitNotifier:
    def __init__(self, pipeline: Pipeline, settings: Settings, debounce_s: float = 1.0):
        self.pipeline = pipeline
        self.db = pipeline.db
        self.settings = settings
        self.debounce_s = debounce_s
        self._wake = asyncio.Event()
        self._loops = Loops()
        self.next_due: datetime | None = None  # an update held back or an abandoned web chat falls due then

    def start(self) -> None:
        self._wake.set()  # a first round at start: residents who waited through a restart
        self._loops.start(**{"handover-wait-listen": self._listen(), "handover-wait-work": self._work()})

    async def stop(self) -> None:
        await self._loops.stop()

    async def _listen(self) -> None:
        async with self.pipeline.live.listen(*WAKES_NOTIFIER) as queue:
            while True:
                event = await queue.get()
                self._wake.set()
                if event.type in ASSIGNMENTS and event.conversation_id and event.get("how") == "transfer":
                    self._loops.spawn(self.tell_transferred(event.conversation_id))

    async def tell_transferred(self, conversation_id: str) -> None:
        """The resident hears that a colleague has taken over."""
        try:
            conv = await self.db.conversations.find_one({"_id": conversation_id, "state": "agent"})
            if conv is None or conv["channel"] in WRITTEN_CHANNELS:
                return  # a written request is answered by a letter, not joined like a chat
            await self.pipeline.send(conv, [Reply(text=TRANSFERRED_TEXT)], author="system", metadata={"kind": "transferred"})
        except Exception:  # noqa: BLE001 - a missed notice must not stop the listener
            log.exception("could not tell the resident an agent joined", extra={"conversation_id": conversation_id})

    async def _work(self) -> None:
        while True:
            wait = SWEEP_S
            if self.next_due is not None:
                wait = min(wait, max(MIN_WAIT_S, (self.next_due - utcnow()).total_seconds()))
            if await woken(self._wake, wait):
                await asyncio.sleep(self.debounce_s)  # a burst of desk events becomes one round
                self._wake.clear()
            try:
                await abandon.sweep_silent(self.db, self.pipeline.live, self.settings)
                await self.run_once()
            except Exception:  # noqa: BLE001 - next round tries again
                log.exception("wait notifier round failed")
                self.next_due = utcnow() + timedelta(seconds=RETRY_S)

    async def run_once(self, now: datetime | None = None) -> int:
        """Send the updates that are due; returns how many residents were told something.

        Sets ``next_due``: when the first update held back by its rate limit may be sent, or the
        first queued web chat would be abandoned (its page gone ``KCC_HANDOVER_ABANDON_AFTER_S``).
        """
        now = now or utcnow()
        hours = OfficeHours.from_settings(self.settings)
        loads: dict[str, TeamLoad] = {}
        told = 0
        due: list[datetime] = []
        for conv in await waiting(self.db):
            if conv.get("after_hours") and conv.get("wait_notice") is not None:
                continue  # told we are closed; an agent picks it up when we open
            leaves = abandon.leaves_at(conv, self.settings)
            if leaves is not None:
                due.append(leaves)
            team = conv["team"]
            if team not in loads:
                loads[team] = await team_load(self.db, self.settings, team, now)
            est = make_estimate(conv["position"], loads[team], hours, now)
            last = conv.get("wait_notice")
            start = tell_from(conv["channel"], last, est, self.settings)
            if start is None:
                continue
            if now < start:
                due.append(start)
                continue
            notice = {"position": est.position, "minutes": est.minutes, "at": now}
            res = await self.db.conversations.update_one(
                {"_id": conv["_id"], "state": "queued", "wait_notice": last}, {"$set": {"wait_notice": notice}}
            )
            if not res.modified_count:
                continue
            text = est.sentence() if last is None else f"Update: {est.sentence()}"
            await self.pipeline.send(conv, [Reply(text=text)], author="system", metadata={"kind": "wait_update"})
            told += 1
        self.next_due = min(due) if due else None
        return told
