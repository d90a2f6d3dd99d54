"""Pushes the hub's records to the configured external systems, with retries (an outbox).

The hub writes cases and callback requests to MongoDB only (the bot's actions do so too,
from another process); this worker, in the hub process, then registers them:

* a new case becomes a zaak in the Zaken API, with the resident as initiator (rol) and its
  status history as statussen; later status changes follow;
* a callback request becomes a klantcontact (``/maak-klantcontact``) plus an interne taak;
* a finished (closed) conversation becomes a klantcontact with its betrokkene and
  onderwerpobject (the zaak when the conversation led to one).

A failing system is retried on the next round, up to ``MAX_ATTEMPTS``; its error code is
kept on the record for the beheerder. Nothing here blocks a resident or an agent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ReturnDocument

from connectors.base import ConnectorError
from connectors.klantinteracties import (
    Betrokkene,
    Contactnaam,
    Klantcontact,
    KlantinteractiesClient,
    hub_onderwerp,
    zaak_onderwerp,
)
from connectors.zaken import ZaakIn, ZakenClient
from hub.cases import callbacks
from hub.contacts import external
from hub.core import workdays
from hub.core.settings import Settings

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10
BATCH = 20
CHANNEL_LABELS = {"webchat": "chat", "whatsapp": "whatsapp", "email": "e-mail", "telegram": "telegram",
                  "messenger": "facebook", "instagram": "instagram", "phone": "telefoon"}


async def _failed(db: AsyncIOMotorDatabase, coll: str, doc_id: str, key: str, exc: ConnectorError) -> None:
    doc = await db[coll].find_one_and_update(
        {"_id": doc_id},
        {"$inc": {f"sync.{key}_attempts": 1}, "$set": {f"sync.{key}_error": exc.code}},
        return_document=ReturnDocument.AFTER,
    )
    if doc and doc["sync"].get(f"{key}_attempts", 0) >= MAX_ATTEMPTS:
        await db[coll].update_one({"_id": doc_id}, {"$set": {f"sync.{key}": "failed"}})
    log.warning("sync failed", extra={"collection": coll, "id": doc_id, "system": exc.service, "code": exc.code})


# ---------------------------------------------------------------------- Zaken API
def _rol(contact: dict[str, Any] | None) -> tuple[str, dict[str, Any]] | None:
    if not contact:
        return None
    if contact.get("bsn"):
        return "natuurlijk_persoon", {"inpBsn": contact["bsn"]}
    if contact.get("vestigingsnummer"):
        return "vestiging", {"vestigingsNummer": contact["vestigingsnummer"], "kvkNummer": contact.get("kvk", "")}
    if contact.get("kvk"):
        return "niet_natuurlijk_persoon", {"kvkNummer": contact["kvk"], "statutaireNaam": contact.get("name") or ""}
    return None


async def _push_statuses(client: ZakenClient, settings: Settings, doc: dict[str, Any], zaak_url: str) -> int:
    done = doc.get("sync", {}).get("zaken_statuses", 0)
    history = doc["status_history"]
    for entry in history[done:]:
        statustype = settings.zaken_statustypen.get(entry["status"])
        if statustype:
            await client.set_status(zaak_url, statustype, entry["at"], entry.get("note") or "")
    return len(history)


async def sync_cases(db: AsyncIOMotorDatabase, client: ZakenClient, settings: Settings) -> int:
    count = 0
    async for doc in db.cases.find({"sync.zaken": "pending"}).limit(BATCH):
        zaaktype = settings.zaken_zaaktypen.get(doc["kind"])
        if not zaaktype:
            await db.cases.update_one({"_id": doc["_id"]}, {"$set": {"sync.zaken": "no_zaaktype"}})
            continue
        location = doc.get("location")
        zaak_in = ZaakIn(
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
        try:
            zaak = await client.create_zaak(zaak_in)
            await db.cases.update_one(
                {"_id": doc["_id"]},
                {"$set": {"external.zaak_url": zaak.url, "external.zaak_uuid": zaak.uuid, "external.zaak_id": zaak.identificatie}},
            )
            contact = await db.contacts.find_one({"_id": doc["contact_id"]}) if doc.get("contact_id") else None
            rol = _rol(contact)
            if rol and settings.zaken_roltype_initiator:
                await client.add_rol(zaak.url, settings.zaken_roltype_initiator, rol[0], rol[1])  # type: ignore[arg-type]
            pushed = await _push_statuses(client, settings, doc, zaak.url)
        except ConnectorError as exc:
            await _failed(db, "cases", doc["_id"], "zaken", exc)
            continue
        await db.cases.update_one(
            {"_id": doc["_id"]}, {"$set": {"sync.zaken": "done", "sync.zaken_statuses": pushed, "sync.zaken_status": "done"}}
        )
        count += 1
    async for doc in db.cases.find({"sync.zaken": "done", "sync.zaken_status": "pending"}).limit(BATCH):
        try:
            pushed = await _push_statuses(client, settings, doc, doc["external"]["zaak_url"])
        except ConnectorError as exc:
            await _failed(db, "cases", doc["_id"], "zaken_status", exc)
            continue
        await db.cases.update_one({"_id": doc["_id"]}, {"$set": {"sync.zaken_statuses": pushed, "sync.zaken_status": "done"}})
        count += 1
    return count


# ---------------------------------------------------------------------- Klantinteracties API
def _betrokkene(contact: dict[str, Any] | None) -> Betrokkene:
    if contact and contact.get("kind") == "organisation":
        return Betrokkene(organisatienaam=(contact.get("name") or "")[:200])
    name = (contact or {}).get("name") or ""
    return Betrokkene(contactnaam=Contactnaam(achternaam=name[:200]) if name else None)


async def sync_callbacks(db: AsyncIOMotorDatabase, client: KlantinteractiesClient, settings: Settings) -> int:
    count = 0
    async for doc in db.callbacks.find({"sync.klantinteracties": "pending"}).limit(BATCH):
        conv = await db.conversations.find_one({"_id": doc["conversation_id"]}) if doc.get("conversation_id") else None
        contact = await db.contacts.find_one({"_id": doc["contact_id"]}) if doc.get("contact_id") else None
        label = callbacks.DAY_PART_LABELS[doc["day_part"]]
        due = doc["due_at"].astimezone(workdays.TZ).strftime("%d-%m-%Y %H:%M")
        try:
            made = await client.maak_klantcontact(
                Klantcontact(
                    kanaal=CHANNEL_LABELS.get(conv["channel"], conv["channel"]) if conv else "telefoon",
                    onderwerp=f"Terugbelverzoek: {doc['subject']}"[:200],
                    inhoud=f"De inwoner vraagt om teruggebeld te worden. Voorkeur: {label}."[:1000],
                    plaatsgevondenOp=doc["created_at"],
                ),
                _betrokkene(contact),
                hub_onderwerp("terugbelverzoek", doc["_id"]),
            )
            taak = await client.create_interne_taak(
                made.uuid,
                "Terugbellen",
                f"{doc['subject']} - bel {doc['phone']} ({label}), uiterlijk {due}.",
                settings.klantinteracties_actor_uuid,
            )
        except ConnectorError as exc:
            await _failed(db, "callbacks", doc["_id"], "klantinteracties", exc)
            continue
        await db.callbacks.update_one(
            {"_id": doc["_id"]},
            {"$set": {"sync.klantinteracties": "done", "external.klantcontact_uuid": made.uuid,
                      "external.interne_taak_uuid": taak.get("uuid")}},
        )
        count += 1
    return count


async def sync_conversations(db: AsyncIOMotorDatabase, client: KlantinteractiesClient) -> int:
    count = 0
    query = {"state": "closed", "sync.klantinteracties": {"$in": [None, "pending"]}}
    async for conv in db.conversations.find(query).limit(BATCH):
        contact = await db.contacts.find_one({"_id": conv["contact_id"]}) if conv.get("contact_id") else None
        case = await db.cases.find_one({"conversation_ids": conv["_id"]}, sort=[("created_at", -1)])
        messages = await db.messages.count_documents({"conversation_id": conv["_id"]})
        summary = (conv.get("handover") or {}).get("summary") or {}
        topic = summary.get("topic") or summary.get("intent") or f"Gesprek via {CHANNEL_LABELS.get(conv['channel'], conv['channel'])}"
        inhoud = f"{messages} berichten."
        if case:
            inhoud += f" Zaak {case['number']} ({case['title']})."
        onderwerp = (
            zaak_onderwerp(case["external"]["zaak_uuid"]) if case and case.get("external", {}).get("zaak_uuid")
            else hub_onderwerp("gesprek", conv["_id"])
        )
        try:
            made = await client.maak_klantcontact(
                Klantcontact(
                    kanaal=CHANNEL_LABELS.get(conv["channel"], conv["channel"])[:50],
                    onderwerp=str(topic)[:200],
                    inhoud=inhoud,
                    plaatsgevondenOp=conv["created_at"],
                    vertrouwelijk=bool(case and case.get("social_domain")),
                ),
                _betrokkene(contact),
                onderwerp,
            )
        except ConnectorError as exc:
            await _failed(db, "conversations", conv["_id"], "klantinteracties", exc)
            continue
        await db.conversations.update_one(
            {"_id": conv["_id"]}, {"$set": {"sync.klantinteracties": "done", "external.klantcontact_uuid": made.uuid}}
        )
        count += 1
    return count


# ---------------------------------------------------------------------- the loop
async def sync_once(db: AsyncIOMotorDatabase, settings: Settings, session: aiohttp.ClientSession) -> dict[str, int]:
    done: dict[str, int] = {}
    zaken = external.zaken(settings, session)
    if zaken:
        done["cases"] = await sync_cases(db, zaken, settings)
    ki = external.klantinteracties(settings, session)
    if ki:
        done["callbacks"] = await sync_callbacks(db, ki, settings)
        done["conversations"] = await sync_conversations(db, ki)
    return done


async def run(db: AsyncIOMotorDatabase, settings: Settings, session: aiohttp.ClientSession) -> None:
    if not (external.zaken(settings, session) or external.klantinteracties(settings, session)):
        return
    while True:
        try:
            await sync_once(db, settings, session)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the outbox must keep going after any one failure
            log.exception("connector sync round failed")
        await asyncio.sleep(settings.connector_sync_s)
