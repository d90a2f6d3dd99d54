"""Small helpers the staff JSON APIs share: read a body into a model, turn errors into answers."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from channels.base import json_error
from connectors.base import ConnectorError, ConnectorTimeout, NotFound, Unauthorized
from hub import auth
from hub.audit import DEFAULT_REASON, AuditEntry

M = TypeVar("M", bound=BaseModel)
MAX_BODY = 64 * 1024


class BodyError(Exception):
    def __init__(self, response: web.Response):
        self.response = response


async def parse(request: web.Request, model: type[M]) -> M:
    """The JSON body as ``model``; raises ``BodyError`` holding a 4xx answer that says what is wrong."""
    if request.content_type != "application/json":
        raise BodyError(json_error(415, "unsupported_media_type", "Stuur de gegevens als application/json."))
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
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
        fields = sorted({".".join(map(str, e["loc"])) for e in exc.errors()})
        raise BodyError(json_error(422, "invalid_fields", "Een of meer velden kloppen niet.", fields=fields)) from None


def staff_name(request: web.Request) -> str:
    return str(request["staff"]["_id"])


def has_right(request: web.Request, right: str) -> bool:
    """The logged-in staff member has ``right`` (``hub.auth.has_right``: by name, or as supervisor/admin)."""
    return auth.has_right(request["staff"], right)


def domain_error(exc: Any) -> web.Response:
    """An error of hub.contacts / hub.cases / hub.callbacks (``status``, ``code``, ``message``, ``extra``)."""
    return json_error(exc.status, exc.code, exc.message, **getattr(exc, "extra", {}))


def connector_error(exc: ConnectorError, label: str) -> web.Response:
    """A provider failure as the agent sees it: what went wrong, in Dutch, and the provider's code."""
    if isinstance(exc, ConnectorTimeout):
        return json_error(504, f"{exc.service}_timeout", f"{label} antwoordt niet op tijd. Probeer het zo nog eens.")
    if isinstance(exc, NotFound):
        return json_error(404, f"{exc.service}_not_found", f"{label} kent dit nummer niet.", provider_code=exc.code)
    if isinstance(exc, Unauthorized):
        return json_error(502, f"{exc.service}_refused", f"{label} weigert de toegang van de hub. Meld dit aan de beheerder.")
    return json_error(502, f"{exc.service}_error", f"{label} gaf een fout.", provider_code=exc.code)


def audit_entry(request: web.Request, action: str, contact_id: str | None, **detail: Any) -> AuditEntry:
    """An audit entry for a staff read: who (the session), why (``?reason=``), in which conversation."""
    reason = (request.query.get("reason") or DEFAULT_REASON).strip()[:300] or DEFAULT_REASON
    return AuditEntry(
        actor=staff_name(request), action=action, contact_id=contact_id, reason=reason,  # type: ignore[arg-type]
        conversation_id=request.query.get("conversation_id"), detail=detail,
    )
