"""Callback requests: due in two working days, attempts with outcomes, overdue flagged to supervisors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.cases import callbacks
from hub.core.settings import Settings
from tests.contacts.staff import logged_in
from tests.webchat_client import say


async def test_bot_callback_is_due_in_two_working_days(stack, db):
    friday_before_kings_day = datetime(2026, 4, 24, 9, 0, tzinfo=UTC)
    doc = await callbacks.create_callback(
        db, phone="06-1234 5678", subject="Vraag over mijn bezwaar", day_part="middag", created_by="bot", now=friday_before_kings_day
    )
    assert doc["due_at"] == datetime(2026, 4, 29, 15, 0, tzinfo=UTC)  # Wed 29 April 17:00 (Mon 27 = King's Day)
    assert doc["phone"] == "+31612345678" and doc["status"] == "open" and doc["department"] == "kcc"
    contact = await db.contacts.find_one({"_id": doc["contact_id"]})
    assert "phone:+31612345678" in contact["addresses"]


async def test_callback_from_a_conversation_via_the_api(stack, http, db, session_id):
    reply = await say(http, stack, session_id, "Kunt u mij terugbellen?")
    async with logged_in(stack, db, ["agent"]) as agent:
        status, cb = await agent.post(
            "/api/v1/callbacks",
            {"phone": "0201234567", "subject": "Vraag over de huurtoeslag", "day_part": "ochtend", "conversation_id": reply["conversation_id"]},
        )
        assert status == 201, cb
        assert cb["contact_id"] == (await db.conversations.find_one({"_id": reply["conversation_id"]}))["contact_id"]
        assert cb["day_part_label"].startswith("'s ochtends")
        status, body = await agent.post("/api/v1/callbacks", {"phone": "123456789", "subject": "x"})
        assert status == 422 and body["error"]["code"] == "invalid_phone"
        status, body = await agent.post("/api/v1/callbacks", {"phone": "0201234567", "subject": "x", "day_part": "nacht"})
        assert status == 422 and body["error"]["fields"] == ["day_part"]

        status, after = await agent.post(f"/api/v1/callbacks/{cb['id']}/attempts", {"outcome": "not_reached", "note": "voicemail"})
        assert status == 200 and after["status"] == "open" and len(after["attempts"]) == 1
        status, after = await agent.post(f"/api/v1/callbacks/{cb['id']}/attempts", {"outcome": "done"})
        assert after["status"] == "done" and [a["outcome"] for a in after["attempts"]] == ["not_reached", "done"]
        status, body = await agent.post(f"/api/v1/callbacks/{cb['id']}/attempts", {"outcome": "done"})
        assert status == 409 and body["error"]["code"] == "callback_closed"
        status, body = await agent.post("/api/v1/callbacks/onbekend/attempts", {"outcome": "done"})
        assert status == 404


async def test_the_bots_call(stack, db):
    """As bot/actions/forms.py calls it: day part "geen voorkeur" (with a space), contact from the conversation."""
    doc = await callbacks.create_callback(
        db, phone="+31 20 123 4567", subject="Vraag over parkeren", day_part="geen voorkeur", created_by="bot",
        contact_id=None, conversation_id=None,
    )
    assert doc["day_part"] == "geen_voorkeur" and doc["due_at"] and doc["phone"] == "+31201234567"


async def test_not_reached_three_times_closes(stack, db):
    settings = Settings(callback_max_attempts=3)
    doc = await callbacks.create_callback(db, phone="+32470123456", subject="Belgisch nummer", created_by="bot")
    for expected in ("open", "open", "not_reached"):
        doc = await callbacks.record_attempt(db, doc["_id"], callbacks.Attempt(outcome="not_reached"), by="agent", settings=settings)
        assert doc["status"] == expected


async def test_overdue_callbacks_reach_supervisors(stack, db):
    long_ago = datetime.now(UTC) - timedelta(days=30)
    late = await callbacks.create_callback(db, phone="0612345670", subject="Al lang geleden gevraagd", created_by="bot", now=long_ago)
    fresh = await callbacks.create_callback(db, phone="0612345671", subject="Net gevraagd", created_by="bot")
    flagged = {d["_id"] for d in await callbacks.flag_overdue(db)}
    assert late["_id"] in flagged and fresh["_id"] not in flagged
    async with logged_in(stack, db, ["supervisor", "agent"]) as supervisor:
        status, body = await supervisor.get("/api/v1/overdue")
        assert status == 200, body
        ids = {c["id"] for c in body["callbacks"]}
        assert late["_id"] in ids and fresh["_id"] not in ids
        assert all(c["overdue"] for c in body["callbacks"])
        status, listed = await supervisor.get("/api/v1/callbacks", overdue="true")
        assert late["_id"] in {c["id"] for c in listed["callbacks"]}
    async with logged_in(stack, db, ["agent"]) as agent:
        status, _ = await agent.get("/api/v1/overdue")
        assert status == 403
