"""Local KvK server: Zoeken API v2 (``GET /api/v2/zoeken``) and Basisprofiel API v1
(``GET /api/v1/basisprofielen/{kvkNummer}``), with the ``apikey`` header.

Follows the published API: errors as ``{"fout": [{"code", "omschrijving"}]}`` with the IPD
codes (IPD0004 invalid KvK number, IPD0006 invalid branch number, IPD1999 bad parameter,
IPD5200 no results as 404, IPD0005 unknown number as 404). The shape of the 401 body for a
missing key is not published; this server answers ``fout`` with code ``401``.
Organisations are fictitious.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from connectors.testservers.common import new_app, run

API_KEY = "test-kvk-key"

COMPANIES: list[dict[str, Any]] = [
    {
        "kvkNummer": "69599084",
        "vestigingsnummer": "000038509504",
        "naam": "Bakkerij De Linde",
        "adres": {"binnenlandsAdres": {"type": "bezoekadres", "straatnaam": "Marktplein", "huisnummer": 4,
                                       "postcode": "1234AB", "plaats": "Lindewaard"}},
        "type": "hoofdvestiging",
        "eigenaar": {"rechtsvorm": "Eenmanszaak"},  # no RSIN: not a rechtspersoon
        "sbi": [{"sbiCode": "1071", "sbiOmschrijving": "Vervaardiging van brood en vers banketbakkerswerk", "indHoofdactiviteit": "Ja"}],
    },
    {
        "kvkNummer": "68750110",
        "vestigingsnummer": "000037178598",
        "naam": "Lindewaard Installatietechniek B.V.",
        "adres": {"binnenlandsAdres": {"type": "bezoekadres", "straatnaam": "Industrieweg", "huisnummer": 17,
                                       "postcode": "1234EF", "plaats": "Lindewaard"}},
        "type": "hoofdvestiging",
        "eigenaar": {"rsin": "001000019", "rechtsvorm": "BeslotenVennootschap"},
        "sbi": [{"sbiCode": "4322", "sbiOmschrijving": "Loodgieters- en fitterswerk", "indHoofdactiviteit": "Ja"}],
    },
]


def fout(status: int, code: str, text: str) -> web.Response:
    return web.json_response({"fout": [{"code": code, "omschrijving": text}]}, status=status)


def authorised(request: web.Request) -> bool:
    return request.headers.get("apikey") == request.app["api_key"]


async def zoeken(request: web.Request) -> web.Response:
    if not authorised(request):
        return fout(401, "401", "Er is geen geldige API-key meegegeven.")
    q = request.query
    allowed = {"kvkNummer", "naam", "vestigingsnummer", "rsin", "pagina", "resultatenPerPagina", "type", "plaats"}
    unknown = sorted(set(q) - allowed)
    if unknown:
        return fout(400, "IPD1999", f"De volgende opgegeven parameter(s) is(zijn) ongeldig: {', '.join(unknown)}")
    kvk, naam, branch = q.get("kvkNummer"), q.get("naam"), q.get("vestigingsnummer")
    if kvk is not None and not re.fullmatch(r"[0-9]{8}", kvk):
        return fout(400, "IPD0004", f"Het KVK-nummer {kvk} is niet valide.")
    if branch is not None and not re.fullmatch(r"[0-9]{12}", branch):
        return fout(400, "IPD0006", f"Het vestigingsnummer {branch} is niet valide.")
    try:
        per_page = int(q.get("resultatenPerPagina", "10"))
        page = int(q.get("pagina", "1"))
    except ValueError:
        return fout(400, "IPD1999", "De volgende opgegeven parameter(s) is(zijn) ongeldig: resultatenPerPagina")
    if not (kvk or naam or branch):
        return fout(400, "IPD1999", "Geef minimaal een zoekparameter op.")
    hits = [
        c for c in COMPANIES
        if (not kvk or c["kvkNummer"] == kvk)
        and (not branch or c["vestigingsnummer"] == branch)
        and (not naam or naam.lower() in c["naam"].lower())
    ]
    if not hits:
        return fout(404, "IPD5200", "Er zijn geen gegevens gevonden die voldoen aan de opgegeven zoekparameters.")
    results = [{k: v for k, v in c.items() if k != "sbi"} for c in hits[(page - 1) * per_page: page * per_page]]
    return web.json_response(
        {"pagina": page, "resultatenPerPagina": per_page, "totaal": len(hits), "resultaten": results,
         "_links": {"self": {"href": str(request.url)}}}
    )


async def basisprofiel(request: web.Request) -> web.Response:
    if not authorised(request):
        return fout(401, "401", "Er is geen geldige API-key meegegeven.")
    kvk = request.match_info["kvk"]
    if not re.fullmatch(r"[0-9]{8}", kvk):
        return fout(400, "IPD0004", f"Het KVK-nummer {kvk} is niet valide.")
    company = next((c for c in COMPANIES if c["kvkNummer"] == kvk), None)
    if not company:
        return fout(404, "IPD0005", f"Er zijn geen gegevens gevonden voor KVK-nummer {kvk}.")
    adres = company["adres"]["binnenlandsAdres"]
    return web.json_response(
        {
            "kvkNummer": kvk,
            "indNonMailing": "Nee",
            "naam": company["naam"],
            "handelsnamen": [{"naam": company["naam"], "volgorde": 0}],
            "sbiActiviteiten": company["sbi"],
            "_embedded": {
                "eigenaar": company["eigenaar"],
                "hoofdvestiging": {
                    "vestigingsnummer": company["vestigingsnummer"],
                    "kvkNummer": kvk,
                    "eersteHandelsnaam": company["naam"],
                    "indHoofdvestiging": "Ja",
                    "adressen": [{"type": "bezoekadres", "straatnaam": adres["straatnaam"], "huisnummer": adres["huisnummer"],
                                  "postcode": adres["postcode"], "plaats": adres["plaats"], "land": "Nederland"}],
                }
            },
            "_links": {"self": {"href": str(request.url)}},
        }
    )


@web.middleware
async def not_found(request: web.Request, handler: object) -> web.StreamResponse:
    try:
        return await handler(request)  # type: ignore[operator]
    except web.HTTPNotFound:
        return fout(404, "IPD0000", "Deze URL bestaat niet.")


def make_app(api_key: str = API_KEY) -> web.Application:
    app = new_app([not_found])
    app["api_key"] = api_key
    app.router.add_get("/api/v2/zoeken", zoeken)
    app.router.add_get("/api/v1/basisprofielen/{kvk}", basisprofiel)
    return app


if __name__ == "__main__":
    run(make_app, 8102, "Local KvK Zoeken v2 + Basisprofiel v1 server")
