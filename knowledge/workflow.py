"""Draft -> review -> publish: an editor's save never changes what residents get.

The live article (``articles``) is what residents, the bot and the search index see. An
editor's save goes into the article's one pending draft (``article_drafts``, one per slug);
only publishing copies the draft into the live article, as a new version, and moves the
knowledge revision on (``KnowledgeStore._commit`` -> ``_bump``), so every search index
re-reads it. A draft save does not touch the article or the revision.

States of a draft: ``draft`` (concept), ``review`` (ter beoordeling: submitted by an editor
without the publish right), ``scheduled`` (ingepland: published by the scheduler at
``publish_at``). Who may do what is checked by the HTTP layer with the one rights check
(``hub.staff.auth.has_right(staff, PUBLISH_KNOWLEDGE)``); this module only keeps the states.

Every step is a history entry (``article_versions``) with the draft's full snapshot, so the
side panel shows one timeline and any two versions can be compared. Version numbers run on
per article across drafts and publications; the unique ``(slug, version)`` index makes two
writers of the same step a ``Conflict``.

Scheduled publication: a loop per hub (``run_schedule``) sleeps until the earliest
``publish_at`` it knows (woken at once when a schedule is made in this process) and otherwise
sweeps every ``KCC_KNOWLEDGE_SCHEDULE_SWEEP_S`` seconds (default 60) for schedules made by
another hub. Two hubs publishing the same draft meet the version lock: one wins, the other
finds nothing left to do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from hub.core.loops import woken
from knowledge.models import (
    CONTENT_FIELDS,
    Article,
    ArticleContent,
    ArticleVersion,
    as_utc,
    utcnow,
)
from knowledge.store import Conflict, KnowledgeStore, NotFound, review_date

log = logging.getLogger(__name__)
DraftState = Literal["draft", "review", "scheduled"]
STATE_NL = {"draft": "concept", "review": "ter beoordeling", "scheduled": "ingepland"}


class NotAllowed(RuntimeError):
    """A step that does not fit the draft's state (e.g. sending back what was never submitted)."""


