"""MongoDB access through motor: one code path for SecantusDB (local) and real MongoDB."""

from __future__ import annotations

import logging

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from pymongo import ASCENDING, DESCENDING, IndexModel

from hub.core.settings import Settings

log = logging.getLogger(__name__)

INDEXES: dict[str, list[IndexModel]] = {
    "messages": [
        IndexModel([("dedup_key", ASCENDING)], unique=True, name="dedup"),
        IndexModel([("conversation_id", ASCENDING), ("seq", ASCENDING)], name="conv_seq"),
        IndexModel([("contact_id", ASCENDING), ("created_at", ASCENDING)], name="contact_history"),
        IndexModel([("provider_message_id", ASCENDING)], sparse=True, name="provider_message_id"),  # delivery reports
    ],
    "conversations": [
        IndexModel([("open_key", ASCENDING)], unique=True, name="open_key"),
        IndexModel([("contact_id", ASCENDING), ("created_at", DESCENDING)], name="by_contact"),
        IndexModel([("state", ASCENDING), ("queued_at", ASCENDING)], name="by_state"),
        # handover: a team's queue in order (handover.queue.QUEUE_ORDER), an agent's conversations, Slack threads
        IndexModel([("state", ASCENDING), ("team", ASCENDING), ("front", DESCENDING), ("priority", DESCENDING),
                    ("queue_key", ASCENDING)], name="team_queue"),
        IndexModel([("assignee", ASCENDING), ("state", ASCENDING)], name="by_assignee"),
        IndexModel([("slack.ts", ASCENDING)], sparse=True, name="slack_thread"),
    ],
    # handover: the agent desk (presence, capacity, idle order), files agents send, Slack deliveries
    "agents": [IndexModel([("teams", ASCENDING), ("presence", ASCENDING), ("idle_since", ASCENDING)], name="routing")],
    "files": [IndexModel([("conversation_id", ASCENDING)], name="by_conversation")],
    "slack_events": [IndexModel([("received_at", ASCENDING)], name="received_at")],
    "events": [
        IndexModel([("at", ASCENDING)], name="at"),
        IndexModel([("conversation_id", ASCENDING), ("at", ASCENDING)], name="conv_at"),
        IndexModel([("type", ASCENDING), ("at", ASCENDING)], name="type_at"),  # statistics: agent presence
    ],
    # statistics working tables (hub/stats/rollup.py), folded from the events
    "stats_conversations": [
        IndexModel([("day", ASCENDING)], name="day"),
        IndexModel([("topic_v", ASCENDING), ("day", ASCENDING)], name="topic_day"),
        IndexModel([("dirty", ASCENDING)], sparse=True, name="dirty"),
        IndexModel([("recheck_at", ASCENDING)], sparse=True, name="recheck_at"),  # norms: pending outcomes
        IndexModel([("contact_v", ASCENDING)], sparse=True, name="contact"),  # norms: follow-up contacts
    ],
    "stats_daily": [IndexModel([("day", ASCENDING)], name="day")],
    "stats_topic_daily": [
        IndexModel([("day", ASCENDING)], name="day"),
        IndexModel([("topic", ASCENDING), ("day", ASCENDING)], name="topic_day"),
    ],
    "stats_items": [
        IndexModel([("day", ASCENDING)], name="day"),
        IndexModel([("dirty", ASCENDING)], sparse=True, name="dirty"),
        IndexModel([("pending", ASCENDING), ("due_at", ASCENDING)], name="pending_due"),
    ],
    "stats_presence": [
        IndexModel([("day", ASCENDING)], name="day"),
        IndexModel([("agent", ASCENDING), ("day", ASCENDING)], name="agent_day"),
    ],
    "contacts": [
        IndexModel([("addresses", ASCENDING)], name="addresses"),
        IndexModel([("bsn", ASCENDING)], unique=True, sparse=True, name="bsn"),  # one live contact per BSN
        IndexModel([("org_key", ASCENDING)], unique=True, sparse=True, name="org_key"),  # KvK number + branch
        IndexModel([("kvk", ASCENDING)], sparse=True, name="kvk"),
        IndexModel([("name", ASCENDING)], sparse=True, name="name"),
        IndexModel([("consents.topic", ASCENDING), ("_id", ASCENDING)], sparse=True, name="consent_topic"),
    ],
    "contact_merges": [IndexModel([("target_id", ASCENDING), ("at", DESCENDING)], name="by_target")],
    # issue 17: case notices waiting for the notifier, crises, residents who chose crisis messages
    "notices": [IndexModel([("state", ASCENDING), ("created_at", ASCENDING)], name="state_created")],
    "crises": [IndexModel([("active", ASCENDING), ("on_at", DESCENDING)], name="active_on")],
    "articles": [
        IndexModel([("slug", ASCENDING)], unique=True, name="slug"),
        IndexModel([("status", ASCENDING), ("department", ASCENDING)], name="status_department"),
    ],
    "article_versions": [IndexModel([("slug", ASCENDING), ("version", DESCENDING)], unique=True, name="slug_version")],
    # an article's one pending draft and its schedule (knowledge/workflow.py); ratings of answers (knowledge/feedback.py)
    "article_drafts": [
        IndexModel([("slug", ASCENDING)], unique=True, name="slug"),
        IndexModel([("state", ASCENDING), ("publish_at", ASCENDING)], name="scheduled"),
    ],
    "article_feedback": [IndexModel([("slug", ASCENDING), ("at", DESCENDING)], name="by_article")],
    "products": [IndexModel([("slug", ASCENDING)], unique=True, name="slug")],
    "cases": [
        IndexModel([("number", ASCENDING)], unique=True, name="number"),
        IndexModel([("contact_id", ASCENDING), ("status", ASCENDING)], name="by_contact"),
        IndexModel([("status", ASCENDING), ("answer_due_at", ASCENDING)], name="by_deadline"),
        IndexModel([("conversation_ids", ASCENDING)], name="by_conversation"),
        IndexModel([("sync.zaken", ASCENDING)], name="zaken_outbox"),
    ],
    "callbacks": [
        IndexModel([("due_at", ASCENDING)], name="due"),
        IndexModel([("status", ASCENDING), ("due_at", ASCENDING)], name="open_due"),
        IndexModel([("contact_id", ASCENDING), ("status", ASCENDING)], name="by_contact"),
        IndexModel([("sync.klantinteracties", ASCENDING)], name="klantinteracties_outbox"),
    ],
    "audit": [
        IndexModel([("at", ASCENDING)], name="at"),
        IndexModel([("contact_id", ASCENDING), ("at", DESCENDING)], name="by_contact"),
    ],
    # staff sessions and log-in (hub/staff/auth.py, hub/staff/oidc.py); AVG/GDPR tombstones (hub/gdpr/rights.py)
    "sessions": [IndexModel([("username", ASCENDING)], name="by_username")],
    "oidc_flows": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expires")],
    "erasures": [IndexModel([("key_hashes", ASCENDING)], name="key_hashes")],
    "unanswered": [
        IndexModel([("key", ASCENDING)], unique=True, name="key"),
        IndexModel([("count", DESCENDING), ("last_at", DESCENDING)], name="most_asked"),
    ],
}


