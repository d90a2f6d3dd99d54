"""Edits are searchable within a second, without a rebuild: through the hub's HTTP API and, via
the MongoDB change stream, in another KnowledgeService (as the action server runs one)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hub.staff.auth import PUBLISH_KNOWLEDGE
from knowledge.models import ArticleContent
from knowledge.service import KnowledgeService
from knowledge.store import KnowledgeStore
from tests.knowledge.conftest import new_article, unique_slug, unique_word


async def wait_for(check: Any, within: float = 1.0) -> float:
    """Seconds until ``await check()`` is truthy; fails after ``within``."""
    started = time.perf_counter()
    while True:
        if await check():
            return time.perf_counter() - started
        if time.perf_counter() - started > within:
            raise AssertionError(f"not visible within {within}s: {check}")
        await asyncio.sleep(0.02)


async def test_http_edit_publish_archive_visible_within_a_second(login, http) -> None:  # noqa: ANN001
    editor = await login(["editor"], rights=[PUBLISH_KNOWLEDGE])
    word, slug = unique_word(), unique_slug()

    async def found(q: str) -> bool:
        async with http.get(f"{editor.base}/api/v1/knowledge/search", params={"q": q}) as resp:
            return slug in [h["slug"] for h in (await resp.json())["hits"]]

    status, body = await editor.call(
        "POST",
        "/api/v1/knowledge/articles",
        new_article(slug, status="draft").model_dump(mode="json"),
    )
    assert status == 201, body
    body.update(title=f"Nieuw woord {word}")
    payload = {k: body[k] for k in ArticleContent.model_fields} | {"version": body["version"]}
    status, body = await editor.call("PUT", f"/api/v1/knowledge/articles/{slug}", payload)
    assert status == 200, body
    assert not await found(word)  # still a draft
    status, _ = await editor.call("POST", f"/api/v1/knowledge/articles/{slug}/publish")
    assert status == 200
    await wait_for(lambda: found(word))
    status, _ = await editor.call("POST", f"/api/v1/knowledge/articles/{slug}/archive")
    assert status == 200

    async def gone() -> bool:
        return not await found(word)

    await wait_for(gone)


async def test_second_service_follows_the_change_stream(db, service: KnowledgeService) -> None:  # noqa: ANN001
    other = await KnowledgeService.create(db, service.settings, engine=type(service.engine)())
    try:
        word, word2 = unique_word(), unique_word()
        article = await service.create_article(new_article(title=f"Stroom {word}"), by="t")
        await wait_for(lambda: _has(other, word, article.slug))
        changed = ArticleContent(**{**article.content(), "title": f"Stroom {word2}"})
        await service.update_article(article.slug, changed, by="t")
        await wait_for(lambda: _has(other, word2, article.slug))
        assert not await _has(other, word, article.slug)
        await service.set_status(article.slug, "archived", by="t")
        await wait_for(lambda: _gone(other, word2, article.slug))
    finally:
        await other.stop()


async def test_writes_by_another_process_reach_a_running_service(
    db, service: KnowledgeService
) -> None:  # noqa: ANN001
    """A plain store write (as `kcc kb import` does) and a delete reach the service's index."""
    word = unique_word()
    store = KnowledgeStore(db)
    article = await store.create(new_article(title=f"Extern {word}"), by="cli")
    await wait_for(lambda: _has(service, word, article.slug))
    await store.delete(article.slug)
    await wait_for(lambda: _gone(service, word, article.slug))


async def test_synonym_edits_reach_other_services(db, service: KnowledgeService) -> None:  # noqa: ANN001
    word, alias = unique_word(), unique_word()
    article = await service.create_article(new_article(title=f"Synoniem {word}"), by="t")
    other = await KnowledgeService.create(db, service.settings, engine=type(service.engine)())
    try:
        groups = await service.store.get_synonyms()
        try:
            await service.set_synonyms(
                groups.model_copy(update={"groups": [*groups.groups, [word, alias]]}), by="t"
            )
            await wait_for(lambda: _has(other, alias, article.slug))
        finally:
            await service.set_synonyms(groups, by="t")
    finally:
        await other.stop()


async def _has(svc: KnowledgeService, q: str, slug: str) -> bool:
    return slug in [h.slug for h in await svc.search(q, size=5, view="resident")]


async def _gone(svc: KnowledgeService, q: str, slug: str) -> bool:
    return slug not in [h.slug for h in await svc.search(q, size=5, view="staff")]
