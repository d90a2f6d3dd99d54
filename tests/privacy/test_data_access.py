""""Who has looked at my data?": the resident asks in the web chat and gets role, department and
date of every staff read, never a colleague's name; without DigiD only how to ask."""

from __future__ import annotations

from datetime import timedelta

from hub.core.models import new_id, utcnow
from hub.gdpr import my_data_log as data_access
from hub.privacy import audit
from hub.staff.auth import create_staff
from tests.contacts.tokens import portal_token
from tests.privacy.conftest import random_bsn
from tests.webchat_client import say

QUESTION = "wie heeft mijn gegevens bekeken?"


async def _identified_conversation(db, verified: bool = True) -> tuple[str, str]:
    contact_id, conv_id = new_id(), new_id()
    now = utcnow()
    await db.contacts.insert_one({"_id": contact_id, "kind": "person", "bsn": random_bsn(), "addresses": [], "created_at": now,
                                  "merged_into": None})
    await db.conversations.insert_one({"_id": conv_id, "channel": "webchat", "address": conv_id, "open_key": f"t:{conv_id}",
                                       "state": "bot", "seq": 1, "contact_id": contact_id, "created_at": now})
    await db.messages.insert_one({"_id": new_id(), "dedup_key": f"t:{conv_id}", "conversation_id": conv_id, "contact_id": contact_id,
                                  "direction": "in", "author": "resident", "text": "hoi", "created_at": now, "seq": 1,
                                  "metadata": {"identity_token_presented": True, "identity_verified": verified}})
    return conv_id, contact_id


async def test_the_list_names_roles_and_departments_newest_first(db):
    conv_id, contact_id = await _identified_conversation(db)
    agent, boss = f"kees-{new_id()[:6]}", f"baas-{new_id()[:6]}"
    await create_staff(db, agent, "wachtwoord-123", ["agent"], name="Kees Geheim", department="Burgerzaken")
    await create_staff(db, boss, "wachtwoord-123", ["supervisor", "agent"], name="Baas Geheim", department="KCC")
    start = utcnow() - timedelta(days=20)
    for day in range(12):  # one read a day by the agent: twelve lines
        await db.audit.insert_one({"_id": new_id(), "at": start + timedelta(days=day), **audit.AuditEntry(
            actor=agent, action="contact.read", contact_id=contact_id).model_dump()})
    newest = utcnow()
    await audit.record_many(db, [
        audit.AuditEntry(actor=boss, action="case.read", contact_id=contact_id),
        audit.AuditEntry(actor=boss, action="case.read", contact_id=contact_id),  # same day, same kind: one line
        audit.AuditEntry(actor="system:identity", action="contact.merge", contact_id=contact_id),  # not a read
        audit.AuditEntry(actor="system:sync", action="contact.read", contact_id=contact_id),  # the hub itself
    ])
    answer = await data_access.for_conversation(db, conv_id)
    assert answer.identified and answer.total == 13 and len(answer.items) == 10 and answer.more == 3
    first = answer.items[0]
    assert (first.role, first.department, first.what, first.times) == ("teamleider", "KCC", "bekeek uw zaak", 2)
    assert first.at[:10] == newest.isoformat()[:10]
    assert [i.at for i in answer.items] == sorted((i.at for i in answer.items), reverse=True)
    assert all((i.role, i.department) == ("KCC-medewerker", "Burgerzaken") for i in answer.items[1:])
    assert "teamleider, afdeling KCC bekeek uw zaak (2 keer)." in answer.text
    assert "Daarvoor nog 3 keer." in answer.text
    for secret in ("Kees", "Baas", agent, boss, "system", "automatisch"):
        assert secret not in answer.text and secret not in answer.model_dump_json()


async def test_nothing_without_a_verified_identity(db):
    conv_id, contact_id = await _identified_conversation(db, verified=False)  # a token was shown but was not valid
    await audit.record(db, audit.AuditEntry(actor="someone", action="contact.read", contact_id=contact_id))
    answer = await data_access.for_conversation(db, conv_id)
    assert not answer.identified and answer.items == [] and "DigiD" in answer.text
    assert "functionaris gegevensbescherming" in answer.text


async def test_identified_resident_asks_in_the_web_chat(bot_stack, http, db, session_id, staff_login):
    token = portal_token(bsn=random_bsn())
    hello = await say(http, bot_stack, session_id, "hallo", identity_token=token)
    conv_id = hello["conversation_id"]
    conv = await db.conversations.find_one({"_id": conv_id})
    agent = await staff_login(department="Burgerzaken", name="Karel Onzichtbaar")
    status, _ = await agent.call("GET", f"/api/v1/contacts/{conv['contact_id']}")
    assert status == 200

    body = await say(http, bot_stack, session_id, QUESTION)
    assert body["meta"]["intent"] == "ask_data_access" and body["meta"]["action"] == "data_access", body["meta"]
    text = "\n".join(r["text"] for r in body["replies"])
    assert "KCC-medewerker, afdeling Burgerzaken bekeek uw gegevens" in text
    assert "Karel" not in text and agent.username not in text

    async with http.get(f"{bot_stack.hub_url}/api/v1/webchat/conversations/{conv_id}/data-access") as resp:
        assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
        listed = await resp.json()
    assert listed["identified"] is True and listed["total"] >= 1
    assert {"role": "KCC-medewerker", "department": "Burgerzaken", "what": "bekeek uw gegevens"}.items() <= listed["items"][0].items()
    assert "Karel" not in str(listed) and agent.username not in str(listed)


async def test_anonymous_resident_is_told_to_log_in(bot_stack, http, db, session_id):
    body = await say(http, bot_stack, session_id, "Wie heeft er in mijn dossier gekeken?")
    assert body["meta"]["action"] == "data_access", body["meta"]
    text = " ".join(r["text"] for r in body["replies"])
    assert "DigiD" in text and "functionaris gegevensbescherming" in text and "afdeling" not in text
    conv_id = body["conversation_id"]
    async with http.get(f"{bot_stack.hub_url}/api/v1/webchat/conversations/{conv_id}/data-access") as resp:
        assert resp.status == 403
        assert (await resp.json())["error"]["code"] == "not_identified"
    async with http.get(f"{bot_stack.hub_url}/api/v1/webchat/conversations/{new_id()}/data-access") as resp:
        assert resp.status == 404 and (await resp.json())["error"]["code"] == "unknown_conversation"
