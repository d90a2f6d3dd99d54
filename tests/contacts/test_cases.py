"""Cases: the bot's and an agent's way to open one, unique numbers, and a status change that
reaches the resident's web chat conversation in plain Dutch (when they chose to hear about it)."""

from __future__ import annotations

import asyncio
import random
import re
from datetime import UTC, datetime

from hub.cases import store as cases
from hub.core.models import utcnow
from tests.contacts.staff import logged_in
from tests.webchat_client import say


async def opt_in_here(agent, db, conversation_id: str, session_id: str) -> None:
    """The resident said yes to news in this chat (hub.contacts.consent): no consent, no message."""
    conv = await db.conversations.find_one({"_id": conversation_id})
    status, body = await agent.post(f"/api/v1/contacts/{conv['contact_id']}/consents", {
        "topics": ["case_updates"], "given": True, "channel": "webchat", "address": session_id,
        "wording": "Wilt u een bericht krijgen als er nieuws is? [Ja, hier in de chat | Nee, liever niet]"})
    assert status == 201, body


async def system_texts(http, stack, conversation_id: str, number: str, count: int) -> list[str]:
    """The system messages about case ``number``, once there are ``count`` of them (the notifier sends them)."""
    for _ in range(200):
        found = [m["text"] for m in await messages(http, stack, conversation_id) if m["author"] == "system" and number in m["text"]]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(found)} of {count} messages about {number}")


async def messages(http, stack, conversation_id: str) -> list[dict]:
    async with http.get(f"{stack.hub_url}/api/v1/webchat/conversations/{conversation_id}/messages") as resp:
        assert resp.status == 200
        return (await resp.json())["messages"]


async def test_agent_opens_a_case_and_the_resident_hears_about_status_changes(stack, http, db, session_id):
    reply = await say(http, stack, session_id, "Er ligt al weken een kapotte lantaarnpaal op de stoep")
    conv_id = reply["conversation_id"]
    async with logged_in(stack, db, ["agent"]) as agent:
        status, case = await agent.post(
            "/api/v1/cases",
            {"kind": "melding-openbare-ruimte", "description": "Kapotte lantaarnpaal Kerkstraat", "conversation_id": conv_id,
             "location": {"latitude": 52.09, "longitude": 5.12, "label": "Kerkstraat 3"}},
        )
        assert status == 201, case
        assert re.fullmatch(r"Z-\d{4}-\d{6}", case["number"])
        assert case["created_by"] == agent.username and case["department"] == "beheer-openbare-ruimte"
        assert case["confidentiality"] == "intern" and case["status"] == "ontvangen"
        assert case["contact_id"] == (await db.conversations.find_one({"_id": conv_id}))["contact_id"]

        await opt_in_here(agent, db, conv_id, session_id)
        status, changed = await agent.post(f"/api/v1/cases/{case['number']}/status", {"status": "in_behandeling", "note": "ploeg ingepland"})
        assert status == 200, changed
        assert changed["notice"]["kind"] == "status" and changed["notice"]["state"] == "pending"
        assert [h["status"] for h in changed["status_history"]] == ["ontvangen", "in_behandeling"]

        pushed = await system_texts(http, stack, conv_id, case["number"], 1)
        assert pushed == [f"Uw melding met nummer {case['number']} is nu in behandeling. Een medewerker van de gemeente werkt eraan."]
        assert "ploeg" not in pushed[0]  # internal notes stay internal

        await agent.post(f"/api/v1/cases/{case['number']}/status", {"status": "afgehandeld"})
        texts = await system_texts(http, stack, conv_id, case["number"], 2)
        assert texts[-1] == f"Uw melding met nummer {case['number']} is afgehandeld. Bedankt voor uw bericht."
        status, body = await agent.post(f"/api/v1/cases/{case['number']}/status", {"status": "in_behandeling"})
        assert status == 409 and body["error"]["code"] == "case_closed"


async def test_social_domain_case_is_discreet_and_restricted(stack, http, db, session_id):
    reply = await say(http, stack, session_id, "Ik heb hulp nodig in huis")
    async with logged_in(stack, db, ["agent"]) as agent:
        status, case = await agent.post(
            "/api/v1/cases", {"kind": "wmo-melding", "description": "Hulp bij huishouden gevraagd", "conversation_id": reply["conversation_id"]}
        )
        assert status == 201 and case["social_domain"] is True and case["confidentiality"] == "vertrouwelijk"
        await opt_in_here(agent, db, reply["conversation_id"], session_id)
        await agent.post(f"/api/v1/cases/{case['number']}/status", {"status": "in_behandeling"})
        text = (await system_texts(http, stack, reply["conversation_id"], case["number"], 1))[-1]
        assert text.startswith(f"Er is nieuws over uw aanvraag met nummer {case['number']}.") and "huishouden" not in text
        status, seen = await agent.get(f"/api/v1/cases/{case['number']}")
        assert status == 200 and seen["restricted"] is True and "description" not in seen
    async with logged_in(stack, db, ["agent"], rights=["sociaal_domein"]) as specialist:
        status, seen = await specialist.get(f"/api/v1/cases/{case['number']}")
        assert seen["restricted"] is False and seen["description"] == "Hulp bij huishouden gevraagd"


