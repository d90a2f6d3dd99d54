"""Draft -> review -> publish through the running hub's API: rights, search visibility, schedules."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import aiohttp

from hub.staff.auth import PUBLISH_KNOWLEDGE
from knowledge.articles_api import PublishBody
from knowledge.models import ArticleContent, utcnow
from knowledge.store import KnowledgeStore
from tests.knowledge.conftest import new_article, unique_slug, unique_word

ARTICLES = "/api/v1/knowledge/articles"
SEARCH = "/api/v1/knowledge/search"


async def found(http: aiohttp.ClientSession, base: str, q: str) -> list[str]:
    async with http.get(f"{base}{SEARCH}", params={"q": q}) as resp:
        return [h["slug"] for h in (await resp.json())["hits"]]


def content_of(view: dict, **changes: object) -> dict:
    data = {k: view[k] for k in ArticleContent.model_fields if k in view}
    return {**data, **changes, "version": view["current_version"]}


async def test_draft_review_publish_with_rights_enforced(stack, db, http, login) -> None:  # noqa: ANN001
    writer = await login(["editor"])
    reviewer = await login(["editor"], rights=[PUBLISH_KNOWLEDGE])
    old_word, new_word = unique_word(), unique_word()
    slug = unique_slug("flow")
    await KnowledgeStore(db).create(new_article(slug, title=f"Live over {old_word}"), by="setup")
    base = stack.hub_url
    assert slug in await found(http, base, old_word)

    # a writer saves: a draft, residents still get the live text
    status, view = await writer.call("GET", f"{ARTICLES}/{slug}")
    assert status == 200 and view["may_publish"] is False
    status, view = await writer.call("PUT", f"{ARTICLES}/{slug}", content_of(view, title=f"Nieuw over {new_word}"))
    assert status == 200 and view["draft"]["state"] == "draft" and view["title"] == f"Live over {old_word}"
    assert slug not in await found(http, base, new_word) and slug in await found(http, base, old_word)

    # the writer may not publish (403 in the one error body), nor send back
    for path, body in (("publish", {}), ("publish", {"at": "1-1-2099 10:00"}), ("send-back", {"comment": "x"}), ("archive", {})):
        status, refused = await writer.call("POST", f"{ARTICLES}/{slug}/{path}", body)
        assert status == 403, path
        assert set(refused) == {"error"} and refused["error"]["code"] == "forbidden" and refused["error"]["message"]
    status, too_new = await writer.call("POST", ARTICLES, new_article(unique_slug()).model_dump(mode="json"))
    assert status == 403  # a new article with status published is publishing too
    assert slug not in await found(http, base, new_word)

    # submit for review; the reviewer sends it back with a comment
    status, view = await writer.call("POST", f"{ARTICLES}/{slug}/submit")
    assert status == 200 and view["draft"]["state"] == "review" and view["draft"]["state_label"] == "ter beoordeling"
    status, listing = await reviewer.call("GET", f"{ARTICLES}?q={slug}")
    assert listing["articles"][0]["draft_label"] == "ter beoordeling"
    status, waiting = await reviewer.call("GET", f"{ARTICLES}?draft=review")
    assert slug in [a["slug"] for a in waiting["articles"]]
    assert all(a["draft_state"] == "review" for a in waiting["articles"])
    status, view = await reviewer.call("POST", f"{ARTICLES}/{slug}/send-back", {"comment": "Maak de titel korter."})
    assert status == 200 and view["draft"]["state"] == "draft" and view["draft"]["comment"] == "Maak de titel korter."
    status, wrong = await reviewer.call("POST", f"{ARTICLES}/{slug}/send-back", {"comment": "nog eens"})
    assert status == 409 and wrong["error"]["code"] == "wrong_state"

    # submitted again and published: now residents find the new text, and the revision moved on
    revision = await KnowledgeStore(db).revision()
    await writer.call("POST", f"{ARTICLES}/{slug}/submit")
    status, view = await reviewer.call("POST", f"{ARTICLES}/{slug}/publish")
    assert status == 200 and view["draft"] is None and view["title"] == f"Nieuw over {new_word}"
    assert await KnowledgeStore(db).revision() > revision
    assert slug in await found(http, base, new_word) and slug not in await found(http, base, old_word)
    status, history = await reviewer.call("GET", f"{ARTICLES}/{slug}/versions")
    actions = [v["action"] for v in history["versions"]]
    assert actions == ["publish", "submit", "send_back", "submit", "draft", "create"]
    assert history["versions"][0]["by"] == reviewer.username


async def test_a_draft_save_does_not_move_the_revision(db, login) -> None:  # noqa: ANN001
    editor = await login(["editor"])
    slug = unique_slug("rev")
    await KnowledgeStore(db).create(new_article(slug), by="setup")
    _, view = await editor.call("GET", f"{ARTICLES}/{slug}")
    revision = await KnowledgeStore(db).revision()
    status, _ = await editor.call("PUT", f"{ARTICLES}/{slug}", content_of(view, answer="Een nieuw concept."))
    assert status == 200
    assert await KnowledgeStore(db).revision() == revision
    assert (await KnowledgeStore(db).require(slug)).answer != "Een nieuw concept."


async def test_scheduled_publication_takes_effect(stack, db, http, login) -> None:  # noqa: ANN001
    editor = await login(["editor"], rights=[PUBLISH_KNOWLEDGE])
    word, slug = unique_word(), unique_slug("gepland")
    status, view = await editor.call(
        "POST", ARTICLES, new_article(slug, status="draft", title=f"Gepland {word}").model_dump(mode="json")
    )
    assert status == 201
    at = utcnow() + timedelta(seconds=3)
    status, view = await editor.call("POST", f"{ARTICLES}/{slug}/publish", {"at": at.isoformat()})
    assert status == 200 and view["draft"]["state"] == "scheduled" and view["status"] == "draft"
    assert slug not in await found(http, stack.hub_url, word)
    deadline = time.monotonic() + 15
    while slug not in await found(http, stack.hub_url, word):
        assert time.monotonic() < deadline, "the scheduled article was not published"
        await asyncio.sleep(0.3)
    assert utcnow() >= at
    article = await KnowledgeStore(db).require(slug)
    assert article.status == "published" and article.updated_by == editor.username
    assert await db.article_drafts.count_documents({"slug": slug}) == 0


def test_dutch_moments_are_read_in_amsterdam_time() -> None:
    at = PublishBody.model_validate({"at": "2-12-2026 14:30"}).at
    assert at is not None and at.astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%d-%m-%Y %H:%M") == "02-12-2026 14:30"
    assert at.utcoffset() == timedelta(0) and at.hour == 13  # CET is UTC+1 in December
    assert PublishBody.model_validate({"at": "2026-07-01T10:00:00+02:00"}).at.hour == 8  # type: ignore[union-attr]
