"""Zaken API 1.5 (ZGW, e.g. Open Zaak): register a case, its status changes and the resident's role.

``POST {KCC_ZAKEN_URL}/zaken``, ``/statussen`` and ``/rollen`` (``KCC_ZAKEN_URL`` ends in
``/zaken/api/v1``), and the list calls ``GET /zaken``, ``/rollen``, ``/statussen`` with filters,
so a caller can find what an earlier request made when its answer was lost (a time-out after
the server acted). A zaak carries an ``identificatie`` of the caller's choosing; the API keeps it
unique per ``bronorganisatie`` (400 ``identificatie-niet-uniek`` for a second one). Authentication as ZGW prescribes: a JWT signed with HS256 using the
client's secret, with ``iss``/``client_id`` = ``KCC_ZAKEN_CLIENT_ID``, ``iat``, ``user_id`` and
``user_representation``, sent as ``Authorization: Bearer``; a fresh token per request.
Geometry travels in EPSG:4326 (``Accept-Crs``/``Content-Crs``).

A rol identifies a company as Zaken API 1.5.1 has it: ``niet_natuurlijk_persoon`` by
``innNnpId`` (the RSIN, eleven-test) and ``statutaireNaam``, ``vestiging`` by ``vestigingsNummer``
(``kvkNummer`` exists only in later versions and is dropped unread by a 1.5.1 server).
An eindstatus needs a resultaat first (``POST /resultaten``).

Follows Zaken API 1.5.1 (github.com/VNG-Realisatie/zaken-api). Left out:
zaakinformatieobjecten (attachments stay in the hub and are referenced from the toelichting),
zaakeigenschappen, klantcontacten (those go to the Klantinteracties API) and reading back.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any, Literal

import aiohttp
import jwt
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import BadRequest, parse_answer, request_json

SERVICE = "zaken"
CRS = "EPSG:4326"


class Zaak(BaseModel):
    model_config = ConfigDict(extra="ignore")
    url: str
    uuid: str
    identificatie: str | None = None
    zaaktype: str
    startdatum: str


class ZaakIn(BaseModel):
    identificatie: str | None = Field(None, max_length=40)  # unique per bronorganisatie
    bronorganisatie: str = Field(pattern=r"^\d{9}$")
    verantwoordelijkeOrganisatie: str = Field(pattern=r"^\d{9}$")  # noqa: N815
    zaaktype: str
    omschrijving: str = Field(max_length=80)
    toelichting: str = Field("", max_length=1000)
    startdatum: date
    vertrouwelijkheidaanduiding: str | None = None
    kenmerken: list[dict[str, str]] = []
    zaakgeometrie: dict[str, Any] | None = None


class Page(BaseModel):
    """One page of a ZGW list (``count``, ``next``, ``previous``, ``results``); callers filter to a few items."""

    model_config = ConfigDict(extra="ignore")
    count: int = 0
    next: str | None = None
    results: list[dict[str, Any]] = []


def refusal_codes(exc: BadRequest) -> set[str]:
    """The codes in a ZGW refusal's ``invalidParams``."""
    params = (exc.body or {}).get("invalidParams") if isinstance(exc.body, dict) else None
    return {str(p.get("code")) for p in params or [] if isinstance(p, dict)}


def not_unique(exc: BadRequest) -> bool:
    """True when the Zaken API refused a zaak because its ``identificatie`` is taken."""
    return "identificatie-niet-uniek" in refusal_codes(exc)


