"""KvK Handelsregister: Zoeken API v2 (find an organisation) and Basisprofiel API v1.

``GET {KCC_KVK_URL}/v2/zoeken?kvkNummer=|naam=|vestigingsnummer=`` and
``GET {KCC_KVK_URL}/v1/basisprofielen/{kvkNummer}``, with the ``apikey`` header
(``KCC_KVK_API_KEY``). KvK answers "no results" with 404 and error code IPD5200: that is an
empty list here, not an error. Errors come as ``{"fout": [{"code", "omschrijving"}]}``.

Follows Zoeken API 2.x and Basisprofiel API 1.x (developers.kvk.nl). Left out: Vestigingsprofiel,
Naamgeving, the address search parameters and paging past the first page.
"""

from __future__ import annotations

import aiohttp
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import NotFound, parse_answer, request_json

SERVICE = "kvk"
NO_RESULTS = "IPD5200"


class BinnenlandsAdres(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str | None = None
    straatnaam: str | None = None
    huisnummer: int | None = None
    postcode: str | None = None
    plaats: str | None = None


class ZoekAdres(BaseModel):
    model_config = ConfigDict(extra="ignore")
    binnenlandsAdres: BinnenlandsAdres | None = None  # noqa: N815 - field name of the API


class Resultaat(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kvkNummer: str  # noqa: N815
    vestigingsnummer: str | None = None
    naam: str | None = None
    adres: ZoekAdres | None = None
    type: str | None = None


class ZoekResultaat(BaseModel):
    model_config = ConfigDict(extra="ignore")
    pagina: int = 1
    resultatenPerPagina: int = 10  # noqa: N815
    totaal: int = 0
    resultaten: list[Resultaat] = []


class Handelsnaam(BaseModel):
    model_config = ConfigDict(extra="ignore")
    naam: str
    volgorde: int | None = None


class SbiActiviteit(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sbiCode: str  # noqa: N815
    sbiOmschrijving: str | None = None  # noqa: N815
    indHoofdactiviteit: str | None = None  # noqa: N815


class Vestiging(BaseModel):
    model_config = ConfigDict(extra="ignore")
    vestigingsnummer: str | None = None
    eersteHandelsnaam: str | None = None  # noqa: N815
    adressen: list[dict] = []


class Eigenaar(BaseModel):
    model_config = ConfigDict(extra="ignore")
    rsin: str | None = None  # a rechtspersoon's; an eenmanszaak has none
    rechtsvorm: str | None = None


class Embedded(BaseModel):
    model_config = ConfigDict(extra="ignore")
    hoofdvestiging: Vestiging | None = None
    eigenaar: Eigenaar | None = None


class Basisprofiel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    kvkNummer: str  # noqa: N815
    naam: str | None = None
    handelsnamen: list[Handelsnaam] = []
    sbiActiviteiten: list[SbiActiviteit] = []  # noqa: N815
    embedded: Embedded | None = Field(None, alias="_embedded")

    @property
    def rsin(self) -> str | None:
        """The owner's RSIN: how Zaken API 1.5.1 identifies a company (``innNnpId``)."""
        return self.embedded.eigenaar.rsin if self.embedded and self.embedded.eigenaar else None


class KvkClient:
    def __init__(self, base_url: str, api_key: str | None, session: aiohttp.ClientSession, timeout_s: float = 10.0):
        self.base = base_url.rstrip("/")
        self.api_key, self.session, self.timeout_s = api_key, session, timeout_s

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["apikey"] = self.api_key
        return headers

    async def search(
        self, *, kvk_nummer: str | None = None, naam: str | None = None, vestigingsnummer: str | None = None,
        resultaten_per_pagina: int = 10,
    ) -> list[Resultaat]:
        params = {"resultatenPerPagina": str(resultaten_per_pagina)}
        for key, value in (("kvkNummer", kvk_nummer), ("naam", naam), ("vestigingsnummer", vestigingsnummer)):
            if value:
                params[key] = value
        try:
            _, data = await request_json(
                self.session, SERVICE, "GET", f"{self.base}/v2/zoeken", timeout_s=self.timeout_s,
                headers=self._headers(), params=params,
            )
        except NotFound as exc:
            if exc.code == NO_RESULTS:
                return []
            raise
        return parse_answer(SERVICE, ZoekResultaat, data).resultaten

    async def basisprofiel(self, kvk_nummer: str) -> Basisprofiel:
        """The basisprofiel; ``NotFound`` when KvK does not know the number."""
        _, data = await request_json(
            self.session, SERVICE, "GET", f"{self.base}/v1/basisprofielen/{kvk_nummer}", timeout_s=self.timeout_s,
            headers=self._headers(),
        )
        return parse_answer(SERVICE, Basisprofiel, data)
