"""The audit log: every staff read of a contact and every BRP / KvK lookup (who, when, which
contact, why); BRP and KvK through the running hub against their local test servers; and no BSN
in the hub's log file."""

from __future__ import annotations

import pytest

from connectors.testservers import brp as brp_server
from connectors.testservers import kvk as kvk_server
from hub.core.settings import ROOT
from tests.connectors.servers import serve
from tests.contacts.staff import logged_in
from tests.contacts.tokens import portal_token
from tests.webchat_client import say

BSN = "999993653"  # Suzanne Moulin in the BRP test server


@pytest.fixture
async def brp(stack):
    app = brp_server.make_app()
    async with serve(app, stack.contact_ports["brp"]):
        yield app


@pytest.fixture
async def kvk(stack):
    app = kvk_server.make_app()
    async with serve(app, stack.contact_ports["kvk"]):
        yield app


async def person_contact(http, stack, db, session_id, bsn: str = BSN) -> str:
    reply = await say(http, stack, session_id, "Ingelogd met DigiD", identity_token=portal_token(bsn=bsn))
    return (await db.conversations.find_one({"_id": reply["conversation_id"]}))["contact_id"]


async def test_reads_and_searches_are_audited(stack, http, db, session_id):
    contact_id = await person_contact(http, stack, db, session_id)
    async with logged_in(stack, db, ["agent"]) as agent:
        status, found = await agent.get("/api/v1/contacts", q=BSN, reason="inwoner belt over melding")
        assert status == 200 and found["query_type"] == "bsn" and found["results"][0]["id"] == contact_id
        assert found["results"][0]["bsn"] == "*****3653"  # search results never show the full BSN
        status, detail = await agent.get(f"/api/v1/contacts/{contact_id}", conversation_id="conv-1")
        assert status == 200 and detail["bsn"] == BSN and detail["kind"] == "person"
        entries = await db.audit.find({"contact_id": contact_id, "actor": agent.username}).sort("at", 1).to_list(None)
        assert [(e["action"], e["reason"]) for e in entries] == [
            ("contact.search", "inwoner belt over melding"), ("contact.read", "klantcontact")
        ]
        assert entries[1]["conversation_id"] == "conv-1" and entries[0]["detail"] == {"query_type": "bsn"}
        assert all(BSN not in str(e) for e in entries)  # the audit names the contact, not the BSN
        status, _ = await agent.get(f"/api/v1/contacts/{contact_id}/audit")
        assert status == 403  # reading the audit log is for supervisors
    async with logged_in(stack, db, ["supervisor"]) as supervisor:
        status, log = await supervisor.get(f"/api/v1/contacts/{contact_id}/audit")
        assert status == 200 and {"contact.search", "contact.read"} <= {e["action"] for e in log["entries"]}


async def test_brp_lookup_is_audited_and_uses_the_purpose_headers(stack, http, db, session_id, brp):
    contact_id = await person_contact(http, stack, db, session_id)
    async with logged_in(stack, db, ["agent"]) as agent:
        status, person = await agent.get(f"/api/v1/contacts/{contact_id}/brp", reason="adres controleren voor melding")
        assert status == 200, person
        assert person["name"] == "Suzanne Moulin" and person["address"] == ["Lindelaan 12", "1234 AB  LINDEWAARD"]
        sent = brp["behaviour"].requests[-1]
        headers = {k.lower(): v for k, v in sent["headers"].items()}
        assert headers["x-gebruiker"] == agent.username and headers["x-doelbinding"] and headers["x-verwerking"]
        assert sent["json"]["burgerservicenummer"] == [BSN]
        entry = await db.audit.find_one({"contact_id": contact_id, "action": "brp.lookup"})
        assert entry["actor"] == agent.username and entry["reason"] == "adres controleren voor melding"
        assert entry["detail"]["fields"] == sent["json"]["fields"]

        brp["behaviour"].delay_s = 3.0  # longer than KCC_CONNECTOR_TIMEOUT_S=2 of the test hub
        status, body = await agent.get(f"/api/v1/contacts/{contact_id}/brp")
        assert status == 504 and body["error"]["code"] == "brp_timeout"
        brp["behaviour"].delay_s = 0
        assert await db.audit.count_documents({"contact_id": contact_id, "action": "brp.lookup"}) == 2

        unknown = await person_contact(http, stack, db, f"{session_id}-x", bsn="999990019")
        status, body = await agent.get(f"/api/v1/contacts/{unknown}/brp")
        assert status == 404 and body["error"]["code"] == "not_in_brp"


async def test_brp_down_is_a_clear_error(stack, http, db, session_id):
    contact_id = await person_contact(http, stack, db, session_id, bsn="999995078")
    async with logged_in(stack, db, ["agent"]) as agent:  # no BRP test server running on the configured port
        status, body = await agent.get(f"/api/v1/contacts/{contact_id}/brp")
        assert status == 502 and body["error"]["code"] == "brp_error"


async def test_kvk_search_and_profile_are_audited(stack, http, db, session_id, kvk):
    reply = await say(http, stack, session_id, "Vraag over onze vergunning", identity_token=portal_token(kvk="68750110"))
    contact_id = (await db.conversations.find_one({"_id": reply["conversation_id"]}))["contact_id"]
    async with logged_in(stack, db, ["agent"]) as agent:
        status, found = await agent.get("/api/v1/kvk/search", naam="bakkerij")
        assert status == 200 and found["results"][0]["kvkNummer"] == "69599084"
        status, body = await agent.get("/api/v1/kvk/search", kvkNummer="123")
        assert status == 400
        status, profile = await agent.get(f"/api/v1/contacts/{contact_id}/kvk")
        assert status == 200 and profile["naam"] == "Lindewaard Installatietechniek B.V."
        assert (await db.contacts.find_one({"_id": contact_id}))["name"] == "Lindewaard Installatietechniek B.V."
        actions = {e["action"] async for e in db.audit.find({"actor": agent.username})}
        assert actions == {"kvk.search", "kvk.lookup"}


def test_no_bsn_in_the_hub_log(stack):
    """Runs after the tests above in this module: none of the BSNs they used may be in hub.log."""
    text = (ROOT / "var" / "test-logs" / "hub.log").read_text(errors="replace")
    for bsn in (BSN, "999995078", "999990019", "999991723", "999992223", "999993847", "999994086", "999998456", "111222333"):
        assert bsn not in text
