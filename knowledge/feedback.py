"""Was this answer helpful? Ratings of knowledge articles by residents and agents.

Residents rate the article the bot answered with, from the web chat widget:
``POST /api/v1/webchat/feedback`` ``{"conversation_id", "article", "helpful", "comment"?}``
(public like the rest of ``/api/v1/webchat/``: the unguessable conversation id is the
capability, the per-IP rate limit and CORS of the web chat apply). The rating is only taken
for an article the bot really gave in that conversation. Agents rate an article from the
console: ``POST /api/v1/knowledge/articles/{slug}/feedback``.

One rating per person per answer: a resident's second click (or an agent's) replaces the
first (the document id is source + conversation + rater + article), so a double click never
counts twice. Comments are kept without personal data (``hub.privacy.scrub``). Editors see
the counts on each article; articles with negative ratings come first in their list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel, ConfigDict, Field

from hub.core.appkeys import DB
from hub.core.http import json_error, parse
from hub.privacy.scrub import scrub
from hub.staff.auth import require_role
from knowledge.handlers import API, handles_errors, service, who
from knowledge.models import SLUG_RE, as_utc, utcnow

COLLECTION = "article_feedback"
MAX_COMMENT = 1000
Source = Literal["resident", "agent"]


class ResidentFeedback(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    conversation_id: str = Field(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
    article: str = Field(min_length=2, max_length=120, pattern=SLUG_RE, description="slug of the article answered")
    helpful: bool
    comment: str = Field("", max_length=MAX_COMMENT)


class AgentFeedback(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    helpful: bool
    comment: str = Field("", max_length=MAX_COMMENT)
    conversation_id: str | None = Field(None, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")


async def rate(
    db: AsyncIOMotorDatabase,
    slug: str,
    helpful: bool,
    source: Source,
    comment: str = "",
    conversation_id: str | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """Store one rating (replacing the same rater's earlier rating of this answer)."""
    doc = {
        "slug": slug,
        "helpful": helpful,
        "source": source,
        "comment": scrub(comment, MAX_COMMENT),
        "conversation_id": conversation_id,
        "by": by,
        "at": utcnow(),
    }
    key = f"{source}:{conversation_id or '-'}:{by or '-'}:{slug}"
    await db[COLLECTION].update_one({"_id": key}, {"$set": doc}, upsert=True)
    return doc


async def summary(db: AsyncIOMotorDatabase) -> dict[str, dict[str, Any]]:
    """Per article: helpful and not-helpful counts and the moment of the latest negative rating."""
    pipeline = [
        {"$group": {
            "_id": "$slug",
            "up": {"$sum": {"$cond": ["$helpful", 1, 0]}},
            "down": {"$sum": {"$cond": ["$helpful", 0, 1]}},
            "last_negative_at": {"$max": {"$cond": ["$helpful", None, "$at"]}},
        }},
    ]
    return {
        row["_id"]: {"up": row["up"], "down": row["down"], "last_negative_at": as_utc(row.get("last_negative_at"))}
        async for row in db[COLLECTION].aggregate(pipeline)
    }


async def recent(db: AsyncIOMotorDatabase, slug: str, limit: int = 20) -> list[dict[str, Any]]:
    """The latest ratings of one article, for its editors (no conversation ids, no names of residents)."""
    cursor = db[COLLECTION].find({"slug": slug}, {"_id": 0}).sort("at", -1).limit(limit)
    return [
        {"helpful": d["helpful"], "source": d["source"], "comment": d.get("comment", ""),
         "at": as_utc(d["at"]).isoformat() if isinstance(d.get("at"), datetime) else None}
        async for d in cursor
    ]


async def counts(db: AsyncIOMotorDatabase, slug: str) -> dict[str, int]:
    up = await db[COLLECTION].count_documents({"slug": slug, "helpful": True})
    down = await db[COLLECTION].count_documents({"slug": slug, "helpful": False})
    return {"up": up, "down": down}


# ---------------------------------------------------------------------- HTTP
@handles_errors
async def resident_feedback(request: web.Request) -> web.Response:
    """``POST /api/v1/webchat/feedback``: the widget's thumbs up or down under an article answer."""
    body = await parse(request, ResidentFeedback)
    db = request.app[DB]
    answered = await db.messages.find_one(
        {"conversation_id": body.conversation_id, "meta.article": body.article}, {"_id": 1}
    )
    if answered is None:
        return json_error(404, "unknown_answer", "Dit antwoord hoort niet bij dit gesprek.")
    await rate(db, body.article, body.helpful, "resident", body.comment, body.conversation_id)
    return web.json_response({"ok": True, "message": "Bedankt voor uw reactie."})


@require_role("agent", "editor", "supervisor")
@handles_errors
async def agent_feedback(request: web.Request) -> web.Response:
    """``POST /api/v1/knowledge/articles/{slug}/feedback``: an agent rates an article (console)."""
    body = await parse(request, AgentFeedback)
    slug = request.match_info["slug"]
    await service(request).store.require(slug)
    await rate(request.app[DB], slug, body.helpful, "agent", body.comment, body.conversation_id, by=who(request))
    return web.json_response({"ok": True, **await counts(request.app[DB], slug)})


def routes() -> list[web.RouteDef]:
    return [
        web.post("/api/v1/webchat/feedback", resident_feedback),
        web.post(f"{API}/articles/{{slug}}/feedback", agent_feedback),
    ]
