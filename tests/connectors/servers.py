"""Run a local provider test server (connectors/testservers) inside the test's event loop."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from hub.cli import launcher
from hub.core.db import ensure_indexes


@asynccontextmanager
async def serve(app: web.Application, port: int | None = None) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port unless given); yields the base URL."""
    port = port or launcher.free_port()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def own_database(mongo_url: str) -> AsyncIterator[AsyncIOMotorDatabase]:
    """A fresh database on the test Mongo-wire server, for outbox tests that scan whole collections."""
    client = AsyncIOMotorClient(mongo_url, tz_aware=True)
    db = client[f"kcc_sync_{uuid.uuid4().hex[:10]}"]
    await ensure_indexes(db)
    try:
        yield db
    finally:
        await client.drop_database(db.name)
        client.close()
