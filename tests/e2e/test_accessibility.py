"""axe-core in real Chromium on every page, on a desktop and a phone screen.

A serious or critical violation fails the test. The resident's chat and the agent's
console are also driven with the keyboard only.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase
from playwright.async_api import Page

from hub.cases import callbacks
from hub.core.models import utcnow
from hub.core.settings import ROOT
from hub.staff import auth
from tests.e2e.axe import VIEWPORTS, audit, blocking
from tests.e2e.browser import browser
from tests.e2e.host_site import serving
from tests.webchat_client import say

pytestmark = pytest.mark.browser
PASSWORD = "a11y-password-1"
SHOTS = ROOT / "docs" / "screenshots"
HOST_PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Paspoort aanvragen</title></head>
<body><main><h1>Paspoort aanvragen</h1><p>Informatie over uw paspoort.</p></main>
<script src="{hub}/static/widget.js" data-hub="{hub}"></script></body></html>"""


@pytest.fixture
async def host_site(stack) -> AsyncIterator[str]:  # noqa: ANN001
    """A page of the municipality's own site (another origin) with the one-tag widget."""
    async with serving(HOST_PAGE.format(hub=stack.hub_url), "/paspoort") as url:
        yield url


# Anything in the console's list that is cut off or makes it scroll sideways (wait times, badges).
CLIPPED = """() => {
  const out = [], list = document.querySelector('.lists');
  if (list.scrollWidth > list.clientWidth + 1) out.push('list scrolls sideways: ' + list.scrollWidth + ' > ' + list.clientWidth);
  if (document.documentElement.scrollWidth > innerWidth + 1) out.push('page scrolls sideways');
  for (const node of document.querySelectorAll('.lists .wait, .lists .badge')) {
    const r = node.getBoundingClientRect(), box = node.closest('.conv-item').getBoundingClientRect();
    if (r.right > box.right + 1 || r.left < box.left - 1) out.push(node.className + ' "' + node.textContent + '" outside its item');
  }
  return out;
}"""


async def _staff(db: AsyncIOMotorDatabase) -> str:
    username = f"a11y-{uuid.uuid4().hex[:8]}"
    await auth.create_staff(db, username, PASSWORD, ["agent", "editor", "supervisor"], name="Sanne Bakker", team="kcc")
    return username


async def _login(page: Page, base: str, username: str, target: str) -> None:
    await page.goto(f"{base}/login?next={target}")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**{target}")


