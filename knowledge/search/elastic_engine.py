"""Elasticsearch through the official async client: the shared, scale-out search engine.

Same views as the Tantivy engine, as two indexes behind the aliases ``<index>-resident`` and
``<index>-staff``; the settings, mappings, documents and queries are plain dicts from
``elastic_body`` (read that module for the analysis). The engine keeps, like Tantivy, the
known words of what it indexed (``ranking.Vocabulary``): they decide which question words
are unknown (typo and compound alternatives), how rare a word is, and the decompounder's
word list of a newly created index (``kcc kb reindex`` recreates the indexes with the words
of that moment). Every write refreshes, so a change is searchable when the call returns.
Snippets are cut here from the returned answer, exactly as Tantivy cuts them.

Connection: ``KCC_ELASTICSEARCH_URL`` plus an API key or user and password, a CA certificate
for https, the request time-out and the client's own retries (``max_retries``,
``retry_on_timeout``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from elastic_transport import TransportError
from elasticsearch import AsyncElasticsearch, BadRequestError, NotFoundError
from elasticsearch.helpers import async_bulk

from knowledge.models import Article, Hit, View
from knowledge.search import elastic_body as body
from knowledge.search.base import SearchEngine
from knowledge.search.ranking import (
    Form,
    Tuning,
    Vocabulary,
    analysed_sentences,
    snippet,
    synonym_table,
)

log = logging.getLogger(__name__)
VIEWS: tuple[View, ...] = ("resident", "staff")
SYNONYMS_API = (8, 10)  # synonyms sets (reloaded without closing the index) from this version


class ElasticError(RuntimeError):
    pass


def client_options(
    url: str,
    *,
    api_key: str | None = None,
    username: str | None = None,
    password: str | None = None,
    ca_certs: Path | str | None = None,
    verify_certs: bool = True,
    request_timeout_s: float = 10.0,
    max_retries: int = 3,
    retry_on_timeout: bool = True,
) -> dict[str, Any]:
    """Keyword arguments of ``AsyncElasticsearch``; ``api_key`` is the encoded key or ``id:key``."""
    options: dict[str, Any] = {
        "hosts": [url],
        "request_timeout": request_timeout_s,
        "max_retries": max_retries,
        "retry_on_timeout": retry_on_timeout,
        "verify_certs": verify_certs,
    }
    if api_key:
        key_id, sep, secret = api_key.partition(":")
        options["api_key"] = (key_id, secret) if sep else api_key
    if username:
        options["basic_auth"] = (username, password or "")
    if ca_certs:
        options["ca_certs"] = str(ca_certs)
    return options


class ElasticEngine(SearchEngine):
    name = "elasticsearch"

    def __init__(
        self,
        url: str,
        index: str = "kcc-articles",
        tuning: Tuning | None = None,
        **connection: Any,
    ):
        self.prefix = index
        self.tuning = tuning or Tuning()
        self.options = client_options(url, **connection)
        self.client = AsyncElasticsearch(**self.options)
        self.vocabulary = Vocabulary()
        self._groups: list[list[str]] | None = None  # None: not told yet
        self._synonyms: dict[Form, list[Form]] = {}
        self._version: tuple[int, int] | None = None
        self._set_written = False  # this engine has written or found the synonyms set
        self._ensured = False
        self._ok = False

    @classmethod
    def from_settings(cls, settings: Any) -> ElasticEngine:
        return cls(
            settings.elasticsearch_url,
            settings.elasticsearch_index,
            api_key=settings.elasticsearch_api_key,
            username=settings.elasticsearch_username,
            password=settings.elasticsearch_password,
            ca_certs=settings.elasticsearch_ca_certs,
            verify_certs=settings.elasticsearch_verify_certs,
            request_timeout_s=settings.elasticsearch_request_timeout_s,
            max_retries=settings.elasticsearch_max_retries,
            retry_on_timeout=settings.elasticsearch_retry_on_timeout,
        )

    # ------------------------------------------------------------------ plumbing
    def alias(self, view: View) -> str:
        return f"{self.prefix}-{view}"

    @property
    def synonyms_set(self) -> str:
        return f"{self.prefix}-synonyms"

    async def _call(self, request: Any) -> Any:
        """Await one client call; remember whether the server could be reached."""
        try:
            result = await request
        except TransportError:
            self._ok = False
            raise
        self._ok = True
        return result

    async def _uses_synonyms_api(self) -> bool:
        if self._version is None:
            info = await self._call(self.client.info())
            number = str(info["version"]["number"])
            major, minor = (int(p) for p in [*number.split("."), "0"][:2])
            self._version = (major, minor)
        return self._version >= SYNONYMS_API

    async def _synonyms_filter(self) -> dict[str, Any]:
        if await self._uses_synonyms_api():
            return body.synonyms_filter(set_name=self.synonyms_set)
        return body.synonyms_filter(groups=self._groups or [])

    async def _put_synonyms_set(self) -> None:
        rules = body.synonyms_set(self._groups or [])
        await self._call(self.client.synonyms.put_synonym(id=self.synonyms_set, synonyms_set=rules))
        self._set_written = True

    async def _ensure_synonyms_set(self) -> None:
        """Indexes refer to the set, so it must exist first; groups not told yet leave it as it is."""
        if self._set_written or not await self._uses_synonyms_api():
            return
        if self._groups is None:
            try:
                await self._call(self.client.synonyms.get_synonym(id=self.synonyms_set, size=1))
                self._set_written = True
                return
            except NotFoundError:
                pass
        await self._put_synonyms_set()

    async def _create_index(self, view: View, name: str, alias: bool) -> None:
        """Create one view's index; a name that exists already (another hub won) is fine."""
        spec = body.index_body(
            view, body.compound_words(self.vocabulary), await self._synonyms_filter()
        )
        try:
            await self._call(
                self.client.indices.create(
                    index=name, aliases={self.alias(view): {}} if alias else None, **spec
                )
            )
        except BadRequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise

    async def _ensure(self) -> None:
        """The synonyms set and both views' indexes exist (created with the words known now)."""
        if self._ensured:
            return
        await self._ensure_synonyms_set()
        for view in VIEWS:
            if not await self._call(self.client.indices.exists_alias(name=self.alias(view))):
                await self._create_index(view, f"{self.alias(view)}-1", alias=True)
        self._ensured = True

    async def _bulk(self, actions: list[dict[str, Any]]) -> None:
        if not actions:
            return
        _, errors = await self._call(
            async_bulk(
                self.client,
                actions,
                refresh=True,
                raise_on_error=False,
                max_retries=self.options["max_retries"],  # bulk rejections (429) back off
            )
        )
        bad = [
            item
            for item in errors  # type: ignore[union-attr]
            for op, result in item.items()
            if not (op == "delete" and result.get("status") == 404)
        ]
        if bad:
            raise ElasticError(f"bulk errors: {str(bad[:3])[:500]}")

    # ------------------------------------------------------------------ SearchEngine API
    async def index(self, article: Article) -> None:
        await self.index_many([article])

    async def index_many(self, articles: Iterable[Article]) -> None:
        articles = list(articles)
        for article in articles:
            self.vocabulary.put(article)
        await self._ensure()
        targets = {view: self.alias(view) for view in VIEWS}
        await self._bulk([a for article in articles for a in body.bulk_actions(article, targets)])

    async def remove(self, slug: str) -> None:
        self.vocabulary.remove(slug)
        await self._ensure()
        await self._bulk(
            [{"_op_type": "delete", "_index": self.alias(view), "_id": slug} for view in VIEWS]
        )

    async def rebuild(
        self, articles: list[Article], progress: Callable[[int], None] | None = None
    ) -> None:
        """Fill fresh indexes, then switch the aliases in one step: searches never see half an index."""
        self.vocabulary = Vocabulary()
        for article in articles:
            self.vocabulary.put(article)
        await self._ensure_synonyms_set()
        stamp = time.time_ns()
        fresh: dict[View, str] = {view: f"{self.alias(view)}-{stamp}" for view in VIEWS}
        for view, name in fresh.items():
            await self._create_index(view, name, alias=False)
        for i in range(0, len(articles), 500):
            chunk = articles[i : i + 500]
            await self._bulk([a for article in chunk for a in body.bulk_actions(article, fresh)])
            if progress:
                progress(len(chunk))
        actions: list[dict[str, Any]] = []
        old: list[str] = []
        for view, name in fresh.items():
            for current in await self._indexes_behind(self.alias(view)):
                actions.append({"remove": {"index": current, "alias": self.alias(view)}})
                old.append(current)
            actions.append({"add": {"index": name, "alias": self.alias(view)}})
        await self._call(self.client.indices.update_aliases(actions=actions))
        for name in old:
            await self._call(self.client.options(ignore_status=404).indices.delete(index=name))
        self._ensured = True

    async def _indexes_behind(self, alias: str) -> list[str]:
        try:
            found = await self._call(self.client.indices.get_alias(name=alias))
        except NotFoundError:
            return []
        return list(found.body)

    async def set_synonyms(self, groups: list[list[str]]) -> None:
        groups = [list(g) for g in groups]
        changed = groups != self._groups
        self._groups = groups
        self._synonyms = synonym_table(groups)
        if not changed:
            return
        if await self._uses_synonyms_api():
            # an updateable filter: the search analyzers reload by themselves
            await self._put_synonyms_set()
            return
        if not self._ensured:
            return  # the indexes get the groups when they are created
        # Before 8.10: inline rules, changed on a briefly closed index (searches fail meanwhile).
        settings = {"analysis": {"filter": {"nl_synonyms": await self._synonyms_filter()}}}
        for view in VIEWS:
            for name in await self._indexes_behind(self.alias(view)):
                await self._call(self.client.indices.close(index=name))
                try:
                    await self._call(
                        self.client.indices.put_settings(index=name, settings=settings)
                    )
                finally:
                    await self._call(self.client.indices.open(index=name))

    async def search(self, q: str, size: int = 5, audience_view: View = "resident") -> list[Hit]:
        found = body.concepts(q, self._synonyms, self.vocabulary, self.tuning)
        if not found:
            return []
        request = body.query_body(found, audience_view, size, self.tuning)
        try:
            result = await self._call(
                self.client.search(index=self.alias(audience_view), body=request)
            )
        except NotFoundError:
            return []  # nothing indexed yet
        terms = body.snippet_terms(found)
        staff = audience_view == "staff"
        hits = []
        for item in result["hits"]["hits"]:
            source = item.get("_source", {})
            note = analysed_sentences(source.get("note") or "") if staff else []
            hits.append(
                Hit(
                    slug=source.get("slug", item["_id"]),
                    title=source.get("title", ""),
                    score=round(float(item.get("_score") or 0.0), 4),
                    snippet=snippet(
                        analysed_sentences(source.get("answer") or ""), note, terms, staff
                    ),
                )
            )
        return hits

    def ready(self) -> bool:
        return self._ensured and self._ok

    async def close(self) -> None:
        await self.client.close()

    async def drop(self) -> None:
        """Delete this engine's indexes and synonyms set (tests, benches)."""
        for view in VIEWS:
            for name in await self._indexes_behind(self.alias(view)):
                await self._call(self.client.options(ignore_status=404).indices.delete(index=name))
        if await self._uses_synonyms_api():
            await self._call(
                self.client.options(ignore_status=404).synonyms.delete_synonym(id=self.synonyms_set)
            )
        self._ensured = self._set_written = False
