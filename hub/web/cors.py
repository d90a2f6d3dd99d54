"""CORS for the web chat API only: the widget runs on the municipality's own site, another origin.

The resident's browser on ``https://www.<gemeente>.nl`` may call ``/api/v1/webchat/*`` of the
hub when ``KCC_WEBCHAT_ORIGINS`` allows that origin (default ``*``: any site may embed the chat;
the web chat API needs no cookie, so no credentials are allowed). Preflight requests are
answered by aiohttp-cors. Staff APIs and pages are never registered here, so a browser refuses
any cross-site call to them. Browsers do not apply CORS to WebSockets: when the origins are
restricted, the web chat WebSocket refuses a handshake from another origin itself.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp_cors
from aiohttp import web

from hub.core.http import json_error
from hub.core.settings import Settings

PREFIX = "/api/v1/webchat/"


def _path(resource: web.AbstractResource) -> str:
    info = resource.get_info()
    return str(info.get("path") or info.get("formatter") or info.get("prefix") or "")


def setup_cors(app: web.Application, settings: Settings) -> None:
    """Allow the configured origins on every web chat route registered so far (call after the routes)."""
    options = aiohttp_cors.ResourceOptions(
        allow_credentials=False,
        allow_headers=("Content-Type", "X-Request-ID"),
        expose_headers=("Retry-After", "X-Request-ID"),
        allow_methods=("GET", "POST"),
        max_age=600,
    )
    cors = aiohttp_cors.setup(app, defaults={})
    origins = {origin: options for origin in settings.webchat_origin_list}
    for resource in list(app.router.resources()):
        if not _path(resource).startswith(PREFIX):
            continue
        for route in list(resource):
            if route.method in ("GET", "POST") and not _path(resource).endswith("/ws"):
                cors.add(route, origins)
    if settings.webchat_origin_list != ["*"]:
        own = urlsplit(settings.public_url)
        allowed = {*settings.webchat_origin_list, f"{own.scheme}://{own.netloc}"}  # the hub's own /chat page
        app.middlewares.append(_websocket_origin(allowed))


def _websocket_origin(allowed: set[str]) -> Any:
    @web.middleware
    async def check(request: web.Request, handler: Any) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if (
            origin
            and request.path.startswith(PREFIX)
            and request.headers.get("Upgrade", "").lower() == "websocket"
            and origin.rstrip("/") not in allowed
        ):
            return json_error(403, "origin_not_allowed", "Deze website mag de chat niet gebruiken.")
        return await handler(request)

    return check
