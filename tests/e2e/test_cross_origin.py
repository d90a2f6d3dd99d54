"""The one-tag widget on the municipality's own site (another origin than the hub) in real Chromium.

A page served from a second local origin holds only the ``<script>`` tag; the resident opens the
chat, asks a question, gets the bot's answer over the cross-origin JSON API, and the widget's
WebSocket to the hub is open and delivers. The preflight and the staff APIs are checked too,
and a hub that allows only the municipality's site refuses other origins.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.auth import hubs
from tests.e2e.browser import browser
from tests.e2e.host_site import serving

pytestmark = pytest.mark.browser

HOST_PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Gemeente Lindewaard</title></head>
<body><main><h1>Paspoort aanvragen</h1><p>Informatie over uw paspoort.</p></main>
<script src="{hub}/static/widget.js" data-hub="{hub}" async></script></body></html>"""


@pytest.fixture
async def municipal_site(bot_stack) -> AsyncIterator[str]:  # noqa: ANN001
    """The municipality's own web site: another port, so another origin than the hub."""
    async with serving(HOST_PAGE.format(hub=bot_stack.hub_url), "/paspoort") as url:
        yield url.removesuffix("/paspoort")


async def test_the_widget_chats_from_another_origin(bot_stack, municipal_site) -> None:  # noqa: ANN001
    async with browser() as b:
        page = await b.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        frames: list[str] = []
        sockets: list[str] = []

        def on_socket(ws) -> None:  # noqa: ANN001
            sockets.append(ws.url)
            ws.on("framereceived", lambda payload: frames.append(str(payload)))

        page.on("websocket", on_socket)
        await page.goto(f"{municipal_site}/paspoort")
        widget = page.locator("section.kcc-w")
        assert await widget.is_hidden()  # starts closed on the host page
        await page.click(".kcc-fab")
        await widget.wait_for(state="visible")
        await page.fill("#kcc-text", "hallo")
        await page.press("#kcc-text", "Enter")
        answers = page.locator(".kcc-out[data-author=bot]:not(.kcc-intro)")
        await answers.first.wait_for(timeout=20_000)
        await page.fill("#kcc-text", "wat kost een paspoort")
        await page.press("#kcc-text", "Enter")
        await answers.nth(1).wait_for(timeout=20_000)
        await page.wait_for_function("() => true")
        assert sockets and sockets[0].startswith(bot_stack.hub_url.replace("http", "ws")), sockets
        await page.wait_for_timeout(500)
        assert frames, "the widget's WebSocket to the hub delivered nothing"
        assert not [p for p in problems if "CORS" in p or "Access-Control" in p], problems
        await page.click(".kcc-close")  # the resident closes it again and reads the page
        assert await widget.is_hidden()


async def test_preflight_only_on_the_web_chat_api(bot_stack) -> None:  # noqa: ANN001
    origin = "https://www.lindewaard.nl"
    ask = {"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    async with aiohttp.ClientSession() as http:
        async with http.options(f"{bot_stack.hub_url}/api/v1/webchat/messages", headers=ask) as resp:
            assert resp.status == 200
            assert resp.headers["Access-Control-Allow-Origin"] in ("*", origin)
            assert "POST" in resp.headers["Access-Control-Allow-Methods"]
            assert "Access-Control-Allow-Credentials" not in resp.headers
        for staff in ("/api/v1/handover/queue", "/api/v1/auth/login", "/api/v1/contacts"):
            async with http.options(f"{bot_stack.hub_url}{staff}", headers=ask) as resp:
                assert "Access-Control-Allow-Origin" not in resp.headers, staff
            async with http.get(f"{bot_stack.hub_url}{staff}", headers={"Origin": origin}) as resp:
                assert "Access-Control-Allow-Origin" not in resp.headers, staff


@pytest.fixture(scope="module")
def own_site_only(stack):  # noqa: ANN001, ANN201
    yield hubs.start(stack, "origins", {"KCC_WEBCHAT_ORIGINS": "https://www.lindewaard.nl, https://lindewaard.nl/"})
    hubs.stop("origins")


async def test_a_hub_for_one_site_refuses_other_origins(own_site_only) -> None:  # noqa: ANN001
    url = own_site_only.url
    ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    async with aiohttp.ClientSession() as http:
        async with http.options(f"{url}/api/v1/webchat/messages", headers={**ask, "Origin": "https://lindewaard.nl"}) as r:
            assert r.status == 200 and r.headers["Access-Control-Allow-Origin"] == "https://lindewaard.nl"
        async with http.options(f"{url}/api/v1/webchat/messages", headers={**ask, "Origin": "https://evil.example"}) as r:
            assert r.headers.get("Access-Control-Allow-Origin") is None
        async with http.post(f"{url}/api/v1/webchat/messages", json={"session_id": "origin-test", "text": "hallo"},
                             headers={"Origin": "https://evil.example"}) as r:
            assert r.headers.get("Access-Control-Allow-Origin") is None  # the browser will not hand over the answer
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(f"{url}/api/v1/webchat/conversations/x/ws", headers={"Origin": "https://evil.example"})
        assert refused.value.status == 403
