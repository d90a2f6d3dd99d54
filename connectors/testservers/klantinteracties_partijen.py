"""Local Open Klant 2.x: partijen, partij-identificatoren and digitale adressen, with Open Klant's rules.

Refused as Open Klant refuses them (400 ``invalid`` with ``invalidParams``):

* a partij-identificator whose register, object type and kind do not go together (``brp`` /
  ``natuurlijk_persoon`` / ``bsn``; ``hr`` / ``niet_natuurlijk_persoon`` / ``kvk_nummer`` or
  ``rsin``; ``hr`` / ``vestiging`` / ``vestigingsnummer``): ``invalid``;
* a BSN or RSIN that is not 9 digits passing the eleven-test, a KvK number not of 8 digits, a
  vestigingsnummer not of 12: ``invalid``;
* a vestigingsnummer without ``subIdentificatorVan`` pointing at a ``kvk_nummer``: ``invalid``;
* the same identifier twice (globally, or within its ``subIdentificatorVan``): ``unique``;
* a digitaal adres of kind ``email`` that is no e-mail address, or ``telefoonnummer`` not as
  ``0612345678`` / ``+31612345678`` (0800, 0900 and 140xx numbers refused): ``invalid``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web
from stdnum.nl import bsn as stdnum_bsn

from connectors.testservers.common import json_body, zgw_invalid, zgw_problem

BASE = "/klantinteracties/api/v1"
Errors = list[tuple[str, str, str]]
KINDS = {"brp": {"natuurlijk_persoon": {"bsn"}},
         "hr": {"niet_natuurlijk_persoon": {"kvk_nummer", "rsin"}, "vestiging": {"vestigingsnummer"}}}
LENGTHS = {"bsn": 9, "rsin": 9, "kvk_nummer": 8, "vestigingsnummer": 12}
PHONE = re.compile(r"^(0[1-9][0-9]{8}|\+[0-9]{9,15}|00[0-9]{7,13})$")
PHONE_FORBIDDEN = ("0800", "0900", "1400", "140")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def url_of(request: web.Request, kind: str, obj_id: str) -> str:
    return f"{request.scheme}://{request.host}{BASE}/{kind}/{obj_id}"


def ref(obj: dict[str, Any] | None) -> dict[str, str] | None:
    return {"uuid": obj["uuid"], "url": obj["url"]} if obj else None


def ref_uuid(value: Any) -> str | None:
    return value.get("uuid") if isinstance(value, dict) else None


def page(items: list[dict[str, Any]]) -> web.Response:
    return web.json_response({"count": len(items), "next": None, "previous": None, "results": items})


def filtered(request: web.Request, items: Any, getters: dict[str, Callable[[dict[str, Any]], Any]]) -> list[dict[str, Any]]:
    """Items matching every query parameter named in ``getters`` (a getter may answer a list: any match)."""
    found = []
    for item in items:
        ok = True
        for param, getter in getters.items():
            if param in request.query:
                value = getter(item)
                values = value if isinstance(value, list) else [value]
                ok = ok and request.query[param] in [str(v) for v in values]
        if ok:
            found.append(item)
    return found


# ---------------------------------------------------------------------- partij-identificatoren
def check_groep(groep: Any) -> Errors:
    if not isinstance(groep, dict) or not all(groep.get(k) for k in ("codeRegister", "codeObjecttype", "codeSoortObjectId", "objectId")):
        return [("partijIdentificator", "required", "Dit veld is vereist.")]
    soort, value = groep["codeSoortObjectId"], str(groep["objectId"])
    if soort not in KINDS.get(groep["codeRegister"], {}).get(groep["codeObjecttype"], set()):
        return [("partijIdentificator.codeSoortObjectId", "invalid", "Deze combinatie van register, objecttype en soort bestaat niet.")]
    if not value.isdigit() or len(value) != LENGTHS[soort]:
        return [("partijIdentificator.objectId", "invalid", f"Waarde moet {LENGTHS[soort]} cijfers lang zijn.")]
    if soort in ("bsn", "rsin") and not stdnum_bsn.is_valid(value):
        return [("partijIdentificator.objectId", "invalid", "Dit nummer doorstaat de elfproef niet.")]
    return []


def identificator_rules(request: web.Request, body: dict[str, Any], own: str | None = None) -> Errors:
    groep = body.get("partijIdentificator")
    errors = check_groep(groep)
    store = request.app["identificatoren"]
    partij = ref_uuid(body.get("identificeerdePartij"))
    if partij and partij not in request.app["partijen"]:
        errors.append(("identificeerdePartij.uuid", "does_not_exist", "Partij object bestaat niet."))
    sub = ref_uuid(body.get("subIdentificatorVan"))
    if body.get("subIdentificatorVan") and sub not in store:
        errors.append(("subIdentificatorVan.uuid", "does_not_exist", "PartijIdentificator object bestaat niet."))
    if errors:
        return errors
    if groep["codeSoortObjectId"] == "vestigingsnummer" and (
        not sub or store[sub]["partijIdentificator"]["codeSoortObjectId"] != "kvk_nummer"
    ):
        return [("subIdentificatorVan", "invalid", "Een vestigingsnummer hoort bij een identificator met een kvk_nummer.")]
    same = [
        i for i in store.values() if i["uuid"] != own and ref_uuid(i.get("subIdentificatorVan")) == sub
        and i["partijIdentificator"]["codeSoortObjectId"] == groep["codeSoortObjectId"]
        and i["partijIdentificator"]["objectId"] == groep["objectId"]
    ]
    if same:
        return [("nonFieldErrors", "unique", "Deze partij-identificator bestaat al.")]
    return []


def save_identificator(request: web.Request, body: dict[str, Any], ident_id: str) -> dict[str, Any]:
    store, partijen = request.app["identificatoren"], request.app["partijen"]
    old = store.get(ident_id)
    if old and ref_uuid(old.get("identificeerdePartij")) in partijen:
        owner = partijen[ref_uuid(old["identificeerdePartij"])]
        owner["partijIdentificatoren"] = [r for r in owner["partijIdentificatoren"] if r["uuid"] != ident_id]
    partij = partijen.get(ref_uuid(body.get("identificeerdePartij")) or "")
    sub = store.get(ref_uuid(body.get("subIdentificatorVan")) or "")
    ident = {"uuid": ident_id, "url": url_of(request, "partij-identificatoren", ident_id), "identificeerdePartij": ref(partij),
             "anderePartijIdentificator": body.get("anderePartijIdentificator", ""),
             "partijIdentificator": dict(body["partijIdentificator"]), "subIdentificatorVan": ref(sub)}
    store[ident_id] = ident
    if partij:
        partij["partijIdentificatoren"].append(ref(ident))
    return ident


async def create_identificator(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        return zgw_invalid([("nonFieldErrors", "parse_error", "Ongeldige JSON.")])
    if errors := identificator_rules(request, body):
        return zgw_invalid(errors)
    return web.json_response(save_identificator(request, body, str(uuid.uuid4())), status=201)


async def put_identificator(request: web.Request) -> web.Response:
    ident_id = request.match_info["uuid"]
    if ident_id not in request.app["identificatoren"]:
        return zgw_problem(404, "not_found", "Niet gevonden.")
    body = await json_body(request)
    if not isinstance(body, dict):
        return zgw_invalid([("nonFieldErrors", "parse_error", "Ongeldige JSON.")])
    if errors := identificator_rules(request, body, own=ident_id):
        return zgw_invalid(errors)
    return web.json_response(save_identificator(request, body, ident_id))


async def list_identificatoren(request: web.Request) -> web.Response:
    return page(filtered(request, request.app["identificatoren"].values(), {
        "partijIdentificatorCodeSoortObjectId": lambda i: i["partijIdentificator"]["codeSoortObjectId"],
        "partijIdentificatorObjectId": lambda i: i["partijIdentificator"]["objectId"],
    }))


# ---------------------------------------------------------------------- partijen
async def create_partij(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        return zgw_invalid([("nonFieldErrors", "parse_error", "Ongeldige JSON.")])
    errors = [(f, "required", "Dit veld is vereist.") for f in ("soortPartij", "indicatieActief") if body.get(f) is None]
    if body.get("soortPartij") and body["soortPartij"] not in ("persoon", "organisatie", "contactpersoon"):
        errors.append(("soortPartij", "invalid_choice", "Ongeldige keuze."))
    if not isinstance(body.get("partijIdentificatie"), dict):
        errors.append(("partijIdentificatie", "required", "Dit veld is vereist."))
    if errors:
        return zgw_invalid(errors)
    partij_id = str(uuid.uuid4())
    partij = {**{k: v for k, v in body.items() if k not in ("partijIdentificatoren", "betrokkenen")}, "uuid": partij_id,
              "url": url_of(request, "partijen", partij_id), "nummer": f"{len(request.app['partijen']) + 1:010d}",
              "partijIdentificatoren": [], "betrokkenen": [], "digitaleAdressen": []}
    request.app["partijen"][partij_id] = partij
    return web.json_response(partij, status=201)


def identificatoren_of(request: web.Request, partij: dict[str, Any]) -> list[dict[str, Any]]:
    store = request.app["identificatoren"]
    return [store[r["uuid"]]["partijIdentificator"] for r in partij["partijIdentificatoren"] if r["uuid"] in store]


async def list_partijen(request: web.Request) -> web.Response:
    return page(filtered(request, request.app["partijen"].values(), {
        "soortPartij": lambda p: p["soortPartij"],
        "partijIdentificator__codeSoortObjectId": lambda p: [g["codeSoortObjectId"] for g in identificatoren_of(request, p)],
        "partijIdentificator__objectId": lambda p: [g["objectId"] for g in identificatoren_of(request, p)],
    }))


async def get_partij(request: web.Request) -> web.Response:
    found = request.app["partijen"].get(request.match_info["uuid"])
    return web.json_response(found) if found else zgw_problem(404, "not_found", "Niet gevonden.")


# ---------------------------------------------------------------------- digitale adressen
def adres_rules(request: web.Request, body: dict[str, Any]) -> Errors:
    errors = [(f, "required", "Dit veld is vereist.") for f in ("adres", "soortDigitaalAdres") if not body.get(f)]
    betrokkene = ref_uuid(body.get("verstrektDoorBetrokkene"))
    if body.get("verstrektDoorBetrokkene") and betrokkene not in request.app["betrokkenen"]:
        errors.append(("verstrektDoorBetrokkene.uuid", "does_not_exist", "Betrokkene object bestaat niet."))
    soort, adres = body.get("soortDigitaalAdres"), str(body.get("adres") or "")
    if soort and soort not in ("email", "telefoonnummer", "overig"):
        errors.append(("soortDigitaalAdres", "invalid_choice", "Ongeldige keuze."))
    if len(adres) > 80:
        errors.append(("adres", "max_length", "Zorg ervoor dat dit veld niet meer dan 80 karakters bevat."))
    if soort == "email" and adres and not EMAIL.match(adres):
        errors.append(("adres", "invalid", "Voer een geldig e-mailadres in."))
    if soort == "telefoonnummer" and adres and (not PHONE.match(adres) or adres.startswith(PHONE_FORBIDDEN)):
        errors.append(("adres", "invalid", "Het opgegeven telefoonnummer is ongeldig."))
    return errors


async def create_digitaal_adres(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        return zgw_invalid([("nonFieldErrors", "parse_error", "Ongeldige JSON.")])
    if errors := adres_rules(request, body):
        return zgw_invalid(errors)
    adres_id = str(uuid.uuid4())
    betrokkene = request.app["betrokkenen"].get(ref_uuid(body.get("verstrektDoorBetrokkene")) or "")
    adres = {"omschrijving": "", "isStandaardAdres": False, "referentie": "", **body, "uuid": adres_id,
             "url": url_of(request, "digitaleadressen", adres_id), "verstrektDoorBetrokkene": ref(betrokkene),
             "verstrektDoorPartij": None}
    request.app["digitaleadressen"][adres_id] = adres
    if betrokkene:
        betrokkene["digitaleAdressen"].append(ref(adres))
    return web.json_response(adres, status=201)


async def list_digitale_adressen(request: web.Request) -> web.Response:
    return page(filtered(request, request.app["digitaleadressen"].values(), {
        "adres": lambda a: a["adres"],
        "verstrektDoorBetrokkene__uuid": lambda a: ref_uuid(a.get("verstrektDoorBetrokkene")),
        "soortDigitaalAdres": lambda a: a["soortDigitaalAdres"],
    }))


def add_routes(app: web.Application) -> None:
    app["partijen"], app["identificatoren"], app["digitaleadressen"] = {}, {}, {}
    app.router.add_post(f"{BASE}/partijen", create_partij)
    app.router.add_get(f"{BASE}/partijen", list_partijen)
    app.router.add_get(f"{BASE}/partijen/{{uuid}}", get_partij)
    app.router.add_post(f"{BASE}/partij-identificatoren", create_identificator)
    app.router.add_get(f"{BASE}/partij-identificatoren", list_identificatoren)
    app.router.add_put(f"{BASE}/partij-identificatoren/{{uuid}}", put_identificator)
    app.router.add_post(f"{BASE}/digitaleadressen", create_digitaal_adres)
    app.router.add_get(f"{BASE}/digitaleadressen", list_digitale_adressen)
