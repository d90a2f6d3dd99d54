"""The Telegram Bot API (``POST /bot<token>/<method>``), as far as the hub uses it.

Methods ``getMe``, ``sendMessage`` and ``answerCallbackQuery``; parameters arrive as a
form or JSON (python-telegram-bot sends a form with JSON-encoded values). Answers are
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description"}``, with
``parameters.retry_after`` on 429, as the Bot API documents.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from tests.channels.fakes.base import FakeProvider

DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after 1",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Gemeente Lindewaard", "username": "LindewaardBot"}


def _error(status: int) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": DESCRIPTIONS.get(status, "Internal Server Error")}
    if status == 429:
        body["parameters"] = {"retry_after": 1}
    return web.json_response(body, status=status)


class FakeTelegram(FakeProvider):
    def __init__(self, token: str):
        super().__init__()
        self.token = token
        self.callback_answers: list[str] = []
        self._message_id = 1000

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.call)
        return app

    async def call(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401)
        params = await _params(request)
        method = request.match_info["method"]
        if method == "getMe":
            return web.json_response({"ok": True, "result": BOT_USER})
        if method == "answerCallbackQuery":
            self.callback_answers.append(str(params.get("callback_query_id")))
            return web.json_response({"ok": True, "result": True})
        if method != "sendMessage":
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        chat_id = str(params.get("chat_id", ""))
        text = params.get("text")
        if not chat_id or not text:
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}, status=400)
        if len(str(text)) > 4096:
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}, status=400)
        failure = self.take_failure(chat_id)
        if failure:
            return _error(failure)
        markup = params.get("reply_markup")
        self._message_id += 1
        self.record(chat_id, {"message_id": self._message_id, "text": text, "reply_markup": json.loads(markup) if isinstance(markup, str) else markup})
        message = {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private"},
            "from": BOT_USER,
            "text": text,
        }
        return web.json_response({"ok": True, "result": message})


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        return dict(await request.json())
    return {k: str(v) for k, v in (await request.post()).items()}
