"""The Klantinteracties client against the local Open Klant server, and the outbox that writes
callback requests (klantcontact + interne taak) and finished conversations (klantcontact) there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.base import BadRequest, ConnectorTimeout, NotFound, Unauthorized
from connectors.klantinteracties import (
    Betrokkene,
    Contactnaam,
    Klantcontact,
    KlantinteractiesClient,
    hub_onderwerp,
)
from connectors.testservers import klantinteracties as ki_server
from hub.cases import callbacks
from hub.cases import outbox as external_sync
from hub.cases import store as cases
from hub.contacts import store as contacts
from hub.core.models import new_id, utcnow
from hub.core.settings import Settings
from tests.connectors.servers import own_database, serve

WHEN = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


@pytest.fixture
async def server():
    app = ki_server.make_app()
    async with serve(app) as url:
        yield app, url + ki_server.BASE


def contact(**overrides) -> Klantcontact:
    return Klantcontact(**{"kanaal": "chat", "onderwerp": "Afvalpas kwijt", "plaatsgevondenOp": WHEN, **overrides})


async def test_klantcontact_with_betrokkene_and_onderwerpobject_then_interne_taak(server, http):
    app, url = server
    client = KlantinteractiesClient(url, ki_server.TOKEN, http)
    made = await client.maak_klantcontact(
        contact(inhoud="Nieuwe pas aangevraagd."),
        Betrokkene(contactnaam=Contactnaam(achternaam="Moulin")),
        hub_onderwerp("gesprek", "abc123"),
    )
    assert app["behaviour"].requests[-1]["headers"]["Authorization"] == f"Token {ki_server.TOKEN}"
    assert made.betrokkene["hadKlantcontact"]["uuid"] == made.uuid
    assert made.onderwerpobject["onderwerpobjectidentificator"]["objectId"] == "abc123"
    taak = await client.create_interne_taak(made.uuid, "Terugbellen", "bel 0612345678", [ki_server.ACTOR_UUID])
    stored = await client.get_klantcontact(made.uuid)
    assert stored["leiddeTotInterneTaken"] == [{"uuid": taak["uuid"], "url": taak["url"]}]
    assert stored["taal"] == "nld" and stored["vertrouwelijk"] is False


async def test_400_invalid_klantcontact(server, http):
    _, url = server
    with pytest.raises(BadRequest) as err:
        await KlantinteractiesClient(url, ki_server.TOKEN, http).maak_klantcontact(contact(taal=""))
    assert err.value.code == "invalid"
    assert {"name": "klantcontact.taal", "code": "required", "reason": "Dit veld is vereist."} in err.value.body["invalidParams"]


async def test_400_interne_taak_for_unknown_klantcontact(server, http):
    _, url = server
    with pytest.raises(BadRequest) as err:
        await KlantinteractiesClient(url, ki_server.TOKEN, http).create_interne_taak(
            "00000000-0000-4000-8000-000000000000", "Terugbellen", "", [ki_server.ACTOR_UUID]
        )
    assert err.value.body["invalidParams"][0]["code"] == "does_not_exist"


async def test_401_wrong_token(server, http):
    _, url = server
    with pytest.raises(Unauthorized) as err:
        await KlantinteractiesClient(url, "wrong", http).maak_klantcontact(contact())
    assert err.value.code == "authentication_failed"


async def test_404_unknown_klantcontact(server, http):
    _, url = server
    with pytest.raises(NotFound) as err:
        await KlantinteractiesClient(url, ki_server.TOKEN, http).get_klantcontact("00000000-0000-4000-8000-000000000000")
    assert err.value.code == "not_found"


async def test_timeout(server, http):
    app, url = server
    app["behaviour"].delay_s = 1.0
    with pytest.raises(ConnectorTimeout):
        await KlantinteractiesClient(url, ki_server.TOKEN, http, timeout_s=0.2).maak_klantcontact(contact())


async def test_outbox_writes_callbacks_and_finished_conversations(stack, server, http):
    app, url = server
    settings = Settings(klantinteracties_url=url, klantinteracties_token=ki_server.TOKEN,
                        klantinteracties_actor_uuid=ki_server.ACTOR_UUID)
    client = KlantinteractiesClient(url, ki_server.TOKEN, http)
    async with own_database(stack.mongo_url) as db:
        contact_id = await contacts.link(db, ["webchat:ki-test"])
        await db.contacts.update_one({"_id": contact_id}, {"$set": {"name": "S. Moulin"}})
        conv_id = new_id()
        await db.conversations.insert_one(
            {"_id": conv_id, "channel": "webchat", "address": "ki-test", "state": "closed", "contact_id": contact_id,
             "created_at": utcnow(), "open_key": f"closed:{conv_id}", "seq": 2}
        )
        await db.conversations.insert_one(
            {"_id": new_id(), "channel": "webchat", "address": "ki-open", "state": "agent", "created_at": utcnow(),
             "open_key": "webchat:ki-open", "seq": 1}
        )
        case = await cases.create_case(db, kind="vraag", description="Wanneer komt de grofvuil?", conversation_id=conv_id,
                                       settings=settings)
        callback = await callbacks.create_callback(
            db, phone="06 12345678", subject="Vraag over de afvalpas", day_part="ochtend", conversation_id=conv_id,
            settings=settings,
        )
        assert await external_sync.sync_callbacks(db, client, settings) == 1
        stored = await db.callbacks.find_one({"_id": callback["_id"]})
        taak = app["internetaken"][stored["external"]["interne_taak_uuid"]]
        assert taak["gevraagdeHandeling"] == "Terugbellen" and "0612345678" in taak["toelichting"]
        assert [a["uuid"] for a in taak["toegewezenAanActoren"]] == [ki_server.ACTOR_UUID]

        assert await external_sync.sync_conversations(db, client) == 1  # only the closed one
        conv = await db.conversations.find_one({"_id": conv_id})
        made = app["klantcontacten"][conv["external"]["klantcontact_uuid"]]
        assert made["klantcontact"]["kanaal"] == "chat"
        assert case["number"] in made["klantcontact"]["inhoud"]
        assert made["betrokkene"]["contactnaam"]["achternaam"] == "S. Moulin"
        assert made["onderwerpobject"]["onderwerpobjectidentificator"]["objectId"] == conv_id
        assert await external_sync.sync_conversations(db, client) == 0  # written once
