"""Tell waiting residents where they stand: position and expected wait, kept up to date.

Web chat hears of every change, at most once per ``KCC_HANDOVER_WEBCHAT_UPDATE_S``; other
channels (an SMS or e-mail per step would be noise) only when the wait changed a lot, at
most once per ``KCC_HANDOVER_UPDATE_OTHER_S``. A handover the bot did not announce (bot
down, a channel without the bot) gets its first message from here, and outside office
hours that message offers a callback or e-mail instead of a live wait.

Updates are sent through the pipeline like any message, so they are stored and delivered
on the resident's channel. ``wait_notice`` on the conversation records what was said last;
it is set with a condition on its old value, so two hubs never send the same update twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from handover import abandon
from handover.office_hours import OfficeHours
from handover.queue import Estimate, TeamLoad, make_estimate, team_load, waiting
from hub.conversations.pipeline import Pipeline
from hub.core.event_types import EventType
from hub.core.loops import Loops
from hub.core.models import Reply, utcnow
from hub.core.settings import Settings

log = logging.getLogger(__name__)
# Events after which a position or expected wait may have changed; an assignment also tells the resident.
ASSIGNMENTS = (EventType.ASSIGNED, EventType.REASSIGNED)
WAKES_NOTIFIER = (
    EventType.HANDOVER, EventType.REQUEUED, *ASSIGNMENTS, EventType.TRANSFERRED, EventType.CLOSED,
    EventType.HANDED_BACK, EventType.PRESENCE,
)
PERIODIC_S = 15.0
JOINED_TEXT = "U chat nu met een medewerker van de gemeente. De medewerker heeft uw gesprek met de digitale assistent gelezen."
TRANSFERRED_TEXT = "Uw vraag is doorgezet naar een collega. Die helpt u nu verder."


def worth_telling(channel: str, last: dict[str, Any] | None, est: Estimate, now: datetime, settings: Settings) -> bool:
    if last is None:
        return True
    if last.get("pending"):
        return False  # the bot's announcement is being recorded right now
    if last.get("position") == est.position and last.get("minutes") == est.minutes:
        return False
    since = (now - last["at"]).total_seconds()
    if channel == "webchat":
        return since >= settings.handover_webchat_update_s
    before, after = last.get("minutes") or 0, est.minutes or 0
    big = abs(after - before) >= max(5, before / 2)
    return big and since >= settings.handover_update_other_s


class WaitNotifier:
    def __init__(self, pipeline: Pipeline, settings: Settings, debounce_s: float = 1.0):
        self.pipeline = pipeline
        self.db = pipeline.db
        self.settings = settings
        self.debounce_s = debounce_s
        self._wake = asyncio.Event()
        self._loops = Loops()

    def start(self) -> None:
        self._loops.start(**{"handover-wait-listen": self._listen(), "handover-wait-work": self._work()})

    async def stop(self) -> None:
        await self._loops.stop()

    async def _listen(self) -> None:
        async with self.pipeline.live.listen(*WAKES_NOTIFIER) as queue:
            while True:
                event = await queue.get()
                self._wake.set()
                if event.type in ASSIGNMENTS and event.conversation_id:
                    self._loops.spawn(self.tell_assigned(event.conversation_id, event.get("how")))

    async def tell_assigned(self, conversation_id: str, how: str | None) -> None:
        """The resident hears that a person has taken over (or that a colleague took it over)."""
        try:
            conv = await self.db.conversations.find_one({"_id": conversation_id, "state": "agent"})
            if conv is None:
                return
            text = TRANSFERRED_TEXT if how == "transfer" else JOINED_TEXT
            await self.pipeline.send(conv, [Reply(text=text)], author="system", metadata={"kind": "agent_joined"})
        except Exception:  # noqa: BLE001 - a missed notice must not stop the listener
            log.exception("could not tell the resident an agent joined", extra={"conversation_id": conversation_id})

    async def _work(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(PERIODIC_S):  # not wait_for: on 3.11 it can swallow a cancel
                    await self._wake.wait()
            await asyncio.sleep(self.debounce_s)  # a burst of desk events becomes one round
            self._wake.clear()
            try:
                await abandon.sweep_silent(self.db, self.pipeline.live, self.settings)
                await self.run_once()
            except Exception:  # noqa: BLE001 - next round tries again
                log.exception("wait notifier round failed")

    async def run_once(self, now: datetime | None = None) -> int:
        """Send the updates that are due; returns how many residents were told something."""
        now = now or utcnow()
        hours = OfficeHours.from_settings(self.settings)
        loads: dict[str, TeamLoad] = {}
        told = 0
        for conv in await waiting(self.db):
            if conv.get("after_hours") and conv.get("wait_notice") is not None:
                continue  # told we are closed; an agent picks it up when we open
            team = conv["team"]
            if team not in loads:
                loads[team] = await team_load(self.db, self.settings, team, now)
            est = make_estimate(conv["position"], loads[team], hours, now)
            last = conv.get("wait_notice")
            if not worth_telling(conv["channel"], last, est, now, self.settings):
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
        return told
