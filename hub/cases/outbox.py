"""Pushes the hub's records to the configured external systems, with retries (an outbox).

The hub writes cases and callback requests to MongoDB only (the bot's actions do so too,
from another process); this worker, in the hub process, then registers them:

* a new case becomes a zaak in the Zaken API, with the resident as initiator (rol) and its
  status history as statussen, each at its own moment; later status changes follow, a closing
  one after the zaak's resultaat (``KCC_ZAKEN_RESULTAATTYPEN``: the eindstatus needs one);
* a callback request becomes a klantcontact (``/maak-klantcontact``) plus an interne taak, and
  a finished (closed) conversation a klantcontact, each as KISS reads them: with the resident's
  partij, the actoren that took part and the digitale adressen (``outbox_klant.py``).

**Create once.** Each remote object is one step, recorded on the hub's record under
``external`` the moment it exists (``zaak_url``, ``rol_url``, ``resultaat_url``,
``statussen.{n}-{status}``, ``partij_uuid``, ``klantcontact_url`` with its ``betrokkene_url`` and
``onderwerpobject_url``, ``actoren.*``, ``actorklantcontacten.*``, ``digitale_adressen.*``,
``interne_taak_url``); a retry goes on from the first step not recorded. Before a step's
first request its name goes into ``sync.<system>_tried``: a step tried but not recorded may
have been done by the server all the same (our request timed out after it acted), so the retry
looks for it first (``outbox_steps.py`` says how each one is found) and creates it only when it is not
there.

**One replica at a time.** A round runs only while this replica holds the lease
``outbox_lease`` (in ``counters``, ``hub.core.lease``); another replica skips the round. The
lease is renewed before each record and the round stops when it was lost.

A failing system is retried on the next round, up to ``MAX_ATTEMPTS``; its error code is
kept on the record for the beheerder. Nothing here blocks a resident or an agent.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from functools import partial
from typing import Any

import aiohttp
from motor.motor_asyncio import AsyncIOMotorDatabase

from connectors.base import ConnectorError
from connectors.kvk import KvkClient
from connectors.zaken import ZaakIn, ZakenClient
from hub.cases import outbox_steps as steps
from hub.cases.outbox_klant import close_callbacks, sync_callbacks, sync_conversations
from hub.cases.outbox_steps import MAX_ATTEMPTS, Keep, Steps, batch, failed
from hub.contacts import external
from hub.core import workdays
from hub.core.lease import Lease
from hub.core.settings import Settings

log = logging.getLogger(__name__)
LEASE_NAME = "outbox_lease"
__all__ = ["MAX_ATTEMPTS", "close_callbacks", "sync_callbacks", "sync_cases", "sync_conversations", "sync_once", "sync_round", "run"]


# ---------------------------------------------------------------------- Zaken API
async def _rsin(db: AsyncIOMotorDatabase, contact: dict[str, Any], kvk: KvkClient | None) -> str | None:
    """The company's RSIN: kept on the contact, else from the KvK Basisprofiel (then kept)."""
    if contact.get("rsin") or not (kvk and contact.get("kvk")):
        return contact.get("rsin")
    try:
        rsin = (await kvk.basisprofiel(contact["kvk"])).rsin
    except ConnectorError:
        return None  # the rol then names the company only; a later case tries again
    if rsin:
        await db.contacts.update_one({"_id": contact["_id"]}, {"$set": {"rsin": rsin}})
    return rsin


async def _rol(db: AsyncIOMotorDatabase, contact: dict[str, Any] | None, kvk: KvkClient | None) -> tuple[str, dict[str, Any]] | None:
    """The initiator as Zaken API 1.5.1 identifies it (no ``kvkNummer`` there: a company by its RSIN)."""
    if not contact:
        return None
    if contact.get("bsn"):
        return "natuurlijk_persoon", {"inpBsn": contact["bsn"]}
    name = (contact.get("name") or "")[:500]
    if contact.get("vestigingsnummer"):
        return "vestiging", {"vestigingsNummer": contact["vestigingsnummer"], **({"handelsnaam": [name]} if name else {})}
    if contact.get("kvk"):
        rsin = await _rsin(db, contact, kvk)
        ident = {**({"innNnpId": rsin} if rsin else {}), **({"statutaireNaam": name} if name else {})}
        return ("niet_natuurlijk_persoon", ident) if ident else None
    return None


