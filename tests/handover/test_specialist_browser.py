"""Real headless Chromium: the warm transfer to a specialist and the callback control list in /console."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from hub.cases import callbacks
from hub.core.models import utcnow
from hub.staff import auth
from tests.conftest import LOG_DIR
from tests.e2e.browser import browser
from tests.handover.conftest import PASSWORD
from tests.webchat_client import say

pytestmark = pytest.mark.browser

ASK = "ik wil een medewerker spreken"


async def _login(page, base: str, username: str) -> None:  # noqa: ANN001
    await page.goto(f"{base}/login?next=/console")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console")
    await page.locator("#live.on").wait_for(timeout=15_000)


async def test_the_agent_transfers_to_a_specialist_who_answers_and_gives_it_back(bot_stack, http, db, session_id, desk_reset):
    suffix = uuid.uuid4().hex[:6]
    anna, fatima = f"anna-sp-{suffix}", f"fatima-sp-{suffix}"
    await auth.create_staff(db, anna, PASSWORD, ["agent"], name="Anna de Vries", team="kcc")
    await auth.create_staff(db, fatima, PASSWORD, ["specialist"], name="Fatima Yilmaz", team="belastingen")
    conv_id = (await say(http, bot_stack, session_id, ASK))["conversation_id"]
    async with browser() as b:
        agent = await (await b.new_context(viewport={"width": 1366, "height": 900})).new_page()
        expert = await (await b.new_context(viewport={"width": 1366, "height": 900})).new_page()
        await _login(agent, bot_stack.hub_url, anna)
        await agent.click("#go-available")
        await agent.locator(f'#mine .conv-item[data-id="{conv_id}"]').click(timeout=15_000)
        await agent.locator("#specialist-open").click(timeout=10_000)
        await agent.locator("#specialist-dialog[open]").wait_for()
        await agent.check('input[name="sp-mode"][value="transfer"]')
        await agent.select_option("#sp-person", fatima)
        await agent.fill("#sp-summary", "Vraag over de WOZ-waarde van zijn woning; bezwaartermijn loopt nog.")
        await agent.click("#sp-send")
        await agent.locator("#specialist-status", has_text="Wacht op acceptatie").wait_for(timeout=10_000)
        assert "Fatima Yilmaz" in await agent.locator("#specialist-status").inner_text()

        await _login(expert, bot_stack.hub_url, fatima)
        assert not await expert.locator("#presence").is_visible()  # no KCC queue, no presence for a specialist
        assert not await expert.locator("#queue-section").is_visible()
        item = expert.locator(f'#sp-list .conv-item[data-id="{conv_id}"]')
        await item.wait_for(timeout=10_000)
        assert "Overdragen · van Anna de Vries · aan u" in await item.inner_text()
        await item.click()
        await expert.locator("#sp-accept").wait_for(timeout=10_000)
        assert "WOZ-waarde" in await expert.locator("#specialist-status").inner_text()
        assert ASK in await expert.locator("#messages .msg").first.inner_text()
        assert not await expert.locator("#reply").is_visible()
        await expert.click("#sp-accept")
        await expert.locator("#reply").wait_for(timeout=10_000)
        await agent.locator(f'#mine .conv-item[data-id="{conv_id}"]').wait_for(state="detached", timeout=10_000)
        await agent.locator("#empty", has_text="Dit gesprek is niet meer van u").wait_for(timeout=10_000)
        await expert.fill("#reply-text", "Goedemiddag, u spreekt met Fatima van Belastingen. Ik kijk naar uw WOZ-waarde.")
        await expert.click("#reply-send")
        await expert.locator("#messages .msg.agent", has_text="Fatima van Belastingen").wait_for(timeout=10_000)
        async with http.get(f"{bot_stack.hub_url}/api/v1/webchat/conversations/{conv_id}/messages") as resp:
            seen = (await resp.json())["messages"]
        answer = next(m for m in seen if m["text"].startswith("Goedemiddag, u spreekt met Fatima"))
        assert answer["speaker"] == {"name": "Fatima", "team": "belastingen"}  # the resident reads her name and team
        await expert.screenshot(path=str(LOG_DIR / "console-specialist.png"), full_page=True)

        await expert.click("#sp-return-open")
        await expert.fill("#sp-return-note", "WOZ uitgelegd. Bezwaarformulier gestuurd; verder niets nodig.")
        await expert.click("#sp-return-send")
        await expert.locator("#empty", has_text="Teruggegeven aan het KCC").wait_for(timeout=10_000)
        await expert.locator(f'#sp-list .conv-item[data-id="{conv_id}"]').wait_for(state="detached", timeout=10_000)

        back = agent.locator(f'#mine .conv-item[data-id="{conv_id}"]')  # straight back to Anna, without a reload
        await back.wait_for(timeout=10_000)
        await back.click()
        status = agent.locator("#specialist-status", has_text="Teruggegeven door Fatima Yilmaz")
        await status.wait_for(timeout=10_000)
        assert "Bezwaarformulier gestuurd" in await status.inner_text()
        assert "WOZ uitgelegd" in await agent.locator("#notes").inner_text()
    conv = await db.conversations.find_one({"_id": conv_id})
    assert conv["assignee"] == anna and [(h["username"], h["mode"]) for h in conv["helped_by"]] == [(fatima, "transfer")]


async def test_callback_control_list_overdue_first_and_done_with_an_outcome(stack, db, desk_reset):
    suffix = uuid.uuid4().hex[:6]
    bram, anna = f"bram-cb-{suffix}", f"anna-cb-{suffix}"
    await auth.create_staff(db, bram, PASSWORD, ["agent"], name="Bram Jansen", team="kcc")
    await auth.create_staff(db, anna, PASSWORD, ["agent"], name="Anna de Vries", team="kcc")
    now = utcnow()
    late = await callbacks.create_callback(db, "0612345678", f"Afvalpas kwijt {suffix}", employee=anna, backup=bram,
                                           now=now - timedelta(days=10))
    later = await callbacks.create_callback(db, "0612345679", f"Vraag over parkeren {suffix}", employee=bram, backup=anna, now=now)
    team_late = await callbacks.create_callback(db, "0612345670", f"Verhuizing {suffix}", now=now - timedelta(days=6))
    others = await callbacks.create_callback(db, "0612345671", f"Paspoort {suffix}", employee=anna, now=now)
    await callbacks.flag_overdue(db)  # the deadline sweep: the late one moves to its backup
    assert (await db.callbacks.find_one({"_id": late["_id"]}))["employee"] == bram
    async with browser() as b:
        page = await (await b.new_context(viewport={"width": 1366, "height": 900})).new_page()
        await _login(page, stack.hub_url, bram)
        mine = page.locator("#cb-mine .cb-item")
        await mine.first.wait_for(timeout=10_000)
        texts = await mine.all_inner_texts()
        assert any(f"Afvalpas kwijt {suffix}" in t and "te laat" in t and "u bent eigenaar" in t for t in texts), texts
        assert any(f"Vraag over parkeren {suffix}" in t for t in texts) and not any(f"Paspoort {suffix}" in t for t in texts)

        await page.click("#cb-control-open")
        await page.locator(f'#cb-rows tr[data-callback="{late["_id"]}"]').wait_for(timeout=10_000)
        order = await page.evaluate("() => [...document.querySelectorAll('#cb-rows tr')].map(r => [r.dataset.callback, r.classList.contains('late')])")
        flags = [is_late for _, is_late in order]
        assert flags == sorted(flags, reverse=True), order  # every overdue one before every one on time
        ours = [cid for cid, _ in order if cid in {late["_id"], later["_id"], team_late["_id"], others["_id"]}]
        assert ours[:2] == [late["_id"], team_late["_id"]] and set(ours[2:]) == {later["_id"], others["_id"]}
        row = page.locator(f'#cb-rows tr[data-callback="{late["_id"]}"]')
        assert await row.locator(".cb-owner").inner_text() == f"Bram Jansen (overgenomen van {anna})"
        assert await row.locator(".cb-backup").inner_text() == "Bram Jansen"
        assert "Te laat, doorgezet naar de back-up" in await row.locator(".cb-status").inner_text()
        assert await page.locator(f'#cb-rows tr[data-callback="{others["_id"]}"] .cb-done').count() == 0  # Anna's alone
        await page.screenshot(path=str(LOG_DIR / "console-callbacks.png"), full_page=True)

        await row.locator(".cb-done").click()
        await page.locator("#cb-done-dialog[open]").wait_for()
        await page.select_option("#cb-done-outcome", "done")
        await page.fill("#cb-done-note", "Nieuwe afvalpas aangevraagd; komt binnen vijf werkdagen.")
        await page.click("#cb-done-send")
        await page.locator("#cb-done-dialog[open]").wait_for(state="detached")
        await row.wait_for(state="detached", timeout=10_000)
        assert "Opgeslagen" in await page.locator("#cb-summary").inner_text()
    done = await db.callbacks.find_one({"_id": late["_id"]})
    assert done["status"] == "done" and done["attempts"][0]["by"] == bram
    assert done["attempts"][0]["note"] == "Nieuwe afvalpas aangevraagd; komt binnen vijf werkdagen."
    assert done["sync"]["klantinteracties_close"] == "pending"  # the outbox sets the internetaak to verwerkt
    await db.callbacks.update_many({"_id": {"$in": [later["_id"], team_late["_id"], others["_id"]]}}, {"$set": {"status": "done"}})
