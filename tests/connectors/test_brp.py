"""The BRP client against the local Haal Centraal BRP Personen 2.x server: answers and error answers."""

from __future__ import annotations

import aiohttp
import pytest

from connectors.base import BadRequest, ConnectorTimeout, NotFound, Unauthorized, Unavailable
from connectors.brp import FIELDS, BrpClient
from connectors.testservers import brp as brp_server
from hub.cli import launcher
from tests.connectors.servers import serve


@pytest.fixture
async def server():
    app = brp_server.make_app()
    async with serve(app) as url:
        yield app, url + brp_server.BASE


async def test_person_asks_only_the_needed_fields_with_purpose_headers(server, http):
    app, url = server
    client = BrpClient(url, brp_server.API_KEY, http, doelbinding="BRPACT-Test", verwerking="Klantcontact@Test")
    person = await client.person("999993653", gebruiker="agent-anna")
    assert person is not None
    assert person.display_name == "Suzanne Moulin"
    assert person.adressering.adresregel1 == "Lindelaan 12"
    sent = app["behaviour"].requests[-1]
    assert sent["json"] == {"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": ["999993653"], "fields": FIELDS}
    headers = {k.lower(): v for k, v in sent["headers"].items()}
    assert headers["x-doelbinding"] == "BRPACT-Test"
    assert headers["x-verwerking"] == "Klantcontact@Test"
    assert headers["x-gebruiker"] == "agent-anna"
    assert "999993653" not in sent["path"]  # the BSN travels in the body, never in the URL


async def test_the_server_answers_only_what_was_asked(server, http):
    _, url = server
    person = await BrpClient(url, brp_server.API_KEY, http).person("999995078", "agent", fields=["naam.geslachtsnaam"])
    assert person.naam.geslachtsnaam == "Vries"
    assert person.naam.voornamen is None and person.adressering is None


async def test_unknown_person_is_none(server, http):
    _, url = server
    assert await BrpClient(url, brp_server.API_KEY, http).person("999990019", "agent") is None


async def test_400_bad_bsn_carries_the_provider_code(server, http):
    _, url = server
    with pytest.raises(BadRequest) as err:
        await BrpClient(url, brp_server.API_KEY, http).person("12345678", "agent")
    assert err.value.status == 400 and err.value.code == "paramsValidation"
    assert err.value.body["invalidParams"][0]["name"] == "burgerservicenummer[0]"


async def test_400_unknown_field(server, http):
    _, url = server
    with pytest.raises(BadRequest) as err:
        await BrpClient(url, brp_server.API_KEY, http).person("999993653", "agent", fields=["bestaatNiet"])
    assert err.value.body["invalidParams"][0]["code"] == "field"


async def test_401_wrong_api_key(server, http):
    _, url = server
    with pytest.raises(Unauthorized) as err:
        await BrpClient(url, "wrong-key", http).person("999993653", "agent")
    assert err.value.status == 401 and err.value.code == "authentication"


async def test_404_wrong_base_url(server, http):
    _, url = server
    with pytest.raises(NotFound) as err:
        await BrpClient(url + "/v9", brp_server.API_KEY, http).person("999993653", "agent")
    assert err.value.status == 404 and err.value.code == "notFound"


async def test_timeout(server, http):
    app, url = server
    app["behaviour"].delay_s = 1.0
    with pytest.raises(ConnectorTimeout):
        await BrpClient(url, brp_server.API_KEY, http, timeout_s=0.2).person("999993653", "agent")


async def test_unreachable():
    async with aiohttp.ClientSession() as session:
        client = BrpClient(f"http://127.0.0.1:{launcher.free_port()}/brp", brp_server.API_KEY, session)
        with pytest.raises(Unavailable) as err:
            await client.person("999993653", "agent")
    assert err.value.code == "unreachable"


async def test_the_server_refuses_a_field_it_delivers_by_itself(server, http):
    """The real API answers 400 to ``fields: [..., "geheimhoudingPersoonsgegevens"]``; so does ours."""
    app, url = server
    headers = {"X-API-KEY": brp_server.API_KEY, "x-doelbinding": "t", "x-verwerking": "t", "x-gebruiker": "t"}
    body = {"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": ["999993653"],
            "fields": ["naam.geslachtsnaam", "geheimhoudingPersoonsgegevens"]}
    async with http.post(url + "/personen", json=body, headers=headers) as resp:
        assert resp.status == 400
        problem = await resp.json(content_type=None)
    assert problem["code"] == "paramsValidation"
    assert problem["invalidParams"] == [
        {"code": "field", "name": "fields[1]", "reason": "Parameter bevat een niet toegestane veldnaam."}
    ]
    assert "geheimhoudingPersoonsgegevens" not in FIELDS
    with pytest.raises(ValueError):
        await BrpClient(url, brp_server.API_KEY, http).person("999993653", "agent", fields=["geheimhoudingPersoonsgegevens"])


async def test_secrecy_arrives_unasked_and_only_when_true(server, http):
    _, url = server
    client = BrpClient(url, brp_server.API_KEY, http)
    secret = await client.person("999995078", "agent")
    assert secret.geheimhoudingPersoonsgegevens is True
    open_person = await client.person("999993653", "agent")
    assert open_person.geheimhoudingPersoonsgegevens is None