class Draft(BaseModel):
    model_config = ConfigDict(extra="ignore")

    slug: str
    content: dict[str, Any]
    state: DraftState = "draft"
    version: int  # the history entry of its latest step
    base_version: int  # the live article's version it was started from
    updated_at: datetime
    updated_by: str
    submitted_by: str | None = None
    comment: str = ""  # the reviewer's comment when it was sent back
    commented_by: str | None = None
    publish_at: datetime | None = None

    def view(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["state_label"] = STATE_NL[self.state]
        return data


class Workflow:
    def __init__(self, store: KnowledgeStore):
        self.store = store
        self.drafts = store.db["article_drafts"]

    # ------------------------------------------------------------------ reads
    async def get(self, slug: str) -> Draft | None:
        doc = await self.drafts.find_one({"slug": slug}, {"_id": 0})
        return Draft.model_validate(doc) if doc else None

    async def states(self) -> dict[str, Draft]:
        """Every pending draft by slug (the editor's list shows their state)."""
        return {d["slug"]: Draft.model_validate(d) async for d in self.drafts.find({}, {"_id": 0})}

    async def next_due(self, after: datetime | None = None) -> datetime | None:
        """The earliest scheduled moment after ``after`` (a due one that failed waits for the sweep)."""
        query: dict[str, Any] = {"state": "scheduled"}
        if after is not None:
            query["publish_at"] = {"$gt": after}
        doc = await self.drafts.find_one(query, {"publish_at": 1}, sort=[("publish_at", ASCENDING)])
        return as_utc(doc["publish_at"]) if doc and doc.get("publish_at") else None

    async def due(self, now: datetime | None = None) -> list[str]:
        cursor = self.drafts.find({"state": "scheduled", "publish_at": {"$lte": now or utcnow()}}, {"slug": 1})
        return [d["slug"] async for d in cursor]

    # ------------------------------------------------------------------ steps
    async def _step(
        self,
        slug: str,
        by: str,
        action: str,
        change: Callable[[Draft], None],
        content: dict[str, Any] | None = None,
        expected: int | None = None,
        note: str = "",
    ) -> Draft:
        """One step on the draft (made from the live article when there is none): history entry, then the draft."""
        article = await self.store.require(slug)
        current = await self.get(slug)
        at_version = current.version if current else article.version
        if expected is not None and expected != at_version:
            raise Conflict(f"{slug} is at version {at_version}, not {expected}")
        now = utcnow()
        version = await self.store.last_version(slug) + 1
        draft = current.model_copy(deep=True) if current else Draft(
            slug=slug, content=article.content(), version=version, base_version=article.version,
            updated_at=now, updated_by=by,
        )
        if content is not None:
            draft.content = content
        draft.version, draft.updated_at, draft.updated_by = version, now, by
        change(draft)
        snapshot = {**article.model_dump(), **draft.content, "version": version, "updated_at": now, "updated_by": by}
        await self.store.record(ArticleVersion(
            slug=slug, version=version, at=now, by=by, action=action, snapshot=snapshot, note=note,  # type: ignore[arg-type]
        ))
        doc = draft.model_dump()
        try:
            if current is None:
                await self.drafts.insert_one(doc)
            elif (await self.drafts.replace_one({"slug": slug, "version": current.version}, doc)).matched_count != 1:
                raise Conflict(f"{slug} changed meanwhile")
        except (Conflict, DuplicateKeyError) as exc:
            await self.store.versions.delete_one({"slug": slug, "version": version})
            raise Conflict(f"{slug} changed meanwhile") from exc
        return draft

    async def save(
        self, slug: str, content: ArticleContent, by: str, expected: int | None = None,
        action: str = "draft", note: str = "",
    ) -> Draft:
        """Keep the editor's text as the draft; a scheduled draft that changes needs scheduling again."""

        fields = content.model_dump(include=set(CONTENT_FIELDS))

        def change(draft: Draft) -> None:
            if draft.state == "scheduled":
                draft.state, draft.publish_at = "draft", None

        if fields.get("review_at") is None:  # not sent: the review date stays as it is
            current = await self.get(slug)
            base = current.content if current else (await self.store.require(slug)).content()
            fields["review_at"] = base.get("review_at")
        return await self._step(slug, by, action, change, content=fields, expected=expected, note=note)

    async def submit(self, slug: str, by: str) -> Draft:
        def change(draft: Draft) -> None:
            draft.state, draft.submitted_by, draft.publish_at = "review", by, None
            draft.comment, draft.commented_by = "", None

        return await self._step(slug, by, "submit", change)

    async def send_back(self, slug: str, by: str, comment: str) -> Draft:
        current = await self.get(slug)
        if current is None or current.state != "review":
            raise NotAllowed("Dit artikel is niet ingediend ter beoordeling.")

        def change(draft: Draft) -> None:
            draft.state, draft.comment, draft.commented_by = "draft", comment, by

        return await self._step(slug, by, "send_back", change, note=comment)

    async def schedule(self, slug: str, by: str, at: datetime) -> Draft:
        def change(draft: Draft) -> None:
            draft.state, draft.publish_at = "scheduled", at

        return await self._step(slug, by, "schedule", change, note=f"publicatie gepland op {at.isoformat()}")

    async def publish(self, slug: str, by: str) -> Article:
        """Make the draft (or a never published article) live: a new version; the draft is done."""
        article = await self.store.require(slug)
        draft = await self.get(slug)
        if draft is None and article.status == "published":
            return article  # nothing waiting: already live
        content = draft.content if draft else article.content()
        now = utcnow()
        review_at = as_utc(content.get("review_at"))
        if review_at is None or review_at <= now:  # published means checked: the next check in a year
            review_at = review_date(now)
        live = Article(**{
            **article.model_dump(), **content, "review_at": review_at, "status": "published",
            "version": await self.store.last_version(slug) + 1, "updated_at": now, "updated_by": by,
        })
        note = f"ingediend door {draft.submitted_by}" if draft and draft.submitted_by else ""
        published = await self.store._commit(live, "publish", by, expected=article.version, note=note)
        if draft is not None:
            await self.drafts.delete_one({"slug": slug, "version": draft.version})
        return published

    async def discard(self, slug: str) -> bool:
        return (await self.drafts.delete_one({"slug": slug})).deleted_count == 1


async def run_schedule(
    publish_due: Callable[[], Awaitable[datetime | None]], wake: asyncio.Event, sweep_s: float
) -> None:
    """Publish what is due, then sleep until the next known moment, a new schedule, or the sweep."""
    while True:
        next_at: datetime | None = None
        try:
            next_at = await publish_due()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the loop must survive a database hiccup
            log.exception("scheduled publication failed")
        wait = sweep_s
        if next_at is not None:
            wait = min(sweep_s, max(0.05, (next_at - utcnow()).total_seconds()))
        await woken(wake, wait)


__all__ = ["Draft", "NotAllowed", "NotFound", "STATE_NL", "Workflow", "run_schedule"]
