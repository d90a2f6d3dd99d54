"""Deadline watch: flags callback requests (2 working days) and cases (5 working days) that
passed their deadline, and tells the agent desk and supervisors (one logged event each, on the bus too).

Before a case's term runs out (``KCC_NOTICE_AT_RISK_WORKING_DAYS`` working days before), it
queues one "term at risk" notice for the resident (sent only with their consent)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.cases import callbacks, notices
from hub.cases import store as cases
from hub.core import events
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.models import utcnow
from hub.core.settings import Settings, get_settings

log = logging.getLogger(__name__)


async def warn_at_risk(db: AsyncIOMotorDatabase, live: LiveBus | None, settings: Settings, now: datetime | None = None) -> int:
    """Queue one "term at risk" notice for every open case whose term is about to run out."""
    now = now or utcnow()
    horizon = now + timedelta(days=2 * settings.notice_at_risk_working_days + 7)  # a cheap bound; exact check below
    query = {"status": {"$nin": cases.CLOSED}, "answer_due_at": {"$lt": horizon, "$gt": now}, "at_risk_noticed_at": None}
    warned = 0
    for doc in await db.cases.find(query).to_list(500):
        if now < notices.at_risk_from(doc, settings):
            continue
        claimed = await db.cases.update_one({"_id": doc["_id"], "at_risk_noticed_at": None}, {"$set": {"at_risk_noticed_at": now}})
        if claimed.modified_count:  # exactly one hub warns
            await cases.queue_notice(db, live, doc, "term_at_risk")
            warned += 1
    return warned


async def sweep_once(db: AsyncIOMotorDatabase, live: LiveBus, settings: Settings | None = None) -> dict[str, int]:
    at_risk = await warn_at_risk(db, live, settings or get_settings())
    late_callbacks = await callbacks.flag_overdue(db)
    late_cases = await cases.flag_overdue(db)
    for doc in late_callbacks:
        await events.emit(db, live, EventType.CALLBACK_OVERDUE, doc.get("conversation_id"), callback_id=doc["_id"],
                          context={"due_at": doc["due_at"].isoformat(), "department": doc.get("department")})
    for doc in late_cases:
        await events.emit(db, live, EventType.CASE_OVERDUE, None, case_number=doc["number"],
                          context={"due_at": doc["answer_due_at"].isoformat(), "department": doc["department"]})
    if late_callbacks or late_cases:
        log.info("deadlines passed", extra={"callbacks": len(late_callbacks), "cases": len(late_cases)})
    return {"callbacks": len(late_callbacks), "cases": len(late_cases), "at_risk": at_risk}


async def run(db: AsyncIOMotorDatabase, live: LiveBus, every_s: float, settings: Settings | None = None) -> None:
    while True:
        try:
            await sweep_once(db, live, settings)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the watch must survive a database hiccup
            log.exception("deadline sweep failed")
        await asyncio.sleep(every_s)


