"""The outbox's Klantinteracties part: callback requests and finished conversations written the way KISS reads them.

KISS finds a resident's contacts through a **partij** (found by its partij-identificator: BSN,
KvK number, or vestigingsnummer under its KvK number) and the **betrokkenen** that were that
partij (``betrokkenen?wasPartij__url=``); it finds callback requests by the **digitale
adressen** a betrokkene gave (``digitaleadressen?adres=``); it shows who made a contact from the
**actoren** linked with ``actorklantcontacten``, and the zaak number for an onderwerpobject
``zgw-Zaak`` in ``openzaak``. So for each record, in order (each step once, see ``Steps``):

1. the partij of an identified contact: looked up by its identificator, made when missing
   (``partij_uuid``, ``partij_url``);
2. the klantcontact with its betrokkene (``wasPartij``, ``rol: klant``, ``initiator: true``) and
   onderwerpobject (the zaak, or the hub's own record for finding it again);
3. the actoren that took part: the hub's chatbot (a ``geautomatiseerde_actor``; in a
   conversation only when it answered, for a callback request when it took it) and each agent
   (a ``medewerker``), looked up before made (``actoren.<key>``), each linked with an
   actorklantcontact (``actorklantcontacten.<key>``);
4. the phone number and e-mail address as digitale adressen of the betrokkene
   (``digitale_adressen.telefoonnummer`` / ``.email``);
5. for a callback request: the interne taak, assigned to the team's actor
   (``KCC_KLANTINTERACTIES_ACTOR_UUID``) or, without one, to the chatbot's actor; once the
   request is closed in the hub (done or not reached), the task is set to ``verwerkt``.
"""

from __future__ import annotations

import logging
import re
from functools import partial
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from connectors.base import BadRequest, ConnectorError
from connectors.klantinteracties import (
    Betrokkene,
    Contactnaam,
    Klantcontact,
    KlantinteractiesClient,
    PartijIdentificator,
    hub_onderwerp,
    zaak_onderwerp,
)
from hub.cases import callbacks
from hub.cases import outbox_steps as steps
from hub.cases.outbox_steps import Fields, Keep, Steps, batch, failed
from hub.core import identifiers, workdays
from hub.core.settings import Settings

log = logging.getLogger(__name__)
CHANNEL_LABELS = {"webchat": "chat", "whatsapp": "whatsapp", "email": "e-mail", "telegram": "telegram",
                  "messenger": "facebook", "instagram": "instagram", "phone": "telefoon"}
BOT = "bot"
SERVICE_NUMBERS = ("0800", "0900", "0906", "0909", "14")
BOT_ACTOR = {"objectId": "kcc-hub-chatbot", "codeObjecttype": "applicatie", "codeRegister": "kcc-hub", "codeSoortObjectId": "id"}


# ---------------------------------------------------------------------- partij
def identificatoren(contact: dict[str, Any] | None) -> tuple[PartijIdentificator, PartijIdentificator | None] | None:
    """The identifier KISS looks a contact up by, and the KvK number a vestigingsnummer sits under."""
    if not contact:
        return None
    if contact.get("bsn"):
        return PartijIdentificator(codeSoortObjectId="bsn", objectId=contact["bsn"]), None
    if contact.get("kvk") and contact.get("vestigingsnummer"):
        kvk = PartijIdentificator(codeSoortObjectId="kvk_nummer", objectId=contact["kvk"])
        return PartijIdentificator(codeSoortObjectId="vestigingsnummer", objectId=contact["vestigingsnummer"]), kvk
    if contact.get("kvk"):
        return PartijIdentificator(codeSoortObjectId="kvk_nummer", objectId=contact["kvk"]), None
    return None


async def find_partij(client: KlantinteractiesClient, ident: PartijIdentificator, parent: PartijIdentificator | None) -> Fields | None:
    for partij in await client.find_partijen(ident):
        if partij.get("soortPartij") != ident.soort_partij:
            continue
        if parent:  # a vestigingsnummer is unique only under its KvK number
            under = {(i.get("subIdentificatorVan") or {}).get("uuid") for i in await client.find_identificatoren(ident)
                     if (i.get("identificeerdePartij") or {}).get("uuid") == partij.get("uuid")}
            if not under & {i["uuid"] for i in await client.find_identificatoren(parent)}:
                continue
        return {"partij_uuid": partij["uuid"], "partij_url": partij.get("url")}
    return None


