"""End to end through a running hub with its outbox switched on: a resident's identified web chat
goes to an agent, who makes a case and a callback request and closes the chat; the hub's own
outbox loop pushes them, and KISS finds them in the local Open Klant server. The agent's contact
card (the API and the console in real Chromium) then shows a contact a KISS desk made, beside the hub's own.

A second hub (``tests/auth/hubs.py``) with a database of its own is started for this, with the
Zaken and Klantinteracties connectors pointed at local servers served by this test; its bot
address is closed, so the resident's chat goes to the agents' queue at once.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aiohttp
import pytest
from motor.motor_asyncio import AsyncIOMotorClient

from connectors.klantinteracties import Betrokkene, Klantcontact, KlantinteractiesClient
from connectors.testservers import klantinteracties as ki_server
from connectors.testservers import zaken as zaken_server
from hub.cli import launcher
from hub.core.models import utcnow
from hub.staff import auth
from tests.auth import hubs
from tests.connectors.servers import serve
from tests.connectors.test_kiss import Kiss
from tests.connectors.test_zaken import RSIN
from tests.contacts.tokens import portal_token
from tests.e2e.browser import browser
from tests.polling import eventually

BSN = "222333406"  # passes the eleven-test; this hub's database is its own
PASSWORD = "test-password-123"


def hub_env(zaken_port: int, ki_port: int) -> dict[str, str]:
    types = zaken_server.CATALOGUE[zaken_server.ZAAKTYPE]
    local = "http://127.0.0.1"
    return {
        "KCC_RASA_URL": f"{local}:{launcher.free_port()}",  # nobody listens: the chat goes to the queue
        "KCC_ZAKEN_URL": f"{local}:{zaken_port}{zaken_server.BASE}", "KCC_ZAKEN_CLIENT_ID": zaken_server.CLIENT_ID,
        "KCC_ZAKEN_SECRET": zaken_server.SECRET, "KCC_ZAKEN_BRONORGANISATIE": RSIN,
        "KCC_ZAKEN_ZAAKTYPEN": f'{{"vraag": "{zaken_server.ZAAKTYPE}"}}',
        "KCC_ZAKEN_STATUSTYPEN": f'{{"ontvangen": "{types["statustypen"][0]}"}}',
        "KCC_ZAKEN_ROLTYPE_INITIATOR": types["roltypen"][0],
        "KCC_KLANTINTERACTIES_URL": f"{local}:{ki_port}{ki_server.BASE}", "KCC_KLANTINTERACTIES_TOKEN": ki_server.TOKEN,
        "KCC_KLANTINTERACTIES_ACTOR_UUID": ki_server.ACTOR_UUID,
        "KCC_CONNECTOR_SYNC_S": "0.5", "KCC_CONNECTOR_TIMEOUT_S": "2",
    }


async def call(http: aiohttp.ClientSession, method: str, url: str, csrf: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    async with http.request(method, url, json=body, headers={"X-CSRF-Token": csrf}) as resp:
        return resp.status, await resp.json()


@pytest.mark.browser
async def test_a_running_hub_writes_what_kiss_finds(stack, http):
    zaken_port, ki_port = launcher.free_port(), launcher.free_port()
    zaken_app, ki_app = zaken_server.make_app(), ki_server.make_app()
    async with serve(zaken_app, zaken_port), serve(ki_app, ki_port):
        name = f"kiss{uuid.uuid4().hex[:4]}"
        hub = await asyncio.to_thread(hubs.start, stack, name, hub_env(zaken_port, ki_port))
        mongo = AsyncIOMotorClient(stack.mongo_url, tz_aware=True)
        db = mongo[hub.db_name]
        try:
            await run_the_day(http, hub.url, db, ki_port)
        finally:
            hubs.stop(name)
            await mongo.drop_database(hub.db_name)
            mongo.close()


async def run_the_day(http: aiohttp.ClientSession, hub_url: str, db, ki_port: int) -> None:
    session_id = f"kiss-{uuid.uuid4().hex[:8]}"
    async with http.post(f"{hub_url}/api/v1/webchat/messages",
                         json={"session_id": session_id, "text": "Mijn afvalpas is kwijt, kunt u mij terugbellen?",
                               "identity_token": portal_token(bsn=BSN)}) as resp:
        assert resp.status == 200, await resp.text()
        conv_id = (await resp.json())["conversation_id"]
    agent = f"agent-{uuid.uuid4().hex[:6]}"
    await auth.create_staff(db, agent, PASSWORD, ["agent", "supervisor"], name="Anna de Vries", team="kcc")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as desk:
        async with desk.post(f"{hub_url}/api/v1/auth/login", json={"username": agent, "password": PASSWORD}) as resp:
            assert resp.status == 200, await resp.text()
            csrf = (await resp.json())["csrf_token"]
        base = f"{hub_url}/api/v1/handover/conversations/{conv_id}"
        status, body = await call(desk, "POST", f"{base}/take", csrf)
        assert status == 200, body
        status, case = await call(desk, "POST", f"{base}/case", csrf, {"kind": "vraag", "description": "Afvalpas kwijt"})
        assert status == 201, case
        status, callback = await call(desk, "POST", f"{base}/callback", csrf, {"phone": "06 1234 5670", "subject": "Afvalpas"})
        assert status == 201, callback
        status, body = await call(desk, "POST", f"{base}/close", csrf, {"outcome": "callback_created"})
        assert status == 200, body

        ki_url = f"http://127.0.0.1:{ki_port}{ki_server.BASE}"
        kiss = Kiss(http, ki_url)

        async def both_contacts() -> list[dict[str, Any]] | None:
            partijen = (await kiss.get("partijen", soortPartij="persoon", partijIdentificator__codeSoortObjectId="bsn",
                                       partijIdentificator__objectId=BSN))["results"]
            if not partijen:
                return None
            betrokkenen = (await kiss.get("betrokkenen", wasPartij__url=partijen[0]["url"]))["results"]
            contacten = [await kiss.get(f"klantcontacten/{b['hadKlantcontact']['uuid']}") for b in betrokkenen]
            # done when both are there with their actoren (the agent in each: the bot never answered), and the task
            done = len(contacten) == 2 and sum(len(kc["hadBetrokkenActoren"]) for kc in contacten) == 2
            return (betrokkenen, contacten) if done and any(kc["leiddeTotInterneTaken"] for kc in contacten) else None

        betrokkenen, contacten = await eventually(both_contacts)
        (terugbel,) = [kc for kc in contacten if kc["leiddeTotInterneTaken"]]
        (chat,) = [kc for kc in contacten if kc is not terugbel]
        taak = await kiss.get(f"internetaken/{terugbel['leiddeTotInterneTaken'][0]['uuid']}")
        assert [a["uuid"] for a in taak["toegewezenAanActoren"]] == [ki_server.ACTOR_UUID]
        assert (await kiss.get("digitaleadressen", adres="0612345670"))["count"] >= 1
        actors = {(a["soortActor"], a["naam"]) for a in [await kiss.get(f"actoren/{x['uuid']}") for x in chat["hadBetrokkenActoren"]]}
        assert actors == {("medewerker", "Anna de Vries")}

        # a KISS desk registers a contact with the same resident; the agent's contact card shows it
        partij = betrokkenen[0]["wasPartij"]["uuid"]
        client = KlantinteractiesClient(ki_url, ki_server.TOKEN, http)
        desk_kc = await client.maak_klantcontact(
            Klantcontact(kanaal="balie", onderwerp="Verhuizing doorgegeven", plaatsgevondenOp=taak["toegewezenOp"]),
            Betrokkene(wasPartij={"uuid": partij}),
        )
        contact_id = (await db.conversations.find_one({"_id": conv_id}))["contact_id"]
        status, card = await call(desk, "GET", f"{hub_url}/api/v1/contacts/{contact_id}", csrf)
        assert status == 200, card
        assert [(c["uuid"], c["source"]) for c in card["register_contacts"]] == [(desk_kc.uuid, "klantinteracties")]
        await console_shows_the_desk_contact(hub_url, db, agent, conv_id, desk_kc.uuid, desk, csrf)


async def console_shows_the_desk_contact(hub_url: str, db, agent: str, conv_id: str, kc_uuid: str,  # noqa: ANN001
                                         desk: aiohttp.ClientSession, csrf: str) -> None:
    """The console's contact card (the briefing) has the KISS desk's contact beside the hub's own, and
    real Chromium shows it labelled "via KISS / balie"."""
    status, brief = await call(desk, "GET", f"{hub_url}/api/v1/handover/conversations/{conv_id}", csrf)
    assert status == 200, brief
    assert [(c["uuid"], c["source"], c["onderwerp"]) for c in brief["contact"]["register_contacts"]] == [
        (kc_uuid, "klantinteracties", "Verhuizing doorgegeven")]
    # the agent has the resident on the line again: the conversation is theirs in the console
    await db.conversations.update_one({"_id": conv_id}, {"$set": {"state": "agent", "assignee": agent, "answered_at": utcnow()}})
    async with browser() as b:
        page = await (await b.new_context(viewport={"width": 1366, "height": 900})).new_page()
        await page.goto(f"{hub_url}/login?next=/console")
        await page.fill("input[name=username]", agent)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.locator(f'#mine .conv-item[data-id="{conv_id}"]').click(timeout=15_000)
        line = page.locator("#contact .register-contact")
        await line.wait_for(timeout=10_000)
        assert "via KISS / balie" in await line.inner_text() and "Verhuizing doorgegeven" in await line.inner_text()
        assert "Contacten via KISS / balie (1)" in await page.locator("#contact").inner_text()
