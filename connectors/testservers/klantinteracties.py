"""Local Klantinteracties API server (Open Klant 2.x, ``/klantinteracties/api/v1``).

Follows the published API for the parts the hub and KISS use: ``POST /maak-klantcontact``
(klantcontact + betrokkene + onderwerpobject in one call), ``GET /klantcontacten`` (one page,
filtered on ``kanaal``, the onderwerpobject's identificator and the betrokkene's partij),
``GET /klantcontacten/{uuid}``, ``GET /betrokkenen`` (``wasPartij__url``), ``/actoren``,
``/actorklantcontacten``, ``/internetaken`` (create, list, read, ``PATCH``), and in
``klantinteracties_partijen.py`` partijen, partij-identificatoren and digitale adressen.
``Authorization: Token``; 401 ``not_authenticated`` / ``authentication_failed``; 400
``invalid`` with ``invalidParams`` named like ``klantcontact.kanaal``; 404 ``not_found``.

Refused as Open Klant refuses them: an interne taak without ``toegewezenAanActor`` or
``toegewezenAanActoren`` (or with both), or with ``afgehandeldOp`` while its status is not
``verwerkt``; a betrokkene whose ``wasPartij`` does not exist; an actor without ``naam`` or
``soortActor``, or whose ``actorIdentificatie`` lacks what its kind needs; a second link of one
actor to one klantcontact (``unique``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from aiohttp import web

from connectors.testservers import klantinteracties_partijen as partijen
from connectors.testservers.common import (
    json_body,
    new_app,
    run,
    zgw_invalid,
    zgw_not_found,
    zgw_problem,
)
from connectors.testservers.klantinteracties_partijen import filtered, page, ref, ref_uuid

BASE = "/klantinteracties/api/v1"
TOKEN = "test-klantinteracties-token"
ACTOR_UUID = "7d4c6a3e-0000-4000-8000-00000000a001"


@web.middleware
async def authenticate(request: web.Request, handler: Any) -> web.StreamResponse:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Token "):
        return zgw_problem(401, "not_authenticated", "Authenticatiegegevens zijn niet opgegeven.")
    if header[6:] != request.app["token"]:
        return zgw_problem(401, "authentication_failed", "Ongeldige token.")
    return await handler(request)


def url_of(request: web.Request, kind: str, obj_id: str) -> str:
    return f"{request.scheme}://{request.host}{BASE}/{kind}/{obj_id}"


def check_klantcontact(kc: Any) -> list[tuple[str, str, str]]:
    if not isinstance(kc, dict):
        return [("klantcontact", "required", "Dit veld is vereist.")]
    errors = [(f"klantcontact.{f}", "required", "Dit veld is vereist.") for f in ("kanaal", "onderwerp", "taal") if not kc.get(f)]
    if not isinstance(kc.get("vertrouwelijk"), bool):
        errors.append(("klantcontact.vertrouwelijk", "required", "Dit veld is vereist."))
    for field, limit in (("kanaal", 50), ("onderwerp", 200), ("inhoud", 1000), ("taal", 3)):
        if isinstance(kc.get(field), str) and len(kc[field]) > limit:
            errors.append((f"klantcontact.{field}", "max_length", f"Zorg ervoor dat dit veld niet meer dan {limit} karakters bevat."))
    if kc.get("plaatsgevondenOp"):
        try:
            datetime.fromisoformat(str(kc["plaatsgevondenOp"]))
        except ValueError:
            errors.append(("klantcontact.plaatsgevondenOp", "invalid", "Datetime heeft een ongeldig formaat."))
    return errors


def check_betrokkene(b: Any, partijen: dict[str, Any]) -> list[tuple[str, str, str]]:
    if b is None:
        return []
    if not isinstance(b, dict):
        return [("betrokkene", "invalid", "Ongeldige gegevens.")]
    errors = []
    if b.get("rol") not in ("klant", "vertegenwoordiger"):
        errors.append(("betrokkene.rol", "invalid_choice", "Ongeldige keuze."))
    if not isinstance(b.get("initiator"), bool):
        errors.append(("betrokkene.initiator", "required", "Dit veld is vereist."))
    partij = b.get("wasPartij")
    if partij is not None and (not isinstance(partij, dict) or partij.get("uuid") not in partijen):
        errors.append(("betrokkene.wasPartij.uuid", "does_not_exist", "Object bestaat niet."))
    return errors


def new_betrokkene(request: web.Request, body: dict[str, Any], klantcontact: dict[str, str]) -> dict[str, Any]:
    b_id = str(uuid.uuid4())
    partij = request.app["partijen"].get(ref_uuid(body.get("wasPartij")) or "")
    naam = body.get("contactnaam") or {}
    betrokkene = {
        **body, "uuid": b_id, "url": url_of(request, "betrokkenen", b_id), "hadKlantcontact": klantcontact,
        "wasPartij": ref(partij), "digitaleAdressen": [],
        "volledigeNaam": " ".join(p for p in (naam.get("voornaam"), naam.get("voorvoegselAchternaam"), naam.get("achternaam")) if p)
        or body.get("organisatienaam", ""),
    }
    request.app["betrokkenen"][b_id] = betrokkene
    if partij:
        partij["betrokkenen"].append({"uuid": b_id, "url": betrokkene["url"]})
    return betrokkene


async def maak_klantcontact(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        return zgw_invalid([("nonFieldErrors", "parse_error", "Ongeldige JSON.")])
    errors = check_klantcontact(body.get("klantcontact")) + check_betrokkene(body.get("betrokkene"), request.app["partijen"])
    onderwerp = body.get("onderwerpobject")
    if onderwerp is not None and not isinstance((onderwerp or {}).get("onderwerpobjectidentificator"), dict):
        errors.append(("onderwerpobject.onderwerpobjectidentificator", "required", "Dit veld is vereist."))
    if errors:
        return zgw_invalid(errors)
    store = request.app["klantcontacten"]
    kc_id = str(uuid.uuid4())
    ref = {"uuid": kc_id, "url": url_of(request, "klantcontacten", kc_id)}
    klantcontact = {
        **body["klantcontact"], **ref, "nummer": f"{len(store) + 1:010d}",
        "gingOverOnderwerpobjecten": [], "hadBetrokkenActoren": [], "omvatteBijlagen": [],
        "hadBetrokkenen": [], "leiddeTotInterneTaken": [],
    }
    answer: dict[str, Any] = {"klantcontact": klantcontact}
    if body.get("betrokkene"):
        answer["betrokkene"] = new_betrokkene(request, body["betrokkene"], ref)
        klantcontact["hadBetrokkenen"].append({"uuid": answer["betrokkene"]["uuid"], "url": answer["betrokkene"]["url"]})
    if onderwerp:
        o_id = str(uuid.uuid4())
        answer["onderwerpobject"] = {**onderwerp, "uuid": o_id, "url": url_of(request, "onderwerpobjecten", o_id), "klantcontact": ref}
        request.app["onderwerpobjecten"][o_id] = answer["onderwerpobject"]
        klantcontact["gingOverOnderwerpobjecten"].append({"uuid": o_id, "url": answer["onderwerpobject"]["url"]})
    store[kc_id] = answer
    return web.json_response(answer, status=201)


async def get_klantcontact(request: web.Request) -> web.Response:
    found = request.app["klantcontacten"].get(request.match_info["uuid"])
    if not found:
        return zgw_problem(404, "not_found", "Niet gevonden.")
    return web.json_response(found["klantcontact"])


ONDERWERP_FILTERS = {
    f"onderwerpobject__onderwerpobjectidentificator{name[0].upper()}{name[1:]}": name
    for name in ("objectId", "codeObjecttype", "codeRegister", "codeSoortObjectId")
}


async def list_klantcontacten(request: web.Request) -> web.Response:
    wanted = {name: request.query[param] for param, name in ONDERWERP_FILTERS.items() if param in request.query}
    found = []
    for made in request.app["klantcontacten"].values():
        ident = (made.get("onderwerpobject") or {}).get("onderwerpobjectidentificator") or {}
        if any(ident.get(name) != value for name, value in wanted.items()):
            continue
        if "kanaal" in request.query and made["klantcontact"]["kanaal"] != request.query["kanaal"]:
            continue
        partij = ref_uuid((made.get("betrokkene") or {}).get("wasPartij"))
        if "hadBetrokkene__wasPartij__uuid" in request.query and partij != request.query["hadBetrokkene__wasPartij__uuid"]:
            continue
        found.append(made["klantcontact"])
    return web.json_response({"count": len(found), "next": None, "previous": None, "results": found})


def taak_rules(request: web.Request, body: dict[str, Any], patch: bool = False) -> list[tuple[str, str, str]]:
    required = () if patch else ("gevraagdeHandeling", "aanleidinggevendKlantcontact", "status")
    errors = [(f, "required", "Dit veld is vereist.") for f in required if not body.get(f)]
    one, many = "toegewezenAanActor" in body, "toegewezenAanActoren" in body
    if one and many:
        errors.append(("nonFieldErrors", "invalid", "toegewezenAanActor en toegewezenAanActoren mogen niet beide gebruikt worden."))
    elif not (one or many) and not patch:
        errors.append(("nonFieldErrors", "invalid", "toegewezenAanActor of toegewezenAanActoren is verplicht."))
    actors = [body["toegewezenAanActor"]] if one else body.get("toegewezenAanActoren") or []
    if many and not actors:
        errors.append(("toegewezenAanActoren", "required", "Dit veld is vereist."))
    for i, actor in enumerate(actors):
        if ref_uuid(actor) not in request.app["actoren"]:
            errors.append((f"toegewezenAanActoren.{i}.uuid", "does_not_exist", "Actor object bestaat niet."))
    kc = ref_uuid(body.get("aanleidinggevendKlantcontact"))
    if body.get("aanleidinggevendKlantcontact") and kc not in request.app["klantcontacten"]:
        errors.append(("aanleidinggevendKlantcontact.uuid", "does_not_exist", "Object bestaat niet."))
    if body.get("status") and body["status"] not in ("te_verwerken", "verwerkt"):
        errors.append(("status", "invalid_choice", "Ongeldige keuze."))
    return errors


async def create_interne_taak(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        return zgw_invalid([("nonFieldErrors", "parse_error", "Ongeldige JSON.")])
    errors = taak_rules(request, body)
    if body.get("afgehandeldOp") and body.get("status") != "verwerkt":
        errors.append(("afgehandeldOp", "invalid", "Een taak die niet verwerkt is heeft geen afgehandeldOp."))
    if errors:
        return zgw_invalid(errors)
    taak_id = str(uuid.uuid4())
    actors = [body.pop("toegewezenAanActor")] if "toegewezenAanActor" in body else body.pop("toegewezenAanActoren")
    kc = body["aanleidinggevendKlantcontact"]["uuid"]
    taak = {"toelichting": "", "afgehandeldOp": None, **body, "uuid": taak_id, "url": url_of(request, "internetaken", taak_id),
            "nummer": f"{len(request.app['internetaken']) + 1:010d}", "toegewezenOp": datetime.now().astimezone().isoformat(),
            "toegewezenAanActoren": [ref(request.app["actoren"][ref_uuid(a)]) for a in actors],
            "aanleidinggevendKlantcontact": ref(request.app["klantcontacten"][kc]["klantcontact"])}
    request.app["internetaken"][taak_id] = taak
    request.app["klantcontacten"][kc]["klantcontact"]["leiddeTotInterneTaken"].append({"uuid": taak_id, "url": taak["url"]})
    return web.json_response(taak, status=201)


async def patch_interne_taak(request: web.Request) -> web.Response:
    taak = request.app["internetaken"].get(request.match_info["uuid"])
    if not taak:
        return zgw_problem(404, "not_found", "Niet gevonden.")
    body = await json_body(request)
    if not isinstance(body, dict):
        return zgw_invalid([("nonFieldErrors", "parse_error", "Ongeldige JSON.")])
    errors = taak_rules(request, body, patch=True)
    if body.get("afgehandeldOp") and body.get("status", taak["status"]) != "verwerkt":
        errors.append(("afgehandeldOp", "invalid", "Een taak die niet verwerkt is heeft geen afgehandeldOp."))
    if errors:
        return zgw_invalid(errors)
    taak.update({k: v for k, v in body.items() if k in ("status", "afgehandeldOp", "toelichting", "gevraagdeHandeling")})
    return web.json_response(taak)


async def list_internetaken(request: web.Request) -> web.Response:
    return page(filtered(request, request.app["internetaken"].values(), {
        "toegewezenAanActor__uuid": lambda t: [a["uuid"] for a in t["toegewezenAanActoren"]],
        "aanleidinggevendKlantcontact__uuid": lambda t: t["aanleidinggevendKlantcontact"]["uuid"],
        "status": lambda t: t["status"],
    }))


async def get_interne_taak(request: web.Request) -> web.Response:
    found = request.app["internetaken"].get(request.match_info["uuid"])
    if not found:
        return zgw_problem(404, "not_found", "Niet gevonden.")
    return web.json_response(found)


# ---------------------------------------------------------------------- actoren
ACTOR_NEEDS = {"geautomatiseerde_actor": ("functie",), "medewerker": ("functie", "telefoonnummer"), "organisatorische_eenheid": ("functie",)}


async def create_actor(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        return zgw_invalid([("nonFieldErrors", "parse_error", "Ongeldige JSON.")])
    errors = [(f, "required", "Dit veld is vereist.") for f in ("naam", "soortActor") if not body.get(f)]
    soort = body.get("soortActor")
    if soort and soort not in ACTOR_NEEDS:
        errors.append(("soortActor", "invalid_choice", "Ongeldige keuze."))
    elif isinstance(body.get("actorIdentificatie"), dict):
        errors += [(f"actorIdentificatie.{f}", "required", "Dit veld is vereist.")
                   for f in ACTOR_NEEDS[soort] if not body["actorIdentificatie"].get(f)]
    if errors:
        return zgw_invalid(errors)
    actor_id = str(uuid.uuid4())
    actor = {"indicatieActief": True, "actoridentificator": None, **body, "uuid": actor_id, "url": url_of(request, "actoren", actor_id)}
    request.app["actoren"][actor_id] = actor
    return web.json_response(actor, status=201)


async def list_actoren(request: web.Request) -> web.Response:
    getters = {f"actoridentificator{k[0].upper()}{k[1:]}": (lambda a, k=k: (a.get("actoridentificator") or {}).get(k))
               for k in ("objectId", "codeObjecttype", "codeRegister", "codeSoortObjectId")}
    return page(filtered(request, request.app["actoren"].values(), {**getters, "soortActor": lambda a: a["soortActor"]}))


async def get_actor(request: web.Request) -> web.Response:
    found = request.app["actoren"].get(request.match_info["uuid"])
    return web.json_response(found) if found else zgw_problem(404, "not_found", "Niet gevonden.")


async def create_actorklantcontact(request: web.Request) -> web.Response:
    body = await json_body(request) or {}
    actor, kc = ref_uuid(body.get("actor")), ref_uuid(body.get("klantcontact"))
    errors = []
    if actor not in request.app["actoren"]:
        errors.append(("actor.uuid", "does_not_exist", "Actor object bestaat niet."))
    if kc not in request.app["klantcontacten"]:
        errors.append(("klantcontact.uuid", "does_not_exist", "Klantcontact object bestaat niet."))
    if any(ref_uuid(link["actor"]) == actor and ref_uuid(link["klantcontact"]) == kc for link in request.app["actorklantcontacten"].values()):
        errors.append(("nonFieldErrors", "unique", "Deze actor is al aan dit klantcontact gekoppeld."))
    if errors:
        return zgw_invalid(errors)
    link_id = str(uuid.uuid4())
    klantcontact = request.app["klantcontacten"][kc]["klantcontact"]
    link = {"uuid": link_id, "url": url_of(request, "actorklantcontacten", link_id),
            "actor": ref(request.app["actoren"][actor]), "klantcontact": ref(klantcontact)}
    request.app["actorklantcontacten"][link_id] = link
    klantcontact["hadBetrokkenActoren"].append(ref(request.app["actoren"][actor]))
    return web.json_response(link, status=201)


async def list_actorklantcontacten(request: web.Request) -> web.Response:
    return page(filtered(request, request.app["actorklantcontacten"].values(), {
        "klantcontact__uuid": lambda link: link["klantcontact"]["uuid"], "actor__uuid": lambda link: link["actor"]["uuid"],
    }))


# ---------------------------------------------------------------------- betrokkenen
async def list_betrokkenen(request: web.Request) -> web.Response:
    return page(filtered(request, request.app["betrokkenen"].values(), {
        "wasPartij__url": lambda b: (b.get("wasPartij") or {}).get("url"),
        "wasPartij__uuid": lambda b: (b.get("wasPartij") or {}).get("uuid"),
        "hadKlantcontact__uuid": lambda b: b["hadKlantcontact"]["uuid"],
    }))


async def get_onderwerpobject(request: web.Request) -> web.Response:
    found = request.app["onderwerpobjecten"].get(request.match_info["uuid"])
    return web.json_response(found) if found else zgw_problem(404, "not_found", "Niet gevonden.")


async def get_betrokkene(request: web.Request) -> web.Response:
    found = request.app["betrokkenen"].get(request.match_info["uuid"])
    return web.json_response(found) if found else zgw_problem(404, "not_found", "Niet gevonden.")


def make_app(token: str = TOKEN, actoren: set[str] | None = None) -> web.Application:
    """``actoren``: uuids of organisatorische eenheden that exist from the start (the KCC team)."""
    app = new_app([zgw_not_found, authenticate])
    app["token"] = token
    app["actoren"] = {
        a: {"uuid": a, "url": f"http://openklant.test{BASE}/actoren/{a}", "naam": "KCC-team", "soortActor": "organisatorische_eenheid",
            "indicatieActief": True, "actoridentificator": {"objectId": "kcc", "codeObjecttype": "afd", "codeRegister": "obj",
                                                            "codeSoortObjectId": "idf"}}
        for a in (actoren if actoren is not None else {ACTOR_UUID})
    }
    app["klantcontacten"], app["internetaken"], app["betrokkenen"], app["actorklantcontacten"] = {}, {}, {}, {}
    app["onderwerpobjecten"] = {}
    partijen.add_routes(app)
    app.router.add_post(f"{BASE}/maak-klantcontact", maak_klantcontact)
    app.router.add_get(f"{BASE}/klantcontacten", list_klantcontacten)
    app.router.add_get(f"{BASE}/klantcontacten/{{uuid}}", get_klantcontact)
    app.router.add_post(f"{BASE}/internetaken", create_interne_taak)
    app.router.add_get(f"{BASE}/internetaken", list_internetaken)
    app.router.add_get(f"{BASE}/internetaken/{{uuid}}", get_interne_taak)
    app.router.add_patch(f"{BASE}/internetaken/{{uuid}}", patch_interne_taak)
    app.router.add_post(f"{BASE}/actoren", create_actor)
    app.router.add_get(f"{BASE}/actoren", list_actoren)
    app.router.add_get(f"{BASE}/actoren/{{uuid}}", get_actor)
    app.router.add_post(f"{BASE}/actorklantcontacten", create_actorklantcontact)
    app.router.add_get(f"{BASE}/actorklantcontacten", list_actorklantcontacten)
    app.router.add_get(f"{BASE}/betrokkenen", list_betrokkenen)
    app.router.add_get(f"{BASE}/betrokkenen/{{uuid}}", get_betrokkene)
    app.router.add_get(f"{BASE}/onderwerpobjecten/{{uuid}}", get_onderwerpobject)
    return app


if __name__ == "__main__":
    run(make_app, 8104, "Local Klantinteracties API (Open Klant 2.x) server")
