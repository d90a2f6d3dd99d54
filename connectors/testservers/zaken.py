"""Local Zaken API 1.5.1 server (``/zaken/api/v1``): zaken, statussen, rollen, resultaten.

Follows the published API: JWT (HS256) client authentication with ``client_id``/``iss``
and ``iat``; 401 ``not_authenticated`` without a valid token; ``Content-Crs``/``Accept-Crs``
required on zaken (412 otherwise); 400 ``invalid`` with ``invalidParams``; 404 ``not_found``.
A zaak keeps the ``identificatie`` the client gives (unique per ``bronorganisatie``: 400
``identificatie-niet-uniek``) or gets one; the lists (``GET /zaken``, ``/rollen``,
``/statussen``) filter as the API's query parameters do and answer one page.
The catalogue is fixed (``CATALOGUE``, or the one given to ``make_app``): per zaaktype its
statustypen in order (the last is the eindstatus), roltypen and resultaattypen.

Refused as Open Zaak refuses them (400 ``invalid``, the code in ``invalidParams``):

* an RSIN (``bronorganisatie``, ``verantwoordelijkeOrganisatie``, a rol's ``innNnpId``) or BSN
  (``inpBsn``) that fails the eleven-test: ``invalid``;
* a statustype, roltype or resultaattype of another zaaktype: ``zaaktype-mismatch``;
* a ``datumStatusGezet`` in the future: ``date-in-future``;
* a second status of a zaak at the same ``datumStatusGezet``: ``unique``;
* the eindstatus before the zaak has a resultaat: ``resultaat-does-not-exist``;
* a second resultaat of a zaak: ``unique``.

A rol's ``betrokkeneIdentificatie`` keeps only the fields Zaken API 1.5.1 has for its
``betrokkeneType``; others (``kvkNummer``) are dropped without a word, as the real server does.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import jwt
from aiohttp import web
from stdnum.nl import bsn as stdnum_bsn

from connectors.testservers.common import (
    json_body,
    new_app,
    run,
    zgw_invalid,
    zgw_not_found,
    zgw_problem,
)

BASE = "/zaken/api/v1"
CLIENT_ID = "kcc-hub-test"
SECRET = "test-zaken-secret"
CATALOGUS = "https://catalogi.example.nl/catalogi/api/v1"


def _ref(kind: str, n: int) -> str:
    return f"{CATALOGUS}/{kind}/5a2c1a4d-0000-4000-8000-{n:012d}"


ZAAKTYPE = _ref("zaaktypen", 1)
OTHER_ZAAKTYPE = _ref("zaaktypen", 11)  # a second zaaktype, so a type of the wrong zaaktype can be refused
# The catalogue per zaaktype: statustypen in volgnummer order (the last is the eindstatus),
# roltypen and resultaattypen, as the Catalogi API would answer them.
CATALOGUE: dict[str, dict[str, list[str]]] = {
    ZAAKTYPE: {
        "statustypen": [_ref("statustypen", 2), _ref("statustypen", 3), _ref("statustypen", 4)],
        "roltypen": [_ref("roltypen", 5)],
        "resultaattypen": [_ref("resultaattypen", 6)],
    },
    OTHER_ZAAKTYPE: {
        "statustypen": [_ref("statustypen", 12), _ref("statustypen", 13)],
        "roltypen": [_ref("roltypen", 15)],
        "resultaattypen": [_ref("resultaattypen", 16)],
    },
}
ZAAKTYPEN = {ZAAKTYPE}
STATUSTYPEN = set(CATALOGUE[ZAAKTYPE]["statustypen"])
ROLTYPEN = set(CATALOGUE[ZAAKTYPE]["roltypen"])
RESULTAATTYPEN = set(CATALOGUE[ZAAKTYPE]["resultaattypen"])
EINDSTATUS = CATALOGUE[ZAAKTYPE]["statustypen"][-1]
BETROKKENE_TYPES = {"natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging", "organisatorische_eenheid", "medewerker"}
# The identification fields of Zaken API 1.5.1 per betrokkeneType; others are dropped unread, as
# Django REST framework does (``kvkNummer`` came only in later versions).
IDENTIFICATIE_FIELDS = {
    "natuurlijk_persoon": {"inpBsn", "anpIdentificatie", "inpA_nummer", "geslachtsnaam", "voorvoegselGeslachtsnaam",
                           "voorletters", "voornamen", "geslachtsaanduiding", "geboortedatum", "verblijfsadres",
                           "subVerblijfBuitenland"},
    "niet_natuurlijk_persoon": {"innNnpId", "annIdentificatie", "statutaireNaam", "innRechtsvorm", "bezoekadres",
                                "subVerblijfBuitenland"},
    "vestiging": {"vestigingsNummer", "handelsnaam", "verblijfsadres", "subVerblijfBuitenland"},
    "organisatorische_eenheid": {"identificatie", "naam", "isGehuisvestIn"},
    "medewerker": {"identificatie", "achternaam", "voorletters", "voorvoegselAchternaam"},
}
VERTROUWELIJKHEID = {
    "openbaar", "beperkt_openbaar", "intern", "zaakvertrouwelijk", "vertrouwelijk", "confidentieel", "geheim", "zeer_geheim"
}
REQUIRED = {"zaken": ("bronorganisatie", "zaaktype", "verantwoordelijkeOrganisatie", "startdatum")}


def authenticate(request: web.Request) -> web.Response | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return zgw_problem(401, "not_authenticated", "Authenticatiegegevens zijn niet opgegeven.")
    try:
        claims = jwt.decode(header[7:], options={"verify_signature": False})
        client = claims.get("client_id") or claims.get("iss")
        secret = request.app["clients"].get(client)
        if not secret:
            raise jwt.InvalidTokenError("unknown client")
        jwt.decode(header[7:], secret, algorithms=["HS256"], options={"verify_iat": True})
        if abs(time.time() - float(claims.get("iat", 0))) > 3600:
            raise jwt.InvalidTokenError("iat too far off")
    except jwt.InvalidTokenError:
        return zgw_problem(401, "not_authenticated", "Authenticatiegegevens zijn niet opgegeven of ongeldig.")
    return None


def rsin_ok(value: Any) -> bool:
    """Nine digits passing the eleven-test (RSIN and BSN share it), as vng-api-common checks."""
    return isinstance(value, str) and re.fullmatch(r"[0-9]{9}", value) is not None and stdnum_bsn.is_valid(value)


def url_of(request: web.Request, kind: str, obj_id: str) -> str:
    return f"{request.scheme}://{request.host}{BASE}/{kind}/{obj_id}"


async def create_zaak(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    if request.headers.get("Content-Crs") != "EPSG:4326" or request.headers.get("Accept-Crs") != "EPSG:4326":
        return zgw_problem(412, "precondition_failed", "Precondition failed", "Content-Crs en Accept-Crs moeten EPSG:4326 zijn.")
    body = await json_body(request)
    if not isinstance(body, dict):
        return zgw_invalid([("nonFieldErrors", "parse_error", "Ongeldige JSON.")])
    errors = [(f, "required", "Dit veld is vereist.") for f in REQUIRED["zaken"] if not body.get(f)]
    for field in ("bronorganisatie", "verantwoordelijkeOrganisatie"):
        if body.get(field) and not rsin_ok(body[field]):
            errors.append((field, "invalid", "Onjuist RSIN: 9 cijfers die de elfproef doorstaan."))
    if body.get("zaaktype") and body["zaaktype"] not in request.app["zaaktypen"]:
        errors.append(("zaaktype", "bad-url", "De URL is geen bekend zaaktype."))
    if body.get("vertrouwelijkheidaanduiding") and body["vertrouwelijkheidaanduiding"] not in VERTROUWELIJKHEID:
        errors.append(("vertrouwelijkheidaanduiding", "invalid_choice", "Ongeldige keuze."))
    if len(body.get("omschrijving", "")) > 80:
        errors.append(("omschrijving", "max_length", "Zorg ervoor dat dit veld niet meer dan 80 karakters bevat."))
    try:
        if body.get("startdatum"):
            date.fromisoformat(body["startdatum"])
    except (TypeError, ValueError):
        errors.append(("startdatum", "invalid", "Datum heeft het verkeerde formaat."))
    store = request.app["zaken"]
    ident = body.get("identificatie")
    if ident is not None and (not isinstance(ident, str) or len(ident) > 40):
        errors.append(("identificatie", "max_length", "Zorg ervoor dat dit veld niet meer dan 40 karakters bevat."))
    elif ident and any(z["identificatie"] == ident and z["bronorganisatie"] == body.get("bronorganisatie") for z in store.values()):
        errors.append(("identificatie", "identificatie-niet-uniek", "Deze identificatie bestaat al voor deze bronorganisatie."))
    if errors:
        return zgw_invalid(errors)
    zaak_id = str(uuid.uuid4())
    zaak = {
        **body,
        "url": url_of(request, "zaken", zaak_id),
        "uuid": zaak_id,
        "identificatie": ident or f"ZAAK-{date.today().year}-{len(store) + 1:010d}",
        "registratiedatum": date.today().isoformat(),
        "status": None,
        "resultaat": None,
        "rollen": [],
    }
    store[zaak_id] = zaak
    return web.json_response({k: v for k, v in zaak.items() if k != "rollen"}, status=201, headers={"Content-Crs": "EPSG:4326"})


async def get_zaak(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    zaak = request.app["zaken"].get(request.match_info["uuid"])
    if not zaak:
        return zgw_problem(404, "not_found", "Niet gevonden.")
    return web.json_response({k: v for k, v in zaak.items() if k != "rollen"}, headers={"Content-Crs": "EPSG:4326"})


def page(items: list[dict[str, Any]], **headers: str) -> web.Response:
    return web.json_response({"count": len(items), "next": None, "previous": None, "results": items}, headers=headers)


def matching(items: Any, request: web.Request, filters: tuple[str, ...]) -> list[dict[str, Any]]:
    wanted = {f: request.query[f] for f in filters if f in request.query}
    return [item for item in items if all(item.get(f) == v for f, v in wanted.items())]


async def list_zaken(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    if request.headers.get("Accept-Crs") != "EPSG:4326":
        return zgw_problem(412, "precondition_failed", "Precondition failed", "Accept-Crs moet EPSG:4326 zijn.")
    found = matching(request.app["zaken"].values(), request, ("identificatie", "bronorganisatie", "zaaktype"))
    return page([{k: v for k, v in z.items() if k != "rollen"} for z in found], **{"Content-Crs": "EPSG:4326"})


async def list_rollen(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    rollen = [rol for zaak in request.app["zaken"].values() for rol in zaak["rollen"]]
    return page(matching(rollen, request, ("zaak", "roltype", "betrokkeneType")))


async def list_statussen(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    found = matching(request.app["statussen"].values(), request, ("zaak", "statustype"))
    return page([{k: v for k, v in s.items() if k != "_moment"} for s in found])


def zaak_for(request: web.Request, url: Any) -> dict[str, Any] | None:
    if not isinstance(url, str):
        return None
    return request.app["zaken"].get(url.rstrip("/").rsplit("/", 1)[-1])


def catalogue_of(request: web.Request, zaak: dict[str, Any] | None) -> dict[str, list[str]]:
    return request.app["catalogue"].get((zaak or {}).get("zaaktype"), {"statustypen": [], "roltypen": [], "resultaattypen": []})


def check_type(request: web.Request, body: dict[str, Any], zaak: dict[str, Any] | None, field: str, kind: str) -> list[tuple[str, str, str]]:
    """The ``field`` type must exist in the catalogue and belong to the zaak's zaaktype."""
    value = body.get(field)
    if not value:
        return []
    known = {t for types in request.app["catalogue"].values() for t in types[kind]}
    if value not in known:
        return [(field, "bad-url", f"De URL is geen bekend {field}.")]
    if zaak is not None and value not in catalogue_of(request, zaak)[kind]:
        return [("nonFieldErrors", "zaaktype-mismatch", f"Het {field} hoort niet bij het zaaktype van de zaak.")]
    return []


