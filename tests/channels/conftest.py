"""Fixtures of the channel tests: the provider fakes, a real IMAP server, and signed requests.

The fakes listen on the ports ``Stack.channel_ports`` chose before the hub started (the
hub's settings point at them). The hub only calls them when it sends, so they may start
after it. ``hub_inproc`` builds the hub's real pipeline and channels in the test's own
event loop, for sends a test must trigger itself (an agent's reply a day later).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from channels.email import EmailChannel
from channels.meta import MetaChannel
from channels.telegram import TelegramChannel
from channels.twilio import TwilioChannel
from handover.desk import HandoverDesk
from hub.cli import launcher
from hub.conversations.bot_client import BotClient
from hub.conversations.pipeline import Pipeline
from hub.core.bus import LiveBus
from hub.core.db import connect
from hub.core.settings import Settings
from hub.web.app import HubContext
from tests.channels import stack_env as env
from tests.channels.fakes.base import ServerThread
from tests.channels.fakes.graph_api import FakeGraph
from tests.channels.fakes.smtp_sink import SmtpSink
from tests.channels.fakes.telegram_api import FakeTelegram
from tests.channels.fakes.twilio_api import FakeTwilio
from tests.conftest import LOG_DIR, Stack


@dataclass
class Fakes:
    twilio: FakeTwilio
    telegram: FakeTelegram
    graph: FakeGraph
    smtp: SmtpSink


@pytest.fixture(scope="session")
def fakes(stack: Stack) -> Iterator[Fakes]:
    ports = stack.channel_ports
    found = Fakes(
        twilio=FakeTwilio(env.ACCOUNT_SID, env.AUTH_TOKEN),
        telegram=FakeTelegram(env.TELEGRAM_TOKEN),
        graph=FakeGraph(env.GRAPH_VERSION, env.META_PAGE_TOKEN),
        smtp=SmtpSink(ports["smtp_relay"]).start(),
    )
    threads = [
        ServerThread(found.twilio.app(), ports["twilio"]).start(),
        ServerThread(found.telegram.app(), ports["telegram"]).start(),
        ServerThread(found.graph.app(), ports["meta"]).start(),
    ]
    yield found
    for thread in threads:
        thread.stop()
    found.smtp.stop()


@pytest.fixture(scope="session")
def imap_server(stack: Stack) -> Iterator[int]:
    """pymap, a real IMAP4rev1 server (in-memory mailbox), with the hub's mailbox account."""
    port = stack.channel_ports["imap"]
    service = launcher.Service(
        "imap",
        [str(launcher.VENV_BIN / "pymap"), "--host", "127.0.0.1", "--port", str(port),
         "dict", "--demo-user", env.IMAP_USER, "--demo-password", env.IMAP_PASSWORD],
        ready=lambda: launcher.port_open(port),
        log_path=LOG_DIR / "imap.log",
        timeout_s=30,
    )
    service.start()
    try:
        service.wait_ready()
        yield port
    finally:
        service.stop()


def hub_settings(stack: Stack, **override: Any) -> Settings:
    """The settings the test hub runs with, as a ``Settings`` object for in-process use."""
    with pytest.MonkeyPatch.context() as patch:  # read exactly as the hub process reads them
        for name, value in stack.env().items():
            patch.setenv(name, value)
        return Settings(_env_file=None, **override)


@dataclass
class InProc:
    pipeline: Pipeline
    context: HubContext
    settings: Settings


@pytest.fixture
async def hub_inproc(stack: Stack, fakes: Fakes) -> AsyncIterator[InProc]:
    """The hub's pipeline and provider channels in this test's loop (no listeners, no pollers)."""
    settings = hub_settings(stack, smtp_listen_port=None, imap_host=None)
    db = connect(settings)
    async with aiohttp.ClientSession() as http:
        pipeline = Pipeline(db, BotClient(settings.rasa_url, 5, http), LiveBus(), HandoverDesk())
        context = HubContext(pipeline)
        channels = [
            cls(pipeline.receive, context, settings) for cls in (TwilioChannel, TelegramChannel, MetaChannel, EmailChannel)
        ]
        for channel in channels:
            for name in channel.names():
                pipeline.register_sender(name, channel.send)
            await channel.start()
        yield InProc(pipeline, context, settings)
        await pipeline.drain()
        for channel in channels:
            await channel.stop()
    db.client.close()


# ---------------------------------------------------------------------- resident identities
@pytest.fixture
def phone() -> str:
    # an assigned mobile range (06-1… to 06-5…): hub.core.identifiers refuses numbers that cannot exist
    return "+316" + secrets.choice("12345") + "".join(secrets.choice("0123456789") for _ in range(7))


@pytest.fixture
def chat_id() -> int:
    return secrets.randbelow(10**9) + 10**9


@pytest.fixture
def psid() -> str:
    return str(secrets.randbelow(10**15) + 10**15)


@pytest.fixture
def resident_email() -> str:
    return f"inwoner-{uuid.uuid4().hex[:10]}@example.nl"
