"""Who sees what: residents only see published articles inside their dates and never an internal note."""

from __future__ import annotations

from datetime import timedelta

from knowledge.models import Article, utcnow
from knowledge.search.tantivy_engine import TantivyEngine
from knowledge.service import KnowledgeService
from tests.knowledge.conftest import new_article, unique_word


def _article(**fields: object) -> Article:
    return Article(**new_article(**fields).model_dump())


def slugs(engine: TantivyEngine, q: str, view: str) -> list[str]:
    return [h.slug for h in engine.query(q, 10, view)]  # type: ignore[arg-type]


def test_publication_dates() -> None:
    word_future, word_past, word_now = unique_word(), unique_word(), unique_word()
    now = utcnow()
    future = _article(title=f"Toekomst {word_future}", publish_from=now + timedelta(days=2))
    expired = _article(
        title=f"Verlopen {word_past}",
        publish_from=now - timedelta(days=10),
        publish_until=now - timedelta(days=1),
    )
    current = _article(
        title=f"Nu {word_now}",
        publish_from=now - timedelta(days=1),
        publish_until=now + timedelta(days=1),
    )
    engine = TantivyEngine()
    engine.put_many([future, expired, current])
    assert future.slug not in slugs(engine, word_future, "resident")
    assert expired.slug not in slugs(engine, word_past, "resident")
    assert slugs(engine, word_now, "resident")[0] == current.slug
    assert slugs(engine, word_future, "staff")[0] == future.slug  # agents may see what is coming
    assert slugs(engine, word_past, "staff")[0] == expired.slug
    assert (
        not future.visible_to_residents()
        and not expired.visible_to_residents()
        and current.visible_to_residents()
    )


def test_publish_from_passes_without_reindexing() -> None:
    word = unique_word()
    soon = _article(title=f"Bijna {word}", publish_from=utcnow() + timedelta(seconds=1))
    engine = TantivyEngine()
    engine.put(soon)
    assert slugs(engine, word, "resident") == []
    import time

    time.sleep(2.1)
    assert slugs(engine, word, "resident") == [soon.slug]


def test_drafts_and_archived() -> None:
    word = unique_word()
    draft = _article(title=f"Concept {word}", status="draft")
    archived = _article(title=f"Archief {word}", status="archived")
    engine = TantivyEngine()
    engine.put_many([draft, archived])
    assert slugs(engine, word, "resident") == []
    assert slugs(engine, word, "staff") == [draft.slug]


def test_internal_note_is_never_searchable_for_residents() -> None:
    secret = unique_word()
    article = _article(
        title="Openbaar artikel", internal_note=f"Alleen voor medewerkers: {secret}."
    )
    engine = TantivyEngine()
    engine.put(article)
    assert slugs(engine, secret, "resident") == []
    staff_hits = engine.query(secret, 5, "staff")
    assert [h.slug for h in staff_hits] == [article.slug]
    assert staff_hits[0].snippet.startswith("Intern:")
    for hit in engine.query("openbaar artikel", 5, "resident"):
        assert secret not in hit.snippet


def test_publishing_moves_an_article_between_views() -> None:
    word = unique_word()
    article = _article(title=f"Wissel {word}", status="draft")
    engine = TantivyEngine()
    engine.put(article)
    assert slugs(engine, word, "resident") == []
    engine.put(article.model_copy(update={"status": "published", "version": 2}))
    assert slugs(engine, word, "resident") == [article.slug]
    engine.put(article.model_copy(update={"status": "archived", "version": 3}))
    assert slugs(engine, word, "resident") == [] and slugs(engine, word, "staff") == []


async def test_service_get_article_hides_what_residents_may_not_see(
    service: KnowledgeService,
) -> None:
    for _ in range(20):  # a random word can be a typo's distance from a real one: check the premise
        secret = unique_word()
        if not await service.search(secret, size=20) and not await service.search(secret, size=20, view="staff"):
            break
    else:
        raise AssertionError("20 made-up words in a row matched an article")
    draft = await service.create_article(
        new_article(status="draft", internal_note=f"geheim {secret}"), by="t"
    )
    public = await service.create_article(
        new_article(status="published", internal_note=f"geheim {secret}"), by="t"
    )
    future = await service.create_article(
        new_article(publish_from=utcnow() + timedelta(days=3)), by="t"
    )
    assert await service.get_article(draft.slug) is None
    assert await service.get_article(future.slug) is None
    resident = await service.get_article(public.slug)
    assert resident is not None and resident.internal_note == ""
    assert secret not in resident.model_dump_json()
    staff = await service.get_article(draft.slug, view="staff")
    assert staff is not None and secret in staff.internal_note
    resident_hits = {h.slug for h in await service.search(secret, size=20)}
    assert draft.slug not in resident_hits and public.slug not in resident_hits
    assert {h.slug for h in await service.search(secret, size=20, view="staff")} >= {
        draft.slug,
        public.slug,
    }
