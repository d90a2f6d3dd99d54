"""HTTP helpers every JSON endpoint shares: the one error body and the one body parser.

Every error of the hub's JSON API and webhooks has the shape
``{"error": {"code": str, "message": str, ...}}`` with a Dutch message; a body that does
not fit its pydantic model is a 422 ``invalid_fields`` naming the fields.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
MAX_BODY = 64 * 1024


def json_error(status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any) -> web.Response:
    """The one error shape of every JSON endpoint: ``{"error": {"code", "message", **extra}}``."""
    return web.json_response({"error": {"code": code, "message": message, **extra}}, status=status, headers=headers)


def error_fields(exc: ValidationError) -> list[str]:
    """The names of the fields a pydantic model refused (``a.b`` for nested ones)."""
    return sorted({".".join(map(str, e["loc"])) or "body" for e in exc.errors()})


def invalid_fields(exc: ValidationError) -> web.Response:
    """422 ``invalid_fields`` with the names of the fields that do not fit."""
    return json_error(422, "invalid_fields", "Een of meer velden kloppen niet.", fields=error_fields(exc))


class BodyError(Exception):
    """A request body that cannot be used; ``response`` is the 4xx answer that says why."""

    def __init__(self, response: web.Response):
        super().__init__(response.status)
        self.response = response


async def parse(request: web.Request, model: type[M], max_bytes: int = MAX_BODY) -> M:
    """The JSON body as ``model``; raises ``BodyError`` holding a 4xx answer that says what is wrong."""
    if request.content_type != "application/json":
        raise BodyError(json_error(415, "unsupported_media_type", "Stuur de gegevens als application/json."))
    raw = await request.content.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise BodyError(json_error(413, "body_too_large", "De gegevens zijn te groot."))
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise BodyError(json_error(400, "invalid_json", "De gegevens zijn geen geldige JSON.")) from None
    if not isinstance(data, dict):
        raise BodyError(json_error(400, "invalid_json", "Verwacht een JSON-object."))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BodyError(invalid_fields(exc)) from None


def domain_error(exc: Any) -> web.Response:
    """A domain error (``status``, ``code``, ``message``, optional ``extra``) as the one error body."""
    return json_error(exc.status, exc.code, exc.message, **getattr(exc, "extra", {}))
