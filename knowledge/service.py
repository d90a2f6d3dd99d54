"""The knowledge base as the hub and the bot's actions use it: storage plus a live search index.

At start the service loads every article from MongoDB into its search engine; after that
it keeps the index in sync two ways:

* write-through: changes made through this service are indexed before the call returns;
* a MongoDB change stream on ``articles`` and ``synonyms``: changes made by any other
  process (another hub, the action server's own service, ``kcc kb import``) arrive here
  within milliseconds. If the stream breaks, the service reconnects and re-reads
  everything, so nothing that happened meanwhile is missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pydantic import ValidationError
from pymongo.errors import PyMongoError

from hub.core.loops import Loops
from knowledge import importer
from knowledge.models import Article, ArticleContent, Hit, NewArticle, Product, SynonymGroups, View
from knowledge.search import SearchEngine, create_engine
from knowledge.store import KnowledgeStore

log = logging.getLogger(__name__)
WATCHED = ("articles", "synonyms")
# How long one wait for changes (getMore) lasts when nothing changes: the server answers at once
# when a change comes, and stop() does not wait for it, so only the idle round trips count
# (300 ms was 200 getMore a minute per process, the action server's too).
MAX_AWAIT_MS = 10_000
OPENING_AWAIT_MS = 100  # the first wait of start(): only to obtain a resume token


class KnowledgeService:
    def __init__(self, db: AsyncIOMotorDatabase, settings: Any, engine: SearchEngine | None = None):
        self.db = db
        self.settings = settings
        self.store = KnowledgeStore(db)
        self.engine = engine or create_engine(settings)
        self._indexed: dict[str, int] = {}  # slug -> version in the index
        self._slug_by_id: dict[str, str] = {}  # Mongo _id -> slug, to handle delete events
        self._loops = Loops()
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
        # Open a change stream now, so no change between the full load and the loop is lost: a
        # short wait gives its resume token, and the long-waiting stream the loop follows resumes
        # there (one long wait at start-up would hold the hub's start-up for MAX_AWAIT_MS).
        opening = self._watch(max_await_ms=OPENING_AWAIT_MS)
        first = await opening.try_next()
        token = opening.resume_token
        await opening.close()
        await self._full_load()
        if first:
            await self._dispatch(first)
        stream = self._watch(resume_after=token)
        self._loops.start(**{"kb-watch": self._follow(stream)})
        self._loaded = True
        log.info(
            "knowledge service started",
            extra={"engine": self.engine.name, "articles": len(self._indexed)},
        )

    async def stop(self) -> None:
        await self._loops.stop()
        self._loaded = False
        await self.engine.close()

    def ready(self) -> bool:
        return self._loaded and self.engine.ready() and self._loops.running()

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

    async def _full_load(self) -> None:
        async with self._lock:
            articles, ids = [], {}
            async for doc in self.db["articles"].find({}):
                try:
                    article = Article.model_validate(doc)
                except ValidationError:
                    log.warning("unreadable article skipped", extra={"id": str(doc.get("_id"))})
                    continue
                articles.append(article)
                ids[str(doc["_id"])] = article.slug
            gone = set(self._indexed) - {a.slug for a in articles}
            for slug in gone:
                await self.engine.remove(slug)
            await self.engine.set_synonyms((await self.store.get_synonyms()).groups)
            await self.engine.index_many(articles)
            self._indexed = {a.slug: a.version for a in articles}
            self._slug_by_id = ids

    async def _reload_synonyms(self) -> None:
        await self.engine.set_synonyms((await self.store.get_synonyms()).groups)
        self._notify("synonyms", "")

    def _watch(self, max_await_ms: int = MAX_AWAIT_MS, resume_after: Any = None) -> Any:
        """One change stream for both collections (one thread of motor's pool, not two)."""
        pipeline = [{"$match": {"ns.coll": {"$in": list(WATCHED)}}}]
        return self.db.watch(
            pipeline, full_document="updateLookup", max_await_time_ms=max_await_ms, resume_after=resume_after
        )

    async def _dispatch(self, change: dict[str, Any]) -> None:
        if (change.get("ns") or {}).get("coll") == "synonyms":
            await self._reload_synonyms()
        else:
            await self._apply(change)

    async def _follow(self, stream: Any) -> None:
        """Apply change events forever; on a broken stream, reopen it and re-read everything."""
        delay = 0.5
        while True:
            try:
                async with stream:
                    async for change in stream:
                        await self._dispatch(change)
                        delay = 0.5
            except asyncio.CancelledError:
                raise
            except (PyMongoError, OSError) as exc:
                log.warning("change stream interrupted", extra={"error": str(exc)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)
            try:
                stream = self._watch()
                await stream.try_next()
                await self._full_load()
                log.info("change stream resumed")
            except (PyMongoError, OSError) as exc:
                log.warning("change stream reopen failed", extra={"error": str(exc)})

    async def _apply(self, change: dict[str, Any]) -> None:
        op = change.get("operationType")
        doc_id = str((change.get("documentKey") or {}).get("_id"))
        if op in ("insert", "update", "replace"):
            doc = change.get("fullDocument")
            if not doc:
                return  # deleted again before the lookup; a delete event follows
            try:
                article = Article.model_validate(doc)
            except ValidationError:
                log.warning("unreadable article in change stream", extra={"id": doc_id})
                return
            self._slug_by_id[doc_id] = article.slug
            await self._index(article)
        elif op == "delete":
            slug = self._slug_by_id.pop(doc_id, None)
            if slug:
                await self._remove(slug)
        elif op in ("drop", "rename", "dropDatabase", "invalidate"):
            await self._full_load()

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

    async def set_synonyms(self, groups: SynonymGroups, by: str) -> SynonymGroups:
        saved = await self.store.set_synonyms(groups, by)
        await self.engine.set_synonyms(saved.groups)
        return saved
