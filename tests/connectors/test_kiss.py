"""The done-test: a resident's web chat that becomes a callback request and a case ends up in the
local Open Klant server exactly as KISS finds it.

The records are made by the running test hub through its real APIs (the resident's web chat with
an identity token, an agent's case and callback request); the outbox then pushes copies of them,
in-process, to local Zaken and Klantinteracties servers (the shared hub has no outbox, as it would
push other tests' records). Every assertion is a request KISS makes (``src/services/openklant2``
in KISS-frontend), not one of the hub's own helpers:

* ``GET /partijen?soortPartij=persoon&partijIdentificator__codeSoortObjectId=bsn&partijIdentificator__objectId=``
* ``GET /betrokkenen?wasPartij__url=`` → ``GET /klantcontacten/{uuid}`` → its onderwerpobjecten and actoren
* ``GET /digitaleadressen?adres=`` → betrokkene → klantcontact → ``leiddeTotInterneTaken``
* ``GET /internetaken?toegewezenAanActor__uuid=`` (the team's work list)
"""

from __future__ import annotations

from typing import Any

import aiohttp

from connectors.klantinteracties import KlantinteractiesClient
from connectors.testservers import klantinteracties as ki_server
from connectors.testservers import zaken as zaken_server
from connectors.zaken import ZakenClient
from hub.cases import outbox
from tests.connectors.servers import own_database, serve
from tests.connectors.test_outbox import settings_for, until_done
from tests.contacts.staff import logged_in
from tests.contacts.tokens import portal_token
from tests.webchat_client import say

BSN = "111222333"  # passes the eleven-test; used by no other test, so the hub's contact is this test's alone
PHONE_TYPED_BY_KISS = "0612345679"


async def copy_records(source, target, conv_id: str, case_number: str, callback_id: str, agent: str) -> None:
    """The hub's records of this chat, copied into the outbox's own database."""
    conv = await source.conversations.find_one({"_id": conv_id})
    conv.update(state="closed", assignments=[{"agent": agent, "how": "take"}])  # as the desk closes it (tested in tests/handover)
    await target.conversations.insert_one(conv)
    await target.contacts.insert_one(await source.contacts.find_one({"_id": conv["contact_id"]}))
    await target.cases.insert_one(await source.cases.find_one({"number": case_number}))
    await target.callbacks.insert_one(await source.callbacks.find_one({"_id": callback_id}))
    await target.staff.insert_one(await source.staff.find_one({"_id": agent}))
    async for message in source.messages.find({"conversation_id": conv_id}):
        await target.messages.insert_one(message)


class Kiss:
    """The GET requests KISS makes against Open Klant, with its token."""

    def __init__(self, http: aiohttp.ClientSession, base: str):
        self.http, self.base = http, base

    async def get(self, path: str, **params: str) -> Any:
        url = path if path.startswith("http") else f"{self.base}/{path}"
        async with self.http.get(url, params=params, headers={"Authorization": f"Token {ki_server.TOKEN}"}) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()