class ZakenClient:
    def __init__(
        self, base_url: str, client_id: str, secret: str, session: aiohttp.ClientSession, timeout_s: float = 10.0
    ):
        self.base = base_url.rstrip("/")
        self.client_id, self.secret, self.session, self.timeout_s = client_id, secret, session, timeout_s

    def token(self, user_id: str = "kcc-hub", user_representation: str = "KCC hub") -> str:
        claims = {
            "iss": self.client_id,
            "iat": int(time.time()),
            "client_id": self.client_id,
            "user_id": user_id,
            "user_representation": user_representation,
        }
        return jwt.encode(claims, self.secret, algorithm="HS256", headers={"client_identifier": self.client_id})

    def _headers(self, user: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token(user_id=user)}",
            "Accept": "application/json",
            "Accept-Crs": CRS,
            "Content-Crs": CRS,
        }

    async def _post(self, path: str, body: dict[str, Any], user: str) -> dict[str, Any]:
        _, data = await request_json(
            self.session, SERVICE, "POST", f"{self.base}/{path}", timeout_s=self.timeout_s,
            headers=self._headers(user), json=body, ok=(201,),
        )
        return data

    async def create_zaak(self, zaak: ZaakIn, user: str = "kcc-hub") -> Zaak:
        return parse_answer(SERVICE, Zaak, await self._post("zaken", zaak.model_dump(mode="json", exclude_none=True), user))

    async def _list(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        """The first page of a filtered list (the filters the hub uses match a handful of items)."""
        _, data = await request_json(
            self.session, SERVICE, "GET", f"{self.base}/{path}", timeout_s=self.timeout_s,
            headers=self._headers("kcc-hub"), params=params,
        )
        return parse_answer(SERVICE, Page, data).results

    async def find_zaak(self, bronorganisatie: str, identificatie: str) -> Zaak | None:
        """The zaak with this ``identificatie`` of this ``bronorganisatie``, or None."""
        found = await self._list("zaken", {"bronorganisatie": bronorganisatie, "identificatie": identificatie})
        for item in found:
            if item.get("identificatie") == identificatie and item.get("bronorganisatie") == bronorganisatie:
                return parse_answer(SERVICE, Zaak, item)
        return None

    async def find_rollen(self, zaak_url: str, roltype: str) -> list[dict[str, Any]]:
        return [r for r in await self._list("rollen", {"zaak": zaak_url, "roltype": roltype}) if r.get("zaak") == zaak_url]

    async def find_statussen(self, zaak_url: str, statustype: str) -> list[dict[str, Any]]:
        found = await self._list("statussen", {"zaak": zaak_url, "statustype": statustype})
        return [s for s in found if s.get("zaak") == zaak_url and s.get("statustype") == statustype]

    async def find_resultaten(self, zaak_url: str) -> list[dict[str, Any]]:
        return [r for r in await self._list("resultaten", {"zaak": zaak_url}) if r.get("zaak") == zaak_url]

    async def create_resultaat(self, zaak_url: str, resultaattype: str, toelichting: str = "", user: str = "kcc-hub") -> dict[str, Any]:
        """The zaak's outcome; the API wants one before the eindstatus (``resultaat-does-not-exist``)."""
        return await self._post("resultaten", {"zaak": zaak_url, "resultaattype": resultaattype, "toelichting": toelichting[:1000]}, user)

    async def get_zaak(self, zaak_url: str) -> Zaak:
        if not zaak_url.startswith(self.base + "/zaken/"):
            raise ValueError("zaak URL is not of this Zaken API")
        _, data = await request_json(
            self.session, SERVICE, "GET", zaak_url, timeout_s=self.timeout_s, headers=self._headers("kcc-hub")
        )
        return parse_answer(SERVICE, Zaak, data)

    async def set_status(
        self, zaak_url: str, statustype: str, at: datetime, toelichting: str = "", user: str = "kcc-hub"
    ) -> dict[str, Any]:
        body = {"zaak": zaak_url, "statustype": statustype, "datumStatusGezet": at.isoformat(), "statustoelichting": toelichting[:1000]}
        return await self._post("statussen", body, user)

    async def add_rol(
        self,
        zaak_url: str,
        roltype: str,
        betrokkene_type: Literal["natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging"],
        identificatie: dict[str, Any],
        toelichting: str = "Initiator",
        user: str = "kcc-hub",
    ) -> dict[str, Any]:
        body = {
            "zaak": zaak_url,
            "betrokkeneType": betrokkene_type,
            "roltype": roltype,
            "roltoelichting": toelichting,
            "betrokkeneIdentificatie": identificatie,
        }
        return await self._post("rollen", body, user)
