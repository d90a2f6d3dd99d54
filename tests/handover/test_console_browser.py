"""Real headless Chromium: a resident asks for a person in /chat, an agent answers from /console."""

from __future__ import annotations

import pytest

from hub.staff import auth
from tests.conftest import LOG_DIR
from tests.e2e.browser import browser
from tests.handover.conftest import PASSWORD
from tests.webchat_client import say

pytestmark = pytest.mark.browser

ASK = "ik wil een medewerker spreken"
ANSWER = "Goedemiddag, u spreekt met Anna van de gemeente. Waarmee kan ik u helpen?"


async def test_resident_asks_for_a_person_and_the_agent_answers_live(bot_stack, db, desk_reset):
    await auth.create_staff(db, "anna-browser", PASSWORD, ["agent"], name="Anna de Vries", team="kcc")
    async with browser() as b:
        agent_ctx, resident_ctx = await b.new_context(), await b.new_context()
        agent, resident = await agent_ctx.new_page(), await resident_ctx.new_page()

        await resident.goto(f"{bot_stack.hub_url}/chat")
        await resident.fill("#kcc-text", ASK)
        await resident.press("#kcc-text", "Enter")
        bot_line = resident.locator(".kcc-out", has_text="wachtrij")
        await bot_line.wait_for(timeout=20_000)
        conv_id = await _resident_conversation(resident)
        banner = resident.locator(".kcc-state")
        await banner.wait_for()
        waiting = await banner.inner_text()  # office hours (the test hub is always open): position and wait
        assert "U bent de volgende" in waiting and "Verwachte wachttijd: ongeveer" in waiting, waiting
        assert await resident.locator(".kcc-name").inner_text() == "Wachten op een medewerker"

        await agent.goto(f"{bot_stack.hub_url}/console")  # not logged in: to the log-in page first
        await agent.wait_for_url("**/login?next=/console")
        await agent.fill("input[name=username]", "anna-browser")
        await agent.fill("input[name=password]", PASSWORD)
        await agent.click("button[type=submit]")
        await agent.wait_for_url("**/console")
        await agent.locator("#live.on").wait_for(timeout=15_000)  # WebSocket up
        # logging in is not "available": no conversation lands before the agent chooses
        assert await agent.locator("#presence").input_value() == "offline"
        assert await agent.locator("#availability").is_visible()
        await agent.wait_for_timeout(1500)
        assert await agent.locator("#mine .conv-item").count() == 0
        assert (await db.conversations.find_one({"_id": conv_id}))["state"] == "queued"
        await agent.click("#go-available")
        await agent.locator("#availability").wait_for(state="hidden")
        assert (await db.agents.find_one({"_id": "anna-browser"}))["presence"] == "available"

        item = agent.locator(f'#mine .conv-item[data-id="{conv_id}"]')  # assigned to the only agent online, without a reload
        await item.wait_for(timeout=15_000)
        await item.click()
        messages = agent.locator("#messages .msg")
        await messages.nth(1).wait_for(timeout=10_000)
        assert ASK in await messages.first.inner_text()
        assert "Chatbot" in await messages.nth(1).inner_text()  # the whole bot conversation
        summary = await agent.locator("#summary").inner_text()
        assert "Inwoner vroeg om een medewerker" in summary and ASK in summary
        assert not {"handover", "inform", "deny", "greet", "angry"} & set(summary.lower().split())  # no intent names
        assert "Onbekende inwoner" in await agent.locator("#contact").inner_text()

        joined = resident.locator(".kcc-system", has_text="U chat nu met een medewerker")
        await joined.wait_for(timeout=10_000)  # said when Anna opened it, not when it was assigned
        assert "Anna van team KCC" in await joined.inner_text()
        await agent.fill("#reply-text", ANSWER)
        await agent.click("#reply-send")
        reply = resident.locator(".kcc-agent")
        await reply.wait_for(timeout=10_000)  # pushed live over the web chat WebSocket
        assert ANSWER in await reply.inner_text()
        assert await reply.locator(".kcc-who").inner_text() == "Anna · team KCC (medewerker)"
        assert await resident.locator(".kcc-name").inner_text() == "U chat met Anna"
        await agent.click("#messages")  # the conversation opened again: still one "a person is here"
        await agent.reload()
        await agent.locator(f'#mine .conv-item[data-id="{conv_id}"]').click()
        await agent.locator("#messages .msg.agent").wait_for(timeout=10_000)
        assert await resident.locator(".kcc-system", has_text="U chat nu met een medewerker").count() == 1
        assert await db.messages.count_documents({"conversation_id": conv_id, "metadata.kind": "agent_joined"}) == 1
        await agent.locator("#messages .msg.agent").wait_for(timeout=5_000)  # the agent sees it land too

        await resident.fill("#kcc-text", "Ik heb een vraag over mijn paspoort")
        await resident.press("#kcc-text", "Enter")
        await agent.locator("#messages .msg.resident", has_text="paspoort").wait_for(timeout=10_000)
        await agent.screenshot(path=str(LOG_DIR / "console.png"), full_page=True)
        await resident.screenshot(path=str(LOG_DIR / "chat-with-agent.png"))


