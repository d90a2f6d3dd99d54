"""The Zaken API 1.5 client against the local server (JWT, CRS headers, errors), and the outbox
that registers the hub's cases there with the resident's role and the status history."""

from __future__ import annotations

from datetime import UTC, date, datetime

import jwt
import pytest

from connectors.base import BadRequest, ConnectorTimeout, NotFound, Unauthorized
from connectors.testservers import zaken as zaken_server
from connectors.zaken import ZaakIn, ZakenClient
from hub.cases import outbox as external_sync
from hub.cases import store as cases
from hub.contacts import store as contacts
from hub.contacts.portal_token import Identity
from hub.core.settings import Settings
from tests.connectors.servers import own_database, serve

ZAAKTYPE = next(iter(zaken_server.ZAAKTYPEN))
STATUSTYPEN = sorted(zaken_server.STATUSTYPEN)
ROLTYPE = next(iter(zaken_server.ROLTYPEN))
RSIN = "002220647"


@pytest.fixture
async def server():
    app = zaken_server.make_app()
    async with serve(app) as url:
        yield app, url + zaken_server.BASE


def zaak_in(**overrides) -> ZaakIn:
    fields = {
        "bronorganisatie": RSIN, "verantwoordelijkeOrganisatie": RSIN, "zaaktype": ZAAKTYPE,
        "omschrijving": "Melding openbare ruimte", "startdatum": date(2026, 3, 2),
    }
    return ZaakIn(**{**fields, **overrides})


async def test_zaak_status_and_rol(server, http):
    app, url = server
    client = ZakenClient(url, zaken_server.CLIENT_ID, zaken_server.SECRET, http)
    zaak = await client.create_zaak(zaak_in(zaakgeometrie={"type": "Point", "coordinates": [5.1, 52.1]}))
    assert zaak.url.startswith(url + "/zaken/") and zaak.identificatie
    sent = app["behaviour"].requests[-1]
    assert sent["headers"]["Content-Crs"] == "EPSG:4326"
    claims = jwt.decode(sent["headers"]["Authorization"][7:], zaken_server.SECRET, algorithms=["HS256"])
    assert claims["client_id"] == claims["iss"] == zaken_server.CLIENT_ID and "iat" in claims
    await client.set_status(zaak.url, STATUSTYPEN[0], datetime(2026, 3, 2, 9, tzinfo=UTC), "Ontvangen")
    await client.add_rol(zaak.url, ROLTYPE, "natuurlijk_persoon", {"inpBsn": "999993653"})
    stored = app["zaken"][zaak.uuid]
    assert stored["status"] and stored["rollen"][0]["betrokkeneIdentificatie"] == {"inpBsn": "999993653"}
    assert (await client.get_zaak(zaak.url)).uuid == zaak.uuid


async def test_400_unknown_zaaktype(server, http):
    _, url = server
    client = ZakenClient(url, zaken_server.CLIENT_ID, zaken_server.SECRET, http)
    with pytest.raises(BadRequest) as err:
        await client.create_zaak(zaak_in(zaaktype="https://elders.example.nl/zaaktypen/x"))
    assert err.value.code == "invalid"
    assert err.value.body["invalidParams"] == [{"name": "zaaktype", "code": "bad-url", "reason": "De URL is geen bekend zaaktype."}]


async def test_401_wrong_secret(server, http):
    _, url = server
    with pytest.raises(Unauthorized) as err:
        await ZakenClient(url, zaken_server.CLIENT_ID, "not-the-secret", http).create_zaak(zaak_in())
    assert err.value.status == 401 and err.value.code == "not_authenticated"


async def test_404_unknown_zaak(server, http):
    _, url = server
    client = ZakenClient(url, zaken_server.CLIENT_ID, zaken_server.SECRET, http)
    with pytest.raises(NotFound) as err:
        await client.get_zaak(f"{url}/zaken/00000000-0000-4000-8000-000000000000")
    assert err.value.code == "not_found"


async def test_timeout(server, http):
    app, url = server
    app["behaviour"].delay_s = 1.0
    with pytest.raises(ConnectorTimeout):
        await ZakenClient(url, zaken_server.CLIENT_ID, zaken_server.SECRET, http, timeout_s=0.2).create_zaak(zaak_in())


async def test_outbox_registers_cases_with_role_and_statuses(stack, server, http):
    app, url = server
    settings = Settings(
        zaken_url=url, zaken_client_id=zaken_server.CLIENT_ID, zaken_secret=zaken_server.SECRET,
        zaken_bronorganisatie=RSIN, zaken_zaaktypen={"melding-openbare-ruimte": ZAAKTYPE},
        zaken_statustypen={"ontvangen": STATUSTYPEN[0], "in_behandeling": STATUSTYPEN[1]}, zaken_roltype_initiator=ROLTYPE,
    )
    client = ZakenClient(url, zaken_server.CLIENT_ID, zaken_server.SECRET, http)
    async with own_database(stack.mongo_url) as db:
        person = await contacts.attach_identity(db, Identity(kind="person", bsn="999993653"), ["webchat:zaak-test"], None)
        case = await cases.create_case(
            db, kind="melding-openbare-ruimte", description="Losliggende stoeptegel bij de school",
            location={"latitude": 52.1, "longitude": 5.1}, contact_id=person, settings=settings,
        )
        other = await cases.create_case(db, kind="klacht", description="Niet teruggebeld", contact_id=person, settings=settings)
        assert await external_sync.sync_cases(db, client, settings) == 1
        stored = await db.cases.find_one({"_id": case["_id"]})
        assert stored["sync"]["zaken"] == "done"
        zaak = app["zaken"][stored["external"]["zaak_uuid"]]
        assert zaak["kenmerken"] == [{"kenmerk": case["number"], "bron": "KCC"}]
        assert zaak["zaakgeometrie"] == {"type": "Point", "coordinates": [5.1, 52.1]}
        assert zaak["rollen"][0]["betrokkeneIdentificatie"] == {"inpBsn": "999993653"}
        assert len(app["statussen"]) == 1
        assert (await db.cases.find_one({"_id": other["_id"]}))["sync"]["zaken"] == "no_zaaktype"

        await cases.change_status(db, case["number"], "in_behandeling", by="agent")
        assert await external_sync.sync_cases(db, client, settings) == 1
        assert len(app["statussen"]) == 2
        assert (await db.cases.find_one({"_id": case["_id"]}))["sync"]["zaken_status"] == "done"


async def test_outbox_retries_after_a_failure(stack, server, http):
    app, url = server
    settings = Settings(
        zaken_url=url, zaken_client_id=zaken_server.CLIENT_ID, zaken_secret="wrong", zaken_bronorganisatie=RSIN,
        zaken_zaaktypen={"vraag": ZAAKTYPE},
    )
    async with own_database(stack.mongo_url) as db:
        case = await cases.create_case(db, kind="vraag", description="Hoe zit het met mijn aanvraag?", settings=settings)
        bad = ZakenClient(url, zaken_server.CLIENT_ID, "wrong", http)
        assert await external_sync.sync_cases(db, bad, settings) == 0
        stored = await db.cases.find_one({"_id": case["_id"]})
        assert stored["sync"]["zaken"] == "pending" and stored["sync"]["zaken_error"] == "not_authenticated"
        good = ZakenClient(url, zaken_server.CLIENT_ID, zaken_server.SECRET, http)
        assert await external_sync.sync_cases(db, good, settings) == 1
        assert len(app["zaken"]) == 1
