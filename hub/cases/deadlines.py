"""Deadline watch: flags callback requests (2 working days) and cases (5 working days) that
passed their deadline, and tells the agent desk and supervisors (one logged event each, on the bus too)."""

from __future__ import annotations

import asyncio
import logging

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.cases import callbacks
from hub.cases import store as cases
from hub.core import events
from hub.core.bus import LiveBus
from hub.core.event_types import EventType

log = logging.getLogger(__name__)


async def sweep_once(db: AsyncIOMotorDatabase, live: LiveBus) -> dict[str, int]:
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
    return {"callbacks": len(late_callbacks), "cases": len(late_cases)}


async def run(db: AsyncIOMotorDatabase, live: LiveBus, every_s: float) -> None:
    while True:
        try:
            await sweep_once(db, live)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the watch must survive a database hiccup
            log.exception("deadline sweep failed")
        await asyncio.sleep(every_s)


