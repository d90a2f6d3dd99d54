"""The hub's client for the Rasa server (HTTP only; Rasa lives in its own venv)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import aiohttp
from pydantic import BaseModel

from hub.core.models import Button, Reply

log = logging.getLogger(__name__)

META_KEY = "kcc_meta"  # custom payload key the action server uses to pass reply metadata
# custom payload key of one reply kept whole: Rasa's REST channel cuts a text without buttons
# at every blank line (an article became seven chat bubbles); {"text", "buttons"?}
REPLY_KEY = "kcc_reply"


class BotUnavailable(Exception):
    """Rasa did not answer (down, timing out or answering an error)."""


class BotAnswer(BaseModel):
    replies: list[Reply]
    meta: dict[str, Any]


def bot_event(text: str, meta: dict[str, Any]) -> dict[str, Any]:
    """A Rasa tracker ``bot`` event for a reply the hub gave itself, with its metadata where the actions read it."""
    return {"event": "bot", "text": text, "data": {"custom": {META_KEY: meta}}}


def parse_rest_response(items: list[dict[str, Any]]) -> BotAnswer:
    """Split Rasa's REST channel output into visible replies and the action server's metadata."""
    replies: list[Reply] = []
    meta: dict[str, Any] = {}
    for item in items:
        custom = item.get("custom")
        if isinstance(custom, dict) and META_KEY in custom:
            meta.update(custom[META_KEY])
            continue
        if isinstance(custom, dict) and isinstance(custom.get(REPLY_KEY), dict):
            item = custom[REPLY_KEY]
        text = item.get("text")
        buttons = [Button(title=b["title"], payload=b["payload"]) for b in item.get("buttons") or []]
        if item.get("image"):
            text = f"{text}\n{item['image']}" if text else item["image"]
        if text or buttons:
            replies.append(Reply(text=text or "", buttons=buttons))
    return BotAnswer(replies=replies, meta=meta)


class BotClient:
    """Rasa's REST channel, with a short circuit breaker.

    When Rasa did not answer (refused, timed out, 5xx), it is not asked again for
    ``pause_s`` seconds: the messages meanwhile are handed over at once with the Dutch
    notice instead of each waiting out the time-out (with the pipeline's few turns, a hung
    Rasa would otherwise keep a queue of residents waiting ``rasa_timeout_s`` each).
    A successful ``ready()`` (the health check) closes the breaker early.

    At most ``concurrency`` questions are with Rasa at once; the rest wait here, outside the
    time-out. A burst would otherwise share Rasa's CPU so thinly that every answer in it ends
    late and the slowest pass ``timeout_s``; in line, each is answered in its usual time.

    Without a ``session`` the client opens its own at first use (aiohttp makes one only in a
    running event loop; the app builds its parts before the loop runs) and ``close`` closes it.
    """

    def __init__(
        self,
        base_url: str,
        timeout_s: float,
        session: aiohttp.ClientSession | None = None,
        pause_s: float = 5.0,
        concurrency: int | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session = session
        self._own_session = session is None
        self.pause_s = pause_s
        self._down_until = 0.0
        self._asking = asyncio.Semaphore(concurrency) if concurrency else contextlib.nullcontext()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        """Close the session the client opened itself (a session it was given stays open)."""
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def ask(self, sender: str, text: str, metadata: dict[str, Any]) -> BotAnswer:
        if time.monotonic() < self._down_until:
            raise BotUnavailable("rasa failed a moment ago: not asked again yet")
        try:
            async with self._asking:
                return await self._ask(sender, text, metadata)
        except BotUnavailable:
            self._down_until = time.monotonic() + self.pause_s
            raise

    async def _ask(self, sender: str, text: str, metadata: dict[str, Any]) -> BotAnswer:
        body = {"sender": sender, "message": text, "metadata": metadata}
        try:
            async with self.session.post(
                f"{self.base_url}/webhooks/rest/webhook", json=body, timeout=self.timeout
            ) as resp:
                if resp.status != 200:
                    raise BotUnavailable(f"rasa answered {resp.status}")
                items = await resp.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise BotUnavailable(type(exc).__name__) from exc
        if not isinstance(items, list):
            raise BotUnavailable("rasa answered something that is not a list")
        return parse_rest_response(items)

    async def tracker_event(self, sender: str, event: dict[str, Any]) -> bool:
        """Append an event (e.g. ``{"event": "pause"}``) to a Rasa tracker; False when Rasa is down."""
        try:
            async with self.session.post(
                f"{self.base_url}/conversations/{sender}/tracker/events",
                json=event,
                timeout=self.timeout,
            ) as resp:
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def forget(self, sender: str) -> bool:
        """Replace a conversation's tracker by an empty one (erasure); False when Rasa did not do it."""
        try:
            async with self.session.put(
                f"{self.base_url}/conversations/{sender}/tracker/events", json=[], timeout=self.timeout
            ) as resp:
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def ready(self) -> bool:
        try:
            async with self.session.get(
                f"{self.base_url}/status", timeout=aiohttp.ClientTimeout(total=2)
            ) as resp:
                if resp.status != 200:
                    return False
                body = await resp.json()
                if body.get("model_file"):
                    self._down_until = 0.0  # back: ask it again at once
                    return True
                return False
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return False
