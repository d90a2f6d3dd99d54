"""The retention policy: closed conversations older than a set number of days are anonymised or deleted.

``KCC_RETENTION_CLOSED_CONVERSATION_DAYS`` (0 = keep for ever) counts from the moment a
conversation was closed. ``KCC_RETENTION_MODE``:

- ``anonymise``: message texts are replaced, attachments, addresses, locations and
  metadata removed, the link to the contact cut; the conversation stays (channel, team,
  topic, times, outcome, score) for statistics.
- ``delete``: the conversation and its messages are removed.

Either way the event log, the only source of the statistics, keeps its anonymous counts and
durations, so figures do not change. A conversation with a case or callback request that is
still open is kept until that is finished (the agent handling it needs the conversation).

The hub runs the job every ``KCC_RETENTION_INTERVAL_MINUTES`` (0 = off); with several hub
replicas one of them runs it at a time (a lease in ``privacy_state``). ``kcc privacy
retention --dry-run`` prints what a run would do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel

from hub.cases.store import CLOSED as CASE_CLOSED
from hub.core.appkeys import DB, SETTINGS
from hub.core.lease import Lease
from hub.core.loops import run_with_app
from hub.core.models import utcnow
from hub.core.settings import Settings
from hub.gdpr import rights as privacy
from hub.gdpr.bot_memory import BotMemory
from hub.privacy import audit
from hub.privacy.audit import AuditEntry

log = logging.getLogger(__name__)

ACTOR = "system:retention"
BATCH = 100
LEASE_TTL = timedelta(minutes=10)
Progress = Callable[[int, int], None]


class RetentionReport(BaseModel):
    mode: str
    dry_run: bool
    cutoff: datetime | None
    conversations: int = 0
    messages: int = 0
    attachments: int = 0
    kept_open_items: int = 0
    oldest_closed_at: datetime | None = None
    per_channel: dict[str, dict[str, int]] = {}
    skipped: str | None = None


def cutoff(settings: Settings, now: datetime | None = None) -> datetime | None:
    days = settings.retention_closed_conversation_days
    return None if days <= 0 else (now or utcnow()) - timedelta(days=days)


def _due(before: datetime, mode: str) -> dict[str, Any]:
    query: dict[str, Any] = {
        "state": "closed",
        "$or": [{"closed_at": {"$lt": before}}, {"closed_at": None, "updated_at": {"$lt": before}}],
    }
    if mode == "anonymise":
        query["anonymised_at"] = None
    return query


async def _open_items(db: AsyncIOMotorDatabase, conv_ids: list[str]) -> set[str]:
    """Conversations of this batch that still have an open case or callback request."""
    held = set(await db.cases.distinct("conversation_ids", {"conversation_ids": {"$in": conv_ids}, "status": {"$nin": CASE_CLOSED}}))
    held |= set(await db.callbacks.distinct("conversation_id", {"conversation_id": {"$in": conv_ids}, "status": "open"}))
    return held & set(conv_ids)


async def run(
    db: AsyncIOMotorDatabase,
    settings: Settings,
    dry_run: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
    renew: Callable[[], Any] | None = None,
    memory: BotMemory | None = None,
) -> RetentionReport:
    """Apply (or, dry run, count) the retention policy; ``progress(done, total)`` after every batch.

    ``memory``: the bot's trackers of those conversations are forgotten too (by default those of
    a MongoDB tracker store, ``KCC_RASA_TRACKER_DATABASE``, deleted in one write per batch; Rasa's
    in-memory trackers of ``make run`` are not asked one by one: they end when Rasa restarts).
    """
    mode = settings.retention_mode
    before = cutoff(settings, now)
    report = RetentionReport(mode=mode, dry_run=dry_run, cutoff=before)
    if before is None:
        report.skipped = "retention off (KCC_RETENTION_CLOSED_CONVERSATION_DAYS=0)"
        return report
    query = _due(before, mode)
    memory = memory or BotMemory(None, db, settings.rasa_tracker_database)
    total = await db.conversations.count_documents(query)
    done, last_id = 0, ""
    while True:
        batch = await db.conversations.find({**query, "_id": {"$gt": last_id}}, {"channel": 1, "closed_at": 1, "updated_at": 1}) \
            .sort("_id", 1).limit(BATCH).to_list(None)
        if not batch:
            break
        last_id = batch[-1]["_id"]
        ids = [c["_id"] for c in batch]
        held = await _open_items(db, ids)
        report.kept_open_items += len(held)
        todo = [c for c in batch if c["_id"] not in held]
        for conv in todo:
            closed = conv.get("closed_at") or conv.get("updated_at")
            if closed and (report.oldest_closed_at is None or closed < report.oldest_closed_at):
                report.oldest_closed_at = closed
        counts = {c["_id"]: 0 for c in todo}
        async for row in db.messages.aggregate([
            {"$match": {"conversation_id": {"$in": list(counts)}}},
            {"$group": {"_id": "$conversation_id", "n": {"$sum": 1}}},
        ]):
            counts[row["_id"]] = row["n"]
        for conv in todo:
            line = report.per_channel.setdefault(conv.get("channel") or "?", {"conversations": 0, "messages": 0})
            line["conversations"] += 1
            line["messages"] += counts[conv["_id"]]
        report.conversations += len(todo)
        report.messages += sum(counts.values())
        if todo and not dry_run:
            todo_ids = [c["_id"] for c in todo]
            _, stored = await privacy.scrub_messages(db, {"conversation_id": {"$in": todo_ids}}, mode, privacy.ANONYMISED)
            await privacy.scrub_conversations(db, todo_ids, mode)
            report.attachments += await privacy.drop_unused_attachments(db, stored)
            await memory.forget(todo_ids)
        done += len(batch)
        if progress:
            progress(done, total)
        if renew:
            await renew()
    if not dry_run and report.conversations:
        await audit.record(db, AuditEntry(
            actor=ACTOR, action="retention.run", reason="bewaartermijn verlopen",
            detail=report.model_dump(mode="json", exclude={"dry_run"}),
        ))
    (log.info if report.conversations or dry_run else log.debug)(
        "retention run", extra={"mode": mode, "dry_run": dry_run, "conversations": report.conversations, "messages": report.messages}
    )
    return report


async def run_once(
    db: AsyncIOMotorDatabase, settings: Settings, memory: BotMemory | None = None
) -> RetentionReport | None:
    """One scheduled run, when this process gets the lease; None when another replica has it."""
    lease = Lease(db.privacy_state, "retention_lease", LEASE_TTL)
    if not await lease.acquire():
        return None
    try:
        return await run(db, settings, renew=lease.renew, memory=memory)
    finally:
        await lease.release()


async def loop(db: AsyncIOMotorDatabase, settings: Settings, memory: BotMemory | None = None) -> None:
    interval = settings.retention_interval_minutes * 60
    while True:
        try:
            await run_once(db, settings, memory)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the job must survive a storage hiccup; the next run retries
            log.exception("retention run failed")
        await asyncio.sleep(interval)


def setup_retention(app: Any) -> None:
    """Start the scheduled job with the hub (``create_app``), when an interval is set."""

    def job(app: Any) -> Any:
        settings = app[SETTINGS]
        if settings.retention_interval_minutes > 0 and settings.retention_closed_conversation_days > 0:
            return loop(app[DB], settings)
        return None

    run_with_app(app, retention=job)