def embedded_url(port: int) -> str:
    """The URL of the embedded Mongo-wire server (SecantusDB) the project starts on loopback.

    Without retryable writes: SecantusDB 0.7 keeps a record of every retryable write and
    scans that registry on each write, so with pymongo's default (``retryWrites=true``) every
    write gets slower as the hub is used (a probe insert went from 1.7 ms to 13-30 ms after
    ~10,000 writes). A write lost to a dropped connection is still safe: a resident's message
    is stored first under a unique ``dedup_key`` and the sender's retry finds it; other writes
    are updates by ``_id`` that can be repeated. A real MongoDB (``KCC_MONGODB_URL``) keeps its
    own default, retryable writes.
    """
    return f"mongodb://127.0.0.1:{port}/?directConnection=true&retryWrites=false"


def mongo_url(settings: Settings) -> str:
    if settings.mongodb_url:
        return settings.mongodb_url
    return embedded_url(settings.mongo_port)


def connect(settings: Settings) -> AsyncIOMotorDatabase:
    """A motor database handle; the client reconnects by itself after a server restart."""
    client = AsyncIOMotorClient(
        mongo_url(settings),
        tz_aware=True,
        # fail fast while the server is away (requests answer 503 + Retry-After, see hub.web.app)
        serverSelectionTimeoutMS=settings.mongo_server_selection_timeout_ms,
        connectTimeoutMS=min(3000, settings.mongo_server_selection_timeout_ms),
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
