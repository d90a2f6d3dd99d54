"""Staff sessions against the real hub: expiry (absolute and idle), log-in throttling, log-out,
password change, and the demo accounts only with ``KCC_DEMO`` on."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from hub.core.models import utcnow
from hub.staff.auth import COOKIE, DEMO_ACCOUNTS, create_staff

PASSWORD = "session-test-password-1"


class Client:
    def __init__(self, base: str):
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def call(self, method: str, path: str, csrf: bool = True, **kwargs: Any) -> tuple[int, Any, Any]:
        headers = {"X-CSRF-Token": self.csrf} if csrf and self.csrf else {}
        async with self.http.request(method, self.base + path, headers=headers, **kwargs) as resp:
            body = await resp.json() if resp.content_type == "application/json" else await resp.text()
            return resp.status, body, resp

    async def login(self, username: str, password: str) -> tuple[int, Any, Any]:
        status, body, resp = await self.call("POST", "/api/v1/auth/login", json={"username": username, "password": password})
        if status == 200:
            self.csrf = body["csrf_token"]
        return status, body, resp

    def token(self) -> str:
        return next(c.value for c in self.http.cookie_jar if c.key == COOKIE)


@pytest.fixture
async def client(stack) -> AsyncIterator[Callable[[], Awaitable[Client]]]:
    made: list[Client] = []

    async def make(base: str | None = None) -> Client:
        made.append(Client(base or stack.hub_url))
        return made[-1]

    yield make
    for c in made:
        await c.http.close()


@pytest.fixture
async def user(db) -> str:
    username = f"sess-{uuid.uuid4().hex[:8]}"
    await create_staff(db, username, PASSWORD, ["agent"], name="Sessie Test", team="kcc")
    return username


async def test_session_lasts_nine_hours_by_default(client, user, db):
    c = await client()
    status, body, resp = await c.login(user, PASSWORD)
    assert status == 200 and body["roles"] == ["agent"]
    cookie = resp.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and int(cookie["max-age"]) == 9 * 3600
    session = await db.sessions.find_one({"_id": c.token()})
    assert session["expires_at"] - session["created_at"] == timedelta(hours=9)


async def test_absolute_expiry(client, user, db):
    c = await client()
    await c.login(user, PASSWORD)
    assert (await c.call("GET", "/api/v1/auth/me"))[0] == 200
    await db.sessions.update_one({"_id": c.token()}, {"$set": {"expires_at": utcnow() - timedelta(seconds=1)}})
    status, body, _ = await c.call("GET", "/api/v1/handover/queue")
    assert status == 401 and body["error"]["code"] == "not_logged_in"
    assert await db.sessions.find_one({"_id": c.token()}) is None  # an expired session is removed


async def test_idle_timeout_and_activity_keeps_the_session(client, user, db):
    c = await client()
    await c.login(user, PASSWORD)
    token = c.token()
    await db.sessions.update_one({"_id": token}, {"$set": {"last_seen_at": utcnow() - timedelta(minutes=29)}})
    assert (await c.call("GET", "/api/v1/auth/me"))[0] == 200
    seen = (await db.sessions.find_one({"_id": token}))["last_seen_at"]
    assert utcnow() - seen < timedelta(seconds=30)  # the request moved the idle clock
    await db.sessions.update_one({"_id": token}, {"$set": {"last_seen_at": utcnow() - timedelta(minutes=31)}})
    assert (await c.call("GET", "/api/v1/auth/me"))[0] == 401
    status, _, resp = await c.call("GET", "/console", allow_redirects=False)
    assert status == 302 and resp.headers["Location"].startswith("/login")


async def test_throttling_after_five_wrong_passwords(client, user, db):
    c = await client()
    for _ in range(5):
        status, body, _ = await c.login(user, "wrong-password")
        assert status == 401 and body["error"]["code"] == "bad_credentials"
    status, body, resp = await c.login(user, PASSWORD)  # even the right password waits now
    assert status == 429 and body["error"]["code"] == "too_many_attempts"
    assert 250 <= int(resp.headers["Retry-After"]) <= 301
    other = await client()  # from another client too: the username is locked, not the browser
    assert (await other.login(user.upper(), PASSWORD))[0] == 429
    # an unknown username is throttled the same way (no way to learn which accounts exist)
    ghost = f"ghost-{uuid.uuid4().hex[:6]}"
    codes = [(await c.login(ghost, "x"))[0] for _ in range(6)]
    assert codes == [401] * 5 + [429]
    # after the wait, the right password works and the count starts again
    await db.login_failures.update_one({"_id": user}, {"$set": {"locked_until": utcnow() - timedelta(seconds=1)}})
    assert (await c.login(user, PASSWORD))[0] == 200
    assert await db.login_failures.find_one({"_id": user}) is None


async def test_logout(client, user, db):
    c = await client()
    await c.login(user, PASSWORD)
    token = c.token()
    status, body, _ = await c.call("POST", "/api/v1/auth/logout", csrf=False)
    assert status == 403 and body["error"]["code"] == "csrf"  # a forged log-out is refused
    assert (await c.call("GET", "/api/v1/auth/me"))[0] == 200
    status, body, _ = await c.call("POST", "/api/v1/auth/logout")
    assert status == 200
    assert await db.sessions.find_one({"_id": token}) is None
    assert (await c.call("GET", "/api/v1/auth/me"))[0] == 401


async def test_password_change(client, user, db):
    c, other = await client(), await client()
    await c.login(user, PASSWORD)
    await other.login(user, PASSWORD)
    new = "een-nieuw-lang-wachtwoord"
    status, body, _ = await c.call("POST", "/api/v1/auth/password", csrf=False, json={"current_password": PASSWORD, "new_password": new})
    assert status == 403 and body["error"]["code"] == "csrf"
    status, body, _ = await c.call("POST", "/api/v1/auth/password", json={"current_password": "fout", "new_password": new})
    assert status == 403 and body["error"]["code"] == "bad_credentials"
    status, body, _ = await c.call("POST", "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "kort"})
    assert status == 422 and body["error"]["code"] == "invalid_password"
    status, body, _ = await c.call("POST", "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": new})
    assert status == 200 and body["other_sessions_ended"] == 1
    assert (await c.call("GET", "/api/v1/auth/me"))[0] == 200  # this session goes on
    assert (await other.call("GET", "/api/v1/auth/me"))[0] == 401  # the other one ended
    fresh = await client()
    assert (await fresh.login(user, PASSWORD))[0] == 401
    assert (await fresh.login(user, new))[0] == 200


async def test_demo_accounts_only_with_the_demo_setting(client, demo_hub, plain_hub):
    for username, password, roles, _, _ in DEMO_ACCOUNTS:
        on, off = await client(demo_hub.url), await client(plain_hub.url)
        status, body, _ = await on.login(username, password)
        assert status == 200 and body["roles"] == roles, (username, body)
        status, body, _ = await off.login(username, password)
        assert status == 401 and body["error"]["code"] == "bad_credentials", username


async def test_an_open_console_socket_closes_when_the_session_ends(client, user, db):
    c = await client()
    await c.login(user, PASSWORD)
    async with c.http.ws_connect(c.base.replace("http", "ws") + "/api/v1/handover/ws") as ws:
        hello = await ws.receive_json(timeout=10)
        assert hello["type"] == "hello"
        await db.sessions.update_one({"_id": c.token()}, {"$set": {"expires_at": utcnow() - timedelta(seconds=1)}})
        while True:  # desk events may come first; the socket must close within a heartbeat (5 s)
            msg = await ws.receive(timeout=15)
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                break
        assert ws.close_code == 4401