async def _shoot(page: Page, name: str, screen: str) -> None:
    """The README's pictures, refreshed by every run (docs/screenshots/NAME-desktop.png / -phone.png)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}-{screen}.png"))


async def _specialist_and_callbacks(page: Page, b, db: AsyncIOMotorDatabase, base: str, username: str, screen: str,  # noqa: ANN001
                                    found: dict[str, list[str]]) -> None:
    """The agent asks a specialist (dialog), the specialist's console with the request, and the callback
    control list ("Controle op het terugbellen") with its "done with an outcome" dialog."""
    expert = f"a11y-sp-{uuid.uuid4().hex[:8]}"
    await auth.create_staff(db, expert, PASSWORD, ["specialist"], name="Fatima Yilmaz", team="belastingen")
    await page.click("#specialist-open")
    await page.locator("#specialist-dialog[open]").wait_for()
    await _check(page, "/console, ask a specialist", found)
    await page.select_option("#sp-person", expert)
    await page.fill("#sp-summary", "Vraag over de WOZ-waarde.")
    await page.click("#sp-send")
    await page.locator("#specialist-status", has_text="Wacht op acceptatie").wait_for(timeout=10_000)
    await _check(page, "/console, a specialist asked", found)
    ctx = await b.new_context(viewport=VIEWPORTS[screen])
    other = await ctx.new_page()
    await _login(other, base, expert, "/console")
    await other.locator("#sp-list .conv-item").first.click(timeout=15_000)
    await other.locator("#sp-accept").wait_for(timeout=10_000)
    await _check(other, "/console as a specialist", found)
    await _shoot(other, "console-specialist", screen)
    await ctx.close()
    past = utcnow() - timedelta(days=8)
    await callbacks.create_callback(db, "0612345678", "Afvalpas kwijt", employee=username, now=past)
    await callbacks.create_callback(db, "0612345679", "Vraag over parkeren", employee=username, backup=expert)
    await page.click("#cb-control-open")
    await page.locator("#cb-rows .cb-done").first.wait_for(timeout=10_000)
    await _check(page, "/console, Controle op het terugbellen", found)
    await _shoot(page, "console-callbacks", screen)
    await page.locator("#cb-rows .cb-done").first.click()
    await page.locator("#cb-done-dialog[open]").wait_for()
    await _check(page, "/console, callback done dialog", found)
    await page.keyboard.press("Escape")


async def _check(page: Page, name: str, found: dict[str, list[str]]) -> None:
    await page.wait_for_load_state("networkidle")
    violations = await audit(page)
    lines = blocking(violations)
    print(f"axe {name}: {sum(len(v['nodes']) for v in violations)} nodes in {len(violations)} rules, {len(lines)} serious/critical rules")
    if lines:
        found[name] = lines


@pytest.mark.parametrize("screen", list(VIEWPORTS))
async def test_no_serious_violations_on_any_page(bot_stack, db, http, host_site, screen):
    base = bot_stack.hub_url
    username = await _staff(db)
    # an earlier run's agent went offline with a specialist's request open: its conversation is back at
    # the front of the queue, and the agent taking it could not ask again; those requests are done
    await db.conversations.update_many({"specialist.status": {"$in": ["asked", "accepted"]}}, {"$set": {"specialist.status": "returned"}})
    for n in range(3):  # residents waiting, so the console shows lists, badges and wait times
        body = await say(http, bot_stack, f"a11y-{screen}-{n}-{uuid.uuid4().hex[:6]}", "ik wil een medewerker spreken")
        long_ago = utcnow() - timedelta(minutes=12 + n)  # long waits: the highlighted wait times are checked too
        await db.conversations.update_one({"_id": body["conversation_id"]}, {"$set": {"queued_at": long_ago}})
    found: dict[str, list[str]] = {}
    async with browser() as b:
        # a Dutch browser, as residents and staff have: dates in fields read dd-mm-jjjj, times in Dutch time
        ctx = await b.new_context(viewport=VIEWPORTS[screen], locale="nl-NL", timezone_id="Europe/Amsterdam")
        page = await ctx.new_page()
        for path in ("/", "/chat", "/login", "/contact", "/static/demo/paspoort.html"):
            await page.goto(f"{base}{path}")
            await _check(page, path, found)
        await page.goto(f"{base}/chat")
        await page.locator(".kcc-chips button", has_text="Paspoort").click()
        await page.locator(".kcc-out[data-author=bot]:not(.kcc-intro)").first.wait_for(timeout=20_000)
        await _check(page, "/chat with an answer", found)
        await page.evaluate("() => { document.querySelector('.kcc-log').scrollTop = 0; document.activeElement.blur(); }")
        await _shoot(page, "chat", screen)  # from the welcome on
        await page.goto(host_site)
        await _check(page, "widget closed on a host page", found)
        await page.click(".kcc-fab")
        await _check(page, "widget open on a host page", found)
        await _login(page, base, username, "/console")
        await page.locator("#live.on").wait_for(timeout=15_000)
        await page.locator("#queues .wait.long").first.wait_for(timeout=15_000)
        await _check(page, "/console with a queue", found)
        clipped = await page.evaluate(CLIPPED)
        assert not clipped, f"console list at {screen}: {clipped}"
        await page.locator("#queues .conv-item").first.click()
        await page.locator("#take").wait_for()
        await page.click("#take")
        await page.locator("#reply").wait_for(timeout=10_000)
        await _check(page, "/console, a conversation taken", found)
        await _shoot(page, "console", screen)
        await page.click("#help-open")
        await _check(page, "/console, keyboard help", found)
        await page.keyboard.press("Escape")
        await _specialist_and_callbacks(page, b, db, base, username, screen, found)
        await page.goto(f"{base}/editor")
        await page.locator("#article-list li").first.wait_for(timeout=15_000)
        await _check(page, "/editor", found)
        await page.locator("#article-list .pick").first.click()
        await page.locator("#readability-flags li").first.wait_for(timeout=15_000)
        await _check(page, "/editor, an article open", found)
        await _shoot(page, "editor", screen)
        await page.click("#history-open")
        await page.locator("#history .diff-button").first.click()
        await page.locator("#diff table, #diff p").first.wait_for(timeout=15_000)
        await _check(page, "/editor, history side panel", found)
        await page.goto(f"{base}/dashboard")
        await _check(page, "/dashboard", found)
        await _shoot(page, "dashboard", screen)
        await ctx.close()
    assert not found, "axe-core, serious/critical:\n" + "\n".join(f"{k}: {line}" for k, v in found.items() for line in v)
