"""Small helpers the tests share for talking to the web chat API."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.conftest import Stack


async def say(http: aiohttp.ClientSession, stack: Stack, session_id: str, text: str, **extra: Any) -> dict[str, Any]:
    async with http.post(
        f"{stack.hub_url}/api/v1/webchat/messages", json={"session_id": session_id, "text": text, **extra}
    ) as resp:
        body = await resp.json()
        assert resp.status == 200, body
        return body
