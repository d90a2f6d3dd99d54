"""Local Haal Centraal BRP Personen 2.x server: ``POST /haalcentraal/api/brp/personen``.

Follows the published API: request ``type`` + parameters + ``fields``, answers only the
fields asked for, and errors as problem+json with ``code`` and ``invalidParams``
(``paramsValidation``, ``paramsCombination``, ``unknownParam``, ``authentication``,
``notFound``). Like the RvIG gateway it wants ``X-API-KEY`` and the protocol headers
``x-doelbinding``, ``x-verwerking`` and ``x-gebruiker``. Persons are fictitious (RvIG test BSNs).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from aiohttp import web

from connectors.testservers.common import json_body, new_app, run

BASE = "/haalcentraal/api/brp"
API_KEY = "test-brp-key"
PROTOCOL_HEADERS = ("x-doelbinding", "x-verwerking", "x-gebruiker")

PERSONS: dict[str, dict[str, Any]] = {
    "999993653": {
        "burgerservicenummer": "999993653",
        "naam": {"voornamen": "Suzanne", "voorvoegsel": "", "geslachtsnaam": "Moulin", "volledigeNaam": "Suzanne Moulin"},
        "geboorte": {"datum": {"type": "Datum", "datum": "1985-07-13"}},
        "adressering": {"aanhef": "Geachte mevrouw Moulin", "adresregel1": "Lindelaan 12", "adresregel2": "1234 AB  LINDEWAARD"},
        "geheimhoudingPersoonsgegevens": False,
    },
    "999995078": {
        "burgerservicenummer": "999995078",
        "naam": {"voornamen": "Pieter Jan", "voorvoegsel": "de", "geslachtsnaam": "Vries", "volledigeNaam": "Pieter Jan de Vries"},
        "geboorte": {"datum": {"type": "Datum", "datum": "1961-02-01"}},
        "adressering": {"aanhef": "Geachte heer De Vries", "adresregel1": "Kerkstraat 3", "adresregel2": "1234 CD  LINDEWAARD"},
        "geheimhoudingPersoonsgegevens": True,
    },
}
TOP_FIELDS = {"burgerservicenummer", "naam", "geboorte", "adressering"}
# Delivered without being asked when true; asking for one is refused (400 paramsValidation, ``field``).
AUTOMATIC = {"geheimhoudingPersoonsgegevens", "inOnderzoek", "opschortingBijhouding", "rni", "verificatie"}
PARAMS = {"RaadpleegMetBurgerservicenummer": {"type", "burgerservicenummer", "fields", "gemeenteVanInschrijving"}}


def problem(status: int, title: str, code: str, detail: str = "", invalid: list[dict[str, str]] | None = None) -> web.Response:
    types = {400: "rfc7231#section-6.5.1", 401: "rfc7235#section-3.1", 404: "rfc7231#section-6.5.4"}
    body: dict[str, Any] = {
        "type": f"https://datatracker.ietf.org/doc/html/{types.get(status, 'rfc7231')}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": f"{BASE}/personen",
    }
    if invalid:
        body["invalidParams"] = invalid
    return web.json_response(body, status=status, content_type="application/problem+json")


def invalid(params: list[tuple[str, str, str]]) -> web.Response:
    names = ", ".join(p[1] for p in params)
    return problem(
        400, "Een of meerdere parameters zijn niet correct.", "paramsValidation", f"De foutieve parameter(s) zijn: {names}.",
        [{"code": c, "name": n, "reason": r} for c, n, r in params],
    )


def select(person: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Only the requested fields (dotted paths), as the API does."""
    out: dict[str, Any] = {}
    for path in fields:
        src, dst = person, out
        parts = path.split(".")
        for i, part in enumerate(parts):
            if not isinstance(src, dict) or part not in src:
                break
            if i == len(parts) - 1:
                dst[part] = copy.deepcopy(src[part])
            else:
                src = src[part]
                dst = dst.setdefault(part, {})
    return out


