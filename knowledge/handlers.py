"""What the knowledge base's HTTP handlers share: the service key, error mapping, roles, article JSON."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from aiohttp import web

from hub.core.http import BodyError, json_error
from hub.staff.auth import PUBLISH_KNOWLEDGE, has_right, require_role
from knowledge import readability
from knowledge.models import Article, utcnow
from knowledge.service import KnowledgeService
from knowledge.store import Conflict, NotFound
from knowledge.workflow import NotAllowed

API = "/api/v1/knowledge"
# Articles and synonym lists can be long: a larger body than the staff APIs' default.
MAX_BODY = 1024 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: the knowledge service (articles, products, search), set once it has loaded at start-up
KNOWLEDGE = web.AppKey("knowledge", KnowledgeService)
_readability_cache: dict[tuple[str, int], dict[str, Any]] = {}


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
        except NotAllowed as exc:
            return json_error(409, "wrong_state", str(exc))
        except Conflict as exc:
            return json_error(
                409,
                "conflict",
                f"Iemand anders heeft dit intussen gewijzigd of het bestaat al ({exc}). Laad opnieuw.",
            )

    return inner


def editor(handler: Handler) -> Handler:
    return require_role("editor")(handles_errors(handler))


def may_publish(request: web.Request) -> bool:
    """The one rights check: may this editor make articles live (and review others' drafts)?"""
    return has_right(request["staff"], PUBLISH_KNOWLEDGE)


def publish_refused() -> web.Response:
    return json_error(
        403,
        "forbidden",
        "U mag artikelen niet zelf publiceren. Dien uw concept in ter beoordeling.",
        right=PUBLISH_KNOWLEDGE,
    )


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
    data["review_overdue"] = bool(article.review_at and article.review_at <= utcnow())
    score = readability_of(article)
    data["readability"] = score if full else {"score": score["score"], "level": score["level"]}
    if not full:
        for key in ("answer", "internal_note", "synonyms", "related_products"):
            data.pop(key, None)
    return data
