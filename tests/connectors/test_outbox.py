"""The outbox creates every remote object once, against the local Zaken API and Open Klant servers.

A failure between the steps (the server answers 500 before acting, or acts and then answers too
late for the client) is retried from the first step not recorded, and a step that may have acted
is looked up before it is tried again: after the retries exactly one zaak, rol, status,
klantcontact and interne taak exists. Two hub replicas (two leases on one database) push each
record once.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from connectors.klantinteracties import Klantcontact, KlantinteractiesClient, zaak_onderwerp
from connectors.testservers import klantinteracties as ki_server
from connectors.testservers import zaken as zaken_server
from connectors.testservers.common import Fault
from connectors.zaken import ZaakIn, ZakenClient
from hub.cases import callbacks, outbox
from hub.cases import store as cases
from hub.contacts import store as contacts
from hub.contacts.portal_token import Identity
from hub.core.models import new_id, utcnow
from hub.core.settings import Settings
from tests.connectors.servers import own_database

ZAAKTYPE = next(iter(zaken_server.ZAAKTYPEN))
STATUSTYPEN = sorted(zaken_server.STATUSTYPEN)
ROLTYPE = next(iter(zaken_server.ROLTYPEN))
RSIN = "002220647"
TIMEOUT_S = 2.0  # the client's; a fault "after" holds the answer longer


def strike(app, fault: Fault) -> None:
    """Arm a copy of ``fault`` (the parametrised one stays as it is) on the test server."""
    app["behaviour"].faults.append(replace(fault, hang_s=TIMEOUT_S + 1.5))


def settings_for(zaken_url: str | None = None, ki_url: str | None = None, **more) -> Settings:
    return Settings(
        zaken_url=zaken_url, zaken_client_id=zaken_server.CLIENT_ID, zaken_secret=zaken_server.SECRET,
        zaken_bronorganisatie=RSIN, zaken_zaaktypen={"melding-openbare-ruimte": ZAAKTYPE, "vraag": ZAAKTYPE},
        zaken_statustypen={"ontvangen": STATUSTYPEN[0], "in_behandeling": STATUSTYPEN[1]}, zaken_roltype_initiator=ROLTYPE,
        klantinteracties_url=ki_url, klantinteracties_token=ki_server.TOKEN, klantinteracties_actor_uuid=ki_server.ACTOR_UUID,
        connector_timeout_s=TIMEOUT_S, **more,
    )


async def a_case(db, settings: Settings, bsn: str = "999993653", kind: str = "melding-openbare-ruimte") -> dict:
    """A case of a resident with a BSN and two statuses (ontvangen, in_behandeling)."""
    person = await contacts.attach_identity(db, Identity(kind="person", bsn=bsn), [f"webchat:outbox-{bsn}"], None)
    case = await cases.create_case(db, kind=kind, description="Losliggende stoeptegel bij de school",
                                   contact_id=person, settings=settings)
    await cases.change_status(db, case["number"], "in_behandeling", by="agent")
    return case


async def a_closed_conversation(db, address: str) -> str:
    contact_id = await contacts.link(db, [f"webchat:{address}"])
    await db.contacts.update_one({"_id": contact_id}, {"$set": {"name": "S. Moulin"}})
    conv_id = new_id()
    await db.conversations.insert_one(
        {"_id": conv_id, "channel": "webchat", "address": address, "state": "closed", "contact_id": contact_id,
         "created_at": utcnow(), "open_key": f"closed:{conv_id}", "seq": 2}
    )
    return conv_id


async def until_done(push, rounds: int = 5) -> None:
    """Retry rounds as the loop would, until one has nothing left to do."""
    for _ in range(rounds):
        if await push() == 0:
            return
    raise AssertionError("the outbox did not finish")


# ---------------------------------------------------------------------- Zaken API
ZAKEN_FAULTS = {
    "zaak 500": Fault("POST", "/zaken"),
    "zaak time-out after acting": Fault("POST", "/zaken", after=True),
    "rol 500": Fault("POST", "/rollen"),
    "rol time-out after acting": Fault("POST", "/rollen", after=True),
    "first status time-out after acting": Fault("POST", "/statussen", after=True),
    "second status 500": Fault("POST", "/statussen", skip=1),
    "second status time-out after acting": Fault("POST", "/statussen", after=True, skip=1),
}


@pytest.mark.parametrize("fault", ZAKEN_FAULTS.values(), ids=ZAKEN_FAULTS.keys())
async def test_one_zaak_rol_and_status_each_after_a_failure_between_the_steps(stack, zaken, http, fault):
    app, url = zaken
    settings = settings_for(url)
    client = ZakenClient(url, zaken_server.CLIENT_ID, zaken_server.SECRET, http, timeout_s=TIMEOUT_S)
    async with own_database(stack.mongo_url) as db:
        case = await a_case(db, settings)
        strike(app, fault)
        assert await outbox.sync_cases(db, client, settings) == 0
        assert app["behaviour"].faults == []  # the fault struck in this round
        failed = await db.cases.find_one({"_id": case["_id"]})
        assert failed["sync"]["zaken"] == "pending"
        assert failed["sync"]["zaken_error"] == ("timeout" if fault.after else "server_error")

        await until_done(lambda: outbox.sync_cases(db, client, settings))
        assert len(app["zaken"]) == 1
        (zaak,) = app["zaken"].values()
        assert zaak["identificatie"] == case["number"]
        assert len(zaak["rollen"]) == 1
        assert sorted(s["statustype"] for s in app["statussen"].values()) == STATUSTYPEN[:2]
        stored = await db.cases.find_one({"_id": case["_id"]})
        assert stored["sync"]["zaken"] == "done" and stored["sync"]["zaken_status"] == "done"
        assert stored["external"]["zaak_url"] == zaak["url"] and stored["external"]["rol_url"] == zaak["rollen"][0]["url"]
        assert stored["external"]["statussen"] == {
            f"{n}-{s}": next(x["url"] for x in app["statussen"].values() if x["statustype"] == STATUSTYPEN[n])
            for n, s in enumerate(["ontvangen", "in_behandeling"])
        }


async def test_a_later_status_is_pushed_once_after_a_time_out(stack, zaken, http):
    app, url = zaken
    settings = settings_for(url)
    client = ZakenClient(url, zaken_server.CLIENT_ID, zaken_server.SECRET, http, timeout_s=TIMEOUT_S)
    async with own_database(stack.mongo_url) as db:
        case = await a_case(db, settings)
        assert await outbox.sync_cases(db, client, settings) == 1
        await cases.change_status(db, case["number"], "ontvangen", by="agent")  # back: the same statustype again
        strike(app, Fault("POST", "/statussen", after=True))
        assert await outbox.sync_cases(db, client, settings) == 0
        await until_done(lambda: outbox.sync_cases(db, client, settings))
        assert sorted(s["statustype"] for s in app["statussen"].values()) == sorted([STATUSTYPEN[0], STATUSTYPEN[0], STATUSTYPEN[1]])
        stored = await db.cases.find_one({"_id": case["_id"]})
        assert set(stored["external"]["statussen"]) == {"0-ontvangen", "1-in_behandeling", "2-ontvangen"}
        assert stored["sync"]["zaken_statuses"] == 3 and stored["sync"]["zaken_status"] == "done"


async def test_a_zaak_with_our_identificatie_is_taken_over_not_made_again(stack, zaken, http):
    """Made by an earlier try whose record was lost: the API refuses a second zaak with that identificatie."""
    app, url = zaken
    settings = settings_for(url)
    client = ZakenClient(url, zaken_server.CLIENT_ID, zaken_server.SECRET, http)
    async with own_database(stack.mongo_url) as db:
        case = await a_case(db, settings)
        earlier = await client.create_zaak(ZaakIn(
            identificatie=case["number"], bronorganisatie=RSIN, verantwoordelijkeOrganisatie=RSIN, zaaktype=ZAAKTYPE,
            omschrijving="Melding", startdatum=case["created_at"].date(),
        ))
        assert await outbox.sync_cases(db, client, settings) == 1
        assert list(app["zaken"]) == [earlier.uuid]
        assert (await db.cases.find_one({"_id": case["_id"]}))["external"]["zaak_url"] == earlier.url


async def test_a_record_an_older_hub_left_half_done_is_looked_up_step_by_step(stack, zaken, http):
    """Pushed before the steps were written down: the zaak is recorded, the rol was made but its answer lost."""
    app, url = zaken
    settings = settings_for(url)
    client = ZakenClient(url, zaken_server.CLIENT_ID, zaken_server.SECRET, http)
    async with own_database(stack.mongo_url) as db:
        case = await a_case(db, settings)
        zaak = await client.create_zaak(ZaakIn(
            bronorganisatie=RSIN, verantwoordelijkeOrganisatie=RSIN, zaaktype=ZAAKTYPE, omschrijving="Melding",
            startdatum=case["created_at"].date(),
        ))
        rol = await client.add_rol(zaak.url, ROLTYPE, "natuurlijk_persoon", {"inpBsn": "999993653"})
        await db.cases.update_one({"_id": case["_id"]}, {"$set": {
            "external.zaak_url": zaak.url, "external.zaak_uuid": zaak.uuid, "sync.zaken_attempts": 1,
            "sync.zaken_error": "timeout",
        }})
        await until_done(lambda: outbox.sync_cases(db, client, settings))
        assert list(app["zaken"]) == [zaak.uuid]
        assert [r["url"] for r in app["zaken"][zaak.uuid]["rollen"]] == [rol["url"]]
        assert len(app["statussen"]) == 2
        assert (await db.cases.find_one({"_id": case["_id"]}))["external"]["rol_url"] == rol["url"]


# ---------------------------------------------------------------------- Klantinteracties API
KI_FAULTS = {
    "klantcontact 500": Fault("POST", "/maak-klantcontact"),
    "klantcontact time-out after acting": Fault("POST", "/maak-klantcontact", after=True),
    "interne taak 500": Fault("POST", "/internetaken"),
    "interne taak time-out after acting": Fault("POST", "/internetaken", after=True),
    "actor time-out after acting": Fault("POST", "/actoren", after=True),
    "actor link time-out after acting": Fault("POST", "/actorklantcontacten", after=True),
    "digitaal adres time-out after acting": Fault("POST", "/digitaleadressen", after=True),
}


@pytest.mark.parametrize("fault", KI_FAULTS.values(), ids=KI_FAULTS.keys())
async def test_one_klantcontact_and_interne_taak_after_a_failure_between_the_steps(stack, ki, http, fault):
    app, url = ki
    settings = settings_for(ki_url=url)
    client = KlantinteractiesClient(url, ki_server.TOKEN, http, timeout_s=TIMEOUT_S)
    async with own_database(stack.mongo_url) as db:
        conv_id = await a_closed_conversation(db, "outbox-callback")
        callback = await callbacks.create_callback(
            db, phone="06 12345678", subject="Vraag over de afvalpas", day_part="ochtend", conversation_id=conv_id,
            settings=settings,
        )
        strike(app, fault)
        assert await outbox.sync_callbacks(db, client, settings) == 0
        assert app["behaviour"].faults == []
        failed = await db.callbacks.find_one({"_id": callback["_id"]})
        assert failed["sync"]["klantinteracties_error"] == ("timeout" if fault.after else "server_error")

        await until_done(lambda: outbox.sync_callbacks(db, client, settings))
        assert len(app["klantcontacten"]) == 1 and len(app["internetaken"]) == 1
        assert len(app["actorklantcontacten"]) == 1 and len(app["digitaleadressen"]) == 1
        assert [a["soortActor"] for a in app["actoren"].values()].count("medewerker") == 0
        (made,) = app["klantcontacten"].values()
        (taak,) = app["internetaken"].values()
        (link,) = app["actorklantcontacten"].values()
        (adres,) = app["digitaleadressen"].values()
        stored = await db.callbacks.find_one({"_id": callback["_id"]})
        assert stored["sync"]["klantinteracties"] == "done"
        assert stored["external"] == {
            "klantcontact_uuid": made["klantcontact"]["uuid"], "klantcontact_url": made["klantcontact"]["url"],
            "betrokkene_url": made["betrokkene"]["url"], "onderwerpobject_url": made["onderwerpobject"]["url"],
            "interne_taak_uuid": taak["uuid"], "interne_taak_url": taak["url"],
            "actoren": {"bot": link["actor"]["uuid"]}, "actorklantcontacten": {"bot": link["uuid"]},
            "digitale_adressen": {"telefoonnummer": adres["uuid"]},
        }
        assert made["klantcontact"]["leiddeTotInterneTaken"] == [{"uuid": taak["uuid"], "url": taak["url"]}]


async def test_conversation_about_a_zaak_makes_one_klantcontact_and_leaves_others_alone(stack, ki, http):
    app, url = ki
    settings = settings_for(ki_url=url)
    client = KlantinteractiesClient(url, ki_server.TOKEN, http, timeout_s=TIMEOUT_S)
    async with own_database(stack.mongo_url) as db:
        conv_id = await a_closed_conversation(db, "outbox-zaak")
        case = await cases.create_case(db, kind="vraag", description="Wanneer komt de grofvuil?", conversation_id=conv_id,
                                       settings=settings)
        zaak_uuid = "0f2bde6c-0000-4000-8000-0000000000aa"
        await db.cases.update_one({"_id": case["_id"]}, {"$set": {"external.zaak_uuid": zaak_uuid}})
        # an agent's klantcontact about the same zaak, on the same channel, at another moment: not ours
        conv = await db.conversations.find_one({"_id": conv_id})
        other = await client.maak_klantcontact(
            Klantcontact(kanaal="chat", onderwerp="Gesprek via chat", plaatsgevondenOp=conv["created_at"] - timedelta(hours=1)),
            None, zaak_onderwerp(zaak_uuid),
        )
        strike(app, Fault("POST", "/maak-klantcontact", after=True))
        assert await outbox.sync_conversations(db, client) == 0
        await until_done(lambda: outbox.sync_conversations(db, client))
        assert len(app["klantcontacten"]) == 2
        stored = await db.conversations.find_one({"_id": conv_id})
        assert stored["external"]["klantcontact_uuid"] != other.uuid
        ours = app["klantcontacten"][stored["external"]["klantcontact_uuid"]]
        assert ours["onderwerpobject"]["onderwerpobjectidentificator"]["objectId"] == zaak_uuid


async def test_conversation_found_again_when_its_zaak_arrived_between_two_tries(stack, ki, http):
    app, url = ki
    settings = settings_for(ki_url=url)
    client = KlantinteractiesClient(url, ki_server.TOKEN, http, timeout_s=TIMEOUT_S)
    async with own_database(stack.mongo_url) as db:
        conv_id = await a_closed_conversation(db, "outbox-late-zaak")
        case = await cases.create_case(db, kind="vraag", description="Wanneer komt de grofvuil?", conversation_id=conv_id,
                                       settings=settings)
        strike(app, Fault("POST", "/maak-klantcontact", after=True))
        assert await outbox.sync_conversations(db, client) == 0  # made about the conversation itself
        await db.cases.update_one({"_id": case["_id"]}, {"$set": {"external.zaak_uuid": "0f2bde6c-0000-4000-8000-0000000000bb"}})
        await until_done(lambda: outbox.sync_conversations(db, client))
        assert len(app["klantcontacten"]) == 1
        (made,) = app["klantcontacten"].values()
        assert (await db.conversations.find_one({"_id": conv_id}))["external"]["klantcontact_uuid"] == made["klantcontact"]["uuid"]


# ---------------------------------------------------------------------- one replica at a time
def bsns(start: int):
    """Nine-digit numbers from ``start`` on that pass the BSN eleven-test."""
    for number in range(start, start + 10_000):
        digits = [int(d) for d in f"{number:09d}"]
        if sum(d * w for d, w in zip(digits, [9, 8, 7, 6, 5, 4, 3, 2, -1], strict=True)) % 11 == 0:
            yield f"{number:09d}"


async def records(db, settings: Settings, tag: str, n: int = 3) -> None:
    for i, bsn in zip(range(n), bsns(999990000 + 1000 * int(tag)), strict=False):
        await a_case(db, settings, bsn=bsn, kind="vraag")
        conv_id = await a_closed_conversation(db, f"outbox-{tag}-{i}")
        await callbacks.create_callback(db, phone="06 12345678", subject=f"Vraag {tag}{i}", conversation_id=conv_id,
                                        settings=settings)


def assert_each_once(zaken_app, ki_app, n: int) -> None:
    assert len(zaken_app["zaken"]) == n
    assert [len(z["rollen"]) for z in zaken_app["zaken"].values()] == [1] * n
    assert len(zaken_app["statussen"]) == 2 * n
    assert len(ki_app["klantcontacten"]) == 2 * n  # a callback's and its closed conversation's
    assert len(ki_app["internetaken"]) == n


async def test_two_replicas_push_each_record_once(stack, zaken, ki, http):
    zaken_app, zaken_url = zaken
    ki_app, ki_url = ki
    settings = settings_for(zaken_url, ki_url, connector_sync_s=0.05)
    async with own_database(stack.mongo_url) as db:
        await records(db, settings, "1")
        zaken_app["behaviour"].delay_s = ki_app["behaviour"].delay_s = 0.05  # the two rounds overlap
        one, two = outbox.outbox_lease(db, settings), outbox.outbox_lease(db, settings)
        results = await asyncio.gather(outbox.sync_round(db, settings, http, one), outbox.sync_round(db, settings, http, two))
        assert_each_once(zaken_app, ki_app, 3)
        assert None in results  # one replica skipped the round
        assert [r for r in results if r is not None] == [{"cases": 3, "callbacks": 3, "callbacks_closed": 0, "conversations": 3}]
        assert await db.counters.find_one({"_id": outbox.LEASE_NAME}) is not None

        # the loops of two hub replicas side by side, with records arriving meanwhile
        loops = [asyncio.create_task(outbox.run(db, settings, http)) for _ in range(2)]
        try:
            await records(db, settings, "2")
            for _ in range(200):
                pending = await db.cases.count_documents({"sync.zaken": "pending"}) + await db.callbacks.count_documents(
                    {"sync.klantinteracties": "pending"}
                ) + await db.conversations.count_documents({"sync.klantinteracties": {"$in": [None, "pending"]}})
                if not pending:
                    break
                await asyncio.sleep(0.1)
            assert not pending
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
        assert_each_once(zaken_app, ki_app, 6)
