"""The editors' articles API: the list, new articles, one article with its draft, the
draft -> review -> publish workflow (``knowledge.workflow``) and the history with diffs.

``GET  /articles``                   the editor's list, what needs attention first (``?draft=review`` ...)
``POST /articles``                   a new article (a draft unless its editor may publish)
``GET  /articles/{slug}``            the live article, its pending draft and its ratings
``PUT  /articles/{slug}``            save the draft (any editor; the live article does not change)
``POST /articles/{slug}/submit``     submit the draft for review ("ter beoordeling")
``POST /articles/{slug}/send-back``  a reviewer sends it back with a comment       (publish right)
``POST /articles/{slug}/publish``    live now, or at ``{"at": ...}`` (scheduled)   (publish right)
``POST /articles/{slug}/archive``    take it away from residents                  (publish right)
``POST /articles/{slug}/rollback``   an old version's content becomes the draft
``DELETE /articles/{slug}/draft``    throw the draft away

The publish right is ``knowledge.publish`` (``hub.staff.auth.PUBLISH_KNOWLEDGE``), checked with
the hub's one rights check; without it the answer is 403 in the one error body.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.core.http import json_error, parse
from knowledge import feedback
from knowledge.handlers import (
    API,
    MAX_BODY,
    article_json,
    editor,
    may_publish,
    publish_refused,
    service,
    who,
)
from knowledge.models import Article, ArticleUpdate, NewArticle, as_utc, utcnow
from knowledge.workflow import STATE_NL

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# 2-12-2026, 02-12-2026 14:30, 2/12/2026 9.30: how Dutch editors write a moment (Amsterdam time)
_DUTCH = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T,]+(\d{1,2})[:.](\d{2}))?$")


def parse_dutch_moment(value: Any) -> Any:
    """``dd-mm-jjjj [uu:mm]`` in Dutch time, or anything pydantic reads as a datetime (ISO 8601)."""
    if isinstance(value, str):
        match = _DUTCH.match(value.strip())
        if match:
            day, month, year, hour, minute = match.groups()
            local = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), tzinfo=AMSTERDAM)
            return local
    return value


class RollbackBody(BaseModel):
    version: int = Field(ge=1)


class PublishBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: datetime | None = Field(
        None, description="publish at this moment instead of now: ISO 8601 or Dutch 'dd-mm-jjjj uu:mm' (Amsterdam)"
    )

    @field_validator("at", mode="before")
    @classmethod
    def _dutch(cls, value: Any) -> Any:
        return parse_dutch_moment(value)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=AMSTERDAM)
        return as_utc(value)


class SendBackBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    comment: str = Field(min_length=1, max_length=2000, description="what the writer should change")


async def editor_view(request: web.Request, slug: str) -> dict[str, Any]:
    """The live article, its pending draft (if any) and its ratings: what the editor page shows."""
    svc = service(request)
    article = await svc.store.require(slug)
    draft = await svc.workflow.get(slug)
    data = article_json(article)
    data["draft"] = draft.view() if draft else None
    data["current_version"] = draft.version if draft else article.version
    data["feedback"] = {**await feedback.counts(svc.db, slug), "recent": await feedback.recent(svc.db, slug)}
    data["may_publish"] = may_publish(request)
    return data


def attention(article: Article, ratings: dict[str, Any]) -> tuple[Any, ...]:
    """Sort key of the editor's list: negative ratings and overdue reviews first, then by title."""
    down = ratings.get("down", 0)
    overdue = bool(article.review_at and article.review_at <= utcnow())
    needs = down > 0 or overdue
    return (0 if needs else 1, -down, 0 if overdue else 1, article.title.lower())


@editor
async def list_articles(request: web.Request) -> web.Response:
    """The editor's list: what needs attention first (not helpful ratings, overdue reviews)."""
    q = request.query
    svc = service(request)
    articles = await svc.store.list(
        status=q.get("status") or None,
        department=q.get("department") or None,
        text=q.get("q") or None,
        audience=q.get("audience") or None,
    )
    ratings = await feedback.summary(svc.db)
    drafts = await svc.workflow.states()
    if q.get("draft"):  # ?draft=review: what waits for a reviewer (or draft, scheduled)
        articles = [a for a in articles if a.slug in drafts and drafts[a.slug].state == q.get("draft")]
    articles.sort(key=lambda a: attention(a, ratings.get(a.slug, {})))
    rows = []
    for article in articles:
        row = article_json(article, full=False)
        rated = ratings.get(article.slug, {})
        row["feedback"] = {"up": rated.get("up", 0), "down": rated.get("down", 0)}
        draft = drafts.get(article.slug)
        row["draft_state"] = draft.state if draft else None
        row["draft_label"] = STATE_NL[draft.state] if draft else None
        rows.append(row)
    return web.json_response(
        {"articles": rows, "departments": await svc.store.departments(), "may_publish": may_publish(request)}
    )