def with_automatic(person: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    """The fields the API adds unasked: ``geheimhoudingPersoonsgegevens`` only when it is true."""
    if person.get("geheimhoudingPersoonsgegevens"):
        out["geheimhoudingPersoonsgegevens"] = True
    return out


def known_field(path: str) -> bool:
    parts = path.split(".")
    if parts[0] not in TOP_FIELDS:
        return False
    sample: Any = next(iter(PERSONS.values()))
    for part in parts:
        if not isinstance(sample, dict) or part not in sample:
            return False
        sample = sample[part]
    return True


async def personen(request: web.Request) -> web.Response:
    if request.headers.get("X-API-KEY") != request.app["api_key"]:
        return problem(401, "Niet correct geauthenticeerd.", "authentication")
    missing = [h for h in PROTOCOL_HEADERS if not request.headers.get(h)]
    if missing:
        return invalid([("required", h, "Header is verplicht.") for h in missing])
    body = await json_body(request)
    if not isinstance(body, dict):
        return problem(400, "Foutieve request body.", "paramsValidation", "De request body is geen geldige JSON.")
    kind = body.get("type")
    if kind not in PARAMS:
        return invalid([("value", "type", "Waarde is geen geldig zoek type.")])
    unknown = sorted(set(body) - PARAMS[kind])
    if unknown:
        return invalid([("unknownParam", name, "Parameter is niet verwacht.") for name in unknown])
    if "burgerservicenummer" not in body:
        return problem(
            400, "Minimale combinatie van parameters moet worden opgegeven.", "paramsCombination",
            "De foutieve parameter(s) zijn: burgerservicenummer.",
            [{"code": "required", "name": "burgerservicenummer", "reason": "Parameter is verplicht."}],
        )
    bsns = body["burgerservicenummer"]
    if not isinstance(bsns, list):
        return invalid([("array", "burgerservicenummer", "Parameter is geen array.")])
    if not bsns:
        return invalid([("minItems", "burgerservicenummer", "Array bevat minder dan 1 items.")])
    if len(bsns) > 20:
        return invalid([("maxItems", "burgerservicenummer", "Array bevat meer dan 20 items.")])
    bad = [(f"burgerservicenummer[{i}]", b) for i, b in enumerate(bsns) if not (isinstance(b, str) and re.fullmatch(r"[0-9]{9}", b))]
    if bad:
        return invalid([("pattern", name, "Waarde voldoet niet aan patroon ^[0-9]{9}$.") for name, _ in bad])
    fields = body.get("fields")
    if not isinstance(fields, list) or not fields:
        return invalid([("required", "fields", "Parameter is verplicht.")])
    automatic = [(f"fields[{i}]", f) for i, f in enumerate(fields) if isinstance(f, str) and f.split(".")[0] in AUTOMATIC]
    if automatic:
        return invalid([("field", name, "Parameter bevat een niet toegestane veldnaam.") for name, _ in automatic])
    wrong = [(f"fields[{i}]", f) for i, f in enumerate(fields) if not (isinstance(f, str) and known_field(f))]
    if wrong:
        return invalid([("field", name, "Parameter bevat een niet bestaande veldnaam.") for name, _ in wrong])
    found = [with_automatic(PERSONS[b], select(PERSONS[b], fields)) for b in dict.fromkeys(bsns) if b in PERSONS]
    return web.json_response({"type": kind, "personen": found})


@web.middleware
async def not_found(request: web.Request, handler: object) -> web.StreamResponse:
    try:
        return await handler(request)  # type: ignore[operator]
    except web.HTTPNotFound:
        return problem(404, "Opgevraagde resource bestaat niet.", "notFound")
    except web.HTTPMethodNotAllowed:
        return problem(405, "Gebruikte bevragingsmethode is niet toegestaan.", "methodNotAllowed")


def make_app(api_key: str = API_KEY) -> web.Application:
    app = new_app([not_found])
    app["api_key"] = api_key
    app.router.add_post(f"{BASE}/personen", personen)
    return app


if __name__ == "__main__":
    run(make_app, 8101, "Local Haal Centraal BRP Personen 2.x server")
