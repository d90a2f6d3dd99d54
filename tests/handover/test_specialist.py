"""Warm transfer to a backoffice specialist on the real hub: consult, transfer, accept, answer, give back.

The resident's chat goes through the real bot to the agents' queue; the agent asks a specialist
(a person or a department) over the console API; the specialist works from their own session.
"""

from __future__ import annotations

import uuid

from tests.polling import eventually
from tests.webchat_client import say

ASK = "ik wil een medewerker spreken"


async def _resident_sees(http, stack, conv_id):  # noqa: ANN001
    async with http.get(f"{stack.hub_url}/api/v1/webchat/conversations/{conv_id}/messages") as resp:
        return (await resp.json())["messages"]


async def _held_by(db, conv_id, username):  # noqa: ANN001
    async def check():
        doc = await db.conversations.find_one({"_id": conv_id})
        return doc if doc["state"] == "agent" and doc["assignee"] == username else None

    return await eventually(check, 15)


async def _desk(console, db, suffix):  # noqa: ANN001
    """An agent (available), a plain colleague, a tax specialist and a permit specialist."""
    anna = await console(f"anna-{suffix}")
    piet = await console(f"piet-{suffix}", presence="busy")
    fatima = await console(f"fatima-{suffix}", team="belastingen", roles=["specialist"], presence=None)
    otto = await console(f"otto-{suffix}", team="vergunningen", roles=["specialist"], presence=None)
    await db.staff.update_one({"_id": fatima.username}, {"$set": {"name": "Fatima Yilmaz"}})
    return anna, piet, fatima, otto