@editor
async def create_article(request: web.Request) -> web.Response:
    new = await parse(request, NewArticle, MAX_BODY)
    if new.status != "draft" and not may_publish(request):
        return publish_refused()  # a new article starts as a draft unless its editor may publish
    article = await service(request).create_article(new, who(request))
    return web.json_response(await editor_view(request, article.slug), status=201)


@editor
async def get_article(request: web.Request) -> web.Response:
    return web.json_response(await editor_view(request, request.match_info["slug"]))


@editor
async def save_draft(request: web.Request) -> web.Response:
    body = await parse(request, ArticleUpdate, MAX_BODY)
    slug = request.match_info["slug"]
    await service(request).workflow.save(slug, body, who(request), expected=body.version)
    return web.json_response(await editor_view(request, slug))


@editor
async def submit(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    await service(request).workflow.submit(slug, who(request))
    return web.json_response(await editor_view(request, slug))


@editor
async def send_back(request: web.Request) -> web.Response:
    if not may_publish(request):
        return publish_refused()
    body = await parse(request, SendBackBody, MAX_BODY)
    slug = request.match_info["slug"]
    await service(request).workflow.send_back(slug, who(request), body.comment)
    return web.json_response(await editor_view(request, slug))


@editor
async def publish(request: web.Request) -> web.Response:
    if not may_publish(request):
        return publish_refused()
    body = await parse(request, PublishBody, MAX_BODY) if request.can_read_body else PublishBody()
    slug = request.match_info["slug"]
    if body.at is not None and body.at > utcnow():
        await service(request).schedule(slug, who(request), body.at)
    else:
        await service(request).publish(slug, who(request))
    return web.json_response(await editor_view(request, slug))


@editor
async def archive(request: web.Request) -> web.Response:
    if not may_publish(request):
        return publish_refused()
    slug = request.match_info["slug"]
    await service(request).set_status(slug, "archived", who(request))
    return web.json_response(await editor_view(request, slug))


@editor
async def discard_draft(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    await service(request).store.require(slug)
    await service(request).workflow.discard(slug)
    return web.json_response(await editor_view(request, slug))


@editor
async def rollback(request: web.Request) -> web.Response:
    """An old version's content becomes the draft (published like any other draft)."""
    body = await parse(request, RollbackBody, MAX_BODY)
    slug = request.match_info["slug"]
    svc = service(request)
    old = await svc.store.version(slug, body.version)
    content = ArticleUpdate.model_validate({k: old.snapshot.get(k) for k in ArticleUpdate.model_fields if k in old.snapshot and k != "version"})
    await svc.workflow.save(slug, content, who(request), action="rollback", note=f"terug naar versie {body.version}")
    return web.json_response(await editor_view(request, slug))


@editor
async def versions(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    await service(request).store.require(slug)
    history = await service(request).store.history(slug)
    return web.json_response(
        {
            "slug": slug,
            "versions": [
                {
                    "version": v.version,
                    "at": v.at.isoformat(),
                    "by": v.by,
                    "action": v.action,
                    "note": v.note,
                    "status": v.snapshot.get("status"),
                    "title": v.snapshot.get("title"),
                }
                for v in history
            ],
        }
    )


@editor
async def diff(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    try:
        version = int(request.match_info["n"])
        against = int(request.query["against"]) if "against" in request.query else None
    except ValueError:
        return json_error(400, "invalid_version", "Versie moet een geheel getal zijn.")
    result = await service(request).store.diff(slug, version, against)
    result["at"] = result["at"].isoformat()
    return web.json_response(result)


def routes() -> list[web.RouteDef]:
    a = f"{API}/articles/{{slug}}"
    return [
        web.get(f"{API}/articles", list_articles),
        web.post(f"{API}/articles", create_article),
        web.get(a, get_article),
        web.put(a, save_draft),
        web.post(f"{a}/submit", submit),
        web.post(f"{a}/send-back", send_back),
        web.post(f"{a}/publish", publish),
        web.post(f"{a}/archive", archive),
        web.delete(f"{a}/draft", discard_draft),
        web.post(f"{a}/rollback", rollback),
        web.get(f"{a}/versions", versions),
        web.get(f"{a}/versions/{{n}}/diff", diff),
    ]
