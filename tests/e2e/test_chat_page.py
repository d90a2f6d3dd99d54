"""A resident types into /chat in real headless Chromium and gets the bot's answer."""

from __future__ import annotations

import pytest

from tests.e2e.browser import browser

pytestmark = pytest.mark.browser


async def test_chat_page_answers_in_the_browser(bot_stack):
    async with browser() as b:
        page = await b.new_page()
        await page.goto(f"{bot_stack.hub_url}/chat")
        await page.fill("#kcc-text", "hallo")
        await page.press("#kcc-text", "Enter")
        bot_reply = page.locator(".kcc-out").first
        await bot_reply.wait_for(timeout=15_000)
        assert "Lindewaard" in await bot_reply.inner_text()
        assert await page.locator(".kcc-in").first.inner_text() == "hallo"
        await page.screenshot(path=str(bot_stack_screenshot()))


def bot_stack_screenshot():
    from tests.conftest import LOG_DIR

    return LOG_DIR / "chat-page.png"