def _zaak_in(doc: dict[str, Any], settings: Settings, zaaktype: str) -> ZaakIn:
    location = doc.get("location")
    return ZaakIn(
        identificatie=doc["number"],  # ours, unique per bronorganisatie: how a retry finds the zaak again
        bronorganisatie=settings.zaken_bronorganisatie,
        verantwoordelijkeOrganisatie=settings.zaken_bronorganisatie,
        zaaktype=zaaktype,
        omschrijving=f"{doc['title']} {doc['number']}"[:80],
        toelichting=doc["description"][:1000],
        startdatum=doc["created_at"].astimezone(workdays.TZ).date(),
        vertrouwelijkheidaanduiding=doc["confidentiality"],
        kenmerken=[{"kenmerk": doc["number"], "bron": "KCC"}],
        zaakgeometrie={"type": "Point", "coordinates": [location["longitude"], location["latitude"]]} if location else None,
    )


async def _push_zaak(
    db: AsyncIOMotorDatabase, record: Steps, client: ZakenClient, settings: Settings, doc: dict[str, Any], zaaktype: str,
    kvk: KvkClient | None = None,
) -> str:
    """The zaak and its initiator (rol), each once; the zaak's URL."""
    bron = settings.zaken_bronorganisatie
    zaak_url: str = await record.once(
        "zaak", "zaak_url",
        partial(steps.create_zaak, client, _zaak_in(doc, settings, zaaktype)),
        partial(steps.find_zaak, client, bron, doc["number"]),
    )
    contact = await db.contacts.find_one({"_id": doc["contact_id"]}) if doc.get("contact_id") else None
    rol = await _rol(db, contact, kvk)
    if rol and settings.zaken_roltype_initiator:
        kind, ident = rol
        roltype = settings.zaken_roltype_initiator
        await record.once(
            "rol", "rol_url",
            partial(steps.create_rol, client, zaak_url, roltype, kind, ident),
            partial(steps.find_rol, client, zaak_url, roltype, kind, ident),
        )
    return zaak_url


async def _push_statuses(record: Steps, client: ZakenClient, settings: Settings, doc: dict[str, Any], zaak_url: str) -> int:
    """Each status of the history not yet pushed, once; how many history entries are handled now.

    ``sync.zaken_statuses`` counts the entries handled before (pushed, or without a statustype);
    ``external.statussen`` holds the URL of each pushed one, keyed ``{n}-{status}`` (the history
    only grows, so the n-th entry stays the n-th).
    """
    history = doc["status_history"]
    moments = steps.status_moments(history)
    for n in range(doc.get("sync", {}).get("zaken_statuses", 0), len(history)):
        entry = {**history[n], "at": moments[n]}
        statustype = settings.zaken_statustypen.get(entry["status"])
        if not statustype:
            continue
        resultaattype = settings.zaken_resultaattypen.get(entry["status"])
        if resultaattype:  # a closing status: the Zaken API wants the resultaat before the eindstatus
            await record.once(
                "resultaat", "resultaat_url",
                partial(steps.create_resultaat, client, zaak_url, resultaattype, entry.get("note") or ""),
                partial(steps.find_resultaat, client, zaak_url),
            )
        key = f"{n}-{entry['status']}"
        await record.once(
            f"status:{key}", f"statussen.{key}",
            partial(steps.create_status, client, zaak_url, statustype, entry, key),
            partial(steps.find_status, client, zaak_url, statustype, entry, key),
        )
    return len(history)


