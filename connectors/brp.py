"""Haal Centraal BRP Personen bevragen 2.x: one person by BSN, only the fields the KCC needs.

``POST {KCC_BRP_URL}/personen`` with ``{"type": "RaadpleegMetBurgerservicenummer",
"burgerservicenummer": [bsn], "fields": [...]}`` (the BSN travels in the body, never in a
URL). Headers: ``X-API-KEY`` (``KCC_BRP_API_KEY``) and the protocol headers the BRP API
gateway logs: ``x-doelbinding`` (purpose, ``KCC_BRP_DOELBINDING``), ``x-verwerking``
(processing activity, ``KCC_BRP_VERWERKING``) and ``x-gebruiker`` (the staff member).

Follows BRP API Personen 2.x (OpenAPI from github.com/BRP-API/Haal-Centraal-BRP-bevragen).
Left out: the search operations (ZoekMet...), history, gezag, family members.
"""

from __future__ import annotations

import aiohttp
from pydantic import BaseModel, ConfigDict

from connectors.base import parse_answer, request_json

SERVICE = "brp"
# The KCC needs to greet and recognise the resident and see whether the data is secret.
FIELDS = [
    "burgerservicenummer",
    "naam.voornamen",
    "naam.voorvoegsel",
    "naam.geslachtsnaam",
    "naam.volledigeNaam",
    "adressering.aanhef",
    "adressering.adresregel1",
    "adressering.adresregel2",
]
# Delivered unasked whenever it is true, and refused when asked for (400 paramsValidation):
# it is not in FIELDS, but Persoon reads it.
AUTOMATIC = {"geheimhoudingPersoonsgegevens", "inOnderzoek", "opschortingBijhouding", "rni", "verificatie"}


class Naam(BaseModel):
    model_config = ConfigDict(extra="ignore")
    voornamen: str | None = None
    voorvoegsel: str | None = None
    geslachtsnaam: str | None = None
    volledigeNaam: str | None = None  # noqa: N815 - field name of the API


class Adressering(BaseModel):
    model_config = ConfigDict(extra="ignore")
    aanhef: str | None = None
    adresregel1: str | None = None
    adresregel2: str | None = None


class Persoon(BaseModel):
    model_config = ConfigDict(extra="ignore")
    burgerservicenummer: str | None = None
    naam: Naam | None = None
    adressering: Adressering | None = None
    geheimhoudingPersoonsgegevens: bool | None = None  # noqa: N815 - field name of the API

    @property
    def display_name(self) -> str | None:
        if not self.naam:
            return None
        if self.naam.volledigeNaam:
            return self.naam.volledigeNaam
        parts = [self.naam.voornamen, self.naam.voorvoegsel, self.naam.geslachtsnaam]
        return " ".join(p for p in parts if p) or None


class PersonenResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    personen: list[Persoon] = []


class BrpClient:
    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        session: aiohttp.ClientSession,
        timeout_s: float = 10.0,
        doelbinding: str = "BRPACT-AlgemeneTaken",
        verwerking: str = "Klantcontact@KCC",
    ):
        self.url = base_url.rstrip("/") + "/personen"
        self.api_key, self.session, self.timeout_s = api_key, session, timeout_s
        self.doelbinding, self.verwerking = doelbinding, verwerking

    async def person(self, bsn: str, gebruiker: str, fields: list[str] | None = None) -> Persoon | None:
        """The person with ``bsn``, or None when the BRP has no such person."""
        headers = {
            "Accept": "application/json",
            "x-doelbinding": self.doelbinding,
            "x-verwerking": self.verwerking,
            "x-gebruiker": gebruiker,
        }
        if self.api_key:
            headers["X-API-KEY"] = self.api_key
        body = {"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": [bsn], "fields": fields or FIELDS}
        if AUTOMATIC & set(body["fields"]):
            raise ValueError("fields the BRP delivers by itself may not be asked for")
        _, data = await request_json(self.session, SERVICE, "POST", self.url, timeout_s=self.timeout_s, headers=headers, json=body)
        answer = parse_answer(SERVICE, PersonenResponse, data)
        return answer.personen[0] if answer.personen else None