async def test_bot_functions(stack, http, db, session_id):
    reply = await say(http, stack, session_id, "Melding: omgevallen boom")
    conv = await db.conversations.find_one({"_id": reply["conversation_id"]})
    # exactly as bot/actions/forms.py calls it
    case = await cases.create_case(
        db, kind="melding-openbare-ruimte", description="Omgevallen boom in het park",
        location={"address": "Parklaan 1", "point": {"latitude": 52.1, "longitude": 5.1}},
        created_by="bot", attachments=[{"url": "https://example.nl/foto.jpg"}], reporter_contact="06 1122 3344",
        contact_id=conv["contact_id"], conversation_id=conv["_id"], channel="webchat",
    )
    assert case["number"] and case["created_by"] == "bot" and case["attachments"][0]["url"] == "https://example.nl/foto.jpg"
    assert case["location"] == {"latitude": 52.1, "longitude": 5.1, "address": "Parklaan 1"}
    assert "phone:+31611223344" in (await db.contacts.find_one({"_id": conv["contact_id"]}))["addresses"]
    assert cases.status_text(case) == "ontvangen"
    typed_only = await cases.create_case(db, kind="melding-openbare-ruimte", description="Graffiti", location={"address": "Station"})
    assert typed_only["location"] == {"address": "Station"}
    assert case["answer_due_at"] > utcnow()
    assert [c["number"] for c in await cases.open_cases_for_contact(db, conv["contact_id"])][0] == case["number"]
    assert (await cases.find_by_number(db, case["number"].lower()))["_id"] == case["_id"]
    assert await cases.find_by_number(db, "Z-0000-00000x") is None
    try:
        await cases.create_case(db, kind="onbekend", description="x", created_by="bot")
    except cases.CaseError as exc:
        assert exc.status == 422 and exc.code == "unknown_case_type"
    else:
        raise AssertionError("unknown case type accepted")


async def test_case_numbers_are_unique_under_concurrency(stack, db):
    numbers = await asyncio.gather(*[cases.next_number(db) for _ in range(40)])
    assert len(set(numbers)) == 40
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(seqs[0], seqs[0] + 40))


async def test_the_first_numbers_of_a_new_year_race_safely(stack, db):
    new_year = datetime(random.randint(2200, 9000), 1, 1, 9, tzinfo=UTC)
    await db.counters.delete_one({"_id": f"case-{new_year.year}"})
    numbers = await asyncio.gather(*[cases.next_number(db, now=new_year) for _ in range(30)])
    assert sorted(numbers) == [f"Z-{new_year.year}-{i:06d}" for i in range(1, 31)]


async def test_case_api_errors(stack, db):
    async with logged_in(stack, db, ["agent"]) as agent:
        status, body = await agent.post("/api/v1/cases", {"kind": "onbekend", "description": "x"})
        assert status == 422 and body["error"]["code"] == "unknown_case_type" and "vraag" in body["error"]["allowed"]
        status, body = await agent.post("/api/v1/cases", {"kind": "vraag"})
        assert status == 422 and body["error"]["fields"] == ["description"]
        status, body = await agent.post("/api/v1/cases", {"kind": "vraag", "description": "x", "conversation_id": "nope"})
        assert status == 404 and body["error"]["code"] == "unknown_conversation"
        status, body = await agent.get("/api/v1/cases/Z-2026-999999")
        assert status == 404
        status, case = await agent.post("/api/v1/cases", {"kind": "vraag", "description": "Vraag over de WOZ-waarde"})
        status, body = await agent.post(f"/api/v1/cases/{case['number']}/status", {"status": "bijna_klaar"})
        assert status == 422 and body["error"]["code"] == "unknown_status"
        status, body = await agent.post(f"/api/v1/cases/{case['number']}/status", {"status": "in_behandeling"})
        assert status == 200 and body["notice"]["kind"] == "status"
        notice = await db.notices.find_one({"_id": body["notice"]["id"]})
        for _ in range(100):  # no contact: nothing to push (the notifier claims it, "sending", before it decides)
            if notice["state"] not in ("pending", "sending"):
                break
            await asyncio.sleep(0.05)
            notice = await db.notices.find_one({"_id": body["notice"]["id"]})
        assert notice["state"] == "skipped" and notice["reason"] == "no_contact"
        status, types = await agent.get("/api/v1/case-types")
        assert "melding-openbare-ruimte" in {t["kind"] for t in types["case_types"]}


async def test_overdue_cases_are_flagged(stack, db):
    case = await cases.create_case(db, kind="vraag", description="Vraag die blijft liggen", created_by="bot")
    later = case["answer_due_at"].replace(year=case["answer_due_at"].year + 1)
    flagged = await cases.flag_overdue(db, now=later)
    assert case["_id"] in {d["_id"] for d in flagged}
    assert (await db.cases.find_one({"_id": case["_id"]}))["overdue"] is True
