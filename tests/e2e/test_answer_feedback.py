"""The widget's "Was dit antwoord nuttig?" in real Chromium: a rating reaches the editors, scrubbed."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.e2e.browser import browser

pytestmark = pytest.mark.browser


async def test_resident_rates_an_article_answer(bot_stack, db):  # noqa: ANN001
    async with browser() as b:
        page = await b.new_page()
        await page.goto(f"{bot_stack.hub_url}/chat")
        await page.locator(".kcc-intro").first.wait_for(timeout=10_000)
        await page.fill("#kcc-text", "Wat kost een paspoort?")
        await page.press("#kcc-text", "Enter")
        ask = page.locator(".kcc-fb")
        await ask.wait_for(timeout=30_000)
        assert "Was dit antwoord nuttig?" in await ask.inner_text()
        conv = await page.evaluate("() => localStorage.getItem('kcc-session-conv')")
        await ask.get_by_role("button", name="Nee, niet nuttig").click()
        await page.get_by_label("Wat miste u? (niet verplicht)").fill("De prijs voor kinderen, bel me op 0612345678")
        await ask.get_by_role("button", name="Stuur").click()
        deadline = time.monotonic() + 10
        doc = None
        while time.monotonic() < deadline:
            doc = await db.article_feedback.find_one({"conversation_id": conv, "comment": {"$ne": ""}})
            if doc:
                break
            await asyncio.sleep(0.2)
        assert doc is not None, "the rating with its comment was not stored"
        assert doc["helpful"] is False and doc["source"] == "resident" and doc["slug"]
        assert "0612345678" not in doc["comment"] and doc["comment"].startswith("De prijs voor kinderen")
        assert await db.article_feedback.count_documents({"conversation_id": conv}) == 1  # one rating per answer
        await page.locator(".kcc-fb", has_text="Bedankt voor uw reactie.").wait_for()
