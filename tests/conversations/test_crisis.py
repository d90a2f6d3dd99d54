"""Crisis mode against a real hub process: on, banner, notice, article, broadcast resumed after a restart, off.

The test runs its own hub on its own database (a restart must not disturb the shared hub),
on the shared database server. The broadcast goes to web chat addresses (the channel stores
the message, nothing to deliver), one per second per channel.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace

import pytest
from motor.motor_asyncio import AsyncIOMotorClient

from hub.cli import launcher
from hub.conversations import satisfaction
from tests.auth.hubs import SHARED
from tests.conftest import LOG_DIR, Stack
from tests.contacts.staff import logged_in
from tests.webchat_client import say

SLUG = "stroomstoring-lindewaard"
NOTICE = "Er is een grote stroomstoring in Lindewaard. Bel alleen 112 bij levensgevaar."
OPTED_IN = 6


def _crisis_hub(stack: Stack, rasa_url: str) -> SimpleNamespace:
    port = launcher.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in stack.env().items() if k in SHARED}
    env.update(KCC_MONGODB_DB=f"kcc_crisis_{uuid.uuid4().hex[:6]}", KCC_PUBLIC_URL=url, KCC_CRISIS_BROADCAST_PER_MINUTE="60",
               KCC_RASA_URL=rasa_url, KCC_RATE_LIMITS_ENABLED="false")

    def service() -> launcher.Service:
        made = launcher.hub(port, env, LOG_DIR)
        made.name, made.log_path = "hub-crisis", LOG_DIR / "hub-crisis.log"
        return made

    hub = SimpleNamespace(hub_url=url, db_name=env["KCC_MONGODB_DB"], service=service().launch())
    hub.restart = lambda: setattr(hub, "service", service().launch())
    return hub


@pytest.fixture
def crisis_hub(stack: Stack) -> Iterator[SimpleNamespace]:
    """A hub of its own (a crisis is for the whole hub), without the bot."""
    hub = _crisis_hub(stack, "http://127.0.0.1:9")
    yield hub
    hub.service.stop()


@pytest.fixture
def crisis_hub_with_bot(bot_stack: Stack) -> Iterator[SimpleNamespace]:
    hub = _crisis_hub(bot_stack, bot_stack.rasa_url)
    yield hub
    hub.service.stop()


@pytest.fixture
async def crisis_db(stack: Stack, crisis_hub) -> AsyncIterator:
    client = AsyncIOMotorClient(stack.mongo_url, tz_aware=True)
    yield client[crisis_hub.db_name]
    client.close()


async def _until(check, within_s: float = 60.0):
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if result := await check():
            return result
        await asyncio.sleep(0.2)
    raise AssertionError("condition not reached in time")


async def _residents(agent, count: int, crisis: bool | None) -> list[str]:
    ids = []
    for i in range(count):
        status, contact = await agent.post("/api/v1/contacts", {"name": f"Inwoner {i}", "emails": [f"inw-{uuid.uuid4().hex[:8]}@example.nl"]})
        assert status == 201, contact
        if crisis is not None:
            status, body = await agent.post(f"/api/v1/contacts/{contact['id']}/consents", {
                "topics": ["crisis"], "given": crisis, "channel": "webchat" if crisis else None,
                "address": f"sessie-{uuid.uuid4().hex[:12]}" if crisis else None,
                "wording": "Wilt u een bericht als er een crisis is in Lindewaard? [Ja, hier in de chat | Nee]"})
            assert status == 201, body
        ids.append(contact["id"])
    return ids


async def test_crisis_on_and_off_with_the_broadcast_resumed_after_a_restart(crisis_hub, crisis_db, http):
    db = crisis_db
    async with logged_in(crisis_hub, db, ["editor", "agent"], rights=["knowledge.publish"]) as editor:
        status, article = await editor.post("/api/v1/knowledge/articles", {
            "slug": SLUG, "status": "published", "title": "Stroomstoring in Lindewaard",
            "answer": "Door een storing is er in een deel van Lindewaard geen stroom. De netbeheerder werkt eraan. "
                      "Kijk op de website van de gemeente voor de laatste stand.",
            "keywords": ["stroomstoring", "stroom", "storing"]})
        assert status == 201, article
        opted_in = await _residents(editor, OPTED_IN, True)
        others = await _residents(editor, 1, False) + await _residents(editor, 1, None)

    async with logged_in(crisis_hub, db, ["supervisor"]) as supervisor:
        status, body = await supervisor.post("/api/v1/crisis", {"text": NOTICE, "article": SLUG, "keywords": ["stroomstoring"]})
        assert status == 201, body
        crisis_id = body["crisis"]["id"]
        status, again = await supervisor.post("/api/v1/crisis", {"text": NOTICE, "article": SLUG})
        assert status == 409 and again["error"]["code"] == "crisis_active"

        async def progress() -> dict:
            return (await supervisor.get("/api/v1/crisis"))[1]["crisis"]["broadcast"]

        await _until(lambda: _is(progress, lambda b: b["sent"] >= 2))
    # the hub stops half-way through the broadcast
    crisis_hub.service.stop()
    halted = (await db.crises.find_one({"_id": crisis_id}))["broadcast"]
    assert 2 <= halted["sent"] < OPTED_IN and halted["state"] == "running"
    await asyncio.sleep(1.5)
    assert await db.messages.count_documents({"metadata.crisis": crisis_id}) == halted["sent"]  # nobody sends now

    crisis_hub.restart()
    async with logged_in(crisis_hub, db, ["supervisor"]) as supervisor:
        await _until(lambda: _is(lambda: supervisor.get("/api/v1/crisis"), lambda r: r[1]["crisis"]["broadcast"]["state"] == "done"))
        view = (await supervisor.get("/api/v1/crisis"))[1]["crisis"]
        assert view["broadcast"]["sent"] == OPTED_IN and view["broadcast"]["total"] == OPTED_IN
        assert view["broadcast"]["channels"] == {"webchat": OPTED_IN}
        sent = await db.messages.find({"metadata.crisis": crisis_id}).sort("created_at", 1).to_list(None)
        assert sorted(m["contact_id"] for m in sent) == sorted(opted_in)  # each once, nobody else
        assert all(m["text"] == "Let op: " + NOTICE and m["author"] == "system" for m in sent)
        gaps = [(b["created_at"] - a["created_at"]).total_seconds() for a, b in zip(sent, sent[1:], strict=False)]
        assert min(gaps) >= 0.9  # one a second on this channel
        assert not await db.messages.find_one({"contact_id": {"$in": others}})

        # the widget's banner, the notice on a new conversation, the article for a question about it
        async with http.get(f"{crisis_hub.hub_url}/api/v1/webchat/crisis") as resp:
            banner = await resp.json()
        assert banner == {"active": True, "text": NOTICE, "article": SLUG, "title": "Stroomstoring in Lindewaard"}
        first = await say(http, crisis_hub, f"s-{uuid.uuid4().hex[:10]}", "Goedemiddag, ik heb een vraag over mijn paspoort")
        assert first["replies"][0]["text"] == "Let op: " + NOTICE
        asked = await say(http, crisis_hub, f"s-{uuid.uuid4().hex[:10]}", "Wanneer is de stroomstoring voorbij?")
        assert asked["meta"]["article"] == SLUG and asked["meta"]["action"] == "answer"
        assert asked["replies"][0]["text"].startswith("Let op: " + NOTICE) and "netbeheerder" in asked["replies"][0]["text"]

        status, off = await supervisor.post("/api/v1/crisis/off", {})
        assert status == 200 and off["active"] is False and off["crisis"]["off_by"] == supervisor.username
        assert off["crisis"]["contacts"] >= 2  # the two conversations opened during the crisis
        status, again = await supervisor.post("/api/v1/crisis/off", {})
        assert status == 409
    audited = [a["action"] async for a in db.audit.find({"action": {"$in": ["crisis.on", "crisis.off"]}}).sort("at", 1)]
    assert audited == ["crisis.on", "crisis.off"]
    assert await db.events.count_documents({"type": {"$in": ["crisis_on", "crisis_off"]}, "crisis": crisis_id}) == 2

    async def banner_off() -> bool:
        async with http.get(f"{crisis_hub.hub_url}/api/v1/webchat/crisis") as resp:
            return (await resp.json()) == {"active": False}

    await _until(banner_off, 10)
    after = await say(http, crisis_hub, f"s-{uuid.uuid4().hex[:10]}", "Wanneer is de stroomstoring voorbij?")
    assert not after["replies"][0]["text"].startswith("Let op:")


async def test_thanks_after_a_crisis_answer_gets_the_satisfaction_question(crisis_hub_with_bot, bot_stack, http):
    """The hub answers a crisis question without the bot; Rasa's record gets that answer, so thanks is a sign-off."""
    hub = crisis_hub_with_bot
    client = AsyncIOMotorClient(bot_stack.mongo_url, tz_aware=True)
    try:
        db = client[hub.db_name]
        async with logged_in(hub, db, ["editor", "supervisor"], rights=["knowledge.publish"]) as editor:
            status, article = await editor.post("/api/v1/knowledge/articles", {
                "slug": SLUG, "status": "published", "title": "Stroomstoring in Lindewaard",
                "answer": "Door een storing is er in een deel van Lindewaard geen stroom. De netbeheerder werkt eraan.",
                "keywords": ["stroomstoring", "stroom", "storing"]})
            assert status == 201, article
            status, body = await editor.post("/api/v1/crisis", {"text": NOTICE, "article": SLUG, "keywords": ["stroomstoring"]})
            assert status == 201, body

        async def banner_on() -> bool:
            async with http.get(f"{hub.hub_url}/api/v1/webchat/crisis") as resp:
                return (await resp.json()).get("active") is True

        await _until(banner_on, 10)
        session = f"s-{uuid.uuid4().hex[:10]}"
        asked = await say(http, hub, session, "Wanneer is de stroomstoring voorbij?")
        assert asked["meta"]["article"] == SLUG and asked["meta"]["intent"] == "crisis"
        thanked = await say(http, hub, session, "Dank u wel")
        assert thanked["meta"]["action"] == "thanks", thanked
        assert any(r["text"] == satisfaction.QUESTION for r in thanked["replies"]), thanked["replies"]
    finally:
        client.close()


async def _is(get, test) -> bool:
    return bool(test(await get()))


async def test_crisis_needs_a_published_article_and_the_right_role(crisis_hub, crisis_db):
    async with logged_in(crisis_hub, crisis_db, ["agent"]) as agent:
        status, _ = await agent.post("/api/v1/crisis", {"text": NOTICE, "article": SLUG})
        assert status == 403
    async with logged_in(crisis_hub, crisis_db, ["editor"]) as editor:
        status, body = await editor.post("/api/v1/crisis", {"text": NOTICE, "article": "bestaat-niet"})
        assert status == 422 and body["error"]["code"] == "unknown_article"
        status, body = await editor.post("/api/v1/crisis", {"text": "", "article": SLUG})
        assert status == 422
