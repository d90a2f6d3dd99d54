"""A request id on every request: taken from a sane ``X-Request-ID`` (set by our proxy) or made
here, put in ``request["request_id"]`` and echoed in the response's ``X-Request-ID`` header.

The error middleware logs unhandled errors with it and hands it back in the 500 answer, so
a resident's or a provider's report can be matched with the log line (no trace in answers).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from aiohttp import web

HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._:\-]{8,64}$")


def request_id(request: web.Request) -> str:
    return str(request.get("request_id") or "")


@web.middleware
async def request_id_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    given = request.headers.get(HEADER, "")
    rid = given if _SANE.match(given) else secrets.token_hex(8)
    request["request_id"] = rid
    try:
        resp = await handler(request)
    except web.HTTPException as exc:
        exc.headers[HEADER] = rid
        raise
    if not resp.prepared:  # a WebSocket or stream already sent its headers
        resp.headers[HEADER] = rid
    return resp
