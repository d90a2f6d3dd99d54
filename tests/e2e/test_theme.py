"""NL Design System look: the component CSS from set-up, the municipality's theme, touch targets, focus ring.

The hub serves the ``@utrecht`` component CSS that ``scripts/setup.sh`` installed into var/node
and the theme of ``KCC_THEME_FILE``; no page loads anything from another site. A second hub
started with a custom theme file serves and shows that theme's colour. In real Chromium the
widget's and the console's buttons are at least 44 px and the focused control has a visible ring.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase
from playwright.async_api import Page

from hub.core.settings import ROOT
from hub.staff import auth
from hub.web.theme import COMPONENTS, Theme
from tests.auth import hubs
from tests.e2e.axe import VIEWPORTS
from tests.e2e.browser import browser
from tests.e2e.host_site import serving
from tests.webchat_client import say

PAGES = ("/", "/chat", "/login", "/contact", "/console", "/editor", "/dashboard")
DEFAULT_THEME = ROOT / "hub" / "web" / "nlds" / "theme" / "theme.json"
NODE = ROOT / "var" / "node" / "node_modules" / "@utrecht"
PASSWORD = "theme-password-1"
EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
NOT_DUTCH = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}:\d{2}\s?(?:AM|PM)\b")
MONTHS = r"(?:jan|feb|mrt|apr|mei|jun|jul|aug|sep|okt|nov|dec)"
HOST_PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Nieuws</title>
<style>:root {{ --host-mark: 1; }} button {{ background: rgb(10, 20, 30); color: #fff; }}</style></head>
<body><main><h1>Nieuws</h1><button type="button" id="host-button">Van de site</button></main>
<script src="{hub}/static/widget.js" data-hub="{hub}"></script></body></html>"""


async def _text(http, url: str) -> tuple[int, str, str]:  # noqa: ANN001
    async with http.get(url) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


async def test_setup_s_nlds_packages_are_served_by_the_hub(stack, http) -> None:  # noqa: ANN001
    status, kind, css = await _text(http, f"{stack.hub_url}/static/nlds/components.css")
    assert status == 200 and kind.startswith("text/css")
    version = json.loads((NODE / "component-library-css" / "package.json").read_text())["version"]
    assert f"@utrecht/component-library-css {version}" in css
    for name in COMPONENTS:  # each installed package's own CSS, as npm delivered it
        assert (NODE / f"{name}-css" / "dist" / "index.min.css").read_text() in css, name
    assert ".utrecht-button--primary-action" in css and ".utrecht-textbox" in css
    for name in ("theme.css", "base.css", "widget.css"):
        status, kind, text = await _text(http, f"{stack.hub_url}/static/nlds/{name}")
        assert status == 200 and kind.startswith("text/css"), name
        assert not re.search(r"url\(\s*['\"]?(?:https?:)?//|@import", text), f"{name} loads from elsewhere"
    status, _, _ = await _text(http, f"{stack.hub_url}/static/nlds/theme/theme.json")  # only what the theme names
    assert status == 404
    status, kind, svg = await _text(http, f"{stack.hub_url}/static/nlds/theme/logo.svg")
    assert status == 200 and kind.startswith("image/svg+xml") and "<svg" in svg


async def test_no_page_loads_anything_from_another_site(stack, db, http) -> None:  # noqa: ANN001
    username = await _staff(db, "agent", "editor", "supervisor")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as staff:
        async with staff.post(f"{stack.hub_url}/api/v1/auth/login", json={"username": username, "password": PASSWORD}) as resp:
            assert resp.status == 200, await resp.text()
        for path in PAGES:
            async with staff.get(f"{stack.hub_url}{path}", allow_redirects=False) as resp:
                assert resp.status == 200 and resp.content_type == "text/html", path
                _check_page(path, await resp.text())
    status, _, widget = await _text(http, f"{stack.hub_url}/static/widget.js")
    assert status == 200 and '"/static/nlds/widget.css"' in widget


def _check_page(path: str, html: str) -> None:
    assert not EXTERNAL.findall(html), f"{path} links to another site: {EXTERNAL.findall(html)}"
    for name in ("components", "theme", "base"):
        assert f'href="/static/nlds/{name}.css"' in html, f"{path} lacks {name}.css"
    assert re.search(r'<body class="[^"]*\butrecht-document\b[^"]*\bkcc-theme\b', html), path


