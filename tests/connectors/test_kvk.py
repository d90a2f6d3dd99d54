"""The KvK client against the local Zoeken v2 + Basisprofiel v1 server: answers and error answers."""

from __future__ import annotations

import pytest

from connectors.base import BadRequest, ConnectorTimeout, NotFound, Unauthorized
from connectors.kvk import KvkClient
from connectors.testservers import kvk as kvk_server
from tests.connectors.servers import serve


@pytest.fixture
async def server():
    app = kvk_server.make_app()
    async with serve(app) as url:
        yield app, url + "/api"


async def test_search_by_number_and_by_name(server, http):
    app, url = server
    client = KvkClient(url, kvk_server.API_KEY, http)
    by_number = await client.search(kvk_nummer="69599084")
    assert [r.naam for r in by_number] == ["Bakkerij De Linde"]
    assert by_number[0].adres.binnenlandsAdres.plaats == "Lindewaard"
    assert app["behaviour"].requests[-1]["headers"]["apikey"] == kvk_server.API_KEY
    by_name = await client.search(naam="installatie")
    assert [r.kvkNummer for r in by_name] == ["68750110"]


async def test_no_results_is_an_empty_list_not_an_error(server, http):
    _, url = server
    assert await KvkClient(url, kvk_server.API_KEY, http).search(naam="bestaat niet") == []


async def test_basisprofiel(server, http):
    _, url = server
    profile = await KvkClient(url, kvk_server.API_KEY, http).basisprofiel("68750110")
    assert profile.naam == "Lindewaard Installatietechniek B.V."
    assert profile.embedded.hoofdvestiging.vestigingsnummer == "000037178598"
    assert profile.sbiActiviteiten[0].sbiCode == "4322"
    assert profile.rsin == "001000019"  # a B.V.: its owner's RSIN identifies it in a Zaken API rol
    assert (await KvkClient(url, kvk_server.API_KEY, http).basisprofiel("69599084")).rsin is None  # an eenmanszaak has none


async def test_400_invalid_number(server, http):
    _, url = server
    with pytest.raises(BadRequest) as err:
        await KvkClient(url, kvk_server.API_KEY, http).basisprofiel("1234")
    assert err.value.status == 400 and err.value.code == "IPD0004"


async def test_404_unknown_number(server, http):
    _, url = server
    with pytest.raises(NotFound) as err:
        await KvkClient(url, kvk_server.API_KEY, http).basisprofiel("12345678")
    assert err.value.code == "IPD0005"


async def test_401_without_valid_key(server, http):
    _, url = server
    with pytest.raises(Unauthorized):
        await KvkClient(url, None, http).search(kvk_nummer="69599084")


async def test_timeout(server, http):
    app, url = server
    app["behaviour"].delay_s = 1.0
    with pytest.raises(ConnectorTimeout):
        await KvkClient(url, kvk_server.API_KEY, http, timeout_s=0.2).search(kvk_nummer="69599084")
