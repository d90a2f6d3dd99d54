"""Local Zaken API 1.5 server (``/zaken/api/v1``): zaken, statussen, rollen.

Follows the published API: JWT (HS256) client authentication with ``client_id``/``iss``
and ``iat``; 401 ``not_authenticated`` without a valid token; ``Content-Crs``/``Accept-Crs``
required on zaken (412 otherwise); 400 ``invalid`` with ``invalidParams``; 404 ``not_found``.
A zaak keeps the ``identificatie`` the client gives (unique per ``bronorganisatie``: 400
``identificatie-niet-uniek``) or gets one; the lists (``GET /zaken``, ``/rollen``,
``/statussen``) filter as the API's query parameters do and answer one page.
The catalogue is fixed: the zaaktypen, statustypen and roltypen given to ``make_app``.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import date
from typing import Any

import jwt
from aiohttp import web

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
ZAAKTYPEN = {f"{CATALOGUS}/zaaktypen/5a2c1a4d-0000-4000-8000-000000000001"}
STATUSTYPEN = {
    f"{CATALOGUS}/statustypen/5a2c1a4d-0000-4000-8000-00000000000{i}" for i in (2, 3, 4)
}
ROLTYPEN = {f"{CATALOGUS}/roltypen/5a2c1a4d-0000-4000-8000-000000000005"}
BETROKKENE_TYPES = {"natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging", "organisatorische_eenheid", "medewerker"}
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
    return isinstance(value, str) and re.fullmatch(r"[0-9]{9}", value) is not None


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
            errors.append((field, "invalid", "Onjuist RSIN formaat, moet 9 cijfers zijn."))
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
    return page(matching(request.app["statussen"].values(), request, ("zaak", "statustype")))


def zaak_for(request: web.Request, url: Any) -> dict[str, Any] | None:
    if not isinstance(url, str):
        return None
    return request.app["zaken"].get(url.rstrip("/").rsplit("/", 1)[-1])


async def create_status(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    body = await json_body(request) or {}
    errors = [(f, "required", "Dit veld is vereist.") for f in ("zaak", "statustype", "datumStatusGezet") if not body.get(f)]
    zaak = zaak_for(request, body.get("zaak"))
    if body.get("zaak") and zaak is None:
        errors.append(("zaak", "does_not_exist", "Het object bestaat niet."))
    if body.get("statustype") and body["statustype"] not in request.app["statustypen"]:
        errors.append(("statustype", "bad-url", "De URL is geen bekend statustype."))
    if errors:
        return zgw_invalid(errors)
    status_id = str(uuid.uuid4())
    status = {**body, "url": url_of(request, "statussen", status_id), "uuid": status_id}
    request.app["statussen"][status_id] = status
    zaak["status"] = status["url"]  # type: ignore[index]
    return web.json_response(status, status=201)


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
    if body.get("roltype") and body["roltype"] not in request.app["roltypen"]:
        errors.append(("roltype", "bad-url", "De URL is geen bekend roltype."))
    if not body.get("betrokkene") and not body.get("betrokkeneIdentificatie"):
        errors.append(("nonFieldErrors", "invalid-betrokkene", "betrokkene of betrokkeneIdentificatie is verplicht."))
    if errors:
        return zgw_invalid(errors)
    rol_id = str(uuid.uuid4())
    rol = {**body, "url": url_of(request, "rollen", rol_id), "uuid": rol_id}
    zaak["rollen"].append(rol)  # type: ignore[index]
    return web.json_response(rol, status=201)


def make_app(
    clients: dict[str, str] | None = None,
    zaaktypen: set[str] | None = None,
    statustypen: set[str] | None = None,
    roltypen: set[str] | None = None,
) -> web.Application:
    app = new_app([zgw_not_found])
    app["clients"] = clients or {CLIENT_ID: SECRET}
    app["zaaktypen"], app["statustypen"], app["roltypen"] = zaaktypen or ZAAKTYPEN, statustypen or STATUSTYPEN, roltypen or ROLTYPEN
    app["zaken"], app["statussen"] = {}, {}
    app.router.add_post(f"{BASE}/zaken", create_zaak)
    app.router.add_get(f"{BASE}/zaken", list_zaken)
    app.router.add_get(f"{BASE}/zaken/{{uuid}}", get_zaak)
    app.router.add_post(f"{BASE}/statussen", create_status)
    app.router.add_get(f"{BASE}/statussen", list_statussen)
    app.router.add_post(f"{BASE}/rollen", create_rol)
    app.router.add_get(f"{BASE}/rollen", list_rollen)
    return app


if __name__ == "__main__":
    run(make_app, 8103, "Local Zaken API 1.5 server")
