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
github.com/maykinmedia/open-klant). Left out: partijen and digitale adressen (the hub keeps its
own contacts; a betrokkene refers to a partij only when the caller passes its uuid), bijlagen,
actoren management (the actor for interne taken is configured).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import aiohttp
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import parse_answer, request_json

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
    return Onderwerpobject(
        onderwerpobjectidentificator={
            "objectId": zaak_uuid, "codeObjecttype": "zaak", "codeRegister": "openzaak", "codeSoortObjectId": "uuid"
        }
    )


def hub_onderwerp(kind: str, object_id: str) -> Onderwerpobject:
    """An object in the hub itself (a conversation or callback request), for traceability."""
    return Onderwerpobject(
        onderwerpobjectidentificator={
            "objectId": object_id, "codeObjecttype": kind, "codeRegister": "kcc-hub", "codeSoortObjectId": "id"
        }
    )


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
        self, klantcontact_uuid: str, gevraagde_handeling: str, toelichting: str = "", actor_uuid: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "gevraagdeHandeling": gevraagde_handeling[:200],
            "aanleidinggevendKlantcontact": {"uuid": klantcontact_uuid},
            "toelichting": toelichting[:1000],
            "status": "te_verwerken",
        }
        if actor_uuid:
            body["toegewezenAanActoren"] = [{"uuid": actor_uuid}]
        _, data = await request_json(
            self.session, SERVICE, "POST", f"{self.base}/internetaken", timeout_s=self.timeout_s,
            headers=self._headers(), json=body, ok=(201,),
        )
        return data

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
