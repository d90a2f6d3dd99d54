"""The local Open Klant server refuses what Open Klant refuses, and the outbox no longer triggers it;
a partij a KISS desk made is used, not made again; the contact card shows the desk's contacts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.base import BadRequest
from connectors.klantinteracties import (
    Betrokkene,
    Klantcontact,
    KlantinteractiesClient,
    PartijIdentificator,
)
from connectors.testservers import klantinteracties as ki_server
from connectors.testservers.common import Fault
from hub.cases import callbacks, outbox
from hub.cases.contact_card import register_contacts
from hub.cases.outbox_klant import digital_addresses
from hub.contacts import store as contacts
from hub.contacts.portal_token import Identity
from tests.connectors.servers import own_database
from tests.connectors.test_outbox import a_closed_conversation, settings_for, until_done

WHEN = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


async def post(http, url: str, path: str, body: dict) -> tuple[int, dict]:
    async with http.post(f"{url}/{path}", json=body, headers={"Authorization": f"Token {ki_server.TOKEN}"}) as resp:
        return resp.status, await resp.json(content_type=None)


def codes(body: dict) -> list[tuple[str, str]]:
    return [(p["name"], p["code"]) for p in body["invalidParams"]]


async def a_klantcontact(client: KlantinteractiesClient, partij: str | None = None, onderwerp: str = "Paspoort aanvragen") -> str:
    made = await client.maak_klantcontact(
        Klantcontact(kanaal="balie", onderwerp=onderwerp, plaatsgevondenOp=WHEN),
        Betrokkene(wasPartij={"uuid": partij} if partij else None),
    )
    return made.uuid


# ---------------------------------------------------------------------- raw refusals
async def test_an_interne_taak_without_an_actor_is_refused(ki, http):
    _, url = ki
    kc = await a_klantcontact(KlantinteractiesClient(url, ki_server.TOKEN, http))
    body = {"gevraagdeHandeling": "Terugbellen", "aanleidinggevendKlantcontact": {"uuid": kc}, "status": "te_verwerken"}
    status, answer = await post(http, url, "internetaken", body)
    assert status == 400 and codes(answer) == [("nonFieldErrors", "invalid")]
    status, answer = await post(http, url, "internetaken", {**body, "toegewezenAanActor": {"uuid": ki_server.ACTOR_UUID},
                                                           "toegewezenAanActoren": [{"uuid": ki_server.ACTOR_UUID}]})
    assert status == 400 and codes(answer) == [("nonFieldErrors", "invalid")]
    status, answer = await post(http, url, "internetaken", {**body, "toegewezenAanActoren": [{"uuid": ki_server.ACTOR_UUID}],
                                                           "afgehandeldOp": WHEN.isoformat()})
    assert status == 400 and codes(answer) == [("afgehandeldOp", "invalid")]
    with pytest.raises(ValueError):
        await KlantinteractiesClient(url, ki_server.TOKEN, http).create_interne_taak(kc, "Terugbellen", "", [])


async def test_a_betrokkene_of_an_unknown_partij_is_refused(ki, http):
    _, url = ki
    with pytest.raises(BadRequest) as err:
        await a_klantcontact(KlantinteractiesClient(url, ki_server.TOKEN, http), partij="00000000-0000-4000-8000-000000000000")
    assert [(p["name"], p["code"]) for p in err.value.body["invalidParams"]] == [("betrokkene.wasPartij.uuid", "does_not_exist")]


IDENTIFICATOR_REFUSALS = {
    "bsn fails the eleven-test": ({"codeRegister": "brp", "codeObjecttype": "natuurlijk_persoon", "codeSoortObjectId": "bsn",
                                   "objectId": "123456789"}, None, ("partijIdentificator.objectId", "invalid")),
    "bsn in the trade register": ({"codeRegister": "hr", "codeObjecttype": "natuurlijk_persoon", "codeSoortObjectId": "bsn",
                                   "objectId": "111222333"}, None, ("partijIdentificator.codeSoortObjectId", "invalid")),
    "kvk number of 9 digits": ({"codeRegister": "hr", "codeObjecttype": "niet_natuurlijk_persoon", "codeSoortObjectId": "kvk_nummer",
                                "objectId": "687501101"}, None, ("partijIdentificator.objectId", "invalid")),
    "vestigingsnummer on its own": ({"codeRegister": "hr", "codeObjecttype": "vestiging", "codeSoortObjectId": "vestigingsnummer",
                                     "objectId": "000037178598"}, None, ("subIdentificatorVan", "invalid")),
}


@pytest.mark.parametrize(("groep", "sub", "refusal"), IDENTIFICATOR_REFUSALS.values(), ids=IDENTIFICATOR_REFUSALS.keys())
async def test_a_wrong_partij_identificator_is_refused(ki, http, groep, sub, refusal):
    _, url = ki
    status, answer = await post(http, url, "partij-identificatoren", {"partijIdentificator": groep, "subIdentificatorVan": sub})
    assert status == 400 and codes(answer) == [refusal]


async def test_an_identifier_is_unique(ki, http):
    _, url = ki
    groep = {"codeRegister": "brp", "codeObjecttype": "natuurlijk_persoon", "codeSoortObjectId": "bsn", "objectId": "111222333"}
    assert (await post(http, url, "partij-identificatoren", {"partijIdentificator": groep}))[0] == 201
    status, answer = await post(http, url, "partij-identificatoren", {"partijIdentificator": groep})
    assert status == 400 and codes(answer) == [("nonFieldErrors", "unique")]


@pytest.mark.parametrize(("soort", "adres"), [("telefoonnummer", "06 1234 5678"), ("telefoonnummer", "0900123456"),
                                              ("email", "geen-adres")])
async def test_a_wrong_digitaal_adres_is_refused(ki, http, soort, adres):
    _, url = ki
    status, answer = await post(http, url, "digitaleadressen", {"adres": adres, "soortDigitaalAdres": soort})
    assert status == 400 and codes(answer) == [("adres", "invalid")]


# ---------------------------------------------------------------------- the outbox passes them
async def test_without_a_team_actor_callbacks_go_to_the_chatbots_actor(stack, ki, http):
    app, url = ki
    settings = settings_for(ki_url=url).model_copy(update={"klantinteracties_actor_uuid": None})
    client = KlantinteractiesClient(url, ki_server.TOKEN, http, timeout_s=2.0)
    async with own_database(stack.mongo_url) as db:
        for n in range(2):
            await callbacks.create_callback(db, phone=f"0612345{n:03d}", subject="Vraag over parkeren", settings=settings)
        await until_done(lambda: outbox.sync_callbacks(db, client, settings))
        bots = [a for a in app["actoren"].values() if a["soortActor"] == "geautomatiseerde_actor"]
        assert len(bots) == 1  # looked up before made: one for both
        assert all([a["uuid"] for a in t["toegewezenAanActoren"]] == [bots[0]["uuid"]] for t in app["internetaken"].values())
        assert len(app["internetaken"]) == 2


async def test_the_partij_a_kiss_desk_made_is_used(stack, ki, http):
    app, url = ki
    settings = settings_for(ki_url=url)
    client = KlantinteractiesClient(url, ki_server.TOKEN, http, timeout_s=2.0)
    bsn = PartijIdentificator(codeSoortObjectId="bsn", objectId="999993653")
    desk = await client.create_partij("persoon", {"contactnaam": None})
    await client.save_identificator(bsn, desk["uuid"])
    async with own_database(stack.mongo_url) as db:
        person = await contacts.attach_identity(db, Identity(kind="person", bsn="999993653"), ["webchat:desk-partij"], None)
        await callbacks.create_callback(db, phone="0612345678", subject="Paspoort", contact_id=person, settings=settings)
        await until_done(lambda: outbox.sync_callbacks(db, client, settings))
        assert list(app["partijen"]) == [desk["uuid"]]
        (made,) = app["klantcontacten"].values()
        assert made["betrokkene"]["wasPartij"]["uuid"] == desk["uuid"]


async def test_a_vestiging_sits_under_its_kvk_number_and_the_company_takes_that_identifier_over(stack, ki, http):
    app, url = ki
    settings = settings_for(ki_url=url)
    client = KlantinteractiesClient(url, ki_server.TOKEN, http, timeout_s=2.0)
    async with own_database(stack.mongo_url) as db:
        branch = await contacts.attach_identity(
            db, Identity(kind="organisation", kvk="68750110", vestigingsnummer="000037178598"), ["webchat:vestiging"], None
        )
        company = await contacts.attach_identity(db, Identity(kind="organisation", kvk="68750110"), ["webchat:bedrijf"], None)
        for contact_id in (branch, company):
            await callbacks.create_callback(db, phone="0201234567", subject="Vergunning", contact_id=contact_id, settings=settings)
        await until_done(lambda: outbox.sync_callbacks(db, client, settings))
        idents = {i["partijIdentificator"]["codeSoortObjectId"]: i for i in app["identificatoren"].values()}
        assert set(idents) == {"kvk_nummer", "vestigingsnummer"} and len(app["identificatoren"]) == 2
        assert idents["vestigingsnummer"]["subIdentificatorVan"]["uuid"] == idents["kvk_nummer"]["uuid"]
        assert idents["kvk_nummer"]["identificeerdePartij"] and idents["vestigingsnummer"]["identificeerdePartij"]
        assert idents["kvk_nummer"]["identificeerdePartij"] != idents["vestigingsnummer"]["identificeerdePartij"]
        assert len(app["partijen"]) == 2


KI_FAULTS = {
    "partij time-out after acting": Fault("POST", "/partijen", after=True, hang_s=3.5),
    "identificator time-out after acting": Fault("POST", "/partij-identificatoren", after=True, hang_s=3.5),
    "identificator 500": Fault("POST", "/partij-identificatoren"),
}


@pytest.mark.parametrize("fault", KI_FAULTS.values(), ids=KI_FAULTS.keys())
async def test_kiss_finds_one_partij_after_a_failure(stack, ki, http, fault):
    """A lost answer may leave a partij without identificator behind: KISS cannot find it, and the
    resident still has exactly one partij that KISS finds, with one identificator."""
    app, url = ki
    settings = settings_for(ki_url=url)
    client = KlantinteractiesClient(url, ki_server.TOKEN, http, timeout_s=2.0)
    async with own_database(stack.mongo_url) as db:
        person = await contacts.attach_identity(db, Identity(kind="person", bsn="999993653"), ["webchat:fault-partij"], None)
        await callbacks.create_callback(db, phone="0612345678", subject="Paspoort", contact_id=person, settings=settings)
        app["behaviour"].faults.append(fault)
        assert await outbox.sync_callbacks(db, client, settings) == 0
        await until_done(lambda: outbox.sync_callbacks(db, client, settings))
        found = await client.find_partijen(PartijIdentificator(codeSoortObjectId="bsn", objectId="999993653"))
        assert len(found) == 1 and len(app["identificatoren"]) == 1
        (made,) = app["klantcontacten"].values()
        assert made["betrokkene"]["wasPartij"]["uuid"] == found[0]["uuid"]


# ---------------------------------------------------------------------- the contact card
async def test_the_card_shows_the_desks_contacts_beside_ours(stack, ki, http):
    app, url = ki
    settings = settings_for(ki_url=url)
    client = KlantinteractiesClient(url, ki_server.TOKEN, http, timeout_s=2.0)
    async with own_database(stack.mongo_url) as db:
        person = await contacts.attach_identity(db, Identity(kind="person", bsn="999993653"), ["webchat:card"], None)
        await callbacks.create_callback(db, phone="0612345678", subject="Paspoort", contact_id=person, settings=settings)
        await until_done(lambda: outbox.sync_callbacks(db, client, settings))
        partij = next(iter(app["partijen"]))
        desk = await a_klantcontact(client, partij=partij, onderwerp="Verhuizing doorgeven aan de balie")
        other = await client.create_partij("persoon", {"contactnaam": None})
        await a_klantcontact(client, partij=other["uuid"], onderwerp="Iemand anders")
        contact = await db.contacts.find_one({"_id": person})
        shown = await register_contacts(db, client, contact)
        assert [(c["uuid"], c["onderwerp"], c["source"]) for c in shown] == [
            (desk, "Verhuizing doorgeven aan de balie", "klantinteracties")
        ]
        anonymous = await contacts.link(db, ["webchat:anoniem"])
        assert await register_contacts(db, client, await db.contacts.find_one({"_id": anonymous})) == []


# ---------------------------------------------------------------------- owner, backup, closing the task
async def test_an_overdue_callback_moves_to_the_backup_and_closing_it_closes_the_task(stack, ki, http):
    app, url = ki
    settings = settings_for(ki_url=url)
    client = KlantinteractiesClient(url, ki_server.TOKEN, http, timeout_s=2.0)
    async with own_database(stack.mongo_url) as db:
        long_ago = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        doc = await callbacks.create_callback(db, phone="0612345678", subject="Paspoort", employee="anna", backup="bram",
                                              settings=settings, now=long_ago)
        await until_done(lambda: outbox.sync_callbacks(db, client, settings))
        (taak,) = app["internetaken"].values()
        assert taak["status"] == "te_verwerken"

        with pytest.raises(callbacks.CallbackError) as err:  # a colleague who is neither owner nor backup
            await callbacks.record_attempt(db, doc["_id"], callbacks.Attempt(outcome="done"), by="carla", supervisor=False)
        assert err.value.code == "not_your_callback"
        flagged = await callbacks.flag_overdue(db)
        assert [d["_id"] for d in flagged] == [doc["_id"]]
        moved = await db.callbacks.find_one({"_id": doc["_id"]})
        assert moved["employee"] == "bram" and moved["escalated"]["from"] == "anna" and moved["escalated"]["to"] == "bram"
        assert callbacks.view(moved)["escalated"]["to"] == "bram"

        closed = await callbacks.record_attempt(db, doc["_id"], callbacks.Attempt(outcome="done", note="Uitgelegd"), by="bram",
                                                supervisor=False)
        assert closed["status"] == "done"
        assert await outbox.close_callbacks(db, client) == 1
        assert taak["status"] == "verwerkt" and taak["afgehandeldOp"]
        assert await outbox.close_callbacks(db, client) == 0  # once
        assert (await db.callbacks.find_one({"_id": doc["_id"]}))["sync"]["klantinteracties_close"] == "done"


async def test_the_server_refuses_afgehandeld_op_on_an_open_task(ki, http):
    _, url = ki
    client = KlantinteractiesClient(url, ki_server.TOKEN, http)
    kc = await a_klantcontact(client)
    taak = await client.create_interne_taak(kc, "Terugbellen", "", [ki_server.ACTOR_UUID])
    async with http.patch(f"{url}/internetaken/{taak['uuid']}", json={"afgehandeldOp": WHEN.isoformat()},
                          headers={"Authorization": f"Token {ki_server.TOKEN}"}) as resp:
        assert resp.status == 400
        assert codes(await resp.json(content_type=None)) == [("afgehandeldOp", "invalid")]
    closed = await client.close_interne_taak(taak["uuid"], WHEN)
    assert closed["status"] == "verwerkt"


def test_digitale_adressen_are_written_as_open_klant_takes_them():
    contact = {"addresses": ["webchat:x", "phone:+31612345678", "email:jan@example.nl", "phone:+31201234567"]}
    assert digital_addresses(contact) == [("telefoonnummer", "0612345678"), ("email", "jan@example.nl")]
    assert digital_addresses(contact, "+32470123456") == [("telefoonnummer", "0032470123456"), ("email", "jan@example.nl")]
    assert digital_addresses({"addresses": ["phone:+319001234567"]}) == []
    assert digital_addresses(None) == []


async def test_a_conversation_links_the_chatbot_that_answered_and_each_agent(stack, ki, http):
    app, url = ki
    client = KlantinteractiesClient(url, ki_server.TOKEN, http, timeout_s=2.0)
    async with own_database(stack.mongo_url) as db:
        conv_id = await a_closed_conversation(db, "actoren")
        await db.conversations.update_one({"_id": conv_id}, {"$set": {"assignments": [{"agent": "anna"}, {"agent": "bram"}]}})
        await db.messages.insert_one({"_id": "m1", "conversation_id": conv_id, "author": "bot", "text": "Hallo!"})
        await db.staff.insert_one({"_id": "anna", "name": "Anna de Vries", "email": "anna@lindewaard.nl"})
        # a KISS desk knows Anna already (by e-mail, as KISS identifies medewerkers): her actor is reused
        known = await client.create_actor("medewerker", "Anna de Vries", {"objectId": "anna@lindewaard.nl", "codeObjecttype": "mdw",
                                                                          "codeRegister": "handmatig", "codeSoortObjectId": "email"}, None)
        await until_done(lambda: outbox.sync_conversations(db, client))
        (made,) = app["klantcontacten"].values()
        linked = [app["actoren"][a["uuid"]] for a in made["klantcontact"]["hadBetrokkenActoren"]]
        assert [(a["soortActor"], a["naam"]) for a in linked] == [
            ("geautomatiseerde_actor", "KCC-chatbot"), ("medewerker", "Anna de Vries"), ("medewerker", "bram")
        ]
        assert linked[1]["uuid"] == known["uuid"]
        assert linked[2]["actoridentificator"] == {"objectId": "bram", "codeObjecttype": "mdw", "codeRegister": "obj",
                                                   "codeSoortObjectId": "idf"}
