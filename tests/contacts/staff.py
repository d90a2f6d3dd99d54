"""A logged-in staff member for API tests: a real account, a real session cookie, the CSRF header."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from hub.staff.auth import create_staff


class Staff:
    def __init__(self, session: aiohttp.ClientSession, base: str, username: str, csrf: str):
        self.session, self.base, self.username, self.csrf = session, base, username, csrf

    async def get(self, path: str, **params: str) -> tuple[int, Any]:
        async with self.session.get(self.base + path, params=params) as resp:
            return resp.status, await resp.json()

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        async with self.session.post(self.base + path, json=body, headers={"X-CSRF-Token": self.csrf}) as resp:
            return resp.status, await resp.json()


@asynccontextmanager
async def logged_in(stack: Any, db: Any, roles: list[str], rights: list[str] | None = None) -> AsyncIterator[Staff]:
    username = f"staff-{uuid.uuid4().hex[:8]}"
    await create_staff(db, username, "test-password-123", roles, name="Test Medewerker", team="kcc", rights=rights)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.post(f"{stack.hub_url}/api/v1/auth/login", json={"username": username, "password": "test-password-123"}) as resp:
            assert resp.status == 200, await resp.text()
            csrf = (await resp.json())["csrf_token"]
        yield Staff(session, stack.hub_url, username, csrf)