async def test_consult_the_specialist_reads_along_and_writes_a_note(bot_stack, http, db, session_id, desk_reset, console):
    anna, piet, fatima, otto = await _desk(console, db, uuid.uuid4().hex[:6])
    conv_id = (await say(http, bot_stack, session_id, ASK))["conversation_id"]
    await _held_by(db, conv_id, anna.username)

    status, body = await fatima.call("GET", f"/specialist/conversations/{conv_id}")
    assert status == 403 and body["error"]["code"] == "not_asked"  # nothing was asked of her yet
    status, body = await fatima.call("GET", "/specialist/requests")
    assert status == 200 and conv_id not in [r["id"] for r in body["requests"]]
    status, who = await anna.call("GET", "/specialists")
    assert status == 200 and {"username": fatima.username, "name": "Fatima Yilmaz", "teams": ["belastingen"]} in who["specialists"]
    assert {"belastingen", "vergunningen"} <= set(who["teams"])

    status, body = await anna.call("POST", f"/conversations/{conv_id}/specialist", json={"mode": "consult", "summary": "x"})
    assert status == 422  # a specialist or a team
    status, body = await anna.call("POST", f"/conversations/{conv_id}/specialist", json={"mode": "consult", "to_team": "nergens", "summary": "x"})
    assert status == 404 and body["error"]["code"] == "unknown_team"
    status, body = await piet.call("POST", f"/conversations/{conv_id}/specialist",
                                   json={"mode": "consult", "to_team": "belastingen", "summary": "x"})
    assert status == 403 and body["error"]["code"] == "not_assigned"  # only the agent who holds it asks
    summary = "Inwoner vraagt naar kwijtschelding van de afvalstoffenheffing; inkomen is veranderd."
    status, asked = await anna.call("POST", f"/conversations/{conv_id}/specialist",
                                    json={"mode": "consult", "to_team": "belastingen", "summary": summary})
    assert status == 201 and asked["specialist"]["status"] == "asked" and asked["specialist"]["to_team"] == "belastingen"
    status, body = await anna.call("POST", f"/conversations/{conv_id}/specialist",
                                   json={"mode": "transfer", "to_team": "belastingen", "summary": "nog een keer"})
    assert status == 409 and body["error"]["code"] == "specialist_open"
    told = [m for m in await _resident_sees(http, bot_stack, conv_id) if m["author"] == "agent"]
    assert told[-1]["text"] == "Ik vraag een specialist van Belastingen om mee te lezen. Ik blijf bij u in dit gesprek."

    # the other department and a plain agent see nothing of it and cannot act as a specialist
    status, body = await otto.call("GET", "/specialist/requests")
    assert conv_id not in [r["id"] for r in body["requests"]]
    status, body = await otto.call("GET", f"/specialist/conversations/{conv_id}")
    assert status == 403 and body["error"]["code"] == "not_asked"
    status, body = await otto.call("POST", f"/specialist/conversations/{conv_id}/accept")
    assert status == 403
    status, body = await piet.call("POST", f"/specialist/conversations/{conv_id}/accept")
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = await fatima.call("GET", "/queue")
    assert status == 403  # a specialist has no KCC queue

    status, body = await fatima.call("GET", "/specialist/requests")
    (request,) = [r for r in body["requests"] if r["id"] == conv_id]
    assert request["specialist"]["summary"] == summary and request["specialist"]["by"] == anna.username
    status, brief = await fatima.call("GET", f"/specialist/conversations/{conv_id}")
    assert status == 200 and brief["messages"][0]["text"] == ASK
    read = await db.audit.find_one({"actor": fatima.username, "conversation_id": conv_id, "action": "contact.read"})
    assert read["detail"] == {"view": "handover.specialist"}  # audited like an agent's read

    status, body = await fatima.call("POST", f"/specialist/conversations/{conv_id}/accept")
    assert status == 200 and body["specialist"]["status"] == "accepted"
    assert (await db.conversations.find_one({"_id": conv_id}))["assignee"] == anna.username  # Anna keeps it
    status, body = await fatima.call("POST", f"/specialist/conversations/{conv_id}/messages", json={"text": "Hallo"})
    assert status == 409 and body["error"]["code"] == "consult_only"
    status, body = await fatima.call("POST", f"/specialist/conversations/{conv_id}/notes", json={"text": "Kwijtschelding kan; formulier K1."})
    assert status == 201
    status, brief = await anna.call("GET", f"/conversations/{conv_id}")
    assert [n["text"] for n in brief["notes"] if n["kind"] == "specialist_note"] == ["Kwijtschelding kan; formulier K1."]
    status, sent = await anna.call("POST", f"/conversations/{conv_id}/messages", json={"text": "U kunt kwijtschelding aanvragen."})
    assert status == 201  # the agent goes on answering

    status, back = await fatima.call("POST", f"/specialist/conversations/{conv_id}/return", json={"note": "Advies gegeven."})
    assert status == 200 and back["to"] == anna.username and back["state"] == "agent"
    status, body = await fatima.call("GET", f"/specialist/conversations/{conv_id}")
    assert status == 403  # done: no longer hers to read
    status, brief = await anna.call("GET", f"/conversations/{conv_id}")
    assert [(h["username"], h["team"], h["mode"]) for h in brief["conversation"]["helped_by"]] == [(fatima.username, "belastingen", "consult")]
    assert brief["conversation"]["specialist"]["status"] == "returned" and brief["conversation"]["specialist"]["return_note"] == "Advies gegeven."
    logged = [(e["type"], e.get("mode"), e.get("agent") or e.get("by"))
              async for e in db.events.find({"conversation_id": conv_id, "type": {"$regex": "^specialist_"}}).sort("at", 1)]
    assert logged == [("specialist_asked", "consult", anna.username), ("specialist_accepted", "consult", fatima.username),
                      ("specialist_returned", "consult", fatima.username)]