async def _zaak_done(db: AsyncIOMotorDatabase, doc: dict[str, Any], pushed: int) -> None:
    await db.cases.update_one({"_id": doc["_id"]}, {"$set": {"sync.zaken": "done", "sync.zaken_statuses": pushed}})
    # a status change during the round keeps its "pending" (the record changed since we read it)
    await db.cases.update_one({"_id": doc["_id"], "updated_at": doc.get("updated_at")}, {"$set": {"sync.zaken_status": "done"}})


async def sync_cases(
    db: AsyncIOMotorDatabase, client: ZakenClient, settings: Settings, keep: Keep | None = None, kvk: KvkClient | None = None
) -> int:
    count = 0
    for i, doc in enumerate(await batch(db, "cases", {"sync.zaken": "pending"}, keep)):
        if i and keep and not await keep():
            return count
        zaaktype = settings.zaken_zaaktypen.get(doc["kind"])
        if not zaaktype:
            await db.cases.update_one({"_id": doc["_id"]}, {"$set": {"sync.zaken": "no_zaaktype"}})
            continue
        record = Steps(db, "cases", doc, "zaken")
        try:
            zaak_url = await _push_zaak(db, record, client, settings, doc, zaaktype, kvk)
            pushed = await _push_statuses(record, client, settings, doc, zaak_url)
        except ConnectorError as exc:
            await failed(db, "cases", doc["_id"], "zaken", exc)
            continue
        await _zaak_done(db, doc, pushed)
        count += 1
    for i, doc in enumerate(await batch(db, "cases", {"sync.zaken": "done", "sync.zaken_status": "pending"}, keep)):
        if i and keep and not await keep():
            return count
        try:
            pushed = await _push_statuses(Steps(db, "cases", doc, "zaken"), client, settings, doc, doc["external"]["zaak_url"])
        except ConnectorError as exc:
            await failed(db, "cases", doc["_id"], "zaken_status", exc)
            continue
        await _zaak_done(db, doc, pushed)
        count += 1
    return count


# ---------------------------------------------------------------------- the loop
def outbox_lease(db: AsyncIOMotorDatabase, settings: Settings) -> Lease:
    """This replica's hold on the outbox; it outlives the slowest record (a few time-outs in a row)."""
    return Lease(db.counters, LEASE_NAME, timedelta(seconds=max(60.0, 10 * settings.connector_timeout_s)))


async def sync_once(
    db: AsyncIOMotorDatabase, settings: Settings, session: aiohttp.ClientSession, keep: Keep | None = None
) -> dict[str, int]:
    done: dict[str, int] = {}
    zaken = external.zaken(settings, session)
    if zaken:
        done["cases"] = await sync_cases(db, zaken, settings, keep, external.kvk(settings, session))
    ki = external.klantinteracties(settings, session)
    if ki:
        done["callbacks"] = await sync_callbacks(db, ki, settings, keep)
        done["callbacks_closed"] = await close_callbacks(db, ki, keep)
        done["conversations"] = await sync_conversations(db, ki, keep)
    return done


async def sync_round(
    db: AsyncIOMotorDatabase, settings: Settings, session: aiohttp.ClientSession, lease: Lease
) -> dict[str, int] | None:
    """One round while holding ``lease``; None when another replica holds it (this one skips)."""
    if not await lease.acquire():
        log.debug("outbox round skipped: another replica holds the lease")
        return None

    async def keep() -> bool:
        await lease.renew()
        return await lease.held()

    try:
        return await sync_once(db, settings, session, keep)
    finally:
        await lease.release()


async def run(db: AsyncIOMotorDatabase, settings: Settings, session: aiohttp.ClientSession) -> None:
    if not (external.zaken(settings, session) or external.klantinteracties(settings, session)):
        return
    lease = outbox_lease(db, settings)
    while True:
        try:
            await sync_round(db, settings, session, lease)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the outbox must keep going after any one failure
            log.exception("connector sync round failed")
        await asyncio.sleep(settings.connector_sync_s)
