"""MongoDB access through motor: one code path for SecantusDB (local) and real MongoDB."""

from __future__ import annotations

import logging

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from pymongo import ASCENDING, DESCENDING, IndexModel

from hub.settings import Settings

log = logging.getLogger(__name__)

INDEXES: dict[str, list[IndexModel]] = {
    "messages": [
        IndexModel([("dedup_key", ASCENDING)], unique=True, name="dedup"),
        IndexModel([("conversation_id", ASCENDING), ("seq", ASCENDING)], name="conv_seq"),
        IndexModel([("contact_id", ASCENDING), ("created_at", ASCENDING)], name="contact_history"),
    ],
    "conversations": [
        IndexModel([("open_key", ASCENDING)], unique=True, name="open_key"),
        IndexModel([("contact_id", ASCENDING), ("created_at", DESCENDING)], name="by_contact"),
        IndexModel([("state", ASCENDING), ("queued_at", ASCENDING)], name="by_state"),
    ],
    "events": [
        IndexModel([("at", ASCENDING)], name="at"),
        IndexModel([("conversation_id", ASCENDING), ("at", ASCENDING)], name="conv_at"),
    ],
    "contacts": [IndexModel([("addresses", ASCENDING)], name="addresses")],
    "articles": [IndexModel([("slug", ASCENDING)], unique=True, name="slug")],
    "article_versions": [IndexModel([("slug", ASCENDING), ("version", DESCENDING)], unique=True, name="slug_version")],
    "products": [IndexModel([("slug", ASCENDING)], unique=True, name="slug")],
    "cases": [IndexModel([("number", ASCENDING)], unique=True, name="number")],
    "callbacks": [IndexModel([("due_at", ASCENDING)], name="due")],
    "audit": [IndexModel([("at", ASCENDING)], name="at")],
    "unanswered": [IndexModel([("key", ASCENDING)], unique=True, name="key")],
}


def mongo_url(settings: Settings) -> str:
    if settings.mongodb_url:
        return settings.mongodb_url
    return f"mongodb://127.0.0.1:{settings.mongo_port}/?directConnection=true"


def connect(settings: Settings) -> AsyncIOMotorDatabase:
    """A motor database handle; the client reconnects by itself after a server restart."""
    client = AsyncIOMotorClient(
        mongo_url(settings),
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=3000,
        retryWrites=True,
    )
    return client[settings.mongodb_db]


async def ensure_indexes(db: AsyncIOMotorDatabase) -> None:
    for name, indexes in INDEXES.items():
        await db[name].create_indexes(indexes)
    log.info("indexes ready", extra={"collections": len(INDEXES)})


async def ping(db: AsyncIOMotorDatabase) -> bool:
    try:
        await db.command("ping")
        return True
    except Exception:  # noqa: BLE001 - health check reports any failure as "down"
        return False
