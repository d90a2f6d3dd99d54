"""The local Zaken API refuses what Open Zaak refuses, and the hub's outbox no longer triggers it.

Each rule has the raw refusal (a request as an older hub sent it, answered 400 with the
provider's code) and the outbox run that now passes: a resultaat before the eindstatus, each
status at its own moment, types of the zaak's own zaaktype, RSIN/BSN that pass the eleven-test,
and a company identified by its RSIN (``innNnpId``) instead of ``kvkNummer``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import BadRequest
from connectors.kvk import KvkClient
from connectors.testservers import kvk as kvk_server
from connectors.testservers import zaken as zaken_server
from connectors.testservers.common import Fault
from connectors.zaken import ZakenClient
from hub.cases import outbox
from hub.cases import store as cases
from hub.contacts import store as contacts
from hub.contacts.portal_token import Identity
from hub.core.settings import Settings
from tests.connectors.servers import own_database
from tests.connectors.test_outbox import a_case, until_done
from tests.connectors.test_zaken import RSIN, zaak_in

TYPES = zaken_server.CATALOGUE[zaken_server.ZAAKTYPE]
OTHER = zaken_server.CATALOGUE[zaken_server.OTHER_ZAAKTYPE]
ONTVANGEN, IN_BEHANDELING, EIND = TYPES["statustypen"]
RESULTAATTYPE = TYPES["resultaattypen"][0]


def client_for(url: str, http) -> ZakenClient:
    return ZakenClient(url, zaken_server.CLIENT_ID, zaken_server.SECRET, http, timeout_s=2.0)


def settings_for(url: str, **more) -> Settings:
    fields = {
        "zaken_url": url, "zaken_client_id": zaken_server.CLIENT_ID, "zaken_secret": zaken_server.SECRET,
        "zaken_bronorganisatie": RSIN, "zaken_zaaktypen": {"melding-openbare-ruimte": zaken_server.ZAAKTYPE},
        "zaken_statustypen": {"ontvangen": ONTVANGEN, "in_behandeling": IN_BEHANDELING, "afgehandeld": EIND},
        "zaken_roltype_initiator": TYPES["roltypen"][0], "zaken_resultaattypen": {"afgehandeld": RESULTAATTYPE},
        "connector_timeout_s": 2.0,
    }
    return Settings(**{**fields, **more})


def codes(err: pytest.ExceptionInfo[BadRequest]) -> list[tuple[str, str]]:
    return [(p["name"], p["code"]) for p in err.value.body["invalidParams"]]


# ---------------------------------------------------------------------- raw refusals
async def test_eindstatus_without_resultaat_is_refused(zaken, http):
    _, url = zaken
    client = client_for(url, http)
    zaak = await client.create_zaak(zaak_in())
    with pytest.raises(BadRequest) as err:
        await client.set_status(zaak.url, EIND, datetime.now(UTC) - timedelta(minutes=1))
    assert codes(err) == [("nonFieldErrors", "resultaat-does-not-exist")]
    await client.create_resultaat(zaak.url, RESULTAATTYPE)
    await client.set_status(zaak.url, EIND, datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(BadRequest) as err:
        await client.create_resultaat(zaak.url, RESULTAATTYPE)
    assert codes(err) == [("zaak", "unique")]


async def test_types_of_another_zaaktype_are_refused(zaken, http):
    _, url = zaken
    client = client_for(url, http)
    zaak = await client.create_zaak(zaak_in())
    with pytest.raises(BadRequest) as err:
        await client.set_status(zaak.url, OTHER["statustypen"][0], datetime.now(UTC) - timedelta(minutes=1))
    assert codes(err) == [("nonFieldErrors", "zaaktype-mismatch")]
    with pytest.raises(BadRequest) as err:
        await client.add_rol(zaak.url, OTHER["roltypen"][0], "natuurlijk_persoon", {"inpBsn": "999993653"})
    assert codes(err) == [("nonFieldErrors", "zaaktype-mismatch")]
    with pytest.raises(BadRequest) as err:
        await client.create_resultaat(zaak.url, OTHER["resultaattypen"][0])
    assert codes(err) == [("nonFieldErrors", "zaaktype-mismatch")]


async def test_a_status_in_the_future_or_twice_at_one_moment_is_refused(zaken, http):
    _, url = zaken
    client = client_for(url, http)
    zaak = await client.create_zaak(zaak_in())
    with pytest.raises(BadRequest) as err:
        await client.set_status(zaak.url, ONTVANGEN, datetime.now(UTC) + timedelta(minutes=5))
    assert codes(err) == [("datumStatusGezet", "date-in-future")]
    moment = datetime.now(UTC) - timedelta(minutes=1)
    await client.set_status(zaak.url, ONTVANGEN, moment)
    with pytest.raises(BadRequest) as err:
        await client.set_status(zaak.url, IN_BEHANDELING, moment)
    assert codes(err) == [("nonFieldErrors", "unique")]


async def test_rsin_and_bsn_must_pass_the_eleven_test(zaken, http):
    _, url = zaken
    client = client_for(url, http)
    with pytest.raises(BadRequest) as err:
        await client.create_zaak(zaak_in(bronorganisatie="123456789"))
    assert codes(err) == [("bronorganisatie", "invalid")]
    zaak = await client.create_zaak(zaak_in())
    roltype = TYPES["roltypen"][0]
    with pytest.raises(BadRequest) as err:
        await client.add_rol(zaak.url, roltype, "natuurlijk_persoon", {"inpBsn": "123456789"})
    assert codes(err) == [("betrokkeneIdentificatie.inpBsn", "invalid")]
    with pytest.raises(BadRequest) as err:
        await client.add_rol(zaak.url, roltype, "niet_natuurlijk_persoon", {"innNnpId": "123456789"})
    assert codes(err) == [("betrokkeneIdentificatie.innNnpId", "invalid")]


async def test_a_kvk_nummer_in_a_rol_is_dropped_by_a_1_5_1_server(zaken, http):
    """What an older hub sent for a company: Zaken API 1.5.1 has no kvkNummer, so the rol named no one."""
    app, url = zaken
    client = client_for(url, http)
    zaak = await client.create_zaak(zaak_in())
    rol = await client.add_rol(zaak.url, TYPES["roltypen"][0], "niet_natuurlijk_persoon", {"kvkNummer": "68750110"})
    assert rol["betrokkeneIdentificatie"] == {}
    assert app["zaken"][zaak.uuid]["rollen"][0]["betrokkeneIdentificatie"] == {}


# ---------------------------------------------------------------------- the outbox passes them
async def test_outbox_sets_the_resultaat_before_the_eindstatus(stack, zaken, http):
    app, url = zaken
    settings = settings_for(url)
    async with own_database(stack.mongo_url) as db:
        case = await a_case(db, settings)
        await cases.change_status(db, case["number"], "afgehandeld", by="agent", note="Tegel is vastgezet")
        await until_done(lambda: outbox.sync_cases(db, client_for(url, http), settings))
        (zaak,) = app["zaken"].values()
        (resultaat,) = app["resultaten"].values()
        assert resultaat["resultaattype"] == RESULTAATTYPE and resultaat["toelichting"] == "Tegel is vastgezet"
        assert [s["statustype"] for s in app["statussen"].values()] == [ONTVANGEN, IN_BEHANDELING, EIND]
        assert zaak["status"] and zaak["resultaat"] == resultaat["url"]
        stored = await db.cases.find_one({"_id": case["_id"]})
        assert stored["external"]["resultaat_url"] == resultaat["url"]


async def test_outbox_without_a_resultaattype_keeps_the_refusal_on_the_record(stack, zaken, http):
    app, url = zaken
    settings = settings_for(url, zaken_resultaattypen={})
    async with own_database(stack.mongo_url) as db:
        case = await a_case(db, settings)
        await cases.change_status(db, case["number"], "afgehandeld", by="agent")
        assert await outbox.sync_cases(db, client_for(url, http), settings) == 0
        stored = await db.cases.find_one({"_id": case["_id"]})
        assert stored["sync"]["zaken_error"] == "invalid"  # resultaat-does-not-exist, the eindstatus not written
        assert len(app["statussen"]) == 2 and not app["resultaten"]


async def test_outbox_gives_statuses_of_one_moment_each_their_own(stack, zaken, http):
    app, url = zaken
    settings = settings_for(url)
    async with own_database(stack.mongo_url) as db:
        case = await a_case(db, settings)
        first = (await db.cases.find_one({"_id": case["_id"]}))["status_history"][0]["at"]
        await db.cases.update_one({"_id": case["_id"]}, {"$set": {"status_history.1.at": first}})
        await until_done(lambda: outbox.sync_cases(db, client_for(url, http), settings))
        moments = sorted(s["_moment"] for s in app["statussen"].values())
        assert len(moments) == 2 and moments[1] - moments[0] == timedelta(milliseconds=1)


async def test_outbox_takes_over_a_status_it_made_but_did_not_record(stack, zaken, http):
    """The server holds our status but the hub's record lost the step (not even marked tried):
    the create is refused as ``unique`` and the outbox takes the status over instead of failing."""
    app, url = zaken
    settings = settings_for(url)
    client = client_for(url, http)
    async with own_database(stack.mongo_url) as db:
        case = await a_case(db, settings)
        await until_done(lambda: outbox.sync_cases(db, client, settings))
        stored = await db.cases.find_one({"_id": case["_id"]})
        await db.cases.update_one(
            {"_id": case["_id"]},
            {"$unset": {"external.statussen.1-in_behandeling": ""}, "$set": {"sync.zaken_statuses": 1, "sync.zaken_status": "pending"},
             "$pull": {"sync.zaken_tried": "status:1-in_behandeling"}},
        )
        assert await outbox.sync_cases(db, client, settings) == 1
        again = await db.cases.find_one({"_id": case["_id"]})
        assert again["external"]["statussen"] == stored["external"]["statussen"]
        assert len(app["statussen"]) == 2


RESULTAAT_FAULTS = {
    "resultaat 500": Fault("POST", "/resultaten"),
    "resultaat time-out after acting": Fault("POST", "/resultaten", after=True, hang_s=3.5),
    "eindstatus time-out after acting": Fault("POST", "/statussen", after=True, hang_s=3.5, skip=2),
}


@pytest.mark.parametrize("fault", RESULTAAT_FAULTS.values(), ids=RESULTAAT_FAULTS.keys())
async def test_a_closed_case_retried_writes_each_object_once(stack, zaken, http, fault):
    app, url = zaken
    settings = settings_for(url)
    client = client_for(url, http)
    async with own_database(stack.mongo_url) as db:
        case = await a_case(db, settings)
        await cases.change_status(db, case["number"], "afgehandeld", by="agent")
        app["behaviour"].faults.append(fault)
        assert await outbox.sync_cases(db, client, settings) == 0
        await until_done(lambda: outbox.sync_cases(db, client, settings))
        assert len(app["zaken"]) == 1 and len(app["resultaten"]) == 1 and len(app["statussen"]) == 3
        (zaak,) = app["zaken"].values()
        assert len(zaak["rollen"]) == 1


async def test_outbox_identifies_a_company_by_its_rsin_from_kvk(stack, zaken, kvk, http):
    app, url = zaken
    _, kvk_url = kvk
    settings = settings_for(url, zaken_zaaktypen={"vraag": zaken_server.ZAAKTYPE}, kvk_url=kvk_url, kvk_api_key=kvk_server.API_KEY)
    async with own_database(stack.mongo_url) as db:
        org = await contacts.attach_identity(db, Identity(kind="organisation", kvk="68750110"), ["webchat:rsin-test"], None)
        await db.contacts.update_one({"_id": org}, {"$set": {"name": "Lindewaard Installatietechniek B.V."}})
        await cases.create_case(db, kind="vraag", description="Vergunning voor een steiger", contact_id=org, settings=settings)
        kvk_client = KvkClient(kvk_url, kvk_server.API_KEY, http)
        assert await outbox.sync_cases(db, client_for(url, http), settings, kvk=kvk_client) == 1
        (zaak,) = app["zaken"].values()
        assert zaak["rollen"][0]["betrokkeneType"] == "niet_natuurlijk_persoon"
        assert zaak["rollen"][0]["betrokkeneIdentificatie"] == {
            "innNnpId": "001000019", "statutaireNaam": "Lindewaard Installatietechniek B.V."
        }
        assert (await db.contacts.find_one({"_id": org}))["rsin"] == "001000019"
