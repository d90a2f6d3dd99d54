"""Every staff page and API checks the role, and every unsafe staff route checks the CSRF token.

The routes are read from the app's own router (``create_app`` with the test hub's settings),
so a route added later is covered without touching this test; public routes are an explicit
allowlist here. Requests go to the real test hub.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest

from hub.core.appkeys import DB
from hub.core.settings import Settings
from hub.staff.auth import create_staff
from hub.web.app import create_app
from tests.conftest import Stack

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PAGES = ("/console", "/editor", "/dashboard")
# Routes anyone may call: residents, providers, health checks, the log-in itself, static files.
PUBLIC = (
    re.compile(r"^/$"),
    re.compile(r"^/(chat|login|healthz|readyz)$"),
    re.compile(r"^/static$"),
    re.compile(r"^/static/nlds/(\{name[^}]*\}|theme/\{name\})$"),  # NL Design System CSS, the theme's logo and font
    re.compile(r"^/(console|editor|dashboard)/static$"),  # the pages' scripts and styles, no data
    re.compile(r"^/api/v1/webchat/"),  # the resident's web chat (session id + rate limits)
    re.compile(r"^/webhooks/"),  # provider webhooks (signatures)
    re.compile(r"^/api/v1/auth/login$"),
    re.compile(r"^/api/v1/auth/oidc(/start|/callback)?$"),  # log-in at the municipality's provider (tests/auth/test_oidc.py)
    re.compile(r"^/api/v1/openapi\.json$"),
    re.compile(r"^/api/v1/knowledge/search$"),  # public article search (view=staff needs a log-in)
    re.compile(r"^/contact$"),  # the web contact form page (works without JavaScript)
    re.compile(r"^/api/v1/contact-form$"),  # the same form as JSON
    # appointments: free slots and booking are public; moving or cancelling needs the reference plus
    # the e-mail address or phone number given at booking (agents may do it for anyone)
    re.compile(r"^/api/v1/appointments(/slots|/\{reference\})?$"),
    # files an agent sends a resident: a link with an unguessable id, opened on any channel without log-in
    re.compile(r"^/api/v1/handover/files/\{id\}/\{name\}$"),
)
PASSWORD = "route-walk-password-1"


def routes(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    for key, value in stack.env().items():
        monkeypatch.setenv(key, value)
    app = create_app(Settings(_env_file=None))
    found = set()
    for route in app.router.routes():
        if route.method in ("HEAD", "OPTIONS", "*"):
            continue
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix")
        found.add((route.method, path))
    app[DB].client.close()
    return sorted(found)


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x-route-walk", path)


def is_public(path: str) -> bool:
    return any(p.search(path) for p in PUBLIC)


@pytest.fixture
async def sessions(stack, db) -> AsyncIterator[dict[str, tuple[aiohttp.ClientSession, str]]]:
    """Logged-in sessions: ``admin`` (passes every role check), ``nobody`` (an account without roles),
    ``agent`` and ``specialist`` (a backoffice specialist of team belastingen)."""
    made = {}
    for name, roles in (("admin", ["admin"]), ("nobody", []), ("agent", ["agent"]), ("specialist", ["specialist"])):
        username = f"walk-{name}-{uuid.uuid4().hex[:6]}"
        await create_staff(db, username, PASSWORD, roles, team="belastingen" if name == "specialist" else None)
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with http.post(f"{stack.hub_url}/api/v1/auth/login", json={"username": username, "password": PASSWORD}) as resp:
            assert resp.status == 200, await resp.text()
            made[name] = (http, (await resp.json())["csrf_token"])
    yield made
    for http, _ in made.values():
        await http.close()


def test_the_walk_sees_the_staff_routes(stack, monkeypatch):
    found = routes(stack, monkeypatch)
    paths = {p for _, p in found}
    for expected in ("/api/v1/contacts/{id}/erase", "/api/v1/admin/staff", "/api/v1/handover/queue", "/console",
                     "/api/v1/stats/summary", "/api/v1/knowledge/articles"):
        assert expected in paths
    # the knowledge workflow: any editor submits; publish, send-back and archive also need knowledge.publish
    # (tests/knowledge/test_workflow.py); agents rate articles; residents rate through the public web chat API
    for method, path in (("POST", "/api/v1/knowledge/articles/{slug}/submit"),
                         ("POST", "/api/v1/knowledge/articles/{slug}/send-back"),
                         ("POST", "/api/v1/knowledge/articles/{slug}/publish"),
                         ("DELETE", "/api/v1/knowledge/articles/{slug}/draft"),
                         ("POST", "/api/v1/knowledge/articles/{slug}/feedback"),
                         ("POST", "/api/v1/webchat/feedback")):
        assert (method, path) in found
    assert is_public("/api/v1/webchat/feedback") and not is_public("/api/v1/knowledge/articles/{slug}/feedback")
    assert len([1 for m, p in found if m in UNSAFE and not is_public(p)]) > 30


async def test_anonymous_and_wrong_role_are_refused_everywhere(stack, monkeypatch, sessions):
    nobody, nobody_csrf = sessions["nobody"]
    problems = []
    async with aiohttp.ClientSession() as anonymous:
        for method, path in routes(stack, monkeypatch):
            if is_public(path):
                continue
            url = stack.hub_url + concrete(path)
            if path == "/api/v1/auth/logout":
                continue  # ending no session is harmless; tested in test_sessions
            async with anonymous.request(method, url, allow_redirects=False, json={}) as resp:
                if path in PAGES:
                    ok = resp.status == 302 and resp.headers["Location"].startswith("/login")
                else:
                    ok = resp.status == 401
                if not ok:
                    problems.append(f"anonymous {method} {path}: {resp.status}")
            headers = {"X-CSRF-Token": nobody_csrf}
            async with nobody.request(method, url, allow_redirects=False, json={}, headers=headers) as resp:
                if path == "/api/v1/auth/me" and resp.status == 200:
                    continue  # who am I: every logged-in account may ask
                if resp.status != 403:
                    problems.append(f"without a role {method} {path}: {resp.status}")
    assert problems == [], "\n".join(problems)


async def test_every_unsafe_staff_route_checks_the_csrf_token(stack, monkeypatch, sessions):
    admin, csrf = sessions["admin"]
    problems, checked = [], 0
    for method, path in routes(stack, monkeypatch):
        if method not in UNSAFE or is_public(path) or path == "/api/v1/auth/login":
            continue
        checked += 1
        for headers in ({}, {"X-CSRF-Token": "forged-" + csrf[:10]}):
            async with admin.request(method, stack.hub_url + concrete(path), json={}, headers=headers) as resp:
                body = await resp.json() if resp.content_type == "application/json" else {}
                if resp.status != 403 or body.get("error", {}).get("code") != "csrf":
                    problems.append(f"{method} {path} {'forged' if headers else 'no'} token: {resp.status} {body}")
    assert problems == [], "\n".join(problems)
    assert checked > 30
    # the admin's session still works: the refused calls changed nothing
    async with admin.get(f"{stack.hub_url}/api/v1/auth/me") as resp:
        assert resp.status == 200


async def test_public_routes_stay_public(stack, monkeypatch):
    """The allowlist is not a loophole: each entry is reachable without logging in."""
    async with aiohttp.ClientSession() as anonymous:
        for path in ("/", "/chat", "/login", "/contact", "/healthz", "/readyz", "/api/v1/openapi.json",
                     "/api/v1/webchat/opener"):
            async with anonymous.get(stack.hub_url + path) as resp:
                assert resp.status in (200, 503), (path, resp.status)  # healthz: 503 without Rasa


# The console's routes by role: a specialist reaches only the specialist API (and the page, its
# socket, the log-in routes); an agent never reaches the specialist API.
SPECIALIST_ONLY = re.compile(r"^/api/v1/handover/specialist/")
SPECIALIST_ALSO = {"/console", "/api/v1/auth/me", "/api/v1/auth/password", "/api/v1/auth/logout"}


async def test_specialist_and_agent_routes_are_apart(stack, monkeypatch, sessions):
    problems, checked = [], 0
    for method, path in routes(stack, monkeypatch):
        if is_public(path) or path.endswith("/ws") or path == "/api/v1/auth/logout":
            continue
        url = stack.hub_url + concrete(path)
        for who in ("agent", "specialist"):
            http, csrf = sessions[who]
            expect_refused = SPECIALIST_ONLY.search(path) if who == "agent" else not (SPECIALIST_ONLY.search(path) or path in SPECIALIST_ALSO)
            if not expect_refused:
                continue
            checked += 1
            async with http.request(method, url, allow_redirects=False, json={}, headers={"X-CSRF-Token": csrf}) as resp:
                if resp.status != 403:
                    problems.append(f"{who} {method} {path}: {resp.status}")
    assert problems == [], "\n".join(problems)
    assert checked > 60