async def test_kiss_finds_the_residents_chat_callback_and_zaak(stack, http, db, session_id):
    reply = await say(http, stack, session_id, "Ik wil graag teruggebeld worden over mijn afvalpas", identity_token=portal_token(bsn=BSN))
    conv_id = reply["conversation_id"]
    async with logged_in(stack, db, ["agent"]) as agent:
        status, case = await agent.post("/api/v1/cases", {"kind": "vraag", "description": "Afvalpas kwijt", "conversation_id": conv_id})
        assert status == 201, case
        status, callback = await agent.post(
            "/api/v1/callbacks",
            {"phone": "06 1234 5679", "subject": "Afvalpas kwijt", "day_part": "middag", "conversation_id": conv_id},
        )
        assert status == 201, callback
        username = agent.username

    zaken_app, ki_app = zaken_server.make_app(), ki_server.make_app()
    async with serve(zaken_app) as zaken_root, serve(ki_app) as ki_root, own_database(stack.mongo_url) as own:
        zaken_url, ki_url = zaken_root + zaken_server.BASE, ki_root + ki_server.BASE
        await copy_records(db, own, conv_id, case["number"], callback["id"], username)
        settings = settings_for(zaken_url, ki_url)
        zaken = ZakenClient(zaken_url, zaken_server.CLIENT_ID, zaken_server.SECRET, http, timeout_s=2.0)
        ki = KlantinteractiesClient(ki_url, ki_server.TOKEN, http, timeout_s=2.0)
        await until_done(lambda: outbox.sync_cases(own, zaken, settings))
        await until_done(lambda: outbox.sync_callbacks(own, ki, settings))
        await until_done(lambda: outbox.sync_conversations(own, ki))
        (zaak,) = zaken_app["zaken"].values()
        assert zaak["rollen"][0]["betrokkeneIdentificatie"] == {"inpBsn": BSN}

        kiss = Kiss(http, ki_url)
        # 1. the resident, as KISS looks them up by BSN
        partijen = await kiss.get("partijen", soortPartij="persoon", partijIdentificator__codeSoortObjectId="bsn",
                                  partijIdentificator__objectId=BSN, expand="digitaleAdressen")
        assert partijen["count"] == 1
        partij = partijen["results"][0]
        # 2. their contacts: betrokkenen that were this partij, and each one's klantcontact
        betrokkenen = (await kiss.get("betrokkenen", wasPartij__url=partij["url"], pageSize="100"))["results"]
        assert len(betrokkenen) == 2 and all(b["rol"] == "klant" and b["initiator"] is True for b in betrokkenen)
        contacten = {b["uuid"]: await kiss.get(f"klantcontacten/{b['hadKlantcontact']['uuid']}") for b in betrokkenen}
        by_subject = {kc["onderwerp"]: kc for kc in contacten.values()}
        terugbel = by_subject["Terugbelverzoek: Afvalpas kwijt"]
        (chat,) = [kc for kc in contacten.values() if kc is not terugbel]
        assert chat["kanaal"] == terugbel["kanaal"] == "chat"
        # 3. the chat's zaak, shown with its number because it is a zgw-Zaak in openzaak
        (onderwerp,) = [await kiss.get(o["url"]) for o in chat["gingOverOnderwerpobjecten"]]
        assert onderwerp["onderwerpobjectidentificator"] == {
            "objectId": zaak["uuid"], "codeObjecttype": "zgw-Zaak", "codeRegister": "openzaak", "codeSoortObjectId": "uuid"
        }
        # 4. who made them: the chatbot and the agent in the chat, the agent for the callback request
        #    (the chatbot only when it answered: the shared stack's bot may or may not be running)
        chat_actors = {(a["soortActor"], a["naam"]) for a in [await kiss.get(f"actoren/{x['uuid']}") for x in chat["hadBetrokkenActoren"]]}
        bot_answered = await own.messages.find_one({"conversation_id": conv_id, "author": "bot"}) is not None
        assert chat_actors == {("medewerker", "Test Medewerker")} | ({("geautomatiseerde_actor", "KCC-chatbot")} if bot_answered else set())
        (maker,) = [await kiss.get(f"actoren/{x['uuid']}") for x in terugbel["hadBetrokkenActoren"]]
        assert maker["soortActor"] == "medewerker" and maker["actoridentificator"]["objectId"] == username
        # 5. the callback request found by the number the agent types, then its task
        #    (the chat's betrokkene gave the number too; KISS keeps the contacts that led to a task)
        adressen = (await kiss.get("digitaleadressen", adres=PHONE_TYPED_BY_KISS))["results"]
        assert {a["soortDigitaalAdres"] for a in adressen} == {"telefoonnummer"} and len(adressen) == 2
        vias = [await kiss.get(f"betrokkenen/{a['verstrektDoorBetrokkene']['uuid']}") for a in adressen]
        assert {v["wasPartij"]["uuid"] for v in vias} == {partij["uuid"]}
        with_task = [v for v in vias if (await kiss.get(f"klantcontacten/{v['hadKlantcontact']['uuid']}"))["leiddeTotInterneTaken"]]
        assert [v["hadKlantcontact"]["uuid"] for v in with_task] == [terugbel["uuid"]]
        (taak_ref,) = terugbel["leiddeTotInterneTaken"]
        taak = await kiss.get(f"internetaken/{taak_ref['uuid']}")
        assert taak["status"] == "te_verwerken" and taak["gevraagdeHandeling"] == "Terugbellen"
        assert [a["uuid"] for a in taak["toegewezenAanActoren"]] == [ki_server.ACTOR_UUID]
        # 6. the team's work list
        werk = (await kiss.get("internetaken", toegewezenAanActor__uuid=ki_server.ACTOR_UUID))["results"]
        assert [t["uuid"] for t in werk] == [taak["uuid"]]
