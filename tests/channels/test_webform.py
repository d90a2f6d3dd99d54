"""The web contact form: stored first, queued with its answer term, a receipt by e-mail, the answer by e-mail.

Real hub, real SMTP relay on loopback (aiosmtpd), real Chromium for the page with and
without JavaScript.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime

import aiohttp
import pytest

from hub.core import workdays
from hub.staff import auth
from tests.e2e.browser import browser
from tests.handover.conftest import PASSWORD, Console
from tests.polling import eventually

REFERENCE = re.compile(r"CF-\d{4}-[A-HJ-NP-Z2-9]{6}")


def form(email: str, **extra: str) -> dict:
    return {"name": "Jan Jansen", "email": email, "subject": "Vraag over mijn bezwaar",
            "text": "Ik heb drie weken geleden bezwaar gemaakt. Wanneer hoor ik iets?", **extra}


async def post(http: aiohttp.ClientSession, stack, body: dict | str, content_type: str = "application/json"):  # noqa: ANN001
    data = body if isinstance(body, str) else json.dumps(body)
    async with http.post(f"{stack.hub_url}/api/v1/contact-form", data=data,
                         headers={"Content-Type": content_type}) as resp:
        return resp.status, await resp.json()


async def test_a_form_is_queued_with_its_term_and_gets_a_receipt(bot_stack, fakes, db, http, resident_email):
    status, body = await post(http, bot_stack, form(resident_email.upper(), phone="06 12345678"))
    assert status == 201, body
    assert REFERENCE.fullmatch(body["reference"])

    [stored] = await db.messages.find({"channel": "webform", "direction": "in", "address": resident_email}).to_list(None)
    assert stored["text"].startswith("Vraag over mijn bezwaar\n\nIk heb drie weken")
    assert stored["status"] == "handled" and stored["conversation_id"] == body["conversation_id"]
    conv = await db.conversations.find_one({"_id": body["conversation_id"]})
    assert conv["state"] in ("queued", "agent") and conv["handover"]["reason"] == "contact_form"
    due = datetime.fromisoformat(conv["handover"]["summary"]["due_at"])
    assert workdays.calendar().working_days_between(stored["created_at"].astimezone(workdays.TZ).date(), due.astimezone(workdays.TZ).date()) == 5
    contact = await db.contacts.find_one({"_id": stored["contact_id"]})
    assert {f"email:{resident_email}", "phone:+31612345678"} <= set(contact["addresses"])

    [mail] = await fakes.smtp.wait_for(resident_email)
    receipt = mail["message"]
    assert receipt["Subject"] == f"Re: Vraag over mijn bezwaar [{body['reference']}]"
    text = receipt.get_body(("plain",)).get_content()
    assert body["reference"] in text and workdays.dutch_date(due) in text
    out = await db.messages.find_one({"conversation_id": conv["_id"], "direction": "out"})
    assert out["author"] == "system" and out["metadata"]["kind"] == "receipt"


async def test_the_same_submission_twice_is_stored_once_with_one_reference(bot_stack, fakes, db, http, resident_email):
    submission = uuid.uuid4().hex
    first = await post(http, bot_stack, form(resident_email, submission_id=submission))
    again = await post(http, bot_stack, form(resident_email, submission_id=submission))
    assert first[0] == again[0] == 201
    assert again[1]["reference"] == first[1]["reference"]
    assert await db.messages.count_documents({"channel": "webform", "direction": "in", "address": resident_email}) == 1
    await fakes.smtp.wait_for(resident_email)
    assert await db.messages.count_documents({"channel": "webform", "direction": "out", "address": resident_email}) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [({"email": "jan@@voorbeeld"}, "email"), ({"subject": "  "}, "subject"), ({"phone": "12"}, "phone"),
     ({"text": "x" * 5001}, "text"), ({"extra": "?"}, "extra")],
)
async def test_refused_fields_are_named_and_nothing_is_stored(bot_stack, db, http, resident_email, change, field):
    status, body = await post(http, bot_stack, {**form(resident_email), **change})
    assert status == 422 and body["error"]["code"] == "invalid_fields"
    assert field in body["error"]["fields"]
    missing = form(resident_email)
    missing.pop("name")
    status, body = await post(http, bot_stack, missing)
    assert status == 422 and body["error"]["fields"] == ["name"]
    assert await db.messages.count_documents({"channel": "webform", "address": resident_email}) == 0


async def test_not_json_is_refused_clearly(bot_stack, http, resident_email):
    assert (await post(http, bot_stack, "name=Jan", content_type="application/x-www-form-urlencoded"))[0] == 415
    status, body = await post(http, bot_stack, "{not json")
    assert status == 400 and body["error"]["code"] == "invalid_json"


async def test_the_agent_answers_by_e_mail(bot_stack, fakes, db, http, resident_email):
    status, body = await post(http, bot_stack, form(resident_email))
    assert status == 201
    await fakes.smtp.wait_for(resident_email)  # the receipt
    username = f"agent-{uuid.uuid4().hex[:8]}"
    await auth.create_staff(db, username, PASSWORD, ["agent"], name="Sanne", team="kcc")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.post(f"{bot_stack.hub_url}/api/v1/auth/login",
                                json={"username": username, "password": PASSWORD}) as resp:
            login = await resp.json()
        agent = Console(session, bot_stack.hub_url, username, login["csrf_token"])
        status, taken = await agent.call("POST", f"/conversations/{body['conversation_id']}/take")
        assert status == 200, taken
        status, sent = await agent.call("POST", f"/conversations/{body['conversation_id']}/messages",
                                        json={"text": "Uw bezwaar is in behandeling. U hoort binnen twee weken meer."})
        assert status == 201, sent
    mails = await fakes.smtp.wait_for(resident_email, 2)
    answer = mails[1]["message"]
    assert answer["Subject"] == f"Re: Vraag over mijn bezwaar [{body['reference']}]"
    assert "Uw bezwaar is in behandeling" in answer.get_body(("plain",)).get_content()
    assert "Auto-Submitted" not in answer  # a person wrote it

    async def delivered():
        out = await db.messages.find_one({"conversation_id": body["conversation_id"], "author": "agent"})
        return out if out and out["delivery"]["status"] == "sent" else None

    await eventually(delivered)


@pytest.mark.parametrize("javascript", [False, True])
async def test_the_page_works_with_and_without_javascript(bot_stack, fakes, db, resident_email, javascript):
    async with browser() as b:
        page = await b.new_page(java_script_enabled=javascript)
        await page.goto(f"{bot_stack.hub_url}/contact")
        assert await page.get_attribute("html", "lang") == "nl"
        await page.click("button[type=submit]")  # everything empty: the form comes back with what to fix
        summary = page.locator("#fouten")
        assert "Vul uw naam in." in await summary.inner_text()
        assert await page.get_attribute("#email", "aria-invalid") == "true"
        await page.fill("#name", "Jan Jansen")
        await page.fill("#email", resident_email)
        await page.fill("#subject", "Vraag over de WOZ-waarde")
        await page.fill("#text", "Ik vind de WOZ-waarde van mijn huis te hoog. Hoe maak ik bezwaar?")
        await page.click("button[type=submit]")
        heading = await page.locator("h1").inner_text()
        assert heading == "Bedankt, wij hebben uw bericht ontvangen"
        reference = await page.locator(".receipt strong").inner_text()
        assert REFERENCE.fullmatch(reference)
    stored = await db.messages.count_documents({"channel": "webform", "direction": "in", "address": resident_email})
    assert stored == 1
    [mail] = await fakes.smtp.wait_for(resident_email)
    assert reference in mail["message"].get_body(("plain",)).get_content()