def status_moment(value: Any) -> tuple[datetime | None, list[tuple[str, str, str]]]:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None, [("datumStatusGezet", "invalid", "Datetime heeft een ongeldig formaat.")]
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if moment > datetime.now(UTC):
        return moment, [("datumStatusGezet", "date-in-future", "Deze datum mag niet in de toekomst liggen.")]
    return moment, []


def status_rules(request: web.Request, body: dict[str, Any], zaak: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Open Zaak's rules for a new status of an existing zaak."""
    moment, errors = status_moment(body["datumStatusGezet"])
    same = [s for s in request.app["statussen"].values() if s["zaak"] == body["zaak"] and s["_moment"] == moment]
    if moment is not None and same:
        errors.append(("nonFieldErrors", "unique", "De velden zaak, datumStatusGezet moeten een unieke set zijn."))
    eind = catalogue_of(request, zaak)["statustypen"][-1:]
    if body["statustype"] in eind and not any(r["zaak"] == body["zaak"] for r in request.app["resultaten"].values()):
        errors.append(("nonFieldErrors", "resultaat-does-not-exist", "De zaak heeft geen resultaat; zet dat eerst."))
    return errors


async def create_status(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    body = await json_body(request) or {}
    errors = [(f, "required", "Dit veld is vereist.") for f in ("zaak", "statustype", "datumStatusGezet") if not body.get(f)]
    zaak = zaak_for(request, body.get("zaak"))
    if body.get("zaak") and zaak is None:
        errors.append(("zaak", "does_not_exist", "Het object bestaat niet."))
    errors += check_type(request, body, zaak, "statustype", "statustypen")
    if not errors and zaak is not None:
        errors += status_rules(request, body, zaak)
    if errors:
        return zgw_invalid(errors)
    status_id = str(uuid.uuid4())
    status = {**body, "url": url_of(request, "statussen", status_id), "uuid": status_id}
    request.app["statussen"][status_id] = {**status, "_moment": status_moment(body["datumStatusGezet"])[0]}
    zaak["status"] = status["url"]  # type: ignore[index]
    return web.json_response(status, status=201)


def identificatie_rules(body: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """The 1.5.1 identification of ``betrokkeneType`` (unknown fields dropped) and its eleven-tests."""
    ident = body.get("betrokkeneIdentificatie")
    if not isinstance(ident, dict):
        return {}, []
    kept = {k: v for k, v in ident.items() if k in IDENTIFICATIE_FIELDS.get(body.get("betrokkeneType", ""), set())}
    errors = [
        (f"betrokkeneIdentificatie.{field}", "invalid", "Onjuist nummer: 9 cijfers die de elfproef doorstaan.")
        for field in ("inpBsn", "innNnpId") if kept.get(field) and not rsin_ok(kept[field])
    ]
    return kept, errors


async def create_rol(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    body = await json_body(request) or {}
    errors = [
        (f, "required", "Dit veld is vereist.") for f in ("zaak", "betrokkeneType", "roltype", "roltoelichting") if not body.get(f)
    ]
    zaak = zaak_for(request, body.get("zaak"))
    if body.get("zaak") and zaak is None:
        errors.append(("zaak", "does_not_exist", "Het object bestaat niet."))
    if body.get("betrokkeneType") and body["betrokkeneType"] not in BETROKKENE_TYPES:
        errors.append(("betrokkeneType", "invalid_choice", "Ongeldige keuze."))
    errors += check_type(request, body, zaak, "roltype", "roltypen")
    if not body.get("betrokkene") and not body.get("betrokkeneIdentificatie"):
        errors.append(("nonFieldErrors", "invalid-betrokkene", "betrokkene of betrokkeneIdentificatie is verplicht."))
    ident, ident_errors = identificatie_rules(body)
    if errors or ident_errors:
        return zgw_invalid(errors + ident_errors)
    rol_id = str(uuid.uuid4())
    rol = {**body, "betrokkeneIdentificatie": ident, "url": url_of(request, "rollen", rol_id), "uuid": rol_id}
    zaak["rollen"].append(rol)  # type: ignore[index]
    return web.json_response(rol, status=201)


async def create_resultaat(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    body = await json_body(request) or {}
    errors = [(f, "required", "Dit veld is vereist.") for f in ("zaak", "resultaattype") if not body.get(f)]
    zaak = zaak_for(request, body.get("zaak"))
    if body.get("zaak") and zaak is None:
        errors.append(("zaak", "does_not_exist", "Het object bestaat niet."))
    errors += check_type(request, body, zaak, "resultaattype", "resultaattypen")
    if zaak is not None and any(r["zaak"] == body.get("zaak") for r in request.app["resultaten"].values()):
        errors.append(("zaak", "unique", "Er bestaat al een resultaat voor deze zaak."))
    if errors:
        return zgw_invalid(errors)
    resultaat_id = str(uuid.uuid4())
    resultaat = {"toelichting": "", **body, "url": url_of(request, "resultaten", resultaat_id), "uuid": resultaat_id}
    request.app["resultaten"][resultaat_id] = resultaat
    zaak["resultaat"] = resultaat["url"]  # type: ignore[index]
    return web.json_response(resultaat, status=201)


async def list_resultaten(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    return page(matching(request.app["resultaten"].values(), request, ("zaak", "resultaattype")))


def make_app(clients: dict[str, str] | None = None, catalogue: dict[str, dict[str, list[str]]] | None = None) -> web.Application:
    app = new_app([zgw_not_found])
    app["clients"] = clients or {CLIENT_ID: SECRET}
    app["catalogue"] = catalogue or CATALOGUE
    app["zaaktypen"] = set(app["catalogue"])
    app["zaken"], app["statussen"], app["resultaten"] = {}, {}, {}
    app.router.add_post(f"{BASE}/zaken", create_zaak)
    app.router.add_get(f"{BASE}/zaken", list_zaken)
    app.router.add_get(f"{BASE}/zaken/{{uuid}}", get_zaak)
    app.router.add_post(f"{BASE}/statussen", create_status)
    app.router.add_get(f"{BASE}/statussen", list_statussen)
    app.router.add_post(f"{BASE}/rollen", create_rol)
    app.router.add_get(f"{BASE}/rollen", list_rollen)
    app.router.add_post(f"{BASE}/resultaten", create_resultaat)
    app.router.add_get(f"{BASE}/resultaten", list_resultaten)
    return app


if __name__ == "__main__":
    run(make_app, 8103, "Local Zaken API 1.5 server")
