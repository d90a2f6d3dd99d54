"""HTTP side of the knowledge base: public search, the editors' API and the editor page."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from hub.core.appkeys import DB, SETTINGS
from hub.core.http import BodyError, json_error, parse
from hub.staff.auth import current_staff, require_role
from knowledge import readability, unanswered
from knowledge.models import (
    Article,
    ArticleUpdate,
    NewArticle,
    NewProduct,
    ProductUpdate,
    SynonymGroups,
)
from knowledge.service import KnowledgeService
from knowledge.store import Conflict, NotFound

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
API = "/api/v1/knowledge"
MAX_QUERY_CHARS = 500
_readability_cache: dict[tuple[str, int], dict[str, Any]] = {}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: the knowledge service (articles, products, search), set once it has loaded at start-up
KNOWLEDGE = web.AppKey("knowledge", KnowledgeService)


class RollbackBody(BaseModel):
    version: int = Field(ge=1)


class TextBody(BaseModel):
    text: str = Field("", max_length=20_000)


class KeyBody(BaseModel):
    key: str = Field(min_length=1, max_length=1000)


# ---------------------------------------------------------------------- helpers
# Articles and synonym lists can be long: a larger body than the staff APIs' default.
MAX_BODY = 1024 * 1024


def handles_errors(handler: Handler) -> Handler:
    """Turn domain errors into the one JSON error shape."""

    @wraps(handler)
    async def inner(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except BodyError as exc:
            return exc.response
        except NotFound as exc:
            return json_error(404, "not_found", f"Niet gevonden: {exc}")
        except Conflict as exc:
            return json_error(
                409,
                "conflict",
                f"Iemand anders heeft dit intussen gewijzigd of het bestaat al ({exc}). Laad opnieuw.",
            )

    return inner


def editor(handler: Handler) -> Handler:
    return require_role("editor")(handles_errors(handler))


def service(request: web.Request) -> KnowledgeService:
    return request.app[KNOWLEDGE]


def who(request: web.Request) -> str:
    return str(request["staff"]["_id"])


def readability_of(article: Article) -> dict[str, Any]:
    key = (article.slug, article.version)
    if key not in _readability_cache:
        if len(_readability_cache) > 20_000:
            _readability_cache.clear()
        _readability_cache[key] = readability.score(article.answer)
    return _readability_cache[key]


def article_json(article: Article, full: bool = True) -> dict[str, Any]:
    data = article.model_dump(mode="json")
    data["visible_to_residents"] = article.visible_to_residents()
    score = readability_of(article)
    data["readability"] = score if full else {"score": score["score"], "level": score["level"]}
    if not full:
        for key in ("answer", "internal_note", "synonyms", "related_products"):
            data.pop(key, None)
    return data


# ---------------------------------------------------------------------- public search
async def search(request: web.Request) -> web.Response:
    started = time.perf_counter()
    q = (request.query.get("q") or "").strip()
    if not q:
        return json_error(400, "missing_query", "Geef een zoekvraag op met ?q=...")
    try:
        size = int(request.query.get("size", "5"))
    except ValueError:
        return json_error(400, "invalid_size", "size moet een geheel getal zijn.")
    size = max(1, min(50, size))
    view = request.query.get("view", "resident")
    if view not in ("resident", "staff"):
        return json_error(400, "invalid_view", "view is resident of staff.")
    if view == "staff":
        staff = await current_staff(request)
        if not staff:
            return json_error(401, "not_logged_in", "Log eerst in.")
    hits = await service(request).search(q[:MAX_QUERY_CHARS], size=size, view=view)  # type: ignore[arg-type]
    return web.json_response(
        {
            "hits": [
                {"slug": h.slug, "title": h.title, "score": float(h.score), "snippet": h.snippet}
                for h in hits
            ],
            "took_ms": round((time.perf_counter() - started) * 1000, 3),
        }
    )


# ---------------------------------------------------------------------- articles
@editor
async def list_articles(request: web.Request) -> web.Response:
    q = request.query
    articles = await service(request).store.list(
        status=q.get("status") or None,
        department=q.get("department") or None,
        text=q.get("q") or None,
        audience=q.get("audience") or None,
    )
    return web.json_response(
        {
            "articles": [article_json(a, full=False) for a in articles],
            "departments": await service(request).store.departments(),
        }
    )


@editor
async def create_article(request: web.Request) -> web.Response:
    new = await parse(request, NewArticle, MAX_BODY)
    article = await service(request).create_article(new, who(request))
    return web.json_response(article_json(article), status=201)


@editor
async def get_article(request: web.Request) -> web.Response:
    article = await service(request).store.require(request.match_info["slug"])
    return web.json_response(article_json(article))


@editor
async def update_article(request: web.Request) -> web.Response:
    body = await parse(request, ArticleUpdate, MAX_BODY)
    article = await service(request).update_article(
        request.match_info["slug"], body, who(request), expected_version=body.version
    )
    return web.json_response(article_json(article))


@editor
async def publish(request: web.Request) -> web.Response:
    article = await service(request).set_status(
        request.match_info["slug"], "published", who(request)
    )
    return web.json_response(article_json(article))


@editor
async def archive(request: web.Request) -> web.Response:
    article = await service(request).set_status(
        request.match_info["slug"], "archived", who(request)
    )
    return web.json_response(article_json(article))


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


@editor
async def rollback(request: web.Request) -> web.Response:
    body = await parse(request, RollbackBody, MAX_BODY)
    article = await service(request).rollback(
        request.match_info["slug"], body.version, who(request)
    )
    return web.json_response(article_json(article))


@editor
async def check_readability(request: web.Request) -> web.Response:
    body = await parse(request, TextBody, MAX_BODY)
    return web.json_response(readability.score(body.text))


# ---------------------------------------------------------------------- products
@editor
async def list_products(request: web.Request) -> web.Response:
    products = await service(request).store.list_products()
    return web.json_response({"products": [p.model_dump(mode="json") for p in products]})


@editor
async def create_product(request: web.Request) -> web.Response:
    new = await parse(request, NewProduct, MAX_BODY)
    product = await service(request).store.create_product(new, who(request))
    return web.json_response(product.model_dump(mode="json"), status=201)


@editor
async def get_product(request: web.Request) -> web.Response:
    product = await service(request).store.get_product(request.match_info["slug"])
    if product is None:
        raise NotFound(request.match_info["slug"])
    return web.json_response(product.model_dump(mode="json"))


@editor
async def update_product(request: web.Request) -> web.Response:
    body = await parse(request, ProductUpdate, MAX_BODY)
    product = await service(request).store.update_product(
        request.match_info["slug"], body, who(request), expected_version=body.version
    )
    return web.json_response(product.model_dump(mode="json"))


# ---------------------------------------------------------------------- synonyms, unanswered
@editor
async def get_synonyms(request: web.Request) -> web.Response:
    groups = await service(request).store.get_synonyms()
    return web.json_response(groups.model_dump())


@editor
async def put_synonyms(request: web.Request) -> web.Response:
    groups = await parse(request, SynonymGroups, MAX_BODY)
    saved = await service(request).set_synonyms(groups, who(request))
    return web.json_response(saved.model_dump())


@editor
async def list_unanswered(request: web.Request) -> web.Response:
    try:
        limit = max(1, min(500, int(request.query.get("limit", "100"))))
    except ValueError:
        return json_error(400, "invalid_limit", "limit moet een geheel getal zijn.")
    groups = await unanswered.top(request.app[DB], limit)
    for group in groups:
        for key in ("last_at", "first_at"):
            if group.get(key):
                group[key] = group[key].isoformat()
    return web.json_response({"groups": groups})


@editor
async def dismiss_unanswered(request: web.Request) -> web.Response:
    body = await parse(request, KeyBody, MAX_BODY)
    if not await unanswered.dismiss(request.app[DB], body.key):
        raise NotFound(body.key)
    return web.json_response({"ok": True})


# ---------------------------------------------------------------------- page
@require_role("editor", page=True)
async def editor_page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "editor.html", headers={"Cache-Control": "no-cache"})


# ---------------------------------------------------------------------- wiring
def routes() -> list[web.RouteDef]:
    a = f"{API}/articles/{{slug}}"
    return [
        web.get(f"{API}/search", search),
        web.get(f"{API}/articles", list_articles),
        web.post(f"{API}/articles", create_article),
        web.get(a, get_article),
        web.put(a, update_article),
        web.post(f"{a}/publish", publish),
        web.post(f"{a}/archive", archive),
        web.get(f"{a}/versions", versions),
        web.get(f"{a}/versions/{{n}}/diff", diff),
        web.post(f"{a}/rollback", rollback),
        web.post(f"{API}/readability", check_readability),
        web.get(f"{API}/products", list_products),
        web.post(f"{API}/products", create_product),
        web.get(f"{API}/products/{{slug}}", get_product),
        web.put(f"{API}/products/{{slug}}", update_product),
        web.get(f"{API}/synonyms", get_synonyms),
        web.put(f"{API}/synonyms", put_synonyms),
        web.get(f"{API}/unanswered", list_unanswered),
        web.post(f"{API}/unanswered/dismiss", dismiss_unanswered),
        web.get("/editor", editor_page),
    ]


def setup_knowledge(app: web.Application) -> None:
    """Register knowledge routes and start-up hooks on ``app``."""

    async def start(app: web.Application) -> None:
        svc = await KnowledgeService.create(app[DB], app[SETTINGS], import_if_empty=True)
        app[KNOWLEDGE] = svc

    async def stop(app: web.Application) -> None:
        svc = app.get(KNOWLEDGE)
        if svc:
            await svc.stop()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
    app.router.add_routes(routes())
    app.router.add_static("/editor/static", STATIC, append_version=True)
