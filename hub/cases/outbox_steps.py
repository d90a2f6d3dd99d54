"""The outbox's create-once steps: each makes one remote object, recorded on the hub's record
(under ``external``) the moment it exists, and found again when an earlier try may have made it
without our knowing (the request timed out after the server acted).

| step | recorded as ``external.…`` | found again by |
|---|---|---|
| zaak | ``zaak_url``, ``zaak_uuid``, ``zaak_id`` | ``GET /zaken?bronorganisatie=&identificatie=``: the case number is the zaak's ``identificatie``, which the Zaken API keeps unique per bronorganisatie (a create refused with ``identificatie-niet-uniek`` is looked up too) |
| rol | ``rol_url`` | ``GET /rollen?zaak=&roltype=`` with the same betrokkeneType and identification |
| resultaat | ``resultaat_url`` | ``GET /resultaten?zaak=`` (a zaak has at most one) |
| status | ``statussen.{n}-{status}`` | ``GET /statussen?zaak=&statustype=`` with the same ``datumStatusGezet`` (the moment of the hub's n-th status; also when a create is refused as ``unique``) |
| klantcontact, with its betrokkene and onderwerpobject | ``klantcontact_uuid``, ``klantcontact_url``, ``betrokkene_url``, ``onderwerpobject_url`` | ``GET /klantcontacten`` filtered on the onderwerpobject's identificator (``kcc-hub`` + the hub's id, or the zaak) and ``kanaal``, with the same ``onderwerp`` and ``plaatsgevondenOp`` |
| interne taak | ``interne_taak_uuid``, ``interne_taak_url`` | the klantcontact's ``leiddeTotInterneTaken`` (that klantcontact is the hub's alone) |

Every answer is checked on our side too: a server that ignores a filter must not hand us
someone else's object.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ReturnDocument

from connectors import klantinteracties, zaken
from connectors.base import BadRequest, ConnectorError, Unavailable
from connectors.klantinteracties import (
    Betrokkene,
    Klantcontact,
    KlantinteractiesClient,
    Onderwerpobject,
)
from connectors.zaken import Zaak, ZaakIn, ZakenClient

log = logging.getLogger(__name__)
Fields = dict[str, Any]
MAX_ATTEMPTS = 10
BATCH = 20
Keep = Callable[[], Awaitable[bool]]  # "do I still hold the lease?", asked before each record


async def failed(db: AsyncIOMotorDatabase, coll: str, doc_id: str, key: str, exc: ConnectorError) -> None:
    """A push failed: count the attempt and keep the provider's code; ``failed`` after MAX_ATTEMPTS."""
    doc = await db[coll].find_one_and_update(
        {"_id": doc_id},
        {"$inc": {f"sync.{key}_attempts": 1}, "$set": {f"sync.{key}_error": exc.code}},
        return_document=ReturnDocument.AFTER,
    )
    if doc and doc["sync"].get(f"{key}_attempts", 0) >= MAX_ATTEMPTS:
        await db[coll].update_one({"_id": doc_id}, {"$set": {f"sync.{key}": "failed"}})
    log.warning("sync failed", extra={"collection": coll, "id": doc_id, "system": exc.service, "code": exc.code})


async def batch(db: AsyncIOMotorDatabase, coll: str, query: dict[str, Any], keep: Keep | None) -> list[dict[str, Any]]:
    """The next records to push (read at once: a round may outlast a cursor), or none when the lease is gone."""
    if keep and not await keep():
        return []
    return await db[coll].find(query).limit(BATCH).to_list(BATCH)


