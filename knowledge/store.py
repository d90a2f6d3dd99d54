"""MongoDB storage of articles (with full version history), products and synonym groups.

Every change to an article writes a new entry in ``article_versions`` (who, when, full
snapshot) before the article itself is replaced. The unique index on (slug, version)
makes that an optimistic lock: of two concurrent writers of version n+1 one wins and
the other gets a ``Conflict``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from knowledge.diffs import diff_snapshots
from knowledge.models import (
    CONTENT_FIELDS,
    DEFAULT_DEPARTMENT,
    REVIEW_DAYS,
    Article,
    ArticleContent,
    ArticleVersion,
    NewArticle,
    NewProduct,
    Product,
    ProductContent,
    SynonymGroups,
    as_utc,
    utcnow,
)

SYNONYMS_ID = "groups"


class NotFound(LookupError):
    pass


class Conflict(RuntimeError):
    pass


def _article(doc: dict[str, Any]) -> Article:
    return Article.model_validate(doc)


def _doc(article: Article) -> dict[str, Any]:
    return article.model_dump()


REVISION_ID = "revision"


class KnowledgeStore:
    def __init__(self, db: AsyncIOMotorDatabase):
        self.db = db
        self.articles = db["articles"]
        self.versions = db["article_versions"]
        self.products = db["products"]
        self.synonyms = db["synonyms"]
        self.meta = db["knowledge_meta"]

    # ------------------------------------------------------------------ the revision every write moves on
    async def revision(self) -> int:
        """A counter every write of an article or the synonyms moves on: a search index compares it."""
        doc = await self.meta.find_one({"_id": REVISION_ID}, {"n": 1})
        return int(doc["n"]) if doc else 0

    async def _bump(self) -> None:
        for _ in range(3):  # two first writes at once: one creates the counter, the other increments it
            try:
                await self.meta.update_one({"_id": REVISION_ID}, {"$inc": {"n": 1}}, upsert=True)
                return
            except DuplicateKeyError:
                continue

    # ------------------------------------------------------------------ articles: read
    async def get(self, slug: str) -> Article | None:
        doc = await self.articles.find_one({"slug": slug}, {"_id": 0})
        return _article(doc) if doc else None

    async def require(self, slug: str) -> Article:
        article = await self.get(slug)
        if article is None:
            raise NotFound(slug)
        return article

    async def all(self) -> list[Article]:
        return [
            _article(doc)
            async for doc in self.articles.find({}, {"_id": 0}).sort("slug", ASCENDING)
        ]

    async def count(self) -> int:
        return await self.articles.count_documents({})

    async def list(
        self,
        status: str | None = None,
        department: str | None = None,
        text: str | None = None,
        audience: str | None = None,
    ) -> list[Article]:
        """Editor's list; ``text`` matches slug, title, question or keywords (case-insensitive)."""
        query: dict[str, Any] = {}
        if status:
            query["status"] = status
        if department:
            query["department"] = department
        if audience:
            query["audience"] = audience
        if text:
            pattern = {"$regex": re.escape(text.strip()), "$options": "i"}
            query["$or"] = [
                {"slug": pattern},
                {"title": pattern},
                {"question": pattern},
                {"keywords": pattern},
            ]
        cursor = self.articles.find(query, {"_id": 0}).sort("slug", ASCENDING)
        return [_article(doc) async for doc in cursor]

    async def departments(self) -> list[str]:
        return sorted(d for d in await self.articles.distinct("department") if d)

    # ------------------------------------------------------------------ articles: write
    async def _commit(
        self, article: Article, action: str, by: str, expected: int | None, note: str = ""
    ) -> Article:
        """Write version ``article.version`` and then the article itself."""
        entry = ArticleVersion(
            slug=article.slug,
            version=article.version,
            at=article.updated_at,
            by=by,
            action=action,
            snapshot=_doc(article),
            note=note,  # type: ignore[arg-type]
        )
        try:
            await self.versions.insert_one(entry.model_dump())
        except DuplicateKeyError as exc:
            raise Conflict(f"{article.slug}: version {article.version} already exists") from exc
        if expected is None:
            await self.articles.insert_one(_doc(article))
        else:
            result = await self.articles.replace_one(
                {"slug": article.slug, "version": expected}, _doc(article)
            )
            if result.matched_count != 1:
                await self.versions.delete_one({"slug": article.slug, "version": article.version})
                raise Conflict(f"{article.slug} changed meanwhile")
        await self._bump()
        return article

    async def create(self, new: NewArticle, by: str, action: str = "create") -> Article:
        if await self.articles.find_one({"slug": new.slug}, {"_id": 1}):
            raise Conflict(f"article {new.slug} already exists")
        article = with_owner_defaults(Article(**new.model_dump(), updated_at=utcnow(), updated_by=by, version=1))
        try:
            return await self._commit(article, action, by, expected=None)
        except DuplicateKeyError as exc:
            raise Conflict(f"article {new.slug} already exists") from exc

    async def update(
        self,
        slug: str,
        content: ArticleContent,
        by: str,
        expected_version: int | None = None,
        action: str = "update",
        status: str | None = None,
        note: str = "",
    ) -> Article:
        current = await self.require(slug)
        if expected_version is not None and expected_version != current.version:
            raise Conflict(f"{slug} is at version {current.version}, not {expected_version}")
        data = {**current.model_dump(), **content.model_dump(include=set(CONTENT_FIELDS))}
        if status:
            data["status"] = status
        vac_uuid = getattr(content, "vac_uuid", None)
        if vac_uuid:
            data["vac_uuid"] = vac_uuid
        # drafts take version numbers too (knowledge/workflow.py): the next one follows the history
        version = max(current.version, await self.last_version(slug)) + 1
        article = Article(**{**data, "updated_at": utcnow(), "updated_by": by, "version": version})
        return await self._commit(article, action, by, expected=current.version, note=note)

    async def set_status(self, slug: str, status: str, by: str) -> Article:
        current = await self.require(slug)
        if current.status == status:
            return current
        action = {"published": "publish", "archived": "archive"}.get(status, "update")
        return await self.update(
            slug, current, by, expected_version=current.version, action=action, status=status
        )

    async def upsert(self, new: NewArticle, by: str) -> tuple[Article, str]:
        """Create or update from an import record; unchanged records are left alone.

        Returns the article and what happened: ``created``, ``updated`` or ``unchanged``.
        """
        current = await self.get(new.slug)
        if current is None:
            return await self.create(new, by, action="import"), "created"
        # a record without an owner or review date keeps the ones the article has (set by editors or defaults)
        new = new.model_copy(update={
            "department": new.department or current.department,
            "review_at": new.review_at or current.review_at,
        })
        same_content = current.content() == Article(**new.model_dump()).content()
        if same_content and current.status == new.status:
            return current, "unchanged"
        article = await self.update(
            new.slug, new, by, expected_version=current.version, action="import", status=new.status
        )
        return article, "updated"

    async def delete(self, slug: str) -> bool:
        """Remove an article and its history (used by tests and by editors for mistakes)."""
        result = await self.articles.delete_one({"slug": slug})
        await self.versions.delete_many({"slug": slug})
        await self._bump()
        return result.deleted_count == 1

    async def migrate_owners(self) -> int:
        """Give articles stored before owners and review dates existed the defaults (idempotent).

        Not a new version: the content residents see does not change, so the index needs nothing.
        """
        changed = 0
        query = {"$or": [{"review_at": None}, {"department": {"$in": ["", None]}}]}
        async for doc in self.articles.find(query, {"slug": 1, "department": 1, "review_at": 1, "updated_at": 1}):
            filled = owner_defaults(doc.get("department"), doc.get("review_at"), doc.get("updated_at"))
            await self.articles.update_one({"_id": doc["_id"]}, {"$set": filled})
            changed += 1
        return changed

    async def record(self, entry: ArticleVersion) -> None:
        """One history entry that does not change the live article (a draft, a submission, a schedule)."""
        try:
            await self.versions.insert_one(entry.model_dump())
        except DuplicateKeyError as exc:
            raise Conflict(f"{entry.slug}: version {entry.version} already exists") from exc

    async def last_version(self, slug: str) -> int:
        doc = await self.versions.find_one({"slug": slug}, {"version": 1}, sort=[("version", DESCENDING)])
        return int(doc["version"]) if doc else 0

    # ------------------------------------------------------------------ history
    async def history(self, slug: str) -> list[ArticleVersion]:
        cursor = self.versions.find({"slug": slug}, {"_id": 0}).sort("version", DESCENDING)
        return [ArticleVersion.model_validate(doc) async for doc in cursor]

    async def version(self, slug: str, version: int) -> ArticleVersion:
        doc = await self.versions.find_one({"slug": slug, "version": version}, {"_id": 0})
        if not doc:
            raise NotFound(f"{slug} v{version}")
        return ArticleVersion.model_validate(doc)

    async def diff(self, slug: str, version: int, against: int | None = None) -> dict[str, Any]:
        """What changed in ``version`` compared with ``against`` (default: the version before it)."""
        new = await self.version(slug, version)
        base = against if against is not None else version - 1
        old_snapshot = (await self.version(slug, base)).snapshot if base >= 1 else {}
        return {
            "slug": slug,
            "from": base if base >= 1 else None,
            "to": version,
            "by": new.by,
            "at": new.at,
            "action": new.action,
            "changes": diff_snapshots(old_snapshot, new.snapshot),
        }

    async def rollback(self, slug: str, version: int, by: str) -> Article:
        """A new version whose content is that of ``version``; the status stays as it is now."""
        old = await self.version(slug, version)
        content = ArticleContent.model_validate(
            {k: old.snapshot.get(k) for k in CONTENT_FIELDS if k in old.snapshot}
        )
        return await self.update(
            slug, content, by, action="rollback", note=f"terug naar versie {version}"
        )

    # ------------------------------------------------------------------ products
    async def get_product(self, slug: str) -> Product | None:
        doc = await self.products.find_one({"slug": slug}, {"_id": 0})
        return Product.model_validate(doc) if doc else None

    async def list_products(self) -> list[Product]:
        cursor = self.products.find({}, {"_id": 0}).sort("slug", ASCENDING)
        return [Product.model_validate(doc) async for doc in cursor]

    async def create_product(self, new: NewProduct, by: str) -> Product:
        product = Product(**new.model_dump(), updated_at=utcnow(), updated_by=by, version=1)
        try:
            await self.products.insert_one(product.model_dump())
        except DuplicateKeyError as exc:
            raise Conflict(f"product {new.slug} already exists") from exc
        return product

    async def update_product(
        self, slug: str, content: ProductContent, by: str, expected_version: int | None = None
    ) -> Product:
        query: dict[str, Any] = {"slug": slug}
        if expected_version is not None:
            query["version"] = expected_version
        fields = content.model_dump(include=set(ProductContent.model_fields))
        doc = await self.products.find_one_and_update(
            query,
            {"$set": {**fields, "updated_at": utcnow(), "updated_by": by}, "$inc": {"version": 1}},
            projection={"_id": 0},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            if await self.products.find_one({"slug": slug}, {"_id": 1}):
                raise Conflict(f"product {slug} changed meanwhile")
            raise NotFound(slug)
        return Product.model_validate(doc)

    async def upsert_product(self, new: NewProduct, by: str) -> tuple[Product, str]:
        current = await self.get_product(new.slug)
        if current is None:
            return await self.create_product(new, by), "created"
        fields = set(ProductContent.model_fields)
        if current.model_dump(include=fields) == new.model_dump(include=fields):
            return current, "unchanged"
        return await self.update_product(new.slug, new, by), "updated"

    # ------------------------------------------------------------------ synonyms
    async def get_synonyms(self) -> SynonymGroups:
        doc = await self.synonyms.find_one({"_id": SYNONYMS_ID})
        return SynonymGroups(groups=doc.get("groups", []) if doc else [])

    async def set_synonyms(self, groups: SynonymGroups, by: str) -> SynonymGroups:
        await self.synonyms.update_one(
            {"_id": SYNONYMS_ID},
            {"$set": {"groups": groups.groups, "updated_at": utcnow(), "updated_by": by}},
            upsert=True,
        )
        await self._bump()
        return groups

    async def merge_synonyms(self, groups: SynonymGroups, by: str) -> SynonymGroups:
        """Add import groups to the editors' groups (nothing is removed)."""
        current = await self.get_synonyms()
        known = {tuple(sorted(g)) for g in current.groups}
        extra = [g for g in groups.groups if tuple(sorted(g)) not in known]
        if not extra:
            return current
        return await self.set_synonyms(SynonymGroups(groups=current.groups + extra), by)


def review_date(since: datetime) -> datetime:
    """The default next check: a year on, in whole seconds (MongoDB keeps milliseconds)."""
    return (since + timedelta(days=REVIEW_DAYS)).replace(microsecond=0)


def owner_defaults(department: str | None, review_at: datetime | None, since: datetime | None) -> dict[str, Any]:
    """The owning department and review date an article gets when it has none."""
    return {
        "department": department or DEFAULT_DEPARTMENT,
        "review_at": as_utc(review_at) or review_date(as_utc(since) or utcnow()),
    }


def with_owner_defaults(article: Article) -> Article:
    return article.model_copy(update=owner_defaults(article.department, article.review_at, article.updated_at))
