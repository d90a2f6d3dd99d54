"""Notifications the resident chose: case news on WhatsApp through the local Twilio server, only with consent.

The hub process runs the notifier; an agent changes a case's status through the API; the
fake Twilio Messages API shows what reached the resident. Outside WhatsApp's 24-hour window
the notice goes out as the approved template, and the fake refuses free text there (63016).
"""

from __future__ import annotations

import json
from datetime import timedelta

from hub.cases import deadlines
from hub.conversations import notifier
from hub.core.models import Reply, utcnow
from tests.channels import stack_env as env
from tests.channels.signed import post_twilio, whatsapp_params
from tests.contacts.staff import logged_in
from tests.polling import eventually

WORDING = "Wilt u een bericht krijgen als er nieuws is over uw melding? Kies hoe. [Ja, via WhatsApp | Nee, liever niet]"


async def _resident(http, stack, db, phone: str) -> dict:
    """A resident who wrote on WhatsApp: their conversation (with its contact)."""
    assert (await post_twilio(http, stack, whatsapp_params(phone, "Er ligt een kapotte stoeptegel")))[0] == 200
    return await eventually(lambda: db.conversations.find_one({"address": phone, "contact_id": {"$ne": None}}))


async def _notice(db, notice_id: str, state: str) -> dict:
    return await eventually(lambda: db.notices.find_one({"_id": notice_id, "state": state}))


def _to(fakes, phone: str, number: str) -> list[dict]:
    return [m for m in fakes.twilio.sent_to(f"whatsapp:{phone}")
            if number in (m["body"] or "") or number in (m["content_variables"] or "")]


async def test_status_change_reaches_the_opted_in_resident_and_nobody_else(stack, fakes, http, db, phone):
    other = phone[:5] + ("2" if phone[5] != "2" else "3") + phone[6:]  # another mobile number
    mine, theirs = await _resident(http, stack, db, phone), await _resident(http, stack, db, other)
    async with logged_in(stack, db, ["agent"]) as agent:
        status, body = await agent.post(f"/api/v1/contacts/{mine['contact_id']}/consents", {
            "topics": ["case_updates"], "given": True, "channel": "whatsapp", "wording": WORDING, "answer": "Ja, via WhatsApp",
        })
        assert status == 201, body
        assert body["current"]["case_updates"]["address"] == phone and body["current"]["crisis"] is None
        assert body["records"][-1]["wording"] == WORDING and body["records"][-1]["by"] == agent.username

        cases = {}
        for conv in (mine, theirs):
            status, case = await agent.post("/api/v1/cases", {
                "kind": "melding-openbare-ruimte", "description": "Losse stoeptegel", "conversation_id": conv["_id"]})
            assert status == 201, case
            cases[conv["_id"]] = case
        number, their_number = cases[mine["_id"]]["number"], cases[theirs["_id"]]["number"]

        # received, with the expected answer date
        assert await eventually(lambda: _async([m for m in _to(fakes, phone, number) if "U krijgt uiterlijk" in (m["body"] or "")]))

        for conv in (mine, theirs):
            status, changed = await agent.post(f"/api/v1/cases/{cases[conv['_id']]['number']}/status",
                                               {"status": "in_behandeling", "note": "ploeg ingepland"})
            assert status == 200 and changed["notice"]["kind"] == "status", changed
            cases[conv["_id"]]["notice"] = changed["notice"]["id"]

        sent = await _notice(db, cases[mine["_id"]]["notice"], "sent")
        assert sent["channel"] == "whatsapp"
        pushed = await eventually(lambda: _async([m for m in _to(fakes, phone, number) if "in behandeling" in (m["body"] or "")]))
        assert pushed[0]["body"] == f"Uw melding met nummer {number} is nu in behandeling. Een medewerker van de gemeente werkt eraan."
        assert pushed[0]["content_sid"] is None and "ploeg" not in pushed[0]["body"]
        stored = await db.messages.find_one({"_id": sent["message_id"]})
        assert stored["contact_id"] == mine["contact_id"] and stored["author"] == "system"  # in the contact's history
        assert await eventually(lambda: db.messages.find_one({"_id": sent["message_id"], "delivery.status": "sent"}))

        skipped = await _notice(db, cases[theirs["_id"]]["notice"], "skipped")
        assert skipped["reason"] == "no_consent"
        assert _to(fakes, other, their_number) == []  # no opt-in, no message
        assert not await db.messages.find_one({"metadata.case_number": their_number})

        # a missing document names what is missing
        status, changed = await agent.post(f"/api/v1/cases/{number}/status",
                                           {"status": "wacht_op_inwoner", "missing_document": "een foto van de plek"})
        assert status == 200 and changed["notice"]["kind"] == "missing_document"
        await _notice(db, changed["notice"]["id"], "sent")
        assert await eventually(lambda: _async([m for m in _to(fakes, phone, number) if "een foto van de plek" in (m["body"] or "")]))

        # the resident withdraws: the next change is not sent
        status, body = await agent.post(f"/api/v1/contacts/{mine['contact_id']}/consents", {
            "topics": ["case_updates", "crisis"], "given": False, "wording": "Stuur mij geen berichten meer."})
        assert status == 201 and body["current"]["case_updates"] is None
        status, changed = await agent.post(f"/api/v1/cases/{number}/status", {"status": "afgehandeld"})
        assert changed["notice"]["kind"] == "decided"
        assert (await _notice(db, changed["notice"]["id"], "skipped"))["reason"] == "no_consent"
        assert not [m for m in _to(fakes, phone, number) if "afgehandeld" in (m["body"] or "")]


