"""HTTP side of the knowledge base: public search, the editor page, products, synonyms, unanswered
questions and the readability check; the articles' own API is ``knowledge.articles_api``."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from aiohttp import web
from pydantic import BaseModel, Field

from hub.core.appkeys import DB, SETTINGS
from hub.core.http import json_error, parse
from hub.core.loops import Loops
from hub.staff.auth import current_staff, require_role
from knowledge import articles_api, feedback, readability, unanswered
from knowledge.handlers import API, KNOWLEDGE, MAX_BODY, editor, service, who
from knowledge.models import NewProduct, ProductUpdate, SynonymGroups
from knowledge.service import KnowledgeService
from knowledge.store import NotFound
from knowledge.workflow import run_schedule

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
MAX_QUERY_CHARS = 500
__all__ = ["KNOWLEDGE", "routes", "setup_knowledge"]


class TextBody(BaseModel):
    text: str = Field("", max_length=20_000)


class KeyBody(BaseModel):
    key: str = Field(min_length=1, max_length=1000)


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


# ---------------------------------------------------------------------- readability
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
    return [
        web.get(f"{API}/search", search),
        *articles_api.routes(),
        *feedback.routes(),
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

    loops = Loops()

    async def start(app: web.Application) -> None:
        svc = await KnowledgeService.create(app[DB], app[SETTINGS], import_if_empty=True)
        app[KNOWLEDGE] = svc
        # scheduled publication: sleeps until the next moment it knows, sweeps slowly for other hubs'
        loops.start(knowledge_schedule=run_schedule(svc.publish_due, svc.schedule_wake, app[SETTINGS].knowledge_schedule_sweep_s))

    async def stop(app: web.Application) -> None:
        await loops.stop()
        svc = app.get(KNOWLEDGE)
        if svc:
            await svc.stop()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
    app.router.add_routes(routes())
    app.router.add_static("/editor/static", STATIC, append_version=True)
