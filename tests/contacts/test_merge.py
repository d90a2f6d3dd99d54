"""Merge and undo through the staff API; conflicting identifiers (two BSNs) are refused."""

from __future__ import annotations

from hub.core.models import new_id
from tests.contacts.staff import logged_in
from tests.contacts.tokens import portal_token
from tests.webchat_client import say


def phone() -> str:
    return "061" + new_id()[:7].translate(str.maketrans("abcdef", "123456"))  # 06-1…: an assigned mobile range


async def test_merge_then_undo(stack, http, db, session_id):
    reply = await say(http, stack, session_id, "Vraag via de chat zonder inlog")
    anonymous = (await db.conversations.find_one({"_id": reply["conversation_id"]}))["contact_id"]
    number = phone()
    async with logged_in(stack, db, ["agent"]) as agent:
        status, person = await agent.post("/api/v1/contacts", {"bsn": "999993847", "name": "Fleur Jansen", "phones": [number]})
        assert status == 201 and person["kind"] == "person"
        status, merged = await agent.post(f"/api/v1/contacts/{person['id']}/merge", {"source_id": anonymous, "reason": "zelfde persoon, gebeld"})
        assert status == 200, merged
        assert f"webchat:{session_id}" in merged["contact"]["channels"]
        assert merged["contact"]["merged_from"][0]["contact_id"] == anonymous
        assert (await db.conversations.find_one({"_id": reply["conversation_id"]}))["contact_id"] == person["id"]
        assert await db.messages.count_documents({"conversation_id": reply["conversation_id"], "contact_id": {"$ne": person["id"]}}) == 0

        # the next chat message from that session lands on the person
        again = await say(http, stack, session_id, "Nog iets")
        assert (await db.conversations.find_one({"_id": again["conversation_id"]}))["contact_id"] == person["id"]
        status, found = await agent.get("/api/v1/contacts", q=number)
        assert [c["id"] for c in found["results"]] == [person["id"]] and found["query_type"] == "phone"

        status, undone = await agent.post(f"/api/v1/contacts/merges/{merged['merge_id']}/undo", {"reason": "toch niet dezelfde persoon"})
        assert status == 200, undone
        restored = await db.contacts.find_one({"_id": anonymous})
        assert "merged_into" not in restored and f"webchat:{session_id}" in restored["addresses"]
        assert (await db.conversations.find_one({"_id": reply["conversation_id"]}))["contact_id"] == anonymous
        after = await db.contacts.find_one({"_id": person["id"]})
        assert f"webchat:{session_id}" not in after["addresses"] and after["bsn"] == "999993847"
        status, again_undo = await agent.post(f"/api/v1/contacts/merges/{merged['merge_id']}/undo", {"reason": "nog eens"})
        assert status == 409 and again_undo["error"]["code"] == "already_undone"


async def test_identified_source_moves_its_bsn_and_gets_it_back(stack, db):
    async with logged_in(stack, db, ["agent"]) as agent:
        _, target = await agent.post("/api/v1/contacts", {"phones": [phone()], "name": "Onbekende beller"})
        _, source = await agent.post("/api/v1/contacts", {"bsn": "999994086"})
        status, merged = await agent.post(f"/api/v1/contacts/{target['id']}/merge", {"source_id": source["id"], "reason": "dubbel"})
        assert status == 200 and merged["contact"]["kind"] == "person" and merged["contact"]["bsn"] == "999994086"
        assert "bsn" not in await db.contacts.find_one({"_id": source["id"]})
        status, _ = await agent.post(f"/api/v1/contacts/merges/{merged['merge_id']}/undo", {"reason": "vergissing"})
        assert status == 200
        assert (await db.contacts.find_one({"_id": source["id"]}))["bsn"] == "999994086"
        back = await db.contacts.find_one({"_id": target["id"]})
        assert back["kind"] == "anonymous" and "bsn" not in back and back["name"] == "Onbekende beller"


async def test_two_different_bsns_are_never_merged(stack, http, db, session_id):
    a = await say(http, stack, session_id, "Ik", identity_token=portal_token(bsn="999998456"))
    b = await say(http, stack, f"{session_id}-b", "Ander", identity_token=portal_token(bsn="111222333"))
    first = (await db.conversations.find_one({"_id": a["conversation_id"]}))["contact_id"]
    second = (await db.conversations.find_one({"_id": b["conversation_id"]}))["contact_id"]
    before = await db.contacts.find_one({"_id": second})
    async with logged_in(stack, db, ["agent"]) as agent:
        status, body = await agent.post(f"/api/v1/contacts/{first}/merge", {"source_id": second, "reason": "lijkt dubbel"})
        assert status == 409
        assert body["error"]["code"] == "conflicting_identifiers" and body["error"]["fields"] == ["bsn"]
        assert "BSN" in body["error"]["message"]
        # a person and an organisation are not merged either
        _, org = await agent.post("/api/v1/contacts", {"kvk": "68750110"})
        status, body = await agent.post(f"/api/v1/contacts/{first}/merge", {"source_id": org["id"], "reason": "x y z"})
        assert status == 409 and body["error"]["fields"] == ["kind"]
        status, body = await agent.post(f"/api/v1/contacts/{first}/merge", {"source_id": first, "reason": "x y z"})
        assert status == 409 and body["error"]["code"] == "same_contact"
        status, body = await agent.post(f"/api/v1/contacts/{first}/merge", {"source_id": "0" * 32, "reason": "x y z"})
        assert status == 404
        status, body = await agent.post(f"/api/v1/contacts/{first}/merge", {"reason": "x y z"})
        assert status == 422 and body["error"]["fields"] == ["source_id"]
    assert await db.contacts.find_one({"_id": second}) == before  # nothing changed
    assert await db.contact_merges.count_documents({"source_id": second}) == 0


async def test_contacts_api_needs_an_agent(stack, http, db):
    async with http.get(f"{stack.hub_url}/api/v1/contacts", params={"q": "jansen"}) as resp:
        assert resp.status == 401 and (await resp.json())["error"]["code"] == "not_logged_in"
    async with logged_in(stack, db, ["editor"]) as editor:
        status, body = await editor.get("/api/v1/contacts", q="jansen")
        assert status == 403
    async with logged_in(stack, db, ["agent"]) as agent:
        status, body = await agent.get("/api/v1/contacts", q="x")
        assert status == 400 and body["error"]["code"] == "invalid_query"
        status, body = await agent.post("/api/v1/contacts", {"bsn": "123456780"})
        assert status == 422
        async with agent.session.post(f"{stack.hub_url}/api/v1/contacts", data="{", headers={"X-CSRF-Token": agent.csrf, "Content-Type": "application/json"}) as resp:
            assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_json"
        async with agent.session.post(f"{stack.hub_url}/api/v1/contacts", json={}) as resp:
            assert resp.status == 403  # no CSRF header
