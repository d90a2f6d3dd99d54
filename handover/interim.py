"""An interim message to the resident when the answer term of a written or social contact runs out.

E-mail, the web form (5 working days) and WhatsApp, SMS, Telegram, Messenger and Instagram
(1 working day) have an answer term (``hub.cases.norms``). When no agent has answered a queued
or assigned conversation ``KCC_NORM_INTERIM_HOURS`` before its term ends, the resident hears
once that the answer takes longer ("``interim_sent_at``" on the conversation, set with a condition
so two hubs never send it twice). The live web chat has its own wait messages
(``handover.waiting``): position and expected wait.

The loop is a slow sweep (``KCC_NORM_INTERIM_SWEEP_S``, default 5 minutes) that also wakes at the
next moment a message falls due; terms are counted in working days, so nothing polls tightly.
One indexed read per round (``by_state``: state and queue time).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from hub.cases import norms
from hub.conversations.pipeline import Pipeline
from hub.core.loops import Loops, woken
from hub.core.models import Reply, State, utcnow
from hub.core.settings import Settings

log = logging.getLogger(__name__)
INTERIM_TEXT = (
    "Uw vraag is nog niet beantwoord. Dat duurt langer dan we willen, sorry daarvoor. "
    "Een medewerker stuurt u zo snel mogelijk een antwoord. U hoeft niets te doen."
)
LONGEST_TERM = timedelta(days=31)  # conversations queued longer ago than this are not looked at
RETRY_S = 30.0


class InterimNotifier:
    def __init__(self, pipeline: Pipeline, settings: Settings):
        self.pipeline = pipeline
        self.db = pipeline.db
        self.settings = settings
        self._loops = Loops()
        self._never = asyncio.Event()

    def start(self) -> None:
        self._loops.start(**{"handover-interim": self._work()})

    async def stop(self) -> None:
        await self._loops.stop()

    async def _work(self) -> None:
        sweep = self.settings.norm_interim_sweep_s
        while True:
            try:
                next_due = await self.round()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the loop must survive a database hiccup
                log.exception("interim round failed")
                next_due = None
                await woken(self._never, RETRY_S)
                continue
            wait = sweep if next_due is None else min(sweep, max(1.0, (next_due - utcnow()).total_seconds()))
            await woken(self._never, wait)

    async def round(self, now: datetime | None = None) -> datetime | None:
        """Send the interim messages that are due; returns when the next one falls due (None: none known)."""
        now = now or utcnow()
        hours = timedelta(hours=self.settings.norm_interim_hours)
        channels = [*norms.WRITTEN_CHANNELS, *norms.SOCIAL_CHANNELS]
        cursor = self.db.conversations.find(
            {"state": {"$in": [State.QUEUED.value, State.AGENT.value]}, "queued_at": {"$gte": now - LONGEST_TERM},
             "channel": {"$in": channels}, "last_agent_reply_at": None, "interim_sent_at": None},
            {"channel": 1, "address": 1, "queued_at": 1, "thread_key": 1, "contact_id": 1},
        )
        next_due: datetime | None = None
        async for conv in cursor:
            due = norms.due_at(conv["channel"], conv["queued_at"], self.settings)
            if due is None:
                continue
            send_at = due - hours
            if now < send_at:
                next_due = send_at if next_due is None else min(next_due, send_at)
                continue
            claimed = await self.db.conversations.update_one(
                {"_id": conv["_id"], "interim_sent_at": None, "last_agent_reply_at": None},
                {"$set": {"interim_sent_at": now}},
            )
            if claimed.modified_count:
                await self.pipeline.send(conv, [Reply(text=INTERIM_TEXT)], author="system", metadata={"kind": "interim"})
                log.info("interim message sent", extra={"conversation_id": conv["_id"], "channel": conv["channel"],
                                                        "due_at": due.isoformat()})
        return next_due
