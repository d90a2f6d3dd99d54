"""Elasticsearch over its REST API (aiohttp): the shared, scale-out search engine.

Same views as the Tantivy engine, as two indexes behind aliases ``<index>-resident`` and
``<index>-staff``. Dutch analysis (standard tokenizer, lowercase, ASCII folding, Dutch
stop words, Dutch stemmer); the editors' synonym groups are a ``synonym_graph`` filter
in the search analyzer only, so changing them never needs re-indexing. On Elasticsearch
8.10+ the groups live in a synonyms set that reloads without closing the index; on older
versions the index is briefly closed to update the filter. Typo tolerance: a second,
fuzzy match without synonyms at lower weight. Every write refreshes, so a change is
searchable when the call returns.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp

from knowledge.models import Article, Hit, View
from knowledge.search.base import SearchEngine
from knowledge.search.english import looks_english, translate

log = logging.getLogger(__name__)
BOOSTS = {"title": 2.0, "question": 2.0, "keywords": 2.0, "answer": 1.0, "note": 0.6}


class ElasticError(RuntimeError):
    pass


def synonym_rules(groups: list[list[str]]) -> list[str]:
    rules = []
    for group in groups:
        terms = [t.replace(",", " ").replace("=>", " ").strip() for t in group]
        terms = [t for t in terms if t]
        if len(terms) >= 2:
            rules.append(", ".join(terms))
    return rules


class ElasticEngine(SearchEngine):
    name = "elasticsearch"

    def __init__(self, url: str, index: str = "kcc-articles", timeout_s: float = 10.0):
        self.url = url.rstrip("/")
        self.prefix = index
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._groups: list[list[str]] = []
        self._ensured = False
        self._ok = False
        self._version: tuple[int, int] = (0, 0)

    # ------------------------------------------------------------------ plumbing
    def alias(self, view: str) -> str:
        return f"{self.prefix}-{view}"

    @property
    def synonyms_set(self) -> str:
        return f"{self.prefix}-synonyms"

    @property
    def uses_synonyms_api(self) -> bool:
        return self._version >= (8, 10)

    async def _request(
        self,
        method: str,
        path: str,
        body: Any = None,
        ok: Iterable[int] = (200, 201),
        ndjson: str | None = None,
    ) -> dict[str, Any]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        headers = {
            "Content-Type": "application/x-ndjson" if ndjson is not None else "application/json"
        }
        data = ndjson if ndjson is not None else (json.dumps(body) if body is not None else None)
        try:
            async with self._session.request(
                method, self.url + path, data=data, headers=headers
            ) as resp:
                text = await resp.text()
                if resp.status not in ok:
                    raise ElasticError(f"{method} {path}: {resp.status} {text[:500]}")
                self._ok = True
                return json.loads(text) if text else {}
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._ok = False
            raise ElasticError(f"{method} {path}: {exc}") from exc

    def _settings(self) -> dict[str, Any]:
        if self.uses_synonyms_api:
            synonyms = {
                "type": "synonym_graph",
                "synonyms_set": self.synonyms_set,
                "updateable": True,
                "lenient": True,
            }
        else:
            synonyms = {
                "type": "synonym_graph",
                "synonyms": synonym_rules(self._groups) or ["kcc-leeg, kcc-leeg"],
                "lenient": True,
            }
        base_filters = ["lowercase", "asciifolding"]
        return {
            "analysis": {
                "filter": {
                    "nl_stop": {"type": "stop", "stopwords": "_dutch_"},
                    "nl_stem": {"type": "stemmer", "language": "dutch"},
                    "nl_synonyms": synonyms,
                },
                "analyzer": {
                    "nl_index": {
                        "tokenizer": "standard",
                        "filter": [*base_filters, "nl_stop", "nl_stem"],
                    },
                    "nl_search": {
                        "tokenizer": "standard",
                        "filter": [*base_filters, "nl_synonyms", "nl_stop", "nl_stem"],
                    },
                },
            }
        }

    def _mappings(self, with_note: bool) -> dict[str, Any]:
        text = {"type": "text", "analyzer": "nl_index", "search_analyzer": "nl_search"}
        props: dict[str, Any] = {
            "slug": {"type": "keyword"},
            "status": {"type": "keyword"},
            "title": text,
            "question": text,
            "keywords": text,
            "answer": text,
            "publish_from": {"type": "date"},
            "publish_until": {"type": "date"},
        }
        if with_note:
            props["note"] = text
        return {"dynamic": "strict", "properties": props}

    async def _put_synonyms_set(self) -> None:
        rules = [
            {"id": f"g{i}", "synonyms": rule} for i, rule in enumerate(synonym_rules(self._groups))
        ]
        await self._request(
            "PUT",
            f"/_synonyms/{self.synonyms_set}",
            {"synonyms_set": rules or [{"id": "empty", "synonyms": "kcc-leeg, kcc-leeg"}]},
        )

    async def _create_physical(self, view: str, name: str | None = None) -> str:
        """Create an index; a fixed ``name`` that exists already (another process won) is fine."""
        name = name or f"{self.alias(view)}-{time.time_ns()}"
        result = await self._request(
            "PUT",
            f"/{name}",
            {"settings": self._settings(), "mappings": self._mappings(view == "staff")},
            ok=(200, 201, 400),
        )
        error = result.get("error")
        if (
            error
            and (error.get("type") if isinstance(error, dict) else "")
            != "resource_already_exists_exception"
        ):
            raise ElasticError(f"PUT /{name}: {json.dumps(error)[:500]}")
        return name

    async def _ensure(self) -> None:
        if self._ensured:
            return
        info = await self._request("GET", "/")
        number = str(info.get("version", {}).get("number", "0.0"))
        major, minor = (int(p) for p in (number.split(".") + ["0"])[:2])
        self._version = (major, minor)
        if self.uses_synonyms_api:
            await self._put_synonyms_set()
        for view in ("resident", "staff"):
            exists = await self._request("GET", f"/_alias/{self.alias(view)}", ok=(200, 404))
            if "error" in exists or exists.get("status") == 404 or not exists:
                name = await self._create_physical(view, name=f"{self.alias(view)}-1")
                await self._request(
                    "POST",
                    "/_aliases",
                    {"actions": [{"add": {"index": name, "alias": self.alias(view)}}]},
                )
        self._ensured = True

    # ------------------------------------------------------------------ documents
    @staticmethod
    def _source(article: Article, with_note: bool) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "slug": article.slug,
            "status": article.status,
            "title": article.title,
            "question": article.question,
            "keywords": [*article.keywords, *article.synonyms],
            "answer": article.answer,
            "publish_from": article.publish_from.isoformat() if article.publish_from else None,
            "publish_until": article.publish_until.isoformat() if article.publish_until else None,
        }
        if with_note:
            doc["note"] = article.internal_note
        return doc

    def _actions(self, article: Article) -> list[tuple[str, str, dict[str, Any] | None]]:
        """(view, op, source) per view: index where the view may hold it, delete elsewhere."""
        out: list[tuple[str, str, dict[str, Any] | None]] = []
        staff_ok = article.status in ("draft", "published")
        out.append(
            ("staff", "index", self._source(article, True))
            if staff_ok
            else ("staff", "delete", None)
        )
        if article.status == "published":
            out.append(("resident", "index", self._source(article, False)))
        else:
            out.append(("resident", "delete", None))
        return out

    async def index(self, article: Article) -> None:
        await self.index_many([article])

    async def index_many(
        self, articles: Iterable[Article], aliases: dict[str, str] | None = None
    ) -> None:
        await self._ensure()
        lines = []
        for article in articles:
            for view, op, source in self._actions(article):
                target = (aliases or {}).get(view, self.alias(view))
                lines.append(json.dumps({op: {"_index": target, "_id": article.slug}}))
                if source is not None:
                    lines.append(json.dumps(source, ensure_ascii=False))
        if not lines:
            return
        result = await self._request("POST", "/_bulk?refresh=true", ndjson="\n".join(lines) + "\n")
        if result.get("errors"):
            bad = [
                item
                for item in result.get("items", [])
                for op, r in item.items()
                if r.get("status", 200) >= 300 and not (op == "delete" and r.get("status") == 404)
            ]
            if bad:
                raise ElasticError(f"bulk errors: {json.dumps(bad[:3])[:500]}")

    async def remove(self, slug: str) -> None:
        await self._ensure()
        for view in ("resident", "staff"):
            await self._request(
                "DELETE", f"/{self.alias(view)}/_doc/{slug}?refresh=true", ok=(200, 404)
            )

    async def rebuild(
        self, articles: list[Article], progress: Callable[[int], None] | None = None
    ) -> None:
        """Fill fresh indexes and switch the aliases in one step: searches never see a half index."""
        await self._ensure()
        if self.uses_synonyms_api:
            await self._put_synonyms_set()
        fresh = {view: await self._create_physical(view) for view in ("resident", "staff")}
        for i in range(0, len(articles), 500):
            chunk = articles[i : i + 500]
            await self.index_many(chunk, aliases=fresh)
            if progress:
                progress(len(chunk))
        actions: list[dict[str, Any]] = []
        old: list[str] = []
        for view, name in fresh.items():
            current = await self._request("GET", f"/_alias/{self.alias(view)}", ok=(200, 404))
            for index_name in current:
                if index_name not in ("error", "status"):
                    actions.append({"remove": {"index": index_name, "alias": self.alias(view)}})
                    old.append(index_name)
            actions.append({"add": {"index": name, "alias": self.alias(view)}})
        await self._request("POST", "/_aliases", {"actions": actions})
        for name in old:
            await self._request("DELETE", f"/{name}", ok=(200, 404))

    async def set_synonyms(self, groups: list[list[str]]) -> None:
        changed = groups != self._groups
        self._groups = [list(g) for g in groups]
        if not self._ensured:
            await self._ensure()
            return
        if not changed:
            return
        if self.uses_synonyms_api:
            await self._put_synonyms_set()  # updateable filter: analyzers reload by themselves
            return
        for view in ("resident", "staff"):
            alias = self.alias(view)
            await self._request("POST", f"/{alias}/_close")
            try:
                await self._request("PUT", f"/{alias}/_settings", self._settings())
            finally:
                await self._request("POST", f"/{alias}/_open")

    # ------------------------------------------------------------------ search
    def build_query(self, q: str, size: int, view: View) -> dict[str, Any]:
        text = translate(q) if looks_english(q) else q
        fields = ["title", "question", "keywords", "answer"] + (["note"] if view == "staff" else [])
        boosted = [f"{f}^{BOOSTS[f]}" for f in fields]
        must = {
            "bool": {
                "should": [
                    {
                        "multi_match": {
                            "query": text,
                            "fields": boosted,
                            "type": "best_fields",
                            "tie_breaker": 0.2,
                        }
                    },
                    {
                        "multi_match": {
                            "query": text,
                            "fields": boosted,
                            "type": "best_fields",
                            "tie_breaker": 0.2,
                            "analyzer": "nl_index",
                            "fuzziness": "AUTO",
                            "prefix_length": 1,
                            "boost": 0.5,
                        }
                    },
                ],
                "minimum_should_match": 1,
            }
        }
        filters: list[dict[str, Any]] = []
        if view == "resident":
            filters = [
                {
                    "bool": {
                        "should": [
                            {"bool": {"must_not": {"exists": {"field": "publish_from"}}}},
                            {"range": {"publish_from": {"lte": "now"}}},
                        ]
                    }
                },
                {
                    "bool": {
                        "should": [
                            {"bool": {"must_not": {"exists": {"field": "publish_until"}}}},
                            {"range": {"publish_until": {"gt": "now"}}},
                        ]
                    }
                },
            ]
        return {
            "size": size,
            "_source": ["slug", "title", "answer"],
            "query": {"bool": {"must": [must], "filter": filters}},
            "highlight": {
                "pre_tags": [""],
                "post_tags": [""],
                "fields": {
                    "answer": {"fragment_size": 200, "number_of_fragments": 1, "no_match_size": 200}
                },
            },
        }

    async def search(self, q: str, size: int = 5, audience_view: View = "resident") -> list[Hit]:
        await self._ensure()
        body = self.build_query(q, size, audience_view)
        result = await self._request("POST", f"/{self.alias(audience_view)}/_search", body)
        hits = []
        for item in result.get("hits", {}).get("hits", []):
            source = item.get("_source", {})
            fragments = item.get("highlight", {}).get("answer") or [source.get("answer", "")[:200]]
            snippet = " ".join(fragments[0].split())
            hits.append(
                Hit(
                    slug=source.get("slug", item["_id"]),
                    title=source.get("title", ""),
                    score=round(float(item.get("_score") or 0.0), 4),
                    snippet=snippet,
                )
            )
        return hits

    def ready(self) -> bool:
        return self._ensured and self._ok

    async def close(self) -> None:
        if self._session and not self._session.closed:
            await self._session.close()

    async def drop(self) -> None:
        """Delete this engine's indexes and synonyms set (tests)."""
        for view in ("resident", "staff"):
            current = await self._request("GET", f"/_alias/{self.alias(view)}", ok=(200, 404))
            for name in current:
                if name not in ("error", "status"):
                    await self._request("DELETE", f"/{name}", ok=(200, 404))
        if self.uses_synonyms_api:
            await self._request("DELETE", f"/_synonyms/{self.synonyms_set}", ok=(200, 404))
        self._ensured = False