async def test_transfer_the_specialist_takes_over_answers_and_gives_back(bot_stack, http, db, session_id, desk_reset, console):
    anna, piet, fatima, otto = await _desk(console, db, uuid.uuid4().hex[:6])
    conv_id = (await say(http, bot_stack, session_id, ASK))["conversation_id"]
    await _held_by(db, conv_id, anna.username)
    status, body = await anna.call("POST", f"/conversations/{conv_id}/specialist",
                                   json={"mode": "transfer", "to_specialist": otto.username + "-weg", "summary": "x"})
    assert status == 404 and body["error"]["code"] == "unknown_specialist"
    status, body = await anna.call("POST", f"/conversations/{conv_id}/specialist",
                                   json={"mode": "transfer", "to_specialist": fatima.username, "summary": "Vraag over de WOZ-waarde."})
    assert status == 201 and body["specialist"]["to_team"] == "belastingen" and body["specialist"]["to_name"] == "Fatima Yilmaz"
    told = [m for m in await _resident_sees(http, bot_stack, conv_id) if m["author"] == "agent"]
    assert told[-1]["text"] == "Ik verbind u door met een specialist van Belastingen. Zij lezen mee en helpen u verder."
    status, body = await otto.call("GET", f"/specialist/conversations/{conv_id}")
    assert status == 403  # asked of Fatima by name, not of anyone else
    status, body = await fatima.call("POST", f"/specialist/conversations/{conv_id}/messages", json={"text": "Hallo"})
    assert status == 409 and body["error"]["code"] == "accept_first"

    status, body = await fatima.call("POST", f"/specialist/conversations/{conv_id}/accept")
    assert status == 200
    conv = await db.conversations.find_one({"_id": conv_id})
    assert conv["assignee"] == fatima.username and conv["state"] == "agent"
    assert conv_id not in (await db.agents.find_one({"_id": anna.username}))["slots"]  # Anna's place is free again
    status, q = await anna.call("GET", "/queue")
    assert conv_id not in [c["id"] for c in q["mine"]]
    status, body = await anna.call("POST", f"/conversations/{conv_id}/messages", json={"text": "Ik ook nog"})
    assert status == 403 and body["error"]["code"] == "not_assigned"

    status, sent = await fatima.call("POST", f"/specialist/conversations/{conv_id}/messages", json={"text": "De WOZ-waarde is 250.000 euro."})
    assert status == 201
    seen = await _resident_sees(http, bot_stack, conv_id)
    joined = [m for m in seen if m["author"] == "system" and m["text"].startswith("U chat nu met Fatima")]
    assert [m["text"] for m in joined] == ["U chat nu met Fatima, specialist van team Belastingen. Fatima heeft uw gesprek gelezen."]
    answer = next(m for m in seen if m["text"] == "De WOZ-waarde is 250.000 euro.")
    assert answer["author"] == "agent" and answer["speaker"] == {"name": "Fatima", "team": "belastingen"}
    later = await say(http, bot_stack, session_id, "Dank u, en wanneer komt de aanslag?")
    assert later["replies"] == [] and later["meta"]["state"] == "agent" and later["conversation_id"] == conv_id

    status, back = await fatima.call("POST", f"/specialist/conversations/{conv_id}/return", json={"note": "WOZ uitgelegd; aanslag volgt in februari."})
    assert status == 200 and back["to"] == anna.username  # straight back to the agent who asked
    conv = await db.conversations.find_one({"_id": conv_id})
    assert conv["assignee"] == anna.username and conv_id in (await db.agents.find_one({"_id": anna.username}))["slots"]
    assert any(m["text"].startswith("Fatima geeft uw vraag terug aan het KCC") for m in await _resident_sees(http, bot_stack, conv_id))
    status, brief = await anna.call("GET", f"/conversations/{conv_id}")
    history = {c["id"]: c for c in brief["contact"]["conversations"]}  # the contact's history shows who helped
    assert [(h["name"], h["team"], h["mode"]) for h in history[conv_id]["helped_by"]] == [("Fatima Yilmaz", "belastingen", "transfer")]
    assert "WOZ uitgelegd; aanslag volgt in februari." in [n["text"] for n in brief["notes"]]


async def test_social_domain_goes_only_to_specialists_with_the_right(bot_stack, http, db, session_id, desk_reset, console):
    anna, piet, fatima, otto = await _desk(console, db, uuid.uuid4().hex[:6])
    conv_id = (await say(http, bot_stack, session_id, ASK))["conversation_id"]
    await _held_by(db, conv_id, anna.username)
    status, _ = await anna.call("POST", f"/conversations/{conv_id}/confidential", json={"reason": "schulden"})
    assert status == 200
    status, body = await anna.call("POST", f"/conversations/{conv_id}/specialist",
                                   json={"mode": "consult", "to_specialist": fatima.username, "summary": "Schulden"})
    assert status == 403 and body["error"]["code"] == "need_to_know"
    await db.staff.update_one({"_id": fatima.username}, {"$set": {"rights": ["sociaal_domein"]}})
    status, body = await anna.call("POST", f"/conversations/{conv_id}/specialist",
                                   json={"mode": "consult", "to_specialist": fatima.username, "summary": "Schulden"})
    assert status == 201
    status, brief = await fatima.call("GET", f"/specialist/conversations/{conv_id}")
    assert status == 200 and brief["restricted"] is False and brief["messages"]
