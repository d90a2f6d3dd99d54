"""Appointment tests: the session's hub, Mongo-wire server and Radicale (tests/conftest.py), a second
hub on the same database and calendar server (two processes racing), and the ``caldav`` client
reading back what the hub wrote."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import aiohttp
import caldav
import pytest

from hub.cli import launcher
from tests.auth.hubs import SHARED
from tests.conftest import LOG_DIR, Stack


@pytest.fixture(scope="session")
def second_hub(stack: Stack) -> Iterator[str]:
    """Another hub process on the same database and CalDAV server; its base URL."""
    port = launcher.free_port()
    # the shared database, calendar server and reminder sweep; no channels (their listeners belong to the first hub)
    keep = (*SHARED, "KCC_MONGODB_DB", "KCC_CALDAV_PORT", "KCC_APPOINTMENT_REMINDER_SWEEP_S")
    env = {k: v for k, v in stack.env().items() if k in keep}
    service = launcher.hub(port, {**env, "KCC_PUBLIC_URL": f"http://127.0.0.1:{port}"}, LOG_DIR)
    service.name, service.log_path = "hub-b", LOG_DIR / "hub-b.log"
    service.launch()
    yield f"http://127.0.0.1:{port}"
    service.stop()


@pytest.fixture
def calendar_server(stack: Stack) -> Iterator[caldav.Principal]:
    client = caldav.DAVClient(url=f"http://127.0.0.1:{stack.caldav_port}/", username="kcc", password="unused")
    yield client.principal()
    client.close()


async def slots(http: aiohttp.ClientSession, base: str, product: str, limit: int = 3, **extra: str) -> dict[str, Any]:
    """Free slots, once the hub has loaded the product catalogue (it does so at start-up)."""
    for _ in range(150):
        async with http.get(f"{base}/api/v1/appointments/slots", params={"product": product, "limit": str(limit), **extra}) as resp:
            body = await resp.json()
            if resp.status == 200:
                return body
            if body["error"]["code"] != "unknown_product":
                raise AssertionError(body)
        await asyncio.sleep(0.2)
    raise AssertionError(f"product {product} never appeared: {body}")


async def book(http: aiohttp.ClientSession, base: str, **body: Any) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{base}/api/v1/appointments", json=body) as resp:
        return resp.status, await resp.json()