async def make_partij(
    client: KlantinteractiesClient, ident: PartijIdentificator, parent: PartijIdentificator | None, naam: str
) -> Fields:
    """The partij of ``ident``: found, or made with its identificator (as KISS makes one)."""
    if (found := await find_partij(client, ident, parent)) is not None:
        return found
    sub = existing = None
    if parent:  # the KvK number's identificator, made without a partij when nobody has it yet
        have = await client.find_identificatoren(parent)
        sub = have[0]["uuid"] if have else (await client.save_identificator(parent, None))["uuid"]
    elif ident.codeSoortObjectId == "kvk_nummer":  # one made for a vestiging earlier, still without a partij
        have = [i for i in await client.find_identificatoren(ident) if not i.get("identificeerdePartij")]
        existing = have[0]["uuid"] if have else None
    identificatie = {"contactnaam": None} if ident.soort_partij == "persoon" else {"naam": naam[:200]}
    partij = await client.create_partij(ident.soort_partij, identificatie)
    try:
        await client.save_identificator(ident, partij["uuid"], sub, existing)
    except BadRequest:  # made meanwhile by someone else (a KISS desk): theirs is the one
        if (found := await find_partij(client, ident, parent)) is None:
            raise
        return found
    return {"partij_uuid": partij["uuid"], "partij_url": partij.get("url")}


async def push_partij(record: Steps, client: KlantinteractiesClient, contact: dict[str, Any] | None) -> str | None:
    ids = identificatoren(contact)
    if ids is None:
        return None
    ident, parent = ids
    naam = (contact or {}).get("name") or ""
    return await record.once(
        "partij", "partij_uuid", partial(make_partij, client, ident, parent, naam), partial(find_partij, client, ident, parent)
    )


def betrokkene(contact: dict[str, Any] | None, partij_uuid: str | None) -> Betrokkene:
    was = {"uuid": partij_uuid} if partij_uuid else None
    if contact and contact.get("kind") == "organisation":
        return Betrokkene(wasPartij=was, organisatienaam=(contact.get("name") or "")[:200])
    name = (contact or {}).get("name") or ""
    return Betrokkene(wasPartij=was, contactnaam=Contactnaam(achternaam=name[:200]) if name else None)


