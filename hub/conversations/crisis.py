"""Crisis mode: one message on every channel while something big happens (a storm, a power cut).

A supervisor or editor switches it on with a short text and a published article
(``crisis_api``). While it is on:

- the web chat widget shows a banner (``GET /api/v1/webchat/crisis``);
- the first reply of every new conversation, on every channel, starts with the notice;
- a question that names the crisis (its keywords, or the article's title words) gets the
  article at once, without asking the bot;
- residents who opted in to crisis messages get a broadcast (``crisis_broadcast``).

The pipeline reads the crisis from memory (``CrisisState``), never from the database per
message: every hub loads it at start, on ``crisis_on`` / ``crisis_off`` (across hubs with the
bus relay) and on a slow sweep. Switching on and off is written to the audit log and the
event log; the figures (contacts during the crisis) are counted from the event log.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import BaseModel, Field

from hub.core import events
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.loops import on_events
from hub.core.models import Reply, new_id, utcnow
from hub.privacy import audit
from hub.privacy.audit import AuditEntry
from knowledge.store import KnowledgeStore

NOTICE_PREFIX = "Let op: "
WORD_RE = re.compile(r"[a-zà-ÿ0-9]{4,}")
STOP_WORDS = {"wat", "moet", "doen", "bij", "over", "voor", "door", "heeft", "hebben", "wordt", "kunnen", "naar"}


class CrisisOn(BaseModel):
    text: str = Field(min_length=5, max_length=500, description="the notice every channel shows, B1 Dutch")
    article: str = Field(min_length=2, max_length=120, description="slug of a published article about the crisis")
    keywords: list[str] = Field(default_factory=list, max_length=30, description="words of questions about the crisis")
    broadcast: bool = Field(True, description="send the notice to residents who opted in to crisis messages")


class Crisis(BaseModel):
    id: str
    text: str
    article: str
    article_title: str
    article_answer: str
    keywords: list[str]
    on_at: datetime

    def notice(self) -> str:
        return NOTICE_PREFIX + self.text

    def about(self, text: str) -> bool:
        words = set(WORD_RE.findall((text or "").lower()))
        return bool(words & {k.lower() for k in self.keywords})

    def article_reply(self) -> Reply:
        return Reply(text=f"{self.notice()}\n\n{self.article_title}\n{self.article_answer}")


def _keywords(body: CrisisOn, title: str) -> list[str]:
    words = [w.lower() for w in body.keywords] + [w for w in WORD_RE.findall(title.lower()) if w not in STOP_WORDS]
    return list(dict.fromkeys(words))


class CrisisState:
    """The crisis as this hub knows it (None: no crisis); the pipeline reads it per message."""

    def __init__(self) -> None:
        self.current: Crisis | None = None

    async def load(self, db: AsyncIOMotorDatabase) -> None:
        doc = await db.crises.find_one({"active": True}, sort=[("on_at", -1)])
        self.current = from_doc(doc) if doc else None

    def first_reply_notice(self, seq: int) -> Reply | None:
        """The notice before the first reply of a new conversation (its first message has number 1)."""
        return Reply(text=self.current.notice()) if self.current is not None and seq == 1 else None

    def answer(self, text: str) -> Crisis | None:
        """The crisis, when ``text`` asks about it."""
        return self.current if self.current is not None and self.current.about(text) else None


def from_doc(doc: dict[str, Any]) -> Crisis:
    return Crisis(id=doc["_id"], **{k: doc[k] for k in ("text", "article", "article_title", "article_answer", "keywords", "on_at")})


class CrisisError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


async def switch_on(db: AsyncIOMotorDatabase, bus: LiveBus | None, body: CrisisOn, by: str) -> dict[str, Any]:
    article = await KnowledgeStore(db).get(body.article)
    if article is None or article.status != "published":
        raise CrisisError(422, "unknown_article", "Kies een gepubliceerd artikel over de crisis.")
    if await db.crises.find_one({"active": True}, {"_id": 1}):
        raise CrisisError(409, "crisis_active", "De crisismodus staat al aan. Zet hem eerst uit.")
    now = utcnow()
    doc = {
        "_id": new_id(), "active": True, "text": body.text, "article": body.article, "article_title": article.title,
        "article_answer": article.answer, "keywords": _keywords(body, article.title), "on_at": now, "on_by": by,
        "off_at": None, "off_by": None,
        "broadcast": {"state": "pending" if body.broadcast else "off", "sent": 0, "skipped": 0, "after": "", "channels": {}},
    }
    await db.crises.insert_one(doc)
    await audit.record(db, AuditEntry(actor=by, action="crisis.on", detail={"crisis": doc["_id"], "article": body.article}))
    await events.emit(db, bus, EventType.CRISIS_ON, None, crisis=doc["_id"], by=by, article=body.article)
    return doc


async def switch_off(db: AsyncIOMotorDatabase, bus: LiveBus | None, by: str) -> dict[str, Any]:
    now = utcnow()
    doc = await db.crises.find_one_and_update(
        {"active": True}, {"$set": {"active": False, "off_at": now, "off_by": by}}, sort=[("on_at", -1)]
    )
    if doc is None:
        raise CrisisError(409, "no_crisis", "De crisismodus staat niet aan.")
    await audit.record(db, AuditEntry(actor=by, action="crisis.off", detail={"crisis": doc["_id"]}))
    await events.emit(db, bus, EventType.CRISIS_OFF, None, crisis=doc["_id"], by=by)
    return await db.crises.find_one({"_id": doc["_id"]})


async def view(db: AsyncIOMotorDatabase, doc: dict[str, Any] | None) -> dict[str, Any]:
    """The crisis for staff: its text, who switched it, the broadcast's progress, contacts during it."""
    if doc is None:
        return {"active": False, "crisis": None}
    window = {"$gte": doc["on_at"], **({"$lt": doc["off_at"]} if doc.get("off_at") else {})}
    contacts = await db.events.count_documents({"type": EventType.CONVERSATION_OPENED.value, "at": window})
    messages = await db.events.count_documents({"type": EventType.MESSAGE_IN.value, "at": window})
    broadcast = {k: v for k, v in doc.get("broadcast", {}).items() if k != "after"}
    return {
        "active": doc["active"],
        "crisis": {
            "id": doc["_id"], "text": doc["text"], "article": doc["article"], "keywords": doc["keywords"],
            "on_at": doc["on_at"].isoformat(), "on_by": doc["on_by"],
            "off_at": doc["off_at"].isoformat() if doc.get("off_at") else None, "off_by": doc.get("off_by"),
            "broadcast": broadcast, "contacts": contacts, "messages": messages,
        },
    }


async def run(state: CrisisState, db: AsyncIOMotorDatabase, bus: LiveBus, sweep_s: float) -> None:
    """Keep this hub's ``state`` current: at start, on every switch, and on the sweep."""
    await on_events(bus, (EventType.CRISIS_ON, EventType.CRISIS_OFF), lambda: state.load(db), sweep_s, name="crisis-state")
