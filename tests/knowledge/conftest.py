"""Fixtures for the knowledge base tests: shipped content, engines, services and staff sessions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.core.settings import ROOT, Settings
from hub.staff.auth import create_staff
from knowledge.importer import read_path, validate
from knowledge.models import Article, NewArticle
from knowledge.search.tantivy_engine import TantivyEngine
from knowledge.service import KnowledgeService

CONTENT = ROOT / "knowledge" / "content"
EVAL = ROOT / "knowledge" / "eval" / "questions.jsonl"


def shipped_articles() -> tuple[list[Article], list[list[str]]]:
    parsed = read_path(CONTENT)
    assert not parsed.errors, [str(e) for e in parsed.errors]
    articles = []
    for record in parsed.records:
        if record.kind == "article":
            item, errors = validate(record)
            assert not errors, [str(e) for e in errors]
            articles.append(Article(**item.model_dump()))
    return articles, parsed.synonyms


@pytest.fixture(scope="session")
def shipped() -> tuple[list[Article], list[list[str]]]:
    return shipped_articles()


@pytest.fixture(scope="session")
def shipped_engine(shipped: tuple[list[Article], list[list[str]]]) -> TantivyEngine:
    articles, synonyms = shipped
    engine = TantivyEngine()
    engine.load_synonyms(synonyms)
    engine.put_many(articles)
    return engine


def unique_slug(prefix: str = "test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def unique_word() -> str:
    """A made-up word that no article contains, to find one article for sure."""
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    raw = uuid.uuid4().int
    letters = []
    for i in range(10):
        pool = consonants if i % 2 == 0 else vowels
        letters.append(pool[raw % len(pool)])
        raw //= len(pool)
    return "".join(letters)


def new_article(slug: str | None = None, **fields: Any) -> NewArticle:
    data: dict[str, Any] = {
        "slug": slug or unique_slug(),
        "title": "Testartikel over de gemeente",
        "question": "Hoe werkt dit testartikel?",
        "answer": "Dit is een testantwoord. Het staat in korte zinnen.",
        "keywords": ["test"],
        "audience": "resident",
        "department": "Testafdeling",
        "status": "published",
    }
    data.update(fields)
    return NewArticle(**data)


@pytest.fixture
async def service(db: AsyncIOMotorDatabase) -> AsyncIterator[KnowledgeService]:
    """A service in this process on the test database, with its own Tantivy index."""
    svc = await KnowledgeService.create(db, Settings(), engine=TantivyEngine())
    yield svc
    await svc.stop()


@dataclass
class StaffSession:
    http: aiohttp.ClientSession
    base: str
    csrf: str
    username: str

    def url(self, path: str) -> str:
        return self.base + path

    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}

    async def call(
        self, method: str, path: str, json: Any = None, csrf: bool = True
    ) -> tuple[int, Any]:
        headers = self.headers() if csrf else {}
        async with self.http.request(method, self.url(path), json=json, headers=headers) as resp:
            body = await resp.json(content_type=None)
            return resp.status, body


@pytest.fixture
async def login(stack: Any, db: AsyncIOMotorDatabase) -> AsyncIterator[Callable[..., Any]]:
    """``await login(roles, rights=[...])`` -> a logged-in StaffSession for a new staff member."""
    sessions: list[aiohttp.ClientSession] = []

    async def make(roles: list[str], rights: list[str] | None = None) -> StaffSession:
        username = f"u{uuid.uuid4().hex[:10]}"
        password = "test-" + uuid.uuid4().hex
        await create_staff(db, username, password, roles, rights=rights)
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        sessions.append(http)
        async with http.post(
            f"{stack.hub_url}/api/v1/auth/login", json={"username": username, "password": password}
        ) as resp:
            assert resp.status == 200, await resp.text()
            body = await resp.json()
        return StaffSession(
            http=http, base=stack.hub_url, csrf=body["csrf_token"], username=username
        )

    yield make
    for http in sessions:
        await http.close()
