"""The resident's chat in real headless Chromium: /chat and the one-tag widget on a host page."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from playwright.async_api import Page, Route

from hub.cli import launcher
from tests.e2e.browser import browser

pytestmark = pytest.mark.browser
ANSWERS = ".kcc-out[data-author=bot]:not(.kcc-intro)"
HOST_PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1><p>Informatie van de gemeente.</p><a href="#info">Meer informatie</a></main>
<script src="{hub}/static/widget.js" data-hub="{hub}" {extra}></script></body></html>"""


@pytest.fixture
async def host(stack) -> AsyncIterator[str]:  # noqa: ANN001
    """The municipality's site on another origin: /nieuws (no opener: /nieuws), /paspoort (opener), /open (data-open)."""
    port = launcher.free_port()

    async def page(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        extra = 'data-open="true"' if name == "open" else ""
        if name == "eigen":
            extra = """data-suggestions='["Openingstijden", {"title": "Afspraak", "text": "Ik wil een afspraak maken"}]'"""
        return web.Response(text=HOST_PAGE.format(hub=stack.hub_url, title=name.capitalize(), extra=extra), content_type="text/html")

    app = web.Application()
    app.router.add_get("/{name}", page)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def _slow_posts(page: Page, delay_s: float) -> None:
    async def slow(route: Route) -> None:
        if route.request.method == "POST":
            await asyncio.sleep(delay_s)
        await route.continue_()

    await page.route("**/api/v1/webchat/messages", slow)


async def test_welcome_suggestions_echo_typing_and_answer(bot_stack):
    async with browser() as b:
        page = await b.new_page()
        await page.goto(f"{bot_stack.hub_url}/chat")
        welcome = page.locator(".kcc-intro").first
        await welcome.wait_for(timeout=10_000)
        assert "Welkom" in await welcome.inner_text()
        chips = page.locator(".kcc-chips button")
        assert 3 <= await chips.count() <= 4
        assert "Paspoort" in await chips.first.inner_text()

        await _slow_posts(page, 1.5)  # the answer takes a moment: the page must not wait with the echo
        await page.fill("#kcc-text", "hallo")
        await page.press("#kcc-text", "Enter")
        own = page.locator(".kcc-in").first
        await own.wait_for(timeout=1_000)  # at once, before the hub has answered
        assert await own.inner_text() == "hallo"
        assert await page.locator(".kcc-typing").is_visible()
        assert await page.locator(".kcc-chips").count() == 0  # the suggestions go once the resident writes
        answer = page.locator(ANSWERS).first
        await answer.wait_for(timeout=20_000)
        assert "Lindewaard" in await answer.inner_text()
        assert await page.locator(".kcc-typing").is_hidden()
        assert await page.locator(".kcc-in").count() == 1  # the echo became the stored message, not a second one
        assert await answer.locator(".kcc-who").inner_text() == "Digitale assistent"


async def test_a_suggestion_asks_its_question(bot_stack):
    async with browser() as b:
        page = await b.new_page()
        await page.goto(f"{bot_stack.hub_url}/chat")
        await page.locator(".kcc-chips button", has_text="Paspoort").click()
        assert await page.locator(".kcc-in").first.inner_text() == "Ik wil een paspoort aanvragen"
        answer = page.locator(ANSWERS).first
        await answer.wait_for(timeout=20_000)
        assert "paspoort" in (await answer.inner_text()).lower()


async def test_links_are_links_and_markup_stays_text(stack):
    """A crafted hub answer with a link and HTML: the link becomes <a>, the HTML is shown as text."""
    crafted = {"conversation_id": "c-x", "state": "bot", "queue": None, "messages": [{
        "id": "m1", "seq": 1, "direction": "out", "author": "bot", "buttons": [], "attachments": [], "speaker": None,
        "created_at": "2026-01-01T10:00:00+00:00",
        "text": "Kijk op https://www.lindewaard.nl/paspoort. <img src=x onerror=\"window.hacked=1\"><b>vet</b> "
                "of www.lindewaard.nl/afspraak, niet javascript:alert(1)",
    }]}
    async with browser() as b:
        page = await b.new_page()
        await page.add_init_script("localStorage.setItem('kcc-session-conv', 'c-x')")
        await page.route("**/api/v1/webchat/conversations/c-x/messages*", lambda r: r.fulfill(
            status=200, content_type="application/json", body=json.dumps(crafted)))
        await page.goto(f"{stack.hub_url}/chat")
        msg = page.locator(".kcc-msg[data-id=m1]")
        await msg.wait_for(timeout=10_000)
        links = msg.locator("a")
        assert await links.count() == 2  # javascript: stays text
        link = links.first
        assert await link.get_attribute("href") == "https://www.lindewaard.nl/paspoort"  # the full stop is not part of it
        assert await link.get_attribute("rel") == "noopener noreferrer"
        assert await links.nth(1).get_attribute("href") == "https://www.lindewaard.nl/afspraak"
        assert await msg.locator("img, b").count() == 0
        assert "<img" in await msg.inner_text()
        assert not await page.evaluate("() => window.hacked")


async def test_host_page_starts_minimised_and_keeps_open_or_closed_per_tab(stack, host):
    async with browser() as b:
        ctx = await b.new_context()
        page = await ctx.new_page()
        await page.goto(f"{host}/nieuws")
        widget = page.locator("section.kcc-w")
        assert await widget.is_hidden()
        assert await page.locator(".kcc-fab").get_attribute("aria-expanded") == "false"
        await page.click(".kcc-fab")
        await widget.wait_for(state="visible")
        await page.locator(".kcc-chips button").first.wait_for()  # no opener for this page: the suggestions
        await page.reload()
        await widget.wait_for(state="visible")  # still open in this tab
        other = await ctx.new_page()
        await other.goto(f"{host}/nieuws")
        await other.locator(".kcc-fab").wait_for()
        assert await other.locator("section.kcc-w").is_hidden()  # another tab starts minimised
        await page.click(".kcc-close")
        await page.reload()
        await page.locator(".kcc-fab").wait_for()
        assert await widget.is_hidden()

        opened = await ctx.new_page()
        await opened.goto(f"{host}/open")  # data-open="true"
        await opened.locator("section.kcc-w").wait_for(state="visible")

        paspoort = await ctx.new_page()
        await paspoort.goto(f"{host}/paspoort")  # an opener matches: its question instead of suggestions
        await paspoort.click(".kcc-fab")
        await paspoort.locator("[data-id=opener]").wait_for()
        assert "paspoort" in (await paspoort.locator("[data-id=opener]").inner_text()).lower()
        assert await paspoort.locator(".kcc-chips").count() == 0

        own = await ctx.new_page()
        await own.goto(f"{host}/eigen")  # the page's own suggestions
        await own.click(".kcc-fab")
        chips = own.locator(".kcc-chips button")
        await chips.first.wait_for()
        assert await chips.all_inner_texts() == ["Openingstijden", "Afspraak"]
        await ctx.close()


async def test_the_resident_chats_with_the_keyboard_only(bot_stack, host):
    async with browser() as b:
        page = await b.new_page()
        await page.goto(f"{host}/nieuws")
        await page.locator(".kcc-fab").wait_for()
        for _ in range(5):  # Tab through the page to the chat button
            await page.keyboard.press("Tab")
            if await page.evaluate("() => document.activeElement.classList.contains('kcc-fab')"):
                break
        assert await page.evaluate("() => document.activeElement.classList.contains('kcc-fab')")
        await page.keyboard.press("Enter")
        assert await page.evaluate("() => document.activeElement.id") == "kcc-text"  # focus goes to the input
        await page.keyboard.type("hallo")
        await page.keyboard.press("Enter")
        await page.locator(ANSWERS).first.wait_for(timeout=20_000)
        await page.keyboard.type("wat kost een paspoort")
        await page.keyboard.press("Enter")
        await page.locator(ANSWERS).nth(1).wait_for(timeout=20_000)
        assert await page.evaluate("() => document.activeElement.id") == "kcc-text"  # ready for the next question
        await page.keyboard.press("Escape")  # closes, and focus returns to the chat button
        assert await page.locator("section.kcc-w").is_hidden()
        assert await page.evaluate("() => document.activeElement.classList.contains('kcc-fab')")
