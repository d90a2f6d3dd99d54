"""Klantinteracties API (Open Klant 2.x): finished conversations as klantcontacten, callbacks as interne taken.

``POST {KCC_KLANTINTERACTIES_URL}/maak-klantcontact`` creates a klantcontact with its
betrokkene and onderwerpobject in one call; ``POST .../internetaken`` creates the task that
follows from it (a callback request). ``KCC_KLANTINTERACTIES_URL`` ends in
``/klantinteracties/api/v1``; authentication is ``Authorization: Token <KCC_KLANTINTERACTIES_TOKEN>``.
A municipality running KISS sees these contacts and tasks there.

``GET .../klantcontacten`` filtered on the onderwerpobject's identificator finds a klantcontact
an earlier request made when its answer was lost (a time-out after the server acted); the
hub's own records are tagged that way (``codeRegister`` ``kcc-hub``, ``objectId`` = the hub's id).
``nummer``/``referentienummer`` cannot carry the hub's id: digits only, at most 10, unique, and
handed out by Open Klant itself when left empty.

Follows the Klantinteracties API as served by Open Klant 2.x (openapi.yaml in
github.com/maykinmedia/open-klant), and writes what KISS (KISS-frontend,
``src/services/openklant2``) reads: partijen with their partij-identificatoren, actoren with
actorklantcontacten, digitale adressen of a betrokkene, interne taken assigned to an actor.
Left out: bijlagen, rekeningnummers, vertegenwoordigingen, categorieën.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import aiohttp
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import Unavailable, parse_answer, request_json

SERVICE = "klantinteracties"


class Klantcontact(BaseModel):
    kanaal: str = Field(max_length=50)
    onderwerp: str = Field(max_length=200)
    inhoud: str = Field("", max_length=1000)
    indicatieContactGelukt: bool | None = True  # noqa: N815 - field names of the API
    taal: str = "nld"
    vertrouwelijk: bool = False
    plaatsgevondenOp: datetime  # noqa: N815


class Contactnaam(BaseModel):
    voorletters: str = ""
    voornaam: str = ""
    voorvoegselAchternaam: str = ""  # noqa: N815
    achternaam: str = ""


class Betrokkene(BaseModel):
    wasPartij: dict[str, str] | None = None  # noqa: N815 - {"uuid": ...} of an existing partij
    rol: Literal["klant", "vertegenwoordiger"] = "klant"
    organisatienaam: str = Field("", max_length=200)
    initiator: bool = True
    contactnaam: Contactnaam | None = None


class Onderwerpobject(BaseModel):
    onderwerpobjectidentificator: dict[str, str]


class MaakKlantcontactResult(BaseModel):
    model_config = ConfigDict(extra="ignore")
    klantcontact: dict[str, Any]
    betrokkene: dict[str, Any] | None = None
    onderwerpobject: dict[str, Any] | None = None

    @property
    def uuid(self) -> str:
        return str(self.klantcontact["uuid"])


def zaak_onderwerp(zaak_uuid: str) -> Onderwerpobject:
    """A zaak as KISS writes and reads it (it shows the zaak number only for ``zgw-Zaak`` in ``openzaak``)."""
    return Onderwerpobject(
        onderwerpobjectidentificator={
            "objectId": zaak_uuid, "codeObjecttype": "zgw-Zaak", "codeRegister": "openzaak", "codeSoortObjectId": "uuid"
        }
    )


def hub_onderwerp(kind: str, object_id: str) -> Onderwerpobject:
    """An object in the hub itself (a conversation or callback request), for traceability."""
    return Onderwerpobject(
        onderwerpobjectidentificator={
            "objectId": object_id, "codeObjecttype": kind, "codeRegister": "kcc-hub", "codeSoortObjectId": "id"
        }
    )


IDENTIFICATOR_KINDS = {  # codeSoortObjectId -> (codeRegister, codeObjecttype, soortPartij), as Open Klant allows them
    "bsn": ("brp", "natuurlijk_persoon", "persoon"),
    "kvk_nummer": ("hr", "niet_natuurlijk_persoon", "organisatie"),
    "vestigingsnummer": ("hr", "vestiging", "organisatie"),
}


class PartijIdentificator(BaseModel):
    """One identifier of a partij: a BSN, a KvK number or a vestigingsnummer."""

    codeSoortObjectId: Literal["bsn", "kvk_nummer", "vestigingsnummer"]  # noqa: N815 - field names of the API
    objectId: str  # noqa: N815

    @property
    def soort_partij(self) -> str:
        return IDENTIFICATOR_KINDS[self.codeSoortObjectId][2]

    def groep(self) -> dict[str, str]:
        register, objecttype, _ = IDENTIFICATOR_KINDS[self.codeSoortObjectId]
        return {"codeObjecttype": objecttype, "codeSoortObjectId": self.codeSoortObjectId, "objectId": self.objectId,
                "codeRegister": register}


class Page(BaseModel):
    """One page of an Open Klant list (``count``, ``next``, ``previous``, ``results``)."""

    model_config = ConfigDict(extra="ignore")
    count: int = 0
    next: str | None = None
    results: list[dict[str, Any]] = []


class KlantinteractiesClient:
    def __init__(self, base_url: str, token: str, session: aiohttp.ClientSession, timeout_s: float = 10.0):
        self.base = base_url.rstrip("/")
        self.token, self.session, self.timeout_s = token, session, timeout_s

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}", "Accept": "application/json"}

    async def maak_klantcontact(
        self, klantcontact: Klantcontact, betrokkene: Betrokkene | None = None, onderwerpobject: Onderwerpobject | None = None
    ) -> MaakKlantcontactResult:
        body: dict[str, Any] = {"klantcontact": klantcontact.model_dump(mode="json")}
        if betrokkene:
            body["betrokkene"] = betrokkene.model_dump(mode="json", exclude_none=True)
        if onderwerpobject:
            body["onderwerpobject"] = onderwerpobject.model_dump(mode="json")
        _, data = await request_json(
            self.session, SERVICE, "POST", f"{self.base}/maak-klantcontact", timeout_s=self.timeout_s,
            headers=self._headers(), json=body, ok=(201,),
        )
        return parse_answer(SERVICE, MaakKlantcontactResult, data)

    async def create_interne_taak(
        self, klantcontact_uuid: str, gevraagde_handeling: str, toelichting: str, actor_uuids: list[str]
    ) -> dict[str, Any]:
        """A task from a klantcontact; Open Klant refuses one without an actor to do it."""
        if not actor_uuids:
            raise ValueError("an interne taak needs at least one actor (toegewezenAanActoren)")
        body: dict[str, Any] = {
            "gevraagdeHandeling": gevraagde_handeling[:200],
            "aanleidinggevendKlantcontact": {"uuid": klantcontact_uuid},
            "toelichting": toelichting[:1000],
            "status": "te_verwerken",
            "toegewezenAanActoren": [{"uuid": u} for u in actor_uuids],
        }
        _, data = await request_json(
            self.session, SERVICE, "POST", f"{self.base}/internetaken", timeout_s=self.timeout_s,
            headers=self._headers(), json=body, ok=(201,),
        )
        return data

    async def _list(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        """The first page of a filtered list (the filters the hub uses match a handful of items)."""
        _, data = await request_json(
            self.session, SERVICE, "GET", f"{self.base}/{path}", timeout_s=self.timeout_s, headers=self._headers(), params=params,
        )
        return parse_answer(SERVICE, Page, data).results

    async def _send(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        _, data = await request_json(
            self.session, SERVICE, method, f"{self.base}/{path}", timeout_s=self.timeout_s, headers=self._headers(), json=body,
            ok=(200, 201),
        )
        if not isinstance(data, dict) or not data.get("uuid"):
            raise Unavailable(SERVICE, None, "bad_answer", "answer has no uuid")
        return data

    # -- partijen, as KISS finds a resident: by a partij-identificator
    async def find_partijen(self, ident: PartijIdentificator) -> list[dict[str, Any]]:
        params = {"soortPartij": ident.soort_partij, "partijIdentificator__codeSoortObjectId": ident.codeSoortObjectId,
                  "partijIdentificator__objectId": ident.objectId}
        return await self._list("partijen", params)

    async def find_identificatoren(self, ident: PartijIdentificator) -> list[dict[str, Any]]:
        params = {"partijIdentificatorCodeSoortObjectId": ident.codeSoortObjectId, "partijIdentificatorObjectId": ident.objectId}
        found = await self._list("partij-identificatoren", params)
        return [i for i in found if (i.get("partijIdentificator") or {}).get("objectId") == ident.objectId]

    async def create_partij(self, soort_partij: str, identificatie: dict[str, Any]) -> dict[str, Any]:
        body = {"soortPartij": soort_partij, "indicatieActief": True, "indicatieGeheimhouding": False,
                "digitaleAdressen": [], "rekeningnummers": [], "voorkeursDigitaalAdres": None, "voorkeursRekeningnummer": None,
                "partijIdentificatie": identificatie}
        return await self._send("POST", "partijen", body)

    async def save_identificator(
        self, ident: PartijIdentificator, partij_uuid: str | None, sub_van: str | None = None, existing: str | None = None
    ) -> dict[str, Any]:
        """Create a partij-identificator (or, with ``existing``, point that one at the partij)."""
        body: dict[str, Any] = {
            "identificeerdePartij": {"uuid": partij_uuid} if partij_uuid else None,
            "partijIdentificator": ident.groep(), "subIdentificatorVan": {"uuid": sub_van} if sub_van else None,
        }
        if existing:
            return await self._send("PUT", f"partij-identificatoren/{existing}", body)
        return await self._send("POST", "partij-identificatoren", body)

    # -- actoren: the bot and each agent, linked to the klantcontacten they took part in
    async def find_actoren(self, ident: dict[str, str]) -> list[dict[str, Any]]:
        params = {f"actoridentificator{k[0].upper()}{k[1:]}": v for k, v in ident.items()}
        found = await self._list("actoren", params)
        return [a for a in found if (a.get("actoridentificator") or {}).get("objectId") == ident["objectId"]]

    async def create_actor(self, soort: str, naam: str, ident: dict[str, str], identificatie: dict[str, str] | None) -> dict[str, Any]:
        body: dict[str, Any] = {"soortActor": soort, "naam": naam[:200], "indicatieActief": True, "actoridentificator": ident}
        if identificatie:
            body["actorIdentificatie"] = identificatie
        return await self._send("POST", "actoren", body)

    async def find_actorklantcontacten(self, klantcontact_uuid: str) -> list[dict[str, Any]]:
        return await self._list("actorklantcontacten", {"klantcontact__uuid": klantcontact_uuid})

    async def link_actor(self, actor_uuid: str, klantcontact_uuid: str) -> dict[str, Any]:
        return await self._send("POST", "actorklantcontacten", {"actor": {"uuid": actor_uuid}, "klantcontact": {"uuid": klantcontact_uuid}})

    # -- digitale adressen, given by the betrokkene (KISS finds callback requests by them)
    async def find_digitale_adressen(self, betrokkene_uuid: str) -> list[dict[str, Any]]:
        return await self._list("digitaleadressen", {"verstrektDoorBetrokkene__uuid": betrokkene_uuid})

    async def create_digitaal_adres(self, betrokkene_uuid: str, soort: str, adres: str, omschrijving: str) -> dict[str, Any]:
        body = {"verstrektDoorBetrokkene": {"uuid": betrokkene_uuid}, "verstrektDoorPartij": None, "adres": adres[:80],
                "soortDigitaalAdres": soort, "omschrijving": omschrijving[:40], "isStandaardAdres": False}
        return await self._send("POST", "digitaleadressen", body)

    async def list_betrokkenen(self, partij_url: str) -> list[dict[str, Any]]:
        """The betrokkenen that were this partij (as KISS lists a resident's contacts)."""
        return [b for b in await self._list("betrokkenen", {"wasPartij__url": partij_url, "pageSize": "100"})
                if (b.get("wasPartij") or {}).get("url") == partij_url]

    async def close_interne_taak(self, taak_uuid: str, at: datetime) -> dict[str, Any]:
        return await self._send("PATCH", f"internetaken/{taak_uuid}", {"status": "verwerkt", "afgehandeldOp": at.isoformat()})

    async def find_klantcontacten(self, onderwerpobject: Onderwerpobject, kanaal: str | None = None) -> list[dict[str, Any]]:
        """Klantcontacten that went about this onderwerpobject (first page), optionally on one kanaal."""
        ident = onderwerpobject.onderwerpobjectidentificator
        params = {
            f"onderwerpobject__onderwerpobjectidentificator{name[0].upper()}{name[1:]}": value for name, value in ident.items()
        }
        if kanaal:
            params["kanaal"] = kanaal
        _, data = await request_json(
            self.session, SERVICE, "GET", f"{self.base}/klantcontacten", timeout_s=self.timeout_s,
            headers=self._headers(), params=params,
        )
        return parse_answer(SERVICE, Page, data).results

    async def get_klantcontact(self, klantcontact_uuid: str) -> dict[str, Any]:
        _, data = await request_json(
            self.session, SERVICE, "GET", f"{self.base}/klantcontacten/{klantcontact_uuid}", timeout_s=self.timeout_s,
            headers=self._headers(),
        )
        return data