class Steps:
    """What one hub record has made at one system (``external``), and which steps were tried."""

    def __init__(self, db: AsyncIOMotorDatabase, coll: str, doc: dict[str, Any], system: str):
        self.db, self.coll, self.doc_id, self.system = db, coll, doc["_id"], system
        self.made: dict[str, Any] = dict(doc.get("external") or {})
        sync = doc.get("sync") or {}
        self.tried: set[str] = set(sync.get(f"{system}_tried") or [])
        # tried before steps were written down (a record of an older hub): any step may have been done
        self.unsure = f"{system}_tried" not in sync and any(
            k.startswith(system) and k.endswith("_attempts") and v for k, v in sync.items()
        )

    def get(self, path: str) -> Any:
        value: Any = self.made
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    async def once(
        self, step: str, path: str, create: Callable[[], Awaitable[Fields]], find: Callable[[], Awaitable[Fields | None]]
    ) -> Any:
        """Make ``step``'s object unless ``external.<path>`` records it; the recorded value.

        A step tried before is looked for first. Before a step's first request its name is
        written to ``sync.<system>_tried``, so a crash or a lost answer cannot hide it; on a
        record that failed before this list existed every step is looked for.
        """
        done = self.get(path)
        if done is not None:
            return done
        fields = await find() if step in self.tried or self.unsure else None
        if fields is not None:
            log.info("outbox step found at the provider", extra={"collection": self.coll, "id": self.doc_id, "step": step})
        else:
            if step not in self.tried:
                await self.db[self.coll].update_one({"_id": self.doc_id}, {"$addToSet": {f"sync.{self.system}_tried": step}})
                self.tried.add(step)
            fields = await create()
        fields = {k: v for k, v in fields.items() if v is not None}
        await self.db[self.coll].update_one({"_id": self.doc_id}, {"$set": {f"external.{k}": v for k, v in fields.items()}})
        for key, value in fields.items():
            *parents, last = key.split(".")
            node = self.made
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = value
        return self.get(path)


def _required(service: str, data: Any, key: str) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        raise Unavailable(service, None, "bad_answer", f"answer has no {key}")
    return value


def same_moment(value: Any, at: datetime) -> bool:
    """True when the provider's ISO 8601 ``value`` is the moment ``at`` (to the millisecond MongoDB keeps)."""
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return False
    if parsed is None:
        return False
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return abs(parsed - at) < timedelta(milliseconds=1)


# ---------------------------------------------------------------------- Zaken API
def _zaak_fields(zaak: Zaak) -> Fields:
    return {"zaak_url": zaak.url, "zaak_uuid": zaak.uuid, "zaak_id": zaak.identificatie}


async def find_zaak(client: ZakenClient, bronorganisatie: str, identificatie: str) -> Fields | None:
    zaak = await client.find_zaak(bronorganisatie, identificatie)
    return _zaak_fields(zaak) if zaak else None


async def create_zaak(client: ZakenClient, zaak_in: ZaakIn) -> Fields:
    try:
        return _zaak_fields(await client.create_zaak(zaak_in))
    except BadRequest as exc:  # our identificatie is taken: by our own earlier try, whose answer we lost
        if not (zaak_in.identificatie and zaken.not_unique(exc)):
            raise
        found = await find_zaak(client, zaak_in.bronorganisatie, zaak_in.identificatie)
        if found is None:
            raise
        return found


async def create_rol(client: ZakenClient, zaak_url: str, roltype: str, kind: Any, ident: dict[str, Any]) -> Fields:
    return {"rol_url": _required(zaken.SERVICE, await client.add_rol(zaak_url, roltype, kind, ident), "url")}


async def find_rol(client: ZakenClient, zaak_url: str, roltype: str, kind: str, ident: dict[str, Any]) -> Fields | None:
    for rol in await client.find_rollen(zaak_url, roltype):
        have = rol.get("betrokkeneIdentificatie") or {}
        if rol.get("betrokkeneType") == kind and all(have.get(k) == v for k, v in ident.items()):
            return {"rol_url": _required(zaken.SERVICE, rol, "url")}
    return None


async def create_status(client: ZakenClient, zaak_url: str, statustype: str, entry: dict[str, Any], key: str) -> Fields:
    try:
        made = await client.set_status(zaak_url, statustype, entry["at"], entry.get("note") or "")
    except BadRequest as exc:  # (zaak, datumStatusGezet) is taken: by our own earlier try, whose answer we lost
        found = await find_status(client, zaak_url, statustype, entry, key) if "unique" in zaken.refusal_codes(exc) else None
        if found is None:
            raise
        return found
    return {f"statussen.{key}": _required(zaken.SERVICE, made, "url")}


