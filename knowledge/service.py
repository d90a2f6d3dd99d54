"""The knowledge base as the hub and the bot's actions use it: storage plus a search index.

At start the service loads every article from MongoDB into its search engine; after that
it keeps the index in step two ways:

* write-through: changes made through this service are indexed before the call returns;
* a revision check before every search: every write of an article or the synonyms moves
  ``knowledge_meta.revision`` on (``KnowledgeStore._bump``), whoever makes it (another hub,
  the action server's service, ``kcc kb import``). A search first reads that one counter;
  when it moved, the service compares every article's version with its index and re-reads
  only what changed (and the synonyms). So an edit is in the next search anywhere, and an
  idle service sends the database nothing.

Before, a MongoDB change stream carried the changes. On the embedded server every write
of the hub (a message, an event) woke each stream's waiting ``getMore`` for nothing: with
the hub's and the action server's streams open, the database spent about a third more CPU
per web chat message (bench: ``bench/pipeline.py``, README "Performance"). It also needed
a replica set on a real MongoDB; the counter does not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import ValidationError
from pymongo.errors import PyMongoError

from knowledge import importer
from knowledge.models import (
    Article,
    ArticleContent,
    Hit,
    NewArticle,
    Product,
    SynonymGroups,
    View,
    utcnow,
)
from knowledge.search import SearchEngine, create_engine
from knowledge.store import KnowledgeStore
from knowledge.workflow import Draft, Workflow

log = logging.getLogger(__name__)


class KnowledgeService:
    def __init__(self, db: AsyncIOMotorDatabase, settings: Any, engine: SearchEngine | None = None):
        self.db = db
        self.settings = settings
        self.store = KnowledgeStore(db)
        self.workflow = Workflow(self.store)
        self.schedule_wake = asyncio.Event()  # set when this process schedules a publication
        self.engine = engine or create_engine(settings)
        self._indexed: dict[str, int] = {}  # slug -> version in the index
        self._revision: int | None = None  # the store's revision the index was last compared at
        self._loaded = False
        self._lock = asyncio.Lock()
        self.listeners: list[Callable[[str, str], None]] = []  # (event, slug) hooks, e.g. for tests

    @classmethod
    async def create(
        cls,
        db: AsyncIOMotorDatabase,
        settings: Any,
        engine: SearchEngine | None = None,
        import_if_empty: bool = False,
    ) -> KnowledgeService:
        """A started service (``start`` may be called again: it does nothing the second time)."""
        service = cls(db, settings, engine)
        await service.start(import_if_empty=import_if_empty)
        return service

    # ------------------------------------------------------------------ life cycle
    async def start(self, import_if_empty: bool = False) -> None:
        if self._loaded:
            return
        if import_if_empty and await self.store.count() == 0:
            await self.import_shipped_content()
        migrated = await self.store.migrate_owners()
        if migrated:
            log.info("articles given an owner and review date", extra={"articles": migrated})
        await self._sync()
        self._loaded = True
        log.info(
            "knowledge service started",
            extra={"engine": self.engine.name, "articles": len(self._indexed)},
        )

    async def stop(self) -> None:
        self._loaded = False
        await self.engine.close()

    def ready(self) -> bool:
        return self._loaded and self.engine.ready()

    async def import_shipped_content(self) -> importer.ImportReport:
        report = await importer.import_path(
            self.store, self.settings.knowledge_content_dir, by="import"
        )
        for error in report.errors:
            log.warning("content import error", extra={"error": str(error)})
        log.info(
            "shipped content imported",
            extra={"new_records": report.created, "errors": len(report.errors)},
        )
        return report

    async def _sync(self) -> None:
        """Bring the index in step with the store: re-read what changed since the last look."""
        async with self._lock:
            revision = await self.store.revision()  # before reading: a write after it moves it on again
            if revision == self._revision:
                return
            present = {d["slug"]: d.get("version") async for d in self.db["articles"].find({}, {"slug": 1, "version": 1})}
            changed = [slug for slug, version in present.items() if self._indexed.get(slug) != version]
            articles = []
            if changed:
                async for doc in self.db["articles"].find({"slug": {"$in": changed}}):
                    try:
                        articles.append(Article.model_validate(doc))
                    except ValidationError:
                        log.warning("unreadable article skipped", extra={"id": str(doc.get("_id"))})
            for slug in set(self._indexed) - set(present):
                await self.engine.remove(slug)
                self._indexed.pop(slug, None)
                self._notify("removed", slug)
            await self.engine.set_synonyms((await self.store.get_synonyms()).groups)
            if articles:
                await self.engine.index_many(articles)
            for article in articles:
                self._indexed[article.slug] = article.version
                self._notify("indexed", article.slug)
            self._revision = revision

    async def _index(self, article: Article) -> None:
        async with self._lock:
            if self._indexed.get(article.slug) == article.version:
                return  # already indexed (write-through, then our own change event)
            await self.engine.index(article)
            self._indexed[article.slug] = article.version
        self._notify("indexed", article.slug)

    async def _remove(self, slug: str) -> None:
        async with self._lock:
            await self.engine.remove(slug)
            self._indexed.pop(slug, None)
        self._notify("removed", slug)

    def _notify(self, event: str, slug: str) -> None:
        for listener in self.listeners:
            listener(event, slug)

    # ------------------------------------------------------------------ reads (bot, agents, API)
    async def search(self, q: str, size: int = 5, view: View = "resident") -> list[Hit]:
        if not q or not q.strip():
            return []
        if self._loaded:
            try:
                await self._sync()  # one read of the revision counter; more only when something changed
            except PyMongoError as exc:  # the database is away: answer from the index as it is
                log.warning("knowledge index not compared with the store", extra={"error": type(exc).__name__})
        return await self.engine.search(q, size=size, audience_view=view)

    async def get_article(self, slug: str, view: View = "resident") -> Article | None:
        """The article if the view may see it; residents never get the internal note."""
        article = await self.store.get(slug)
        if article is None:
            return None
        if view == "resident":
            if not article.visible_to_residents():
                return None
            return article.model_copy(update={"internal_note": ""})
        return article

    async def get_product(self, slug: str) -> Product | None:
        return await self.store.get_product(slug)

    # ------------------------------------------------------------------ writes (write-through)
    async def create_article(self, new: NewArticle, by: str) -> Article:
        article = await self.store.create(new, by)
        await self._index(article)
        return article

    async def update_article(
        self, slug: str, content: ArticleContent, by: str, expected_version: int | None = None
    ) -> Article:
        article = await self.store.update(slug, content, by, expected_version=expected_version)
        await self._index(article)
        return article

    async def set_status(self, slug: str, status: str, by: str) -> Article:
        article = await self.store.set_status(slug, status, by)
        await self._index(article)
        return article

    async def rollback(self, slug: str, version: int, by: str) -> Article:
        article = await self.store.rollback(slug, version, by)
        await self._index(article)
        return article

    # ------------------------------------------------------------------ draft -> review -> publish
    async def publish(self, slug: str, by: str) -> Article:
        """The draft goes live now: indexed before the call returns (write-through)."""
        article = await self.workflow.publish(slug, by)
        await self._index(article)
        return article

    async def schedule(self, slug: str, by: str, at: Any) -> Draft:
        draft = await self.workflow.schedule(slug, by, at)
        self.schedule_wake.set()
        return draft

    async def publish_due(self) -> Any:
        """Publish every scheduled draft whose moment has come; returns the next moment (or None)."""
        now = utcnow()
        for slug in await self.workflow.due(now):
            draft = await self.workflow.get(slug)
            try:
                await self.publish(slug, draft.updated_by if draft else "planning")
                log.info("scheduled article published", extra={"slug": slug})
            except Exception as exc:  # noqa: BLE001 - another hub published it first, or it was removed
                log.warning("scheduled publication skipped", extra={"slug": slug, "error": type(exc).__name__})
        return await self.workflow.next_due(after=now)

    async def set_synonyms(self, groups: SynonymGroups, by: str) -> SynonymGroups:
        saved = await self.store.set_synonyms(groups, by)
        await self.engine.set_synonyms(saved.groups)
        return saved