def test_a_theme_without_enough_contrast_is_refused() -> None:
    tokens = json.loads(DEFAULT_THEME.read_text())
    Theme.model_validate(tokens)
    with pytest.raises(ValueError, match="color_primary_text on color_primary"):
        Theme.model_validate({**tokens, "color_primary": "#8fa9bd"})
    with pytest.raises(ValueError, match="#rrggbb"):
        Theme.model_validate({**tokens, "color_link": "red; } body { display: none"})
    with pytest.raises(ValueError, match="plain file name"):
        Theme.model_validate({**tokens, "logo": "../../secrets.svg"})


@pytest.fixture(scope="module")
def themed_hub(stack, tmp_path_factory):  # noqa: ANN001, ANN201
    """A second hub with a municipality's own theme file (a purple one) and its logo beside it."""
    folder: Path = tmp_path_factory.mktemp("theme")
    tokens = json.loads(DEFAULT_THEME.read_text())
    tokens.update(name="Gemeente Testdorp", color_primary="#6a1b5a", color_primary_hover="#4e1342",
                  font_family="Georgia, serif", logo="wapen.svg")
    (folder / "testdorp.json").write_text(json.dumps(tokens))
    (folder / "wapen.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4"/></svg>')
    name = f"theme-{uuid.uuid4().hex[:4]}"
    yield hubs.start(stack, name, {"KCC_THEME_FILE": str(folder / "testdorp.json")})
    hubs.stop(name)


async def test_a_theme_file_changes_the_tokens_the_pages_and_widget_get(themed_hub, http) -> None:  # noqa: ANN001
    _, _, theme = await _text(http, f"{themed_hub.url}/static/nlds/theme.css")
    assert "--kcc-color-primary: #6a1b5a;" in theme and "Georgia, serif" in theme and "theme/wapen.svg" in theme
    _, _, widget = await _text(http, f"{themed_hub.url}/static/nlds/widget.css")
    assert "--kcc-color-primary: #6a1b5a;" in widget
    assert ":root" not in widget, "the widget's tokens must not reach the host page"
    status, _, _ = await _text(http, f"{themed_hub.url}/static/nlds/theme/wapen.svg")
    assert status == 200
    async with browser() as b:
        page = await b.new_page()
        await page.goto(f"{themed_hub.url}/login")
        button = page.locator("button[type=submit]")
        assert await button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(106, 27, 90)"
        assert "Georgia" in await page.evaluate("() => getComputedStyle(document.body).fontFamily")
        logo = await page.evaluate("() => getComputedStyle(document.querySelector('h1'), '::before').backgroundImage")
        assert "/static/nlds/theme/wapen.svg" in logo


@pytest.fixture
async def host_site(stack) -> AsyncIterator[str]:  # noqa: ANN001
    """A page of the municipality's own site (another origin) with its own styles and the widget."""
    async with serving(HOST_PAGE.format(hub=stack.hub_url), "/nieuws") as url:
        yield url


SMALL = """sel => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null || getComputedStyle(e).position === 'fixed')
  .map(e => { const r = e.getBoundingClientRect(); return [e.id || e.className || e.textContent.trim(), Math.round(r.width), Math.round(r.height)]; })"""
RING = """() => { const s = getComputedStyle(document.activeElement);
  return {tag: document.activeElement.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor, shadow: s.boxShadow}; }"""


async def _sizes(page: Page, selector: str) -> list[list]:
    found = await page.evaluate(SMALL, selector)
    assert found, f"nothing visible matches {selector}"
    return found


def _too_small(found: list[list]) -> list[list]:
    return [f for f in found if f[1] < 44 or f[2] < 44]


async def _ring(page: Page) -> dict:
    ring = await page.evaluate(RING)
    assert ring["style"] != "none" and ring["width"] >= 2, f"no visible focus ring: {ring}"
    assert ring["color"] == "rgb(255, 191, 71)", ring  # the theme's focus colour
    return ring


@pytest.mark.browser
@pytest.mark.parametrize("screen", list(VIEWPORTS))
async def test_the_widget_s_buttons_are_big_enough_focus_is_visible_and_the_host_keeps_its_look(
    stack, host_site, screen  # noqa: ANN001
) -> None:
    async with browser() as b:
        page = await (await b.new_context(viewport=VIEWPORTS[screen])).new_page()
        await page.goto(host_site)
        host = page.locator("#host-button")
        host_before = await host.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).minHeight]")
        await page.wait_for_function("() => [...document.styleSheets].some(s => (s.href || '').endsWith('/static/nlds/widget.css'))")
        await page.wait_for_load_state("networkidle")
        assert _too_small(await _sizes(page, ".kcc-fab")) == []
        await page.keyboard.press("Tab")  # the host's own button first, then the chat button
        await page.keyboard.press("Tab")
        assert await page.evaluate("() => document.activeElement.className") == "kcc-fab"
        await _ring(page)
        await page.keyboard.press("Enter")
        await page.locator("section.kcc-w").wait_for(state="visible")
        await page.locator(".kcc-chips button").first.wait_for(timeout=10_000)
        assert _too_small(await _sizes(page, ".kcc-w button")) == []
        await page.locator(".kcc-chips button").first.focus()
        await page.keyboard.press("Shift+Tab")
        await page.keyboard.press("Tab")  # a keyboard move: :focus-visible
        await _ring(page)
        # the theme's colour inside the widget, nothing of it outside
        assert await page.evaluate("() => getComputedStyle(document.querySelector('.kcc-w header')).backgroundColor") == "rgb(30, 77, 107)"
        assert await host.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).minHeight]") == host_before
        assert await page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--kcc-color-primary')") == ""
        assert await page.evaluate("() => getComputedStyle(document.body).getPropertyValue('--kcc-color-primary')") == ""


