"""The served OpenAPI description, and schemathesis exercising every operation in it: no 5xx.

Runs against the edge hub (tests/edge/conftest.py: its own database), so random bodies sent
as an admin (synonyms replaced, articles archived, contacts merged) cannot disturb the other
tests. Each call comes "through the proxy" from a random client IP so the small per-IP limit
of that hub does not hide the operations behind 429s.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from motor.motor_asyncio import AsyncIOMotorClient
from schemathesis.checks import not_a_server_error

from hub.staff.auth import create_staff
from tests.conftest import Stack
from tests.edge.conftest import LimitedHub

ADMIN, PASSWORD = "fuzz-admin", "fuzz-admin-password-1"
FUZZ = settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="session")
def api_schema(limited_hub: LimitedHub) -> Any:
    loaded = schemathesis.openapi.from_url(f"{limited_hub.url}/api/v1/openapi.json")
    # the coverage phase sends dozens of boundary cases per operation (over 3,000 calls here): too
    # slow for every test run; the schema examples and FUZZ's random cases per operation remain
    loaded.config.phases.coverage.enabled = False
    return loaded


@pytest.fixture(scope="session")
def staff_session(stack: Stack, limited_hub: LimitedHub) -> Iterator[tuple[requests.Session, str]]:
    async def make() -> None:
        client: AsyncIOMotorClient[Any] = AsyncIOMotorClient(stack.mongo_url)
        await create_staff(client[limited_hub.db_name], ADMIN, PASSWORD, ["admin"], name="Fuzz Beheerder", team="kcc")
        client.close()

    asyncio.run(make())
    session = requests.Session()
    resp = session.post(f"{limited_hub.url}/api/v1/auth/login", json={"username": ADMIN, "password": PASSWORD}, timeout=10)
    assert resp.status_code == 200, resp.text
    yield session, resp.json()["csrf_token"]
    session.close()


def client_ip() -> dict[str, str]:
    return {"X-Forwarded-For": f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"}


def test_served_description(stack: Stack) -> None:
    doc = requests.get(f"{stack.hub_url}/api/v1/openapi.json", timeout=10).json()
    assert doc["openapi"].startswith("3.1")
    paths = doc["paths"]
    for path, method in [
        ("/api/v1/webchat/messages", "post"), ("/api/v1/knowledge/search", "get"), ("/api/v1/stats/summary", "get"),
        ("/api/v1/handover/queue", "get"), ("/api/v1/contacts/{id}", "get"), ("/api/v1/cases", "post"),
        ("/api/v1/callbacks", "get"),
    ]:
        assert method in paths[path], (path, method)
    chat = paths["/api/v1/webchat/messages"]["post"]
    assert chat["security"] == [] and chat["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/WebchatRequest")
    assert "session_id" in doc["components"]["schemas"]["WebchatRequest"]["required"]
    assert {p["name"] for p in paths["/api/v1/knowledge/search"]["get"]["parameters"]} >= {"q", "size", "view"}
    assert paths["/api/v1/cases"]["post"]["security"] == [{"staffSession": [], "csrfToken": []}]
    assert paths["/api/v1/cases"]["get"]["security"] == [{"staffSession": []}]
    assert paths["/api/v1/stats/summary"]["get"]["x-roles"] == ["supervisor"]
    assert [p["name"] for p in paths["/api/v1/contacts/{id}"]["get"]["parameters"] if p["in"] == "path"] == ["id"]
    assert doc["components"]["securitySchemes"]["csrfToken"] == {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"}


schema = schemathesis.pytest.from_fixture("api_schema")


def call_and_check(case: Any, **kw: Any) -> None:
    """No 5xx, except the one planned on this hub: a connector (BRP, KvK) that is switched off
    answers 503 ``*_not_configured`` by design (the edge hub runs without connectors)."""
    # a slow answer is not a server error: a statistics rebuild may wait up to 30 s for the
    # rollup's lock and then work on a loaded machine
    response = case.call(timeout=120, **kw)
    if response.status_code == 503:
        code = (response.json().get("error") or {}).get("code", "")
        if code.endswith("_not_configured"):
            return
    case.validate_response(response, checks=[not_a_server_error])


@schema.parametrize()
@FUZZ
def test_anonymous(case: Any, limited_hub: LimitedHub) -> None:
    call_and_check(case, base_url=limited_hub.url, headers=client_ip())


@schema.exclude(path="/api/v1/auth/logout").parametrize()
@FUZZ
def test_staff(case: Any, limited_hub: LimitedHub, staff_session: tuple[requests.Session, str]) -> None:
    session, csrf = staff_session
    call_and_check(case, base_url=limited_hub.url, session=session, headers={**client_ip(), "X-CSRF-Token": csrf})
