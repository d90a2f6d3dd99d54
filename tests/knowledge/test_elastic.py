"""The Elasticsearch engine against a real Elasticsearch (KCC_TEST_ELASTICSEARCH_URL), same shape as Tantivy."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from knowledge.models import Article, Hit, utcnow
from knowledge.search.elastic_engine import ElasticEngine, synonym_rules
from knowledge.search.tantivy_engine import TantivyEngine
from tests.knowledge.conftest import new_article, unique_word

ES_URL = os.environ.get("KCC_TEST_ELASTICSEARCH_URL")
needs_es = pytest.mark.skipif(
    not ES_URL, reason="KCC_TEST_ELASTICSEARCH_URL is not set: no Elasticsearch to test against"
)


def _article(**fields: object) -> Article:
    return Article(**new_article(**fields).model_dump())


def test_synonym_rules_are_clean() -> None:
    assert synonym_rules([["identiteitskaart", "id-kaart", "a,b", "x=>y"], ["alleen"]]) == [
        "identiteitskaart, id-kaart, a b, x y"
    ]


def test_query_filters_residents_by_dates_and_never_searches_the_note() -> None:
    engine = ElasticEngine("http://127.0.0.1:9", "kcc-test")
    resident = engine.build_query("paspoort", 5, "resident")
    staff = engine.build_query("paspoort", 5, "staff")
    assert "note^0.6" not in str(resident) and "note^0.6" in str(staff)
    assert resident["query"]["bool"]["filter"] and not staff["query"]["bool"]["filter"]
    assert engine._source(_article(internal_note="geheim"), with_note=False).get("note") is None


@pytest.fixture
async def es() -> AsyncIterator[ElasticEngine]:
    engine = ElasticEngine(ES_URL or "", f"kcc-test-{uuid.uuid4().hex[:8]}")
    yield engine
    await engine.drop()
    await engine.close()


@needs_es
async def test_same_shape_and_visibility_as_tantivy(es: ElasticEngine) -> None:
    word, secret = unique_word(), unique_word()
    now = utcnow()
    articles = [
        _article(title=f"Paspoort {word}", internal_note=f"intern {secret}"),
        _article(title=f"Concept {word}", status="draft"),
        _article(title=f"Toekomst {word}", publish_from=now + timedelta(days=1)),
        _article(title=f"Verlopen {word}", publish_until=now - timedelta(days=1)),
    ]
    await es.set_synonyms([["identiteitskaart", "id-kaart"]])
    await es.index_many(articles)
    tantivy = TantivyEngine()
    tantivy.put_many(articles)
    for view in ("resident", "staff"):
        es_hits = await es.search(word, 10, view)  # type: ignore[arg-type]
        tv_hits = tantivy.query(word, 10, view)  # type: ignore[arg-type]
        assert all(isinstance(h, Hit) for h in es_hits)
        assert {h.slug for h in es_hits} == {h.slug for h in tv_hits}, view
    assert await es.search(secret, 5, "resident") == []
    assert [h.slug for h in await es.search(secret, 5, "staff")] == [articles[0].slug]
    assert es.ready()


@needs_es
async def test_synonyms_typos_and_live_updates(es: ElasticEngine) -> None:
    article = _article(
        title="Identiteitskaart aanvragen",
        answer="U vraagt een identiteitskaart aan in het gemeentehuis.",
    )
    await es.set_synonyms([])
    await es.index(article)
    assert [h.slug for h in await es.search("id-kaart", 3)] == []
    await es.set_synonyms([["identiteitskaart", "id-kaart", "idkaart"]])
    assert [h.slug for h in await es.search("idkaart", 3)] == [article.slug]
    assert [h.slug for h in await es.search("identiteitskart", 3)] == [article.slug]  # typo
    await es.index(article.model_copy(update={"status": "archived", "version": 2}))
    await asyncio.sleep(0)
    assert await es.search("identiteitskaart", 3, "staff") == []
    await es.rebuild([article.model_copy(update={"version": 3})])
    assert [h.slug for h in await es.search("identiteitskaart", 3)] == [article.slug]
