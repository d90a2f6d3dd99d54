"""Real headless Chromium: a resident asks for a person in /chat, an agent answers from /console."""

from __future__ import annotations

import pytest

from hub.staff import auth
from tests.conftest import LOG_DIR
from tests.e2e.browser import browser
from tests.handover.conftest import PASSWORD

pytestmark = pytest.mark.browser

ASK = "ik wil een medewerker spreken"
ANSWER = "Goedemiddag, u spreekt met Anna van de gemeente. Waarmee kan ik u helpen?"


async def test_resident_asks_for_a_person_and_the_agent_answers_live(bot_stack, db, desk_reset):
    await auth.create_staff(db, "anna-browser", PASSWORD, ["agent"], name="Anna de Vries", team="kcc")
    async with browser() as b:
        agent_ctx, resident_ctx = await b.new_context(), await b.new_context()
        agent, resident = await agent_ctx.new_page(), await resident_ctx.new_page()

        await agent.goto(f"{bot_stack.hub_url}/console")  # not logged in: to the log-in page first
        await agent.wait_for_url("**/login?next=/console")
        await agent.fill("input[name=username]", "anna-browser")
        await agent.fill("input[name=password]", PASSWORD)
        await agent.click("button[type=submit]")
        await agent.wait_for_url("**/console")
        await agent.locator("#live.on").wait_for(timeout=15_000)  # WebSocket up, presence available
        assert await agent.locator("#presence").input_value() == "available"

        await resident.goto(f"{bot_stack.hub_url}/chat")
        await resident.fill("#kcc-text", ASK)
        await resident.press("#kcc-text", "Enter")
        bot_line = resident.locator(".kcc-out").first
        await bot_line.wait_for(timeout=20_000)
        assert "wachtrij" in await bot_line.inner_text()

        item = agent.locator("#mine .conv-item").first  # assigned to the only agent online, without a reload
        await item.wait_for(timeout=15_000)
        await item.click()
        messages = agent.locator("#messages .msg")
        await messages.nth(1).wait_for(timeout=10_000)
        assert ASK in await messages.first.inner_text()
        assert "Chatbot" in await messages.nth(1).inner_text()  # the whole bot conversation
        summary = await agent.locator("#summary").inner_text()
        assert "Inwoner vroeg om een medewerker" in summary and ASK in summary
        assert "Onbekende inwoner" in await agent.locator("#contact").inner_text()

        await agent.fill("#reply-text", ANSWER)
        await agent.click("#reply-send")
        reply = resident.locator(".kcc-agent")
        await reply.wait_for(timeout=10_000)  # pushed live over the web chat WebSocket
        assert ANSWER in await reply.inner_text()
        await agent.locator("#messages .msg.agent").wait_for(timeout=5_000)  # the agent sees it land too

        await resident.fill("#kcc-text", "Ik heb een vraag over mijn paspoort")
        await resident.press("#kcc-text", "Enter")
        await agent.locator("#messages .msg.resident", has_text="paspoort").wait_for(timeout=10_000)
        await agent.screenshot(path=str(LOG_DIR / "console.png"), full_page=True)
        await resident.screenshot(path=str(LOG_DIR / "chat-with-agent.png"))
