"""Fixtures of the need-to-know and audit tests: staff with a department and rights, logged in
to the real test hub; the handover fixtures (empty desk, fake Slack) are reused."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.core.identifiers import valid_bsn
from hub.staff.auth import create_staff
from tests.conftest import Stack
from tests.handover.conftest import desk_reset  # noqa: F401 - a fixture used by these tests

PASSWORD = "privacy-test-wachtwoord-1"


def random_bsn() -> str:
    """A fresh BSN that passes the eleven-test, so each test has a contact of its own."""
    while True:
        value = f"{random.randint(10_000_000, 99_999_999):08d}"  # noqa: S311 - test data
        for last in range(10):
            if valid_bsn(value + str(last)):
                return value + str(last)


@dataclass
class StaffSession:
    http: aiohttp.ClientSession
    base: str
    username: str
    name: str
    csrf: str

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        async with self.http.request(method, f"{self.base}{path}", headers=headers, **kwargs) as resp:
            body = await resp.json() if resp.content_type == "application/json" else await resp.text()
            return resp.status, body

    async def desk(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.call(method, f"/api/v1/handover{path}", **kwargs)


@pytest.fixture
async def staff_login(stack: Stack, db: AsyncIOMotorDatabase) -> AsyncIterator[Callable[..., Awaitable[StaffSession]]]:
    sessions: list[aiohttp.ClientSession] = []
    created: list[str] = []

    async def login(
        roles: list[str] | None = None, rights: list[str] | None = None, department: str | None = "KCC",
        name: str | None = None, presence: str | None = None, team: str = "kcc",
    ) -> StaffSession:
        username = f"pv-{uuid.uuid4().hex[:8]}"
        name = name or f"Medewerker {username}"
        created.append(username)
        await create_staff(db, username, PASSWORD, roles or ["agent"], name=name, team=team, rights=rights, department=department)
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        sessions.append(http)
        async with http.post(f"{stack.hub_url}/api/v1/auth/login", json={"username": username, "password": PASSWORD}) as resp:
            body = await resp.json()
            assert resp.status == 200, body
        found = StaffSession(http, stack.hub_url, username, name, body["csrf_token"])
        if presence:
            status, body = await found.desk("PUT", "/presence", json={"presence": presence})
            assert status == 200, body
        return found

    yield login
    for http in sessions:
        await http.close()
    await db.agents.update_many({"_id": {"$in": created}}, {"$set": {"presence": "offline"}})
