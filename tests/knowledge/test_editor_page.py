"""The editor page in real headless Chromium: a draft is saved, then published (or submitted), found through search."""

from __future__ import annotations

import re
import uuid

import aiohttp
import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase
from playwright.async_api import async_playwright, expect

from hub.staff.auth import PUBLISH_KNOWLEDGE, create_staff
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


async def _editor(db: AsyncIOMotorDatabase, publisher: bool = True) -> tuple[str, str]:
    username, password = f"red{uuid.uuid4().hex[:8]}", "pw-" + uuid.uuid4().hex
    rights = [PUBLISH_KNOWLEDGE] if publisher else []
    await create_staff(db, username, password, ["editor"], name="Test Redacteur", rights=rights)
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


async def test_draft_then_publish_and_find_it(
    stack, db: AsyncIOMotorDatabase, http: aiohttp.ClientSession
) -> None:  # noqa: ANN001
    base = stack.hub_url
    username, password = await _editor(db)
    slug, word, old = unique_slug("browser"), unique_word(), unique_word()
    await KnowledgeStore(db).create(
        new_article(
            slug,
            status="published",
            title=f"Live tekst over {old}",
            answer="Eerste versie van het antwoord.",
        ),
        by="setup",
    )
    assert slug in await _search(http, base, old) and slug not in await _search(http, base, word)
    long_sentence = (
        "Indien u in het buitenland woonachtig bent en u op dit moment niet beschikt over een geldig "
        "identiteitsbewijs dan moet u naar de ambassade in het land waar u nu verblijft."
    )

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            await _login(page, base, username, password)

            await page.fill("#filter-text", slug)
            item = page.locator(f"#article-list li[data-slug='{slug}']")
            await expect(item).to_have_count(1)
            await expect(item).to_contain_text("gepubliceerd")
            await item.locator("button").focus()  # the list works with the keyboard
            await page.keyboard.press("Enter")
            await expect(page.locator("#article-title")).to_have_value(f"Live tekst over {old}")
            await expect(page.locator("#article-status")).to_have_text("gepubliceerd")

            await page.fill("#article-title", f"Artikel over {word}")
            await page.fill("#article-answer", f"Dit antwoord gaat over {word}. {long_sentence}")
            await expect(page.locator("#preview")).to_contain_text(f"Dit antwoord gaat over {word}.")
            # the long sentence is marked where it stands, its hard word too
            await expect(page.locator("#preview mark.long")).to_have_text(long_sentence)
            await expect(page.locator("#preview mark.hard", has_text="identiteitsbewijs")).to_have_count(1)
            await expect(page.locator("#readability-flags li.flag-long")).to_have_count(1)
            await expect(page.locator("#readability-level")).not_to_have_text(re.compile(r"^B1 "))

            await page.click("#save")  # a draft: residents still get the live text
            await expect(page.locator("#draft-state")).to_have_text("concept")
            await expect(page.locator("#message")).to_contain_text("Concept opgeslagen")
            await expect(page.locator("#article-status")).to_have_text("gepubliceerd")
            assert slug not in await _search(http, base, word)
            assert slug in await _search(http, base, old)

            await page.click("#publish")
            await expect(page.locator("#message")).to_contain_text("Gepubliceerd")
            await expect(page.locator("#draft-state")).to_be_hidden()
            assert slug in await _search(http, base, word)
            assert slug not in await _search(http, base, old)

            await page.click("#history-open")  # history and diff in the side panel
            panel = page.locator("#history-panel")
            await expect(panel).to_be_visible()
            history = panel.locator("#history li")
            await expect(history).to_have_count(3)  # create, draft, publish
            await expect(history.first).to_contain_text("gepubliceerd")
            await history.nth(1).locator(".diff-button").click()
            table = panel.locator("table.sbs", has_text="Titel")
            await expect(table.locator("td.old")).to_contain_text(f"Live tekst over {old}")
            await expect(table.locator("td.new .chg", has_text=word)).to_have_count(1)

            await history.last.locator(".rollback-button").click()  # back to the first text, as a draft
            await expect(page.locator("#article-title")).to_have_value(f"Live tekst over {old}")
            await expect(page.locator("#message")).to_contain_text("teruggezet als concept")
            assert slug in await _search(http, base, word)  # still the published text
            await page.keyboard.press("Escape")
            await expect(panel).to_be_hidden()
        finally:
            await browser.close()


async def test_an_editor_without_the_right_submits_for_review(
    stack, db: AsyncIOMotorDatabase, http: aiohttp.ClientSession
) -> None:  # noqa: ANN001
    base = stack.hub_url
    username, password = await _editor(db, publisher=False)
    slug, word = unique_slug("indienen"), unique_word()
    await KnowledgeStore(db).create(new_article(slug, status="published"), by="setup")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await _login(page, base, username, password)
            await page.fill("#filter-text", slug)
            await page.locator(f"#article-list li[data-slug='{slug}'] button").click()
            await expect(page.locator("#publish")).to_be_hidden()
            await page.fill("#article-answer", f"Een nieuwe tekst over {word}.")
            await page.click("#submit-review")
            await expect(page.locator("#draft-state")).to_have_text("ter beoordeling")
            await expect(page.locator(f"#article-list li[data-slug='{slug}']")).to_contain_text("ter beoordeling")
            assert slug not in await _search(http, base, word)
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
    await unanswered.record(db, f"{question} Mijn BSN is 123456782, bel 06-12345678", [])
    await unanswered.record(db, "hallo", [])
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
            await expect(row.locator("td").nth(1)).to_have_text("3")
            await expect(page.locator("#unanswered-rows")).not_to_contain_text("123456782")
            await expect(page.locator("#unanswered-rows")).not_to_contain_text("06-12345678")
            await expect(page.locator("#unanswered-rows td:first-child", has_text=re.compile(r"^hallo$"))).to_have_count(0)
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