async def _async(value):
    return value


async def test_outside_the_24_hour_window_the_notice_goes_out_as_the_template(stack, fakes, http, db, phone):
    conv = await _resident(http, stack, db, phone)
    await eventually(lambda: db.messages.find_one({"address": phone, "direction": "out", "delivery.status": {"$ne": "pending"}}))
    async with logged_in(stack, db, ["agent"]) as agent:
        await agent.post(f"/api/v1/contacts/{conv['contact_id']}/consents", {
            "topics": ["case_updates"], "given": True, "channel": "whatsapp", "wording": WORDING, "answer": "Ja"})
        status, case = await agent.post("/api/v1/cases", {
            "kind": "melding-openbare-ruimte", "description": "Scheve paal", "conversation_id": conv["_id"]})
        number = case["number"]
        await eventually(lambda: _async(_to(fakes, phone, number)))
        # a day later: the resident's last message is older than 24 hours (for Twilio and for the hub)
        fakes.twilio.age_window(f"whatsapp:{phone}", 25)
        await db.messages.update_many({"address": phone, "direction": "in"}, {"$set": {"created_at": utcnow() - timedelta(hours=25)}})
        status, changed = await agent.post(f"/api/v1/cases/{number}/status", {"status": "in_behandeling"})
        assert status == 200
    await _notice(db, changed["notice"]["id"], "sent")
    [template] = await eventually(lambda: _async([m for m in _to(fakes, phone, number) if m["content_sid"]]))
    assert template["body"] is None and template["content_sid"] == env.NOTICE_TEMPLATE_SID
    assert json.loads(template["content_variables"]) == {"1": number, "2": "de status is nu: in behandeling."}
    assert template["error_code"] is None


async def test_twilio_refuses_free_text_outside_the_window_and_the_hub_records_it(stack, hub_inproc, fakes, http, db, phone):
    conv = await _resident(http, stack, db, phone)
    await eventually(lambda: db.messages.find_one({"address": phone, "direction": "out", "delivery.status": {"$ne": "pending"}}))
    fakes.twilio.age_window(f"whatsapp:{phone}", 30)  # Twilio's clock says: outside; the hub still thinks inside
    [out] = await hub_inproc.pipeline.send(conv, [Reply(text="Uw paspoort ligt klaar.")], author="agent")
    await hub_inproc.pipeline.drain()
    refused = fakes.twilio.sent_to(f"whatsapp:{phone}")[-1]
    assert refused["body"] == "Uw paspoort ligt klaar." and refused["error_code"] == 63016
    failed = await eventually(lambda: db.messages.find_one({"_id": out.message_id, "delivery.status": "failed"}))
    assert failed["delivery"]["error"] == "twilio error 63016"


async def test_term_at_risk_is_noticed_once_before_it_runs_out(stack, hub_inproc, fakes, http, db, phone):
    conv = await _resident(http, stack, db, phone)
    async with logged_in(stack, db, ["agent"]) as agent:
        await agent.post(f"/api/v1/contacts/{conv['contact_id']}/consents", {
            "topics": ["case_updates"], "given": True, "channel": "whatsapp", "wording": WORDING})
        status, case = await agent.post("/api/v1/cases", {"kind": "vraag", "description": "Vraag", "conversation_id": conv["_id"]})
    number = case["number"]
    settings = hub_inproc.settings
    assert await deadlines.warn_at_risk(db, None, settings) == 0 or not await db.notices.find_one(
        {"case_number": number, "kind": "term_at_risk"})  # five working days left: not at risk yet
    await db.cases.update_one({"number": number}, {"$set": {"answer_due_at": utcnow() + timedelta(hours=3)}})
    assert await deadlines.warn_at_risk(db, None, settings) >= 1
    assert await deadlines.warn_at_risk(db, None, settings) == 0  # once
    await notifier.send_pending(db, None, hub_inproc.pipeline, settings)
    await hub_inproc.pipeline.drain()
    [warned] = await eventually(lambda: _async([m for m in _to(fakes, phone, number) if "op tijd" in (m["body"] or "")]))
    assert warned["body"].startswith(f"Het lukt ons misschien niet om uw vraag met nummer {number} op tijd af te ronden.")
