"""Rate limits on the public endpoints: the limiter itself, the shared hub's defaults, and a
hub with small limits behind a trusted proxy (tests/edge/conftest.py)."""

from __future__ import annotations

import uuid

import aiohttp
from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.core.settings import Settings
from hub.web.ratelimit import PublicLimits, SlidingWindowLimiter, client_ip
from tests.conftest import Stack
from tests.edge.conftest import PER_IP, PER_SESSION, LimitedHub


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_at_most_limit_in_any_minute() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(30, clock=clock)
    assert all(limiter.hit("s") is None for _ in range(30))
    wait = limiter.hit("s")
    assert wait is not None and 60 < wait <= 62  # the whole minute counts, then the old hits fade out
    assert limiter.hit("other") is None  # keys are counted apart
    clock.now += wait
    assert limiter.hit("s") is None
    assert limiter.hit("s") is not None  # one fits once the window slid far enough, not a new burst


def test_refused_hits_do_not_count_and_old_keys_are_forgotten() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(2, clock=clock)
    limiter.hit("a"), limiter.hit("a")
    for _ in range(50):
        clock.now += 0.1
        assert limiter.hit("a") is not None
    clock.now += 121
    assert limiter.hit("b") is None
    assert len(limiter) == 1  # "a" swept


def test_zero_and_master_switch_turn_limits_off() -> None:
    assert all(SlidingWindowLimiter(0).hit("x") is None for _ in range(1000))
    off = PublicLimits(Settings(_env_file=None, rate_limits_enabled=False))  # type: ignore[call-arg]
    assert all(off.per_ip.hit("ip") is None and off.session_gate("s") is None for _ in range(1000))
    on = PublicLimits(Settings(_env_file=None))  # type: ignore[call-arg]
    assert on.per_ip.limit == 600 and on.per_session.limit == 30


def test_forwarded_for_only_from_trusted_proxies() -> None:
    from aiohttp.test_utils import make_mocked_request

    req = make_mocked_request("GET", "/", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9"})
    assert client_ip(req, 0) != "203.0.113.9"  # not behind a proxy: the header is ignored
    assert client_ip(req, 1) == "203.0.113.9"  # our proxy appended the real client; 6.6.6.6 is client-supplied
    assert client_ip(req, 2) == "6.6.6.6"


async def test_webchat_session_limit_default_30(
    stack: Stack, http: aiohttp.ClientSession, db: AsyncIOMotorDatabase, session_id: str
) -> None:
    """The shared hub keeps its defaults: the 31st message of a session in a minute gets a 429, unstored."""
    url = f"{stack.hub_url}/api/v1/webchat/messages"
    for i in range(30):
        async with http.post(url, json={"session_id": session_id, "text": f"vraag {i}", "message_id": f"m{i}"}) as resp:
            assert resp.status == 200, await resp.text()
    async with http.post(url, json={"session_id": session_id, "text": "nog een", "message_id": "m30"}) as resp:
        assert resp.status == 429
        body = await resp.json()
        retry = int(resp.headers["Retry-After"])
    assert 1 <= retry <= 62
    assert body["error"]["code"] == "too_many_requests" and "Wacht" in body["error"]["message"]
    assert body["error"]["retry_after"] == retry
    stored = await db.messages.count_documents({"channel": "webchat", "address": session_id, "direction": "in"})
    assert stored == 30  # the refused one was not stored (and the sender was told to retry)
    async with http.post(url, json={"session_id": f"{session_id}-b", "text": "hallo"}) as resp:
        assert resp.status == 200  # another session is not affected


async def test_per_ip_limit_behind_trusted_proxy(limited_hub: LimitedHub, http: aiohttp.ClientSession) -> None:
    url = f"{limited_hub.url}/api/v1/webchat/opener"
    ip = f"203.0.113.{uuid.uuid4().int % 250 + 1}"
    for _ in range(PER_IP):
        async with http.get(url, headers={"X-Forwarded-For": ip}) as resp:
            assert resp.status == 200
    # a client cannot pick a fresh IP by sending the header itself: the proxy's entry is the rightmost
    async with http.get(url, headers={"X-Forwarded-For": f"198.51.100.1, {ip}"}) as resp:
        assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1
        assert (await resp.json())["error"]["code"] == "too_many_requests"
    async with http.post(f"{limited_hub.url}/webhooks/telegram", json={}, headers={"X-Forwarded-For": ip}) as resp:
        assert resp.status == 429  # webhooks count per IP too
    async with http.get(url, headers={"X-Forwarded-For": "192.0.2.77"}) as resp:
        assert resp.status == 200  # another client is not affected
    async with http.get(f"{limited_hub.url}/api/v1/openapi.json", headers={"X-Forwarded-For": ip}) as resp:
        assert resp.status == 200  # only the public chat API and webhooks are limited


async def test_small_session_limit(limited_hub: LimitedHub, http: aiohttp.ClientSession, session_id: str) -> None:
    url = f"{limited_hub.url}/api/v1/webchat/messages"
    headers = {"X-Forwarded-For": f"192.0.2.{uuid.uuid4().int % 250 + 1}"}
    statuses = []
    for i in range(PER_SESSION + 1):
        async with http.post(url, json={"session_id": session_id, "text": f"vraag {i}"}, headers=headers) as resp:
            statuses.append(resp.status)
    assert statuses == [200] * PER_SESSION + [429]