async def _resident_conversation(page) -> str:  # noqa: ANN001
    return await page.evaluate("() => localStorage.getItem('kcc-session-conv')")


async def test_presence_is_the_servers_and_survives_a_reload(stack, db, desk_reset):
    await auth.create_staff(db, "bram-browser", PASSWORD, ["agent"], name="Bram Jansen", team="kcc")
    async with browser() as b:
        page = await (await b.new_context()).new_page()
        await page.goto(f"{stack.hub_url}/login?next=/console")
        await page.fill("input[name=username]", "bram-browser")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.locator("#live.on").wait_for(timeout=15_000)
        assert await page.locator("#presence").input_value() == "offline"
        await page.select_option("#presence", "busy")
        await page.locator("#availability-text", has_text="bezet").wait_for()
        assert (await db.agents.find_one({"_id": "bram-browser"}))["presence"] == "busy"
        await page.reload()
        await page.locator("#live.on").wait_for(timeout=15_000)
        assert await page.locator("#presence").input_value() == "busy"
        assert (await db.agents.find_one({"_id": "bram-browser"}))["presence"] == "busy"



async def _focused(page) -> str:  # noqa: ANN001
    return await page.evaluate("() => document.activeElement.id || document.activeElement.className")


async def test_the_agent_takes_answers_and_closes_with_the_keyboard_only(bot_stack, http, db, session_id, desk_reset):
    await auth.create_staff(db, "kees-keys", PASSWORD, ["agent"], name="Kees Smit", team="kcc")
    body = await say(http, bot_stack, session_id, ASK)
    conv_id = body["conversation_id"]
    assert body["meta"]["state"] == "queued"
    async with browser() as b:
        page = await (await b.new_context(viewport={"width": 1366, "height": 900})).new_page()
        await page.goto(f"{bot_stack.hub_url}/login?next=/console")
        await page.keyboard.press("Tab")
        await page.keyboard.type("kees-keys")
        await page.keyboard.press("Tab")
        await page.keyboard.type(PASSWORD)
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/console")
        await page.locator(f'#queues .conv-item[data-id="{conv_id}"]').wait_for(timeout=15_000)

        await page.keyboard.press("Tab")  # the first stop is the status
        assert await _focused(page) == "presence"
        await page.keyboard.press("ArrowUp")  # Afgemeld -> Afwezig
        await page.keyboard.press("ArrowUp")  # -> Bezet: can take, gets nothing pushed (never passes "Beschikbaar")
        await page.locator("#availability-text", has_text="bezet").wait_for()
        await page.keyboard.press("Tab")  # out of the list, so the single keys work
        await page.keyboard.press("j")  # open the first conversation of the lists
        await page.locator("#take").wait_for()
        assert await page.locator(".conv-item.open").get_attribute("data-id") == conv_id
        await page.keyboard.press("o")  # take it
        await page.locator("#reply").wait_for(timeout=10_000)
        await page.keyboard.press("b")  # to the reply box
        assert await _focused(page) == "reply-text"
        await page.keyboard.type(ANSWER)
        await page.keyboard.press("Control+Enter")
        await page.locator("#messages .msg.agent", has_text="Goedemiddag").wait_for(timeout=10_000)
        await page.keyboard.press("Escape")  # out of the reply box
        await page.keyboard.press("x")  # close
        await page.locator("#close-dialog[open]").wait_for()
        for _ in range(6):
            if await _focused(page) == "close-send":
                break
            await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")
        await page.locator("#close-dialog[open]").wait_for(state="detached")
        conv = await db.conversations.find_one({"_id": conv_id})
        assert conv["state"] == "closed" and conv["closed_by"] == "kees-keys"
        await page.locator("#empty").wait_for()  # the closed one left the view: nothing else waits
        assert await page.locator(f'.conv-item[data-id="{conv_id}"]').count() == 0
        await page.keyboard.press("?")
        await page.locator("#help-dialog[open]").wait_for()
        assert "Sneltoetsen" in await page.locator("#help-dialog").inner_text()
