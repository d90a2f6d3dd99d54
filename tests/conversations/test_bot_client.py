"""The bot client's circuit breaker, against a local HTTP server that stands in for a hung Rasa.

A Rasa that accepts connections but never answers costs every message the full time-out;
after one such failure the client hands over at once for ``pause_s`` seconds, and a good
health check (``ready``) closes the breaker early.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web

from hub.conversations.bot_client import BotClient, BotUnavailable


@pytest.fixture
async def hung_rasa():
    state = {"asked": 0, "hang": True}

    async def webhook(request: web.Request) -> web.Response:
        state["asked"] += 1
        if state["hang"]:
            await asyncio.sleep(30)
        return web.json_response([{"recipient_id": "x", "text": "Hallo!", "custom": {"meta": {"action": "answer"}}}])

    async def status(request: web.Request) -> web.Response:
        return web.json_response({"model_file": "model.tar.gz"})

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    app.router.add_get("/status", status)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", state
    await runner.cleanup()


async def _tripped(url: str, http: aiohttp.ClientSession, pause_s: float) -> BotClient:
    """A client whose first question timed out against the hung server."""
    bot = BotClient(url, 0.3, http, pause_s=pause_s)
    with pytest.raises(BotUnavailable):
        await bot.ask("c1", "hallo", {})
    return bot


async def test_after_a_time_out_rasa_is_not_asked_again_until_the_pause_ends_or_it_is_ready(hung_rasa, http):
    url, state = hung_rasa
    bot = await _tripped(url, http, pause_s=60)
    assert state["asked"] == 1
    for _ in range(3):  # the breaker is open: the hung server is not asked
        with pytest.raises(BotUnavailable, match="not asked again"):
            await bot.ask("c2", "hallo", {})
    assert state["asked"] == 1
    state["hang"] = False
    assert await bot.ready()  # the health check sees Rasa back: asked again at once
    answer = await bot.ask("c3", "hallo", {})
    assert [r.text for r in answer.replies] == ["Hallo!"] and state["asked"] == 2


async def test_the_pause_ends_by_itself(hung_rasa, http):
    url, state = hung_rasa
    bot = await _tripped(url, http, pause_s=0.2)
    state["hang"] = False
    await asyncio.sleep(0.3)
    assert (await bot.ask("c2", "hallo", {})).replies and state["asked"] == 2


async def test_a_burst_waits_in_line_outside_the_time_out(http):
    """Eight questions at once to a client allowed two with Rasa: never more than two are with it,
    and every one is answered although the eight together take longer than the time-out."""
    state = {"now": 0, "most": 0}

    async def webhook(request: web.Request) -> web.Response:
        state["now"] += 1
        state["most"] = max(state["most"], state["now"])
        await asyncio.sleep(0.1)
        state["now"] -= 1
        return web.json_response([{"recipient_id": "x", "text": "Hallo!"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        bot = BotClient(f"http://127.0.0.1:{port}", 0.3, http, concurrency=2)
        answers = await asyncio.gather(*(bot.ask(f"c{i}", "hallo", {}) for i in range(8)))
    finally:
        await runner.cleanup()
    assert all(a.replies[0].text == "Hallo!" for a in answers)
    assert state["most"] == 2  # in line: two at a time, four rounds of 0.1 s, none past the 0.3 s time-out
