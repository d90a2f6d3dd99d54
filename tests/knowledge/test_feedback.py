"""Ratings of answers: the widget's route (validated, only for an answer given), agents, editors' order."""

from __future__ import annotations

import uuid
from datetime import timedelta

import aiohttp

from knowledge.models import utcnow
from knowledge.store import KnowledgeStore
from tests.knowledge.conftest import new_article, unique_slug

FEEDBACK = "/api/v1/webchat/feedback"
ARTICLES = "/api/v1/knowledge/articles"


async def answered(db, slug: str) -> str:  # noqa: ANN001
    """A conversation whose (stored) bot answer was ``slug``, as the pipeline records it."""
    conv = "c" + uuid.uuid4().hex
    await db.messages.insert_one(
        {"_id": "m" + uuid.uuid4().hex, "conversation_id": conv, "seq": 1, "direction": "in",
         "text": "vraag", "meta": {"article": slug, "action": "answer"}}
    )
    return conv


async def test_resident_rates_an_answer_from_the_widget(stack, db, http: aiohttp.ClientSession) -> None:  # noqa: ANN001
    slug = unique_slug("nuttig")
    await KnowledgeStore(db).create(new_article(slug), by="setup")
    conv = await answered(db, slug)
    url = stack.hub_url + FEEDBACK
    body = {"conversation_id": conv, "article": slug, "helpful": False,
            "comment": "Klopt niet, bel mij op 06-12345678 of mail piet@example.nl, BSN 123456782"}
    async with http.post(url, json=body) as resp:
        assert resp.status == 200, await resp.text()
    async with http.post(url, json={**body, "helpful": True, "comment": ""}) as resp:  # changed their mind
        assert resp.status == 200
    docs = await db.article_feedback.find({"slug": slug}).to_list(None)
    assert len(docs) == 1 and docs[0]["helpful"] is True and docs[0]["source"] == "resident"
    async with http.post(url, json=body) as resp:
        assert resp.status == 200
    stored = (await db.article_feedback.find_one({"slug": slug}))["comment"]
    assert "06-12345678" not in stored and "piet@example.nl" not in stored and "123456782" not in stored
    assert stored.startswith("Klopt niet")

    # not an answer of this conversation, a bad body, a wrong type: refused in the one error body
    other = unique_slug("ander")
    async with http.post(url, json={**body, "article": other}) as resp:
        assert resp.status == 404 and (await resp.json())["error"]["code"] == "unknown_answer"
    async with http.post(url, json={"conversation_id": conv, "article": slug, "helpful": "misschien"}) as resp:
        assert resp.status == 422 and "helpful" in (await resp.json())["error"]["fields"]
    async with http.post(url, json={**body, "extra": 1}) as resp:
        assert resp.status == 422
    async with http.post(url, data="x", headers={"Content-Type": "text/plain"}) as resp:
        assert resp.status == 415


async def test_agents_rate_and_editors_see_bad_ratings_and_overdue_reviews_first(db, login) -> None:  # noqa: ANN001
    tag = uuid.uuid4().hex[:8]
    store = KnowledgeStore(db)
    fine, disliked, overdue = (unique_slug(f"{name}-{tag}") for name in ("goed", "slecht", "oud"))
    await store.create(new_article(fine, title=f"A {tag} goed"), by="setup")
    await store.create(new_article(disliked, title=f"B {tag} slecht"), by="setup")
    await store.create(new_article(overdue, title=f"C {tag} oud", review_at=utcnow() - timedelta(days=1)), by="setup")
    agent = await login(["agent"])
    status, body = await agent.call("POST", f"{ARTICLES}/{disliked}/feedback", {"helpful": False, "comment": "Prijs is oud"})
    assert status == 200 and body["down"] == 1
    status, body = await agent.call("POST", f"{ARTICLES}/{fine}/feedback", {"helpful": True})
    assert status == 200 and body["up"] == 1
    status, body = await agent.call("POST", f"{ARTICLES}/bestaat-niet-{tag}/feedback", {"helpful": True})
    assert status == 404
    nobody = await login([])
    status, body = await nobody.call("POST", f"{ARTICLES}/{fine}/feedback", {"helpful": True})
    assert status == 403

    editor = await login(["editor"])
    status, listing = await editor.call("GET", f"{ARTICLES}?q={tag}")
    assert status == 200
    assert [a["slug"] for a in listing["articles"]] == [disliked, overdue, fine]
    rows = {a["slug"]: a for a in listing["articles"]}
    assert rows[disliked]["feedback"] == {"up": 0, "down": 1} and rows[overdue]["review_overdue"] is True
    assert rows[fine]["review_overdue"] is False and rows[fine]["department"] == "Testafdeling"
    assert rows[fine]["feedback"] == {"up": 1, "down": 0} and rows[overdue]["feedback"] == {"up": 0, "down": 0}
    status, view = await editor.call("GET", f"{ARTICLES}/{disliked}")
    assert view["feedback"]["down"] == 1 and view["feedback"]["recent"][0]["comment"] == "Prijs is oud"


async def test_existing_articles_get_an_owner_and_a_review_date(db) -> None:  # noqa: ANN001
    store = KnowledgeStore(db)
    slug = unique_slug("oud")
    await store.create(new_article(slug), by="setup")
    await db.articles.update_one({"slug": slug}, {"$set": {"department": ""}, "$unset": {"review_at": ""}})
    assert await store.migrate_owners() >= 1
    article = await store.require(slug)
    assert article.department == "KCC" and article.review_at is not None and article.review_at > utcnow()
    assert await store.migrate_owners() == 0 or (await store.require(slug)).review_at == article.review_at
