"""Versions, diff, rollback, publish/archive and optimistic locking, on the real Mongo-wire server."""

from __future__ import annotations

import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase

from knowledge.diffs import diff_snapshots
from knowledge.models import ArticleContent, NewProduct, SynonymGroups
from knowledge.store import Conflict, KnowledgeStore, NotFound
from tests.knowledge.conftest import new_article


def content(article, **changes) -> ArticleContent:  # noqa: ANN001
    return ArticleContent(**{**article.content(), **changes})


async def test_every_change_writes_a_version(db: AsyncIOMotorDatabase) -> None:
    store = KnowledgeStore(db)
    a1 = await store.create(new_article(status="draft"), by="anna")
    a2 = await store.update(a1.slug, content(a1, title="Nieuwe titel"), by="bert")
    a3 = await store.set_status(a1.slug, "published", by="anna")
    a4 = await store.set_status(a1.slug, "archived", by="carla")
    assert [a.version for a in (a1, a2, a3, a4)] == [1, 2, 3, 4]
    history = await store.history(a1.slug)
    assert [(v.version, v.action, v.by) for v in history] == [
        (4, "archive", "carla"),
        (3, "publish", "anna"),
        (2, "update", "bert"),
        (1, "create", "anna"),
    ]
    assert history[2].snapshot["title"] == "Nieuwe titel"  # full snapshot, not a delta
    assert history[2].snapshot["answer"] == a1.answer
    assert all(v.at.tzinfo is not None for v in history)
    current = await store.get(a1.slug)
    assert current.status == "archived" and current.updated_by == "carla" and current.version == 4


async def test_diff_per_field(db: AsyncIOMotorDatabase) -> None:
    store = KnowledgeStore(db)
    a = await store.create(
        new_article(answer="Regel een.\nRegel twee.", keywords=["a", "b"]), by="anna"
    )
    await store.update(
        a.slug, content(a, answer="Regel een.\nRegel drie.", keywords=["a", "c"]), by="bert"
    )
    d = await store.diff(a.slug, 2)
    assert d["from"] == 1 and d["to"] == 2 and d["by"] == "bert"
    changes = {c["field"]: c for c in d["changes"]}
    assert set(changes) == {"answer", "keywords"}
    assert (
        "- Regel twee." in changes["answer"]["diff"]
        and "+ Regel drie." in changes["answer"]["diff"]
    )
    assert "  Regel een." in changes["answer"]["diff"]
    assert changes["keywords"]["before"] == "a\nb" and changes["keywords"]["after"] == "a\nc"
    first = await store.diff(a.slug, 1)
    assert first["from"] is None and {c["field"] for c in first["changes"]} >= {"title", "answer"}


def test_diff_of_identical_snapshots_is_empty() -> None:
    snap = {"title": "x", "answer": "y", "keywords": ["a"]}
    assert diff_snapshots(snap, dict(snap)) == []


async def test_rollback_is_a_new_version_with_old_content(db: AsyncIOMotorDatabase) -> None:
    store = KnowledgeStore(db)
    a1 = await store.create(
        new_article(title="Goede titel", answer="Goed antwoord.", status="published"), by="anna"
    )
    await store.update(
        a1.slug, content(a1, title="Foute titel", answer="Fout antwoord."), by="bert"
    )
    rolled = await store.rollback(a1.slug, 1, by="carla")
    assert rolled.version == 3
    assert rolled.title == "Goede titel" and rolled.answer == "Goed antwoord."
    assert rolled.status == "published"
    history = await store.history(a1.slug)
    assert (
        history[0].action == "rollback"
        and history[0].by == "carla"
        and "versie 1" in history[0].note
    )
    assert len(history) == 3  # nothing was deleted


async def test_rollback_keeps_the_current_status(db: AsyncIOMotorDatabase) -> None:
    store = KnowledgeStore(db)
    a = await store.create(new_article(status="draft"), by="anna")
    await store.set_status(a.slug, "published", by="anna")
    rolled = await store.rollback(a.slug, 1, by="anna")
    assert rolled.status == "published"


async def test_stale_version_is_a_conflict(db: AsyncIOMotorDatabase) -> None:
    store = KnowledgeStore(db)
    a = await store.create(new_article(), by="anna")
    await store.update(a.slug, content(a, title="Eerste wijziging"), by="anna", expected_version=1)
    with pytest.raises(Conflict):
        await store.update(
            a.slug, content(a, title="Tweede op oude versie"), by="bert", expected_version=1
        )
    assert (await store.get(a.slug)).title == "Eerste wijziging"
    assert len(await store.history(a.slug)) == 2


async def test_duplicate_slug_and_missing_article(db: AsyncIOMotorDatabase) -> None:
    store = KnowledgeStore(db)
    a = await store.create(new_article(), by="anna")
    with pytest.raises(Conflict):
        await store.create(new_article(a.slug), by="anna")
    with pytest.raises(NotFound):
        await store.update("bestaat-niet-xyz", content(a), by="anna")
    with pytest.raises(NotFound):
        await store.version(a.slug, 99)


async def test_upsert_leaves_unchanged_records_alone(db: AsyncIOMotorDatabase) -> None:
    store = KnowledgeStore(db)
    record = new_article()
    _, first = await store.upsert(record, by="import")
    _, second = await store.upsert(record, by="import")
    changed = record.model_copy(update={"title": "Andere titel"})
    article, third = await store.upsert(changed, by="import")
    assert (first, second, third) == ("created", "unchanged", "updated")
    assert article.version == 2


async def test_list_filters(db: AsyncIOMotorDatabase) -> None:
    store = KnowledgeStore(db)
    a = await store.create(
        new_article(title="Zebrapad zoeken", department="Filterafdeling", status="draft"), by="anna"
    )
    assert a.slug in [x.slug for x in await store.list(text="zebrapad")]
    assert a.slug in [x.slug for x in await store.list(status="draft", department="Filterafdeling")]
    assert a.slug not in [
        x.slug for x in await store.list(status="published", department="Filterafdeling")
    ]
    assert "Filterafdeling" in await store.departments()


async def test_products_and_synonyms(db: AsyncIOMotorDatabase) -> None:
    store = KnowledgeStore(db)
    slug = new_article().slug
    product = await store.create_product(
        NewProduct(slug=slug, name="Testproduct", costs="€ 10"), by="anna"
    )
    assert product.version == 1
    updated = await store.update_product(
        slug, product.model_copy(update={"costs": "€ 12"}), by="bert", expected_version=1
    )
    assert updated.costs == "€ 12" and updated.version == 2 and updated.updated_by == "bert"
    with pytest.raises(Conflict):
        await store.update_product(slug, product, by="bert", expected_version=1)
    before = await store.get_synonyms()
    merged = await store.merge_synonyms(
        SynonymGroups(groups=[["testwoord-a", "testwoord-b"]]), by="anna"
    )
    assert ["testwoord-a", "testwoord-b"] in merged.groups
    await store.set_synonyms(before, by="anna")
