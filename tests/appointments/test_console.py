"""Agents book, move and cancel appointments from the console (its API and real Chromium), against
Radicale; what the hub wrote is read back with the caldav client."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp
import caldav
import pytest
from caldav.lib import error as caldav_error

from hub.staff import auth
from tests.appointments.conftest import book, slots
from tests.appointments.test_booking import event_of
from tests.e2e.browser import browser
from tests.handover.conftest import PASSWORD, console, desk_reset  # noqa: F401 (fixtures)
from tests.polling import eventually
from tests.webchat_client import say

ASK = "ik wil een medewerker spreken"


async def handed_over(http: aiohttp.ClientSession, stack: Any, session_id: str) -> str:
    body = await say(http, stack, session_id, ASK)
    assert body["meta"]["state"] == "queued", body
    return body["conversation_id"]


async def test_an_agent_books_moves_and_cancels_for_the_resident(
    bot_stack, http, db, session_id, desk_reset, console, calendar_server: caldav.Principal  # noqa: F811
) -> None:
    agent = await console("anna-afspraak-" + session_id[-6:])
    conv_id = await handed_over(http, bot_stack, session_id)

    async def assigned() -> bool:
        _, q = await agent.call("GET", "/queue")
        return any(c["id"] == conv_id for c in q["mine"])

    await eventually(assigned, 15)
    status, listing = await agent.call("GET", "/appointment-products")
    assert status == 200 and "paspoort" in [p["slug"] for p in listing["products"]]
    assert set(listing["calendars"]) >= {"burgerzaken", "burgerzaken-aktes"}

    free = (await slots(http, bot_stack.hub_url, "rijbewijs", limit=6))["slots"]
    # a web chat contact has no address yet: the agent must give one
    status, refused = await agent.call("POST", f"/conversations/{conv_id}/appointments",
                                       json={"product": "rijbewijs", "start": free[0]["start"]})
    assert status == 422 and set(refused["error"]["fields"]) == {"email", "phone"}, refused
    status, booked = await agent.call("POST", f"/conversations/{conv_id}/appointments",
                                      json={"product": "rijbewijs", "start": free[0]["start"], "phone": "06 12345678"})
    assert status == 201, booked
    reference = booked["reference"]
    assert booked["created_by"] == agent.username and booked["conversation_id"] == conv_id
    assert "Neem mee" in booked["confirmation"]
    event = event_of(calendar_server, "burgerzaken", reference)
    assert event.decoded("dtstart") == datetime.fromisoformat(free[0]["start"])
    conv = await db.conversations.find_one({"_id": conv_id})
    assert any(n.get("appointment") == reference and n["kind"] == "appointment" for n in conv["notes"])

    # the contact card's list of appointments; reading it is audited
    contact_id = conv["contact_id"]
    async with agent.http.get(f"{bot_stack.hub_url}/api/v1/contacts/{contact_id}/appointments") as resp:
        assert resp.status == 200
        assert [a["reference"] for a in (await resp.json())["appointments"]] == [reference]
    assert await db.audit.count_documents({"action": "appointment.read", "actor": agent.username, "contact_id": contact_id}) >= 1

    # the colleagues' free/busy shows the booking as busy, without a title
    day = free[0]["start"][:10]
    async with agent.http.get(f"{bot_stack.hub_url}/api/v1/agenda/freebusy",
                              params={"calendar": "burgerzaken", "from": day, "to": day}) as resp:
        busy = (await resp.json())["busy"]
    periods = {(datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"])) for b in busy}
    assert (datetime.fromisoformat(free[0]["start"]), datetime.fromisoformat(free[0]["end"])) in periods
    assert all(set(b) == {"start", "end"} for b in busy)

    status, moved = await agent.call("POST", f"/conversations/{conv_id}/appointments/{reference}/move",
                                     json={"start": free[3]["start"]})
    assert status == 200 and moved["status"] == "moved", moved
    event = event_of(calendar_server, "burgerzaken", reference)
    assert event.decoded("dtstart") == datetime.fromisoformat(free[3]["start"]) and int(event["sequence"]) == 1

    # another resident's appointment cannot be changed through this conversation
    status, other = await book(http, bot_stack.hub_url, product="rijbewijs", start=free[1]["start"],
                               email=f"ander-{session_id[-6:]}@example.nl")
    assert status == 201, other
    status, body = await agent.call("POST", f"/conversations/{conv_id}/appointments/{other['reference']}/cancel")
    assert status == 404 and body["error"]["code"] == "unknown_appointment"
    assert (await db.appointments.find_one({"_id": other["reference"]}))["status"] == "booked"

    status, gone = await agent.call("POST", f"/conversations/{conv_id}/appointments/{reference}/cancel")
    assert status == 200 and gone["status"] == "cancelled", gone
    with pytest.raises(caldav_error.NotFoundError):
        calendar_server.calendar(cal_id="burgerzaken").event_by_uid(reference)
    status, again = await agent.call("POST", f"/conversations/{conv_id}/appointments/{reference}/cancel")
    assert status == 409 and again["error"]["code"] == "appointment_cancelled"


async def test_an_editor_may_not_book_from_the_console(stack, console, session_id) -> None:  # noqa: F811
    editor = await console(roles=["editor"], presence=None)
    status, body = await editor.call("POST", "/conversations/x/appointments", json={"product": "paspoort", "start": "2030-01-07T09:00"})
    assert status == 403 and body["error"]["code"] == "forbidden"


@pytest.mark.browser
async def test_booking_moving_and_cancelling_from_the_console_in_chromium(bot_stack, http, db, session_id, desk_reset, calendar_server) -> None:  # noqa: F811
    username = "bram-afspraak-" + session_id[-6:]
    await auth.create_staff(db, username, PASSWORD, ["agent"], name="Bram", team="kcc")
    conv_id = await handed_over(http, bot_stack, session_id)
    async with browser() as b:
        page = await (await b.new_context()).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))  # script errors and failed API calls of the page
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if "/api/" in r.url and r.status >= 400 else None)
        await page.goto(f"{bot_stack.hub_url}/login?next=/console")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url("**/console")
        await page.locator("#live.on").wait_for(timeout=15_000)
        await page.click("#go-available")
        item = page.locator(f'#mine .conv-item[data-id="{conv_id}"]')
        await item.wait_for(timeout=15_000)
        await item.click()
        await page.locator("#appt-box").wait_for()
        await page.locator("#appt-list", has_text="Geen komende afspraken").wait_for(timeout=10_000)
        await page.click("#appt-details summary")
        await page.select_option("#appt-product", "paspoort")
        await page.click("#appt-find")
        await page.locator("#appt-slot option[value^='20']").first.wait_for(state="attached", timeout=10_000)
        start = await page.locator("#appt-slot option").nth(1).get_attribute("value")
        await page.select_option("#appt-slot", start)
        await page.fill("#appt-email", f"bram-{session_id[-6:]}@example.nl")
        await page.click("#appt-submit")
        result = page.locator("#appt-result", has_text="Afspraak gemaakt")
        await result.wait_for(timeout=15_000)
        record = await db.appointments.find_one({"conversation_id": conv_id})
        assert record and record["created_by"] == username and record["start"] == datetime.fromisoformat(start)
        assert record["_id"] in await result.inner_text()
        await page.locator(f'#appt-list li[data-reference="{record["_id"]}"]').wait_for(timeout=10_000)
        event = event_of(calendar_server, "burgerzaken", record["_id"])
        assert event.decoded("dtstart") == datetime.fromisoformat(start)

        # move it from the list, then cancel it (the browser's confirm is accepted)
        await page.click(f'#appt-list li[data-reference="{record["_id"]}"] button:has-text("Verzetten")')
        await page.locator("#appt-moving", has_text=record["_id"]).wait_for()
        await page.locator("#appt-slot option[value^='20']").first.wait_for(state="attached", timeout=10_000)
        later = await page.locator("#appt-slot option").nth(3).get_attribute("value")
        await page.select_option("#appt-slot", later)
        await page.click("#appt-submit")
        await page.locator("#appt-result", has_text="Verzet naar").wait_for(timeout=15_000)
        assert event_of(calendar_server, "burgerzaken", record["_id"]).decoded("dtstart") == datetime.fromisoformat(later)
        page.on("dialog", lambda dialog: dialog.accept())
        await page.click(f'#appt-list li[data-reference="{record["_id"]}"] button:has-text("Afzeggen")')
        await page.locator("#appt-result", has_text="is afgezegd").wait_for(timeout=15_000)
        assert (await db.appointments.find_one({"_id": record["_id"]}))["status"] == "cancelled"
        await page.locator("#appt-list", has_text="Geen komende afspraken").wait_for(timeout=10_000)
        assert not errors, errors
