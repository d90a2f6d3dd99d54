"""Log-in with the municipality's OpenID Connect provider: the whole flow against a real hub.

The hub (``plain_hub``) is configured for the local test provider
(``connectors/testservers/oidc.py``), which runs in the test process on a fixed port. The
browser is an aiohttp session following the redirects by hand, so every step is checked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, quote, urlsplit

import aiohttp
import pytest
from aiohttp import web

from connectors.testservers import oidc
from hub.staff.auth import COOKIE
from tests.auth import hubs
from tests.auth.hubs import ExtraHub


@pytest.fixture
async def provider() -> AsyncIterator[oidc.Provider]:
    found = oidc.Provider(issuer=f"http://127.0.0.1:{hubs.OIDC_PORT}")
    runner = web.AppRunner(oidc.create_app(found))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", hubs.OIDC_PORT)
    await site.start()
    yield found
    await runner.cleanup()


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield http


async def redirect(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url, allow_redirects=False) as resp:
        assert resp.status == 302, (url, resp.status, await resp.text())
        return resp.headers["Location"]


async def log_in(http: aiohttp.ClientSession, hub: ExtraHub, next_path: str = "/console") -> tuple[str, str]:
    """Start at the hub, pass the provider, come back: (callback URL, where the hub sends the browser)."""
    to_provider = await redirect(http, f"{hub.url}/api/v1/auth/oidc/start?next={next_path}")
    back = await redirect(http, to_provider)
    return back, await redirect(http, back)


async def test_login_page_offers_the_button(plain_hub, stack, http):
    async with http.get(f"{plain_hub.url}/api/v1/auth/oidc") as resp:
        assert (await resp.json()) == {"enabled": True, "start_url": "/api/v1/auth/oidc/start"}
    async with http.get(f"{plain_hub.url}/login") as resp:
        assert "Inloggen met gemeente-account" in await resp.text()
    async with http.get(f"{stack.hub_url}/api/v1/auth/oidc") as resp:  # the shared hub has no provider
        assert (await resp.json())["enabled"] is False
    async with http.get(f"{stack.hub_url}/api/v1/auth/oidc/start") as resp:
        assert resp.status == 404


async def test_full_login(plain_hub, provider, browser):
    to_provider = await redirect(browser, f"{plain_hub.url}/api/v1/auth/oidc/start?next=/dashboard")
    parts = urlsplit(to_provider)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{provider.issuer}/authorize"
    assert query["response_type"] == "code" and query["client_id"] == oidc.CLIENT_ID
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and query["state"] != query["nonce"]
    assert query["redirect_uri"] == f"{plain_hub.url}/api/v1/auth/oidc/callback"
    assert "openid" in query["scope"].split()
    back = await redirect(browser, to_provider)
    assert back.startswith(query["redirect_uri"] + "?")
    assert await redirect(browser, back) == "/dashboard"
    assert provider.token_requests[-1]["code_verifier"]  # PKCE: the verifier went to the token endpoint
    async with browser.get(f"{plain_hub.url}/api/v1/auth/me") as resp:
        me = await resp.json()
        assert resp.status == 200, me
    assert me["username"] == "oidc:u-1001" and me["roles"] == ["agent"] and me["name"] == "Petra de Gemeente"
    # the session works like a password session: role checks and the CSRF header
    async with browser.get(f"{plain_hub.url}/api/v1/handover/queue") as resp:
        assert resp.status == 200
    async with browser.get(f"{plain_hub.url}/api/v1/stats/summary") as resp:
        assert resp.status == 403
    async with browser.post(f"{plain_hub.url}/api/v1/auth/logout") as resp:
        assert resp.status == 403
    # a replayed callback (same state and code) is refused
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        assert (await redirect(other, back)).startswith("/login?error=state_invalid")
    # roles follow the provider at every log-in; a password log-in as the OIDC account is impossible
    provider.user = {**provider.user, "groups": ["kcc-teamleiders", "ict-beheer"]}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as again:
        assert (await log_in(again, plain_hub))[1] == "/console"
        async with again.get(f"{plain_hub.url}/api/v1/auth/me") as resp:
            assert (await resp.json())["roles"] == ["supervisor", "admin"]
        async with again.post(f"{plain_hub.url}/api/v1/auth/login", json={"username": "oidc:u-1001", "password": ""}) as resp:
            assert resp.status == 400
        async with again.post(f"{plain_hub.url}/api/v1/auth/login", json={"username": "oidc:u-1001", "password": "x"}) as resp:
            assert resp.status == 401


@pytest.mark.parametrize("tamper", ["nonce", "signature", "expired", "audience", "issuer"])
async def test_bad_id_tokens_are_refused(plain_hub, provider, browser, tamper):
    provider.tamper = tamper
    _, landed = await log_in(browser, plain_hub)
    assert landed == "/login?error=id_token_invalid"
    assert not [c for c in browser.cookie_jar if c.key == COOKIE]
    async with browser.get(f"{plain_hub.url}/api/v1/auth/me") as resp:
        assert resp.status == 401


async def test_no_mapped_role_no_access(plain_hub, provider, browser):
    provider.user = {**provider.user, "sub": "u-2002", "groups": ["burgerzaken"]}
    assert (await log_in(browser, plain_hub))[1] == "/login?error=no_role"
    async with browser.get(f"{plain_hub.url}/api/v1/auth/me") as resp:
        assert resp.status == 401


async def test_state_must_come_from_this_browser(plain_hub, provider, browser):
    to_provider = await redirect(browser, f"{plain_hub.url}/api/v1/auth/oidc/start")
    async with aiohttp.ClientSession() as attacker:  # another browser finishes the victim's flow
        back = await redirect(attacker, to_provider)
        assert (await redirect(attacker, back)).startswith("/login?error=state_invalid")
    async with browser.get(f"{plain_hub.url}/api/v1/auth/oidc/callback?code=x&state=made-up", allow_redirects=False) as resp:
        assert resp.status == 302 and resp.headers["Location"] == "/login?error=state_invalid"


@pytest.mark.parametrize("target", ["/\\evil.example", "//evil.example", "/%2F/evil.example", "/%5Cevil.example"])
async def test_no_open_redirect_after_login(plain_hub, provider, browser, target):
    """A ``next`` that would leave the site (a backslash, two slashes, their encoded forms) lands on /console."""
    _, landed = await log_in(browser, plain_hub, quote(target, safe=""))
    assert landed == "/console"