def status_moments(history: list[dict[str, Any]]) -> list[datetime]:
    """Each history entry's ``datumStatusGezet``: its own moment, or 1 ms after the one before.

    The Zaken API keeps (zaak, datumStatusGezet) unique; two hub statuses in the same millisecond
    (MongoDB's precision) would otherwise collide. The same history always gives the same moments,
    so a retry looks for the moment it sent.
    """
    moments: list[datetime] = []
    for entry in history:
        at = entry["at"] if entry["at"].tzinfo else entry["at"].replace(tzinfo=UTC)
        moments.append(max(at, moments[-1] + timedelta(milliseconds=1)) if moments else at)
    return moments


async def create_resultaat(client: ZakenClient, zaak_url: str, resultaattype: str, toelichting: str) -> Fields:
    made = await client.create_resultaat(zaak_url, resultaattype, toelichting)
    return {"resultaat_url": _required(zaken.SERVICE, made, "url")}


async def find_resultaat(client: ZakenClient, zaak_url: str) -> Fields | None:
    for resultaat in await client.find_resultaten(zaak_url):
        return {"resultaat_url": _required(zaken.SERVICE, resultaat, "url")}
    return None


async def find_status(client: ZakenClient, zaak_url: str, statustype: str, entry: dict[str, Any], key: str) -> Fields | None:
    for status in await client.find_statussen(zaak_url, statustype):
        if same_moment(status.get("datumStatusGezet"), entry["at"]):
            return {f"statussen.{key}": _required(zaken.SERVICE, status, "url")}
    return None


# ---------------------------------------------------------------------- Klantinteracties API
def _first_url(refs: Any) -> str | None:
    first = refs[0] if isinstance(refs, list) and refs else None
    return first.get("url") if isinstance(first, dict) else None


async def create_klantcontact(
    client: KlantinteractiesClient, klantcontact: Klantcontact, betrokkene: Betrokkene, onderwerp: Onderwerpobject
) -> Fields:
    made = await client.maak_klantcontact(klantcontact, betrokkene, onderwerp)
    return {
        "klantcontact_uuid": made.uuid, "klantcontact_url": made.klantcontact.get("url"),
        "betrokkene_url": (made.betrokkene or {}).get("url"), "onderwerpobject_url": (made.onderwerpobject or {}).get("url"),
    }


async def find_klantcontact(
    client: KlantinteractiesClient, klantcontact: Klantcontact, onderwerpen: list[Onderwerpobject]
) -> Fields | None:
    for onderwerp in onderwerpen:
        for found in await client.find_klantcontacten(onderwerp, klantcontact.kanaal):
            if (
                found.get("kanaal") == klantcontact.kanaal and found.get("onderwerp") == klantcontact.onderwerp
                and same_moment(found.get("plaatsgevondenOp"), klantcontact.plaatsgevondenOp)
            ):
                return {
                    "klantcontact_uuid": _required(klantinteracties.SERVICE, found, "uuid"), "klantcontact_url": found.get("url"),
                    "betrokkene_url": _first_url(found.get("hadBetrokkenen")),
                    "onderwerpobject_url": _first_url(found.get("gingOverOnderwerpobjecten")),
                }
    return None


async def create_interne_taak(
    client: KlantinteractiesClient, klantcontact_uuid: str, handeling: str, toelichting: str, actor_uuids: list[str]
) -> Fields:
    taak = await client.create_interne_taak(klantcontact_uuid, handeling, toelichting, actor_uuids)
    return {"interne_taak_uuid": _required(klantinteracties.SERVICE, taak, "uuid"), "interne_taak_url": taak.get("url")}


async def find_interne_taak(client: KlantinteractiesClient, klantcontact_uuid: str) -> Fields | None:
    made = await client.get_klantcontact(klantcontact_uuid)
    for taak in made.get("leiddeTotInterneTaken") or []:
        if isinstance(taak, dict) and taak.get("uuid"):
            return {"interne_taak_uuid": str(taak["uuid"]), "interne_taak_url": taak.get("url")}
    return None
