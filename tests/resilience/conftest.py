"""Fixtures of the resilience tests: real processes stopped and started on purpose.

Tests that take down a shared process (Rasa, the action server) start it again in a
``finally`` and wait until it is ready, so later tests find a healthy stack. The Mongo
restart and the failing provider run against a private stack (its own Mongo-wire server,
hub and provider fake, the shared Rasa and action server), so the shared database is never
interrupted and the channel tests' fakes are left alone.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from hub.cli import launcher
from hub.core.settings import ROOT
from tests.channels import stack_env as channel_env
from tests.channels.fakes.base import ServerThread
from tests.channels.fakes.telegram_api import FakeTelegram
from tests.conftest import LOG_DIR, Stack

PRIVATE_LOGS = LOG_DIR / "resilience"


def private_storage() -> Any:
    return ROOT / "var" / f"test-mongo-resilience-{os.getpid()}"


def private_mongo(stack: Stack) -> launcher.Service:
    """The private stack's Mongo-wire server, on the same port and data folder every time."""
    return launcher.mongo(stack.mongo_port, private_storage(), PRIVATE_LOGS)


@pytest.fixture(scope="session")
def private_stack(bot_stack: Stack) -> Iterator[Stack]:
    """A Mongo-wire server and a hub of their own, beside the shared Rasa and action server."""
    PRIVATE_LOGS.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(private_storage(), ignore_errors=True)
    st = Stack(
        mongo_port=launcher.free_port(),
        rasa_port=bot_stack.rasa_port,
        actions_port=bot_stack.actions_port,
        db_name="kcc_resilience",
    )
    try:
        st.start(private_mongo(st))
        st.start(launcher.hub(st.hub_port, st.env(), PRIVATE_LOGS))
        yield st
    finally:
        st.stop_all()
        shutil.rmtree(private_storage(), ignore_errors=True)


async def health(http: aiohttp.ClientSession, stack: Stack) -> tuple[int, dict[str, Any]]:
    async with http.get(f"{stack.hub_url}/healthz", timeout=aiohttp.ClientTimeout(total=15)) as resp:
        return resp.status, await resp.json()


async def wait_health(http: aiohttp.ClientSession, stack: Stack, status: int, within_s: float = 60) -> dict[str, Any]:
    """The /healthz body once it answers ``status``; fails with the last answer after ``within_s``."""
    deadline = time.monotonic() + within_s
    last: tuple[int, dict[str, Any]] | None = None
    while time.monotonic() < deadline:
        last = await health(http, stack)
        if last[0] == status:
            return last[1]
        await asyncio.sleep(0.5)
    raise AssertionError(f"/healthz did not answer {status} within {within_s}s; last: {last}")


@pytest.fixture(scope="session")
def private_telegram(private_stack: Stack) -> Iterator[FakeTelegram]:
    """The fake Telegram Bot API on the port the private hub sends to (it only calls it to send)."""
    fake = FakeTelegram(channel_env.TELEGRAM_TOKEN)
    thread = ServerThread(fake.app(), private_stack.channel_ports["telegram"]).start()
    yield fake
    thread.stop()
