"""What every connector shares: one JSON request helper and one family of errors.

Errors carry the HTTP status and the provider's own error code where its API has one
(``paramsValidation`` in Haal Centraal, ``IPD0004`` at KvK, ``invalid`` in ZGW), so the
hub can answer an agent with something better than "it failed".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


class ConnectorError(Exception):
    """The provider answered with an error, or could not be reached."""

    def __init__(self, service: str, status: int | None, code: str, detail: str = "", body: Any = None):
        super().__init__(f"{service}: {status} {code} {detail}".strip())
        self.service, self.status, self.code, self.detail, self.body = service, status, code, detail, body


class BadRequest(ConnectorError):
    """400: the provider refused our request as invalid (a bug on our side, or bad input passed on)."""


class Unauthorized(ConnectorError):
    """401/403: key, token or certificate not accepted."""


class NotFound(ConnectorError):
    """404: the thing asked for does not exist at the provider."""


class ConnectorTimeout(ConnectorError):
    """No answer within the configured time."""


class Unavailable(ConnectorError):
    """Connection refused, 5xx, or an answer that is not the JSON the API promises."""


def _error_class(status: int) -> type[ConnectorError]:
    if status == 400:
        return BadRequest
    if status in (401, 403):
        return Unauthorized
    if status == 404:
        return NotFound
    return Unavailable


def provider_code(body: Any) -> str:
    """The provider's error code from a problem+json (``code``) or KvK (``fout[0].code``) body."""
    if isinstance(body, dict):
        if isinstance(body.get("code"), str):
            return body["code"]
        fout = body.get("fout")
        if isinstance(fout, list) and fout and isinstance(fout[0], dict):
            return str(fout[0].get("code", ""))
    return ""


async def request_json(
    session: aiohttp.ClientSession,
    service: str,
    method: str,
    url: str,
    *,
    timeout_s: float,
    headers: dict[str, str] | None = None,
    json: Any = None,
    params: dict[str, str] | None = None,
    ok: tuple[int, ...] = (200, 201),
) -> tuple[int, Any]:
    """Send one request; (status, parsed JSON) for an ``ok`` status, else a ``ConnectorError``.

    Request bodies may hold personal data: they are never logged.
    """
    try:
        async with session.request(
            method, url, headers=headers, json=json, params=params, timeout=aiohttp.ClientTimeout(total=timeout_s)
        ) as resp:
            text = await resp.text()
            try:
                body = await resp.json(content_type=None) if text else None
            except ValueError:
                body = None
            if resp.status in ok:
                if body is None and resp.status != 204:
                    raise Unavailable(service, resp.status, "not_json", "answer is not JSON")
                return resp.status, body
            code = provider_code(body) or f"http_{resp.status}"
            detail = (body.get("detail") or body.get("title") or "") if isinstance(body, dict) else ""
            log.warning("connector error", extra={"service": service, "status": resp.status, "code": code})
            raise _error_class(resp.status)(service, resp.status, code, str(detail)[:300], body)
    except TimeoutError as exc:
        log.warning("connector timeout", extra={"service": service, "timeout_s": timeout_s})
        raise ConnectorTimeout(service, None, "timeout", f"no answer within {timeout_s:g}s") from exc
    except asyncio.CancelledError:
        raise
    except aiohttp.ClientError as exc:
        log.warning("connector unreachable", extra={"service": service, "error": type(exc).__name__})
        raise Unavailable(service, None, "unreachable", type(exc).__name__) from exc


def parse_answer(service: str, model: type[M], data: Any) -> M:
    """The provider's answer as ``model``; an answer that breaks the published schema is ``Unavailable``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        log.warning("connector answer does not match the API", extra={"service": service, "errors": exc.error_count()})
        raise Unavailable(service, None, "bad_answer", "answer does not match the published API") from exc
