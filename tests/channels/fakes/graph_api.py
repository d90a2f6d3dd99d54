"""Meta's Graph Send API (``POST /{version}/me/messages?access_token=…``) for Messenger and Instagram.

Checks what Meta checks: the page token, ``recipient.id``, ``messaging_type`` (``RESPONSE``,
``UPDATE`` or ``MESSAGE_TAG`` with a ``tag``), text length and quick replies (at most 13,
titles at most 20 characters). Answers ``{"recipient_id", "message_id"}`` or Graph's error
shape ``{"error": {"message", "type", "code", "fbtrace_id"}}``.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from tests.channels.fakes.base import FakeProvider

ERRORS = {
    400: (100, "(#100) Invalid parameter", False),
    429: (613, "(#613) Calls to this api have exceeded the rate limit.", True),
    500: (1, "An unknown error has occurred.", True),
    503: (2, "An unexpected error has occurred. Please retry your request later.", True),
}


def graph_error(status: int, code: int | None = None, message: str | None = None) -> web.Response:
    default_code, default_message, transient = ERRORS.get(status, ERRORS[500])
    error: dict[str, Any] = {
        "message": message or default_message,
        "type": "OAuthException",
        "code": code or default_code,
        "fbtrace_id": secrets.token_hex(8),
    }
    if transient:
        error["is_transient"] = True
    return web.json_response({"error": error}, status=status)


class FakeGraph(FakeProvider):
    def __init__(self, version: str, page_token: str):
        super().__init__()
        self.version = version
        self.page_token = page_token

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(f"/{self.version}/me/messages", self.send)
        return app

    async def send(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") != self.page_token:
            return graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        try:
            body = await request.json()
        except ValueError:
            return graph_error(400, 100, "(#100) The parameter recipient is required")
        recipient = str((body.get("recipient") or {}).get("id", ""))
        message = body.get("message") or {}
        if not recipient:
            return graph_error(400, 100, "(#100) The parameter recipient is required")
        kind = body.get("messaging_type")
        if kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG") or (kind == "MESSAGE_TAG" and not body.get("tag")):
            return graph_error(400, 100, "(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}")
        if not message.get("text") and not message.get("attachment"):
            return graph_error(400, 100, "(#100) Must send either message or state")
        if len(message.get("text", "")) > 2000:
            return graph_error(400, 100, "(#100) Length of param message[text] must be less than or equal to 2000")
        replies = message.get("quick_replies") or []
        if len(replies) > 13 or any(len(q.get("title", "")) > 20 for q in replies):
            return graph_error(400, 100, "(#100) Param message[quick_replies][0][title] must be at most 20 characters")
        failure = self.take_failure(recipient)
        if failure:
            return graph_error(failure)
        message_id = "m_" + secrets.token_urlsafe(24)
        self.record(recipient, {"message_id": message_id, **body})
        return web.json_response({"recipient_id": recipient, "message_id": message_id})
