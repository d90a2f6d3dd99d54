"""A local server that follows the Slack Web API for the methods the Slack desk calls.

Follows https://api.slack.com/web: methods at ``POST /api/<method>``, the bot token as
``Authorization: Bearer xoxb-...`` (or a ``token`` field), arguments as JSON or form fields,
always HTTP 200 with ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``.
Implemented: ``auth.test``, ``chat.postMessage`` (with ``thread_ts``), ``chat.update``.
Every accepted message is kept, so tests can read a channel or a thread.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from typing import Any

from aiohttp import web

BOT_USER = "U0KCCBOT"
BOT_ID = "B0KCCBOT"


class FakeSlack:
    def __init__(self, token: str, channels: set[str]):
        self.token = token
        self.channels = channels
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self.messages: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ for the tests
    def thread(self, ts: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m.get("thread_ts") == ts]

    def roots(self, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m["channel"] == channel and not m.get("thread_ts")]

    async def wait_for(self, predicate: Any, within_s: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            with self._lock:
                found = [m for m in self.messages if predicate(m)]
            if found:
                return found[-1]
            await asyncio.sleep(0.05)
        raise AssertionError("fake Slack: no such message arrived")

    # ------------------------------------------------------------------ the API
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self.call)
        return app

    async def _args(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return body if isinstance(body, dict) else {}
        return dict(await request.post())

    async def call(self, request: web.Request) -> web.Response:
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else args.get("token")
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        if token != self.token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        method = request.match_info["method"]
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team": "Lindewaard", "team_id": "T0KCC"})
        if method == "chat.postMessage":
            return web.json_response(self._post(args))
        if method == "chat.update":
            return web.json_response(self._update(args))
        return web.json_response({"ok": False, "error": "unknown_method"})

    def _post(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        with self._lock:
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            message = {"type": "message", "channel": channel, "ts": ts, "text": args.get("text", ""),
                       "user": BOT_USER, "bot_id": BOT_ID}
            if args.get("thread_ts"):
                if not any(m["ts"] == args["thread_ts"] for m in self.messages):
                    return {"ok": False, "error": "thread_not_found"}
                message["thread_ts"] = args["thread_ts"]
            self.messages.append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": {k: v for k, v in message.items() if k != "channel"}}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            for m in self.messages:
                if m["channel"] == args.get("channel") and m["ts"] == args.get("ts"):
                    m["text"] = args.get("text", m["text"])
                    return {"ok": True, "channel": m["channel"], "ts": m["ts"], "text": m["text"]}
        return {"ok": False, "error": "message_not_found"}