async def _staff(db: AsyncIOMotorDatabase, *roles: str) -> str:
    username = f"theme-{uuid.uuid4().hex[:8]}"
    await auth.create_staff(db, username, PASSWORD, list(roles or ["agent"]), name="Kees Theme", team="kcc")
    return username


@pytest.mark.browser
@pytest.mark.parametrize("screen", list(VIEWPORTS))
async def test_the_console_s_main_buttons_are_big_enough_and_focus_is_visible(bot_stack, db, http, screen) -> None:  # noqa: ANN001
    await say(http, bot_stack, f"theme-{screen}-{uuid.uuid4().hex[:6]}", "ik wil een medewerker spreken")
    username = await _staff(db)
    async with browser() as b:
        page = await (await b.new_context(viewport=VIEWPORTS[screen])).new_page()
        await page.goto(f"{bot_stack.hub_url}/login?next=/console")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", PASSWORD)
        await page.keyboard.press("Tab")
        assert await page.evaluate("() => document.activeElement.type") == "submit"
        await _ring(page)  # the log-in button
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"{bot_stack.hub_url}/console")
        await page.locator("#live.on").wait_for(timeout=15_000)
        assert _too_small(await _sizes(page, ".top button, .top select")) == []
        await page.locator("#queues .conv-item").first.click(timeout=15_000)
        await page.locator("#take").wait_for()
        assert _too_small(await _sizes(page, ".conv-actions button")) == []
        await page.click("#take")
        await page.locator("#reply").wait_for(timeout=10_000)
        assert _too_small(await _sizes(page, "#reply-send, .conv-actions button")) == []
        text = await page.evaluate("() => document.body.innerText")
        assert re.search(rf"\b\d{{1,2}} {MONTHS}\w* \d{{2}}:\d{{2}}\b", text), "no Dutch date and time on the console"
        assert not NOT_DUTCH.findall(text), NOT_DUTCH.findall(text)
        await page.focus("#reply-text")
        await page.keyboard.press("Tab")
        await page.keyboard.press("Shift+Tab")
        await _ring(page)


@pytest.mark.browser
async def test_the_dashboard_writes_its_period_as_dutch_dates(stack, db) -> None:  # noqa: ANN001
    username = await _staff(db, "supervisor")
    async with browser() as b:
        page = await (await b.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")).new_page()
        await page.goto(f"{stack.hub_url}/login?next=/dashboard")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{stack.hub_url}/dashboard")
        status = page.locator("#status", has_text="Periode")
        await status.wait_for(timeout=15_000)
        text = await status.inner_text()
        assert re.search(rf"Periode \d{{1,2}} {MONTHS}\w* \d{{4}} tot en met \d{{1,2}} {MONTHS}\w* \d{{4}}", text), text
        assert not NOT_DUTCH.findall(text), text
