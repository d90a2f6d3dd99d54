"""Local Klantinteracties API server (Open Klant 2.x, ``/klantinteracties/api/v1``).

Follows the published API for the parts the hub uses: ``POST /maak-klantcontact``
(klantcontact + betrokkene + onderwerpobject in one call), ``POST /internetaken``,
``GET /klantcontacten`` (one page, filtered on ``kanaal`` and the onderwerpobject's
identificator), ``GET /klantcontacten/{uuid}`` and ``GET /internetaken/{uuid}``. ``Authorization: Token``;
401 ``not_authenticated`` / ``authentication_failed``; 400 ``invalid`` with
``invalidParams`` named like ``klantcontact.kanaal``; 404 ``not_found``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from aiohttp import web

from connectors.testservers.common import (
    json_body,
    new_app,
    run,
    zgw_invalid,
    zgw_not_found,
    zgw_problem,
)

BASE = "/klantinteracties/api/v1"
TOKEN = "test-klantinteracties-token"
ACTOR_UUID = "7d4c6a3e-0000-4000-8000-00000000a001"


def authenticate(request: web.Request) -> web.Response | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Token "):
        return zgw_problem(401, "not_authenticated", "Authenticatiegegevens zijn niet opgegeven.")
    if header[6:] != request.app["token"]:
        return zgw_problem(401, "authentication_failed", "Ongeldige token.")
    return None


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


def check_betrokkene(b: Any, partijen: set[str]) -> list[tuple[str, str, str]]:
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


async def maak_klantcontact(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
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
        b_id = str(uuid.uuid4())
        answer["betrokkene"] = {**body["betrokkene"], "uuid": b_id, "url": url_of(request, "betrokkenen", b_id), "hadKlantcontact": ref}
        klantcontact["hadBetrokkenen"].append({"uuid": b_id, "url": answer["betrokkene"]["url"]})
    if onderwerp:
        o_id = str(uuid.uuid4())
        answer["onderwerpobject"] = {**onderwerp, "uuid": o_id, "url": url_of(request, "onderwerpobjecten", o_id), "klantcontact": ref}
        klantcontact["gingOverOnderwerpobjecten"].append({"uuid": o_id, "url": answer["onderwerpobject"]["url"]})
    store[kc_id] = answer
    return web.json_response(answer, status=201)


async def get_klantcontact(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    found = request.app["klantcontacten"].get(request.match_info["uuid"])
    if not found:
        return zgw_problem(404, "not_found", "Niet gevonden.")
    return web.json_response(found["klantcontact"])


ONDERWERP_FILTERS = {
    f"onderwerpobject__onderwerpobjectidentificator{name[0].upper()}{name[1:]}": name
    for name in ("objectId", "codeObjecttype", "codeRegister", "codeSoortObjectId")
}


async def list_klantcontacten(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    wanted = {name: request.query[param] for param, name in ONDERWERP_FILTERS.items() if param in request.query}
    found = []
    for made in request.app["klantcontacten"].values():
        ident = (made.get("onderwerpobject") or {}).get("onderwerpobjectidentificator") or {}
        if any(ident.get(name) != value for name, value in wanted.items()):
            continue
        if "kanaal" in request.query and made["klantcontact"]["kanaal"] != request.query["kanaal"]:
            continue
        found.append(made["klantcontact"])
    return web.json_response({"count": len(found), "next": None, "previous": None, "results": found})


async def create_interne_taak(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    body = await json_body(request)
    if not isinstance(body, dict):
        return zgw_invalid([("nonFieldErrors", "parse_error", "Ongeldige JSON.")])
    errors = [(f, "required", "Dit veld is vereist.") for f in ("gevraagdeHandeling", "aanleidinggevendKlantcontact", "status") if not body.get(f)]
    kc = (body.get("aanleidinggevendKlantcontact") or {}).get("uuid") if isinstance(body.get("aanleidinggevendKlantcontact"), dict) else None
    if body.get("aanleidinggevendKlantcontact") and kc not in request.app["klantcontacten"]:
        errors.append(("aanleidinggevendKlantcontact.uuid", "does_not_exist", "Object bestaat niet."))
    if body.get("status") and body["status"] not in ("te_verwerken", "verwerkt"):
        errors.append(("status", "invalid_choice", "Ongeldige keuze."))
    for i, actor in enumerate(body.get("toegewezenAanActoren") or []):
        if not isinstance(actor, dict) or actor.get("uuid") not in request.app["actoren"]:
            errors.append((f"toegewezenAanActoren.{i}.uuid", "does_not_exist", "Object bestaat niet."))
    if errors:
        return zgw_invalid(errors)
    taak_id = str(uuid.uuid4())
    taak = {**body, "uuid": taak_id, "url": url_of(request, "internetaken", taak_id), "nummer": f"{len(request.app['internetaken']) + 1:010d}",
            "toegewezenOp": datetime.now().astimezone().isoformat()}
    request.app["internetaken"][taak_id] = taak
    request.app["klantcontacten"][kc]["klantcontact"]["leiddeTotInterneTaken"].append({"uuid": taak_id, "url": taak["url"]})
    return web.json_response(taak, status=201)


async def get_interne_taak(request: web.Request) -> web.Response:
    if (denied := authenticate(request)) is not None:
        return denied
    found = request.app["internetaken"].get(request.match_info["uuid"])
    if not found:
        return zgw_problem(404, "not_found", "Niet gevonden.")
    return web.json_response(found)


def make_app(token: str = TOKEN, actoren: set[str] | None = None, partijen: set[str] | None = None) -> web.Application:
    app = new_app([zgw_not_found])
    app["token"] = token
    app["actoren"] = actoren if actoren is not None else {ACTOR_UUID}
    app["partijen"] = partijen or set()
    app["klantcontacten"], app["internetaken"] = {}, {}
    app.router.add_post(f"{BASE}/maak-klantcontact", maak_klantcontact)
    app.router.add_get(f"{BASE}/klantcontacten", list_klantcontacten)
    app.router.add_get(f"{BASE}/klantcontacten/{{uuid}}", get_klantcontact)
    app.router.add_post(f"{BASE}/internetaken", create_interne_taak)
    app.router.add_get(f"{BASE}/internetaken/{{uuid}}", get_interne_taak)
    return app


if __name__ == "__main__":
    run(make_app, 8104, "Local Klantinteracties API (Open Klant 2.x) server")
