"""The register test servers as fixtures: each test gets a fresh one on a free port (``servers.serve``)."""

from __future__ import annotations

import pytest

from connectors.testservers import klantinteracties as ki_server
from connectors.testservers import kvk as kvk_server
from connectors.testservers import zaken as zaken_server
from tests.connectors.servers import serve


@pytest.fixture
async def zaken():
    app = zaken_server.make_app()
    async with serve(app) as url:
        yield app, url + zaken_server.BASE


@pytest.fixture
async def ki():
    app = ki_server.make_app()
    async with serve(app) as url:
        yield app, url + ki_server.BASE


@pytest.fixture
async def kvk():
    app = kvk_server.make_app()
    async with serve(app) as url:
        yield app, url + "/api"