# ---------------------------------------------------------------------- actoren
def actor_key(who: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", who)[:64]


async def actor_for(db: AsyncIOMotorDatabase, who: str) -> tuple[str, str, dict[str, str], dict[str, str] | None]:
    """(soortActor, naam, actoridentificator, actorIdentificatie) of the bot or a staff member.

    An agent is identified as KISS identifies its medewerkers: by e-mail (``handmatig``/``email``)
    when the hub knows it, else by user name (``obj``/``idf``).
    """
    if who == BOT:
        return "geautomatiseerde_actor", "KCC-chatbot", BOT_ACTOR, {"functie": "chatbot", "omschrijving": "Chatbot van de KCC-hub"}
    staff = await db.staff.find_one({"_id": who}, {"name": 1, "email": 1}) or {}
    if staff.get("email"):
        ident = {"objectId": staff["email"], "codeObjecttype": "mdw", "codeRegister": "handmatig", "codeSoortObjectId": "email"}
    else:
        ident = {"objectId": who, "codeObjecttype": "mdw", "codeRegister": "obj", "codeSoortObjectId": "idf"}
    return "medewerker", staff.get("name") or who, ident, None


async def find_actor(client: KlantinteractiesClient, soort: str, ident: dict[str, str]) -> Fields | None:
    for actor in await client.find_actoren(ident):
        if actor.get("soortActor") == soort:
            return {"uuid": actor["uuid"]}
    return None


async def make_actor(client: KlantinteractiesClient, actor: tuple[str, str, dict[str, str], dict[str, str] | None]) -> Fields:
    soort, naam, ident, identificatie = actor
    if (found := await find_actor(client, soort, ident)) is not None:
        return found
    return {"uuid": (await client.create_actor(soort, naam, ident, identificatie))["uuid"]}


async def push_actor(db: AsyncIOMotorDatabase, record: Steps, client: KlantinteractiesClient, who: str) -> str:
    key = actor_key(who)
    actor = await actor_for(db, who)

    async def create() -> Fields:
        return {f"actoren.{key}": (await make_actor(client, actor))["uuid"]}

    async def find() -> Fields | None:
        found = await find_actor(client, actor[0], actor[2])
        return {f"actoren.{key}": found["uuid"]} if found else None

    return await record.once(f"actor:{key}", f"actoren.{key}", create, find)


async def push_actor_links(db: AsyncIOMotorDatabase, record: Steps, client: KlantinteractiesClient, kc_uuid: str, who: list[str]) -> None:
    """Each actor that took part, linked to the klantcontact once (KISS shows them as its makers)."""
    for person in dict.fromkeys(who):
        actor_uuid = await push_actor(db, record, client, person)
        key = actor_key(person)

        async def create(actor_uuid: str = actor_uuid, key: str = key) -> Fields:
            return {f"actorklantcontacten.{key}": (await client.link_actor(actor_uuid, kc_uuid))["uuid"]}

        async def find(actor_uuid: str = actor_uuid, key: str = key) -> Fields | None:
            links = [x for x in await client.find_actorklantcontacten(kc_uuid) if (x.get("actor") or {}).get("uuid") == actor_uuid]
            return {f"actorklantcontacten.{key}": links[0]["uuid"]} if links else None

        await record.once(f"actorklantcontact:{key}", f"actorklantcontacten.{key}", create, find)


# ---------------------------------------------------------------------- digitale adressen
def register_phone(phone: str) -> str:
    """A number as Open Klant takes it and a KISS agent types it: ``0612345678``; abroad ``0049…``."""
    return identifiers.display_phone(phone).replace(" ", "")


def digital_addresses(contact: dict[str, Any] | None, phone: str | None = None) -> list[tuple[str, str]]:
    """(soortDigitaalAdres, adres): the given phone number, else the contact's first, and its first e-mail.

    Service numbers (0800, 0900, 14xxx) are left out: Open Klant refuses them as a resident's number.
    """
    keys = (contact or {}).get("addresses") or []
    phone = phone or next((k[6:] for k in keys if k.startswith("phone:")), None)
    email = next((k[6:] for k in keys if k.startswith("email:")), None)
    number = register_phone(phone) if phone else None
    found = [("telefoonnummer", number)] if number and not number.startswith(SERVICE_NUMBERS) else []
    return found + ([("email", email)] if email else [])


async def push_addresses(record: Steps, client: KlantinteractiesClient, addresses: list[tuple[str, str]]) -> None:
    betrokkene_url = record.get("betrokkene_url")
    if not betrokkene_url:
        return
    b_uuid = betrokkene_url.rstrip("/").rsplit("/", 1)[-1]
    for soort, adres in addresses:

        async def create(soort: str = soort, adres: str = adres) -> Fields:
            label = "Telefoonnummer" if soort == "telefoonnummer" else "E-mailadres"
            return {f"digitale_adressen.{soort}": (await client.create_digitaal_adres(b_uuid, soort, adres, label))["uuid"]}

        async def find(soort: str = soort, adres: str = adres) -> Fields | None:
            same = [a for a in await client.find_digitale_adressen(b_uuid) if a.get("adres") == adres and a.get("soortDigitaalAdres") == soort]
            return {f"digitale_adressen.{soort}": same[0]["uuid"]} if same else None

        await record.once(f"adres:{soort}", f"digitale_adressen.{soort}", create, find)


# ---------------------------------------------------------------------- records
async def push_klantcontact(
    record: Steps, client: KlantinteractiesClient, klantcontact: Klantcontact, contact: dict[str, Any] | None,
    onderwerp: Any, look_under: list[Any],
) -> str:
    partij_uuid = await push_partij(record, client, contact)
    return await record.once(
        "klantcontact", "klantcontact_uuid",
        partial(steps.create_klantcontact, client, klantcontact, betrokkene(contact, partij_uuid), onderwerp),
        partial(steps.find_klantcontact, client, klantcontact, look_under),
    )


async def push_callback(db: AsyncIOMotorDatabase, client: KlantinteractiesClient, settings: Settings, doc: dict[str, Any]) -> None:
    conv = await db.conversations.find_one({"_id": doc["conversation_id"]}) if doc.get("conversation_id") else None
    contact = await db.contacts.find_one({"_id": doc["contact_id"]}) if doc.get("contact_id") else None
    label = callbacks.DAY_PART_LABELS[doc["day_part"]]
    due = doc["due_at"].astimezone(workdays.TZ).strftime("%d-%m-%Y %H:%M")
    klantcontact = Klantcontact(
        kanaal=CHANNEL_LABELS.get(conv["channel"], conv["channel"]) if conv else "telefoon",
        onderwerp=f"Terugbelverzoek: {doc['subject']}"[:200],
        inhoud=f"De inwoner vraagt om teruggebeld te worden. Voorkeur: {label}."[:1000],
        plaatsgevondenOp=doc["created_at"],
    )
    onderwerp = hub_onderwerp("terugbelverzoek", doc["_id"])
    record = Steps(db, "callbacks", doc, "klantinteracties")
    kc_uuid = await push_klantcontact(record, client, klantcontact, contact, onderwerp, [onderwerp])
    await push_actor_links(db, record, client, kc_uuid, [doc.get("created_by") or BOT])
    await push_addresses(record, client, digital_addresses(contact, doc["phone"]))
    # Open Klant refuses a task without an actor: the team's, else the chatbot's own
    team = settings.klantinteracties_actor_uuid or await push_actor(db, record, client, BOT)
    await record.once(
        "interne_taak", "interne_taak_uuid",
        partial(
            steps.create_interne_taak, client, kc_uuid, "Terugbellen",
            f"{doc['subject']} - bel {register_phone(doc['phone'])} ({label}), uiterlijk {due}.", [team],
        ),
        partial(steps.find_interne_taak, client, kc_uuid),
    )


async def sync_callbacks(db: AsyncIOMotorDatabase, client: KlantinteractiesClient, settings: Settings, keep: Keep | None = None) -> int:
    count = 0
    for i, doc in enumerate(await batch(db, "callbacks", {"sync.klantinteracties": "pending"}, keep)):
        if i and keep and not await keep():
            return count
        try:
            await push_callback(db, client, settings, doc)
        except ConnectorError as exc:
            await failed(db, "callbacks", doc["_id"], "klantinteracties", exc)
            continue
        await db.callbacks.update_one({"_id": doc["_id"]}, {"$set": {"sync.klantinteracties": "done"}})
        count += 1
    return count


async def close_callbacks(db: AsyncIOMotorDatabase, client: KlantinteractiesClient, keep: Keep | None = None) -> int:
    """Closed callback requests: their interne taak set to ``verwerkt`` (``afgehandeldOp`` = closed). Repeating it is harmless."""
    count = 0
    query = {"sync.klantinteracties_close": "pending", "external.interne_taak_uuid": {"$exists": True}}
    for i, doc in enumerate(await batch(db, "callbacks", query, keep)):
        if i and keep and not await keep():
            return count
        try:
            await client.close_interne_taak(doc["external"]["interne_taak_uuid"], doc["closed_at"])
        except ConnectorError as exc:
            await failed(db, "callbacks", doc["_id"], "klantinteracties_close", exc)
            continue
        await db.callbacks.update_one({"_id": doc["_id"]}, {"$set": {"sync.klantinteracties_close": "done"}})
        count += 1
    return count


async def push_conversation(db: AsyncIOMotorDatabase, client: KlantinteractiesClient, conv: dict[str, Any]) -> None:
    contact = await db.contacts.find_one({"_id": conv["contact_id"]}) if conv.get("contact_id") else None
    case = await db.cases.find_one({"conversation_ids": conv["_id"]}, sort=[("created_at", -1)])
    messages = await db.messages.count_documents({"conversation_id": conv["_id"]})
    summary = (conv.get("handover") or {}).get("summary") or {}
    topic = summary.get("topic") or summary.get("intent") or f"Gesprek via {CHANNEL_LABELS.get(conv['channel'], conv['channel'])}"
    inhoud = f"{messages} berichten." + (f" Zaak {case['number']} ({case['title']})." if case else "")
    own = hub_onderwerp("gesprek", conv["_id"])
    zaak_uuid = case.get("external", {}).get("zaak_uuid") if case else None
    onderwerp = zaak_onderwerp(zaak_uuid) if zaak_uuid else own
    klantcontact = Klantcontact(
        kanaal=CHANNEL_LABELS.get(conv["channel"], conv["channel"])[:50], onderwerp=str(topic)[:200], inhoud=inhoud,
        plaatsgevondenOp=conv["created_at"], vertrouwelijk=bool(case and case.get("social_domain")),
    )
    record = Steps(db, "conversations", conv, "klantinteracties")
    # the zaak may have been pushed between two tries: look under both
    kc_uuid = await push_klantcontact(record, client, klantcontact, contact, onderwerp, [onderwerp, own] if zaak_uuid else [own])
    agents = [a["agent"] for a in conv.get("assignments") or [] if a.get("agent")]
    bot = await db.messages.find_one({"conversation_id": conv["_id"], "author": "bot"}, {"_id": 1})
    await push_actor_links(db, record, client, kc_uuid, ([BOT] if bot else []) + agents)
    await push_addresses(record, client, digital_addresses(contact))


async def sync_conversations(db: AsyncIOMotorDatabase, client: KlantinteractiesClient, keep: Keep | None = None) -> int:
    count = 0
    query = {"state": "closed", "sync.klantinteracties": {"$in": [None, "pending"]}}
    for i, conv in enumerate(await batch(db, "conversations", query, keep)):
        if i and keep and not await keep():
            return count
        try:
            await push_conversation(db, client, conv)
        except ConnectorError as exc:
            await failed(db, "conversations", conv["_id"], "klantinteracties", exc)
            continue
        await db.conversations.update_one({"_id": conv["_id"]}, {"$set": {"sync.klantinteracties": "done"}})
        count += 1
    return count
