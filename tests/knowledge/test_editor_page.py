"""The editor page in real headless Chromium: log in, edit, publish, find it through the search API."""

from __future__ import annotations

import re
import uuid

import aiohttp
import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase
from playwright.async_api import async_playwright, expect

from hub.staff.auth import create_staff
from knowledge import unanswered
from knowledge.store import KnowledgeStore
from tests.knowledge.conftest import new_article, unique_slug, unique_word

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


async def _editor(db: AsyncIOMotorDatabase) -> tuple[str, str]:
    username, password = f"red{uuid.uuid4().hex[:8]}", "pw-" + uuid.uuid4().hex
    await create_staff(db, username, password, ["editor"], name="Test Redacteur")
    return username, password


async def _search(http: aiohttp.ClientSession, base: str, q: str) -> list[str]:
    async with http.get(f"{base}/api/v1/knowledge/search", params={"q": q}) as resp:
        return [h["slug"] for h in (await resp.json())["hits"]]


async def _login(page, base: str, username: str, password: str) -> None:  # noqa: ANN001
    await page.goto(f"{base}/editor")
    await expect(page).to_have_url(f"{base}/login?next=/editor")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{base}/editor")
    await expect(page.locator("#who")).to_have_text("Test Redacteur")


async def test_edit_publish_and_find_it(
    stack, db: AsyncIOMotorDatabase, http: aiohttp.ClientSession
) -> None:  # noqa: ANN001
    base = stack.hub_url
    username, password = await _editor(db)
    slug, word = unique_slug("browser"), unique_word()
    await KnowledgeStore(db).create(
        new_article(
            slug,
            status="draft",
            title="Concept voor de browsertest",
            answer="Eerste versie van het antwoord.",
        ),
        by="setup",
    )
    assert slug not in await _search(http, base, word)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            await _login(page, base, username, password)

            await page.fill("#filter-text", slug)
            item = page.locator(f"#article-list li[data-slug='{slug}']")
            await expect(item).to_have_count(1)
            await expect(item).to_contain_text("concept")
            await item.click()
            await expect(page.locator("#article-title")).to_have_value(
                "Concept voor de browsertest"
            )
            await expect(page.locator("#article-status")).to_have_text("concept")

            new_answer = f"Dit antwoord gaat over {word}. Het is kort en duidelijk."
            await page.fill("#article-title", f"Artikel over {word}")
            await page.fill("#article-answer", new_answer)
            await expect(page.locator("#preview")).to_contain_text(
                f"Dit antwoord gaat over {word}."
            )
            await expect(page.locator("#readability-score")).to_have_text(re.compile(r"^\d+$"))
            await expect(page.locator("#readability-level")).to_contain_text("B1")

            await page.click("#publish")
            await expect(page.locator("#article-status")).to_have_text("gepubliceerd")
            await expect(page.locator("#message")).to_contain_text("Gepubliceerd")
            assert slug in await _search(http, base, word)

            history = page.locator("#history li")
            await expect(history).to_have_count(3)  # create, update, publish
            await expect(history.first).to_contain_text("gepubliceerd")
            await history.nth(1).locator(".diff-button").click()
            await expect(page.locator("#diff")).to_contain_text(word)

            await history.last.locator(
                ".rollback-button"
            ).click()  # back to the first version's content
            await expect(page.locator("#article-title")).to_have_value(
                "Concept voor de browsertest"
            )
            await expect(page.locator("#message")).to_contain_text("teruggezet")
            assert slug not in await _search(http, base, word)
            assert slug in await _search(http, base, "browsertest")
        finally:
            await browser.close()


async def test_unanswered_view_and_new_article(
    stack, db: AsyncIOMotorDatabase, http: aiohttp.ClientSession
) -> None:  # noqa: ANN001
    base = stack.hub_url
    username, password = await _editor(db)
    word = unique_word()
    question = f"Mag ik een {word} in mijn voortuin zetten?"
    for _ in range(2):
        await unanswered.record(db, question, [])
    slug = unique_slug("uit-vraag")

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            await _login(page, base, username, password)
            await page.click("#tab-unanswered")
            row = page.locator("#unanswered-rows tr", has_text=word)
            await expect(row).to_have_count(1)
            await expect(row.locator("td").nth(1)).to_have_text("2")
            await row.get_by_role("button", name="Artikel schrijven").click()
            await expect(page.locator("#article-question")).to_have_value(question)
            await page.fill("#article-slug", slug)
            await page.fill(
                "#article-answer",
                f"Ja, een {word} mag in uw voortuin. Hij mag niet hoger zijn dan 1 meter.",
            )
            await page.click("#publish")
            await expect(page.locator("#article-status")).to_have_text("gepubliceerd")
            assert (await _search(http, base, word))[0] == slug
        finally:
            await browser.close()
