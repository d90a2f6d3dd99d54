"""Fixtures that start the real processes with the project's own launcher (hub.cli.launcher).

Every service runs on a free port with its own data, so the suite can run beside
``make run``. A service that cannot start fails the tests that need it, loudly.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from hub.cli import launcher
from hub.core.db import embedded_url
from hub.core.settings import ROOT
from tests.channels.stack_env import channel_env, channel_ports
from tests.contacts.stack_env import contact_env, contact_ports
from tests.handover.stack_env import handover_env, handover_ports

LOG_DIR = ROOT / "var" / "test-logs"


@dataclass
class Stack:
    mongo_port: int
    rasa_port: int = field(default_factory=launcher.free_port)
    actions_port: int = field(default_factory=launcher.free_port)
    hub_port: int = field(default_factory=launcher.free_port)
    caldav_port: int = field(default_factory=launcher.free_port)  # Radicale, the appointment calendars
    db_name: str = "kcc_test"
    running: dict[str, launcher.Service] = field(default_factory=dict)
    channel_ports: dict[str, int] = field(default_factory=channel_ports)  # fakes of tests/channels
    contact_ports: dict[str, int] = field(default_factory=contact_ports)  # BRP/KvK test servers (tests/contacts)
    handover_ports: dict[str, int] = field(default_factory=handover_ports)  # fake Slack (tests/handover)

    @property
    def mongo_url(self) -> str:
        return embedded_url(self.mongo_port)

    @property
    def hub_url(self) -> str:
        return f"http://127.0.0.1:{self.hub_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def env(self) -> dict[str, str]:
        return {
            "KCC_MONGO_PORT": str(self.mongo_port),
            "KCC_MONGODB_DB": self.db_name,
            "KCC_RASA_URL": self.rasa_url,
            "KCC_ACTIONS_URL": f"http://127.0.0.1:{self.actions_port}",
            "KCC_PUBLIC_URL": self.hub_url,
            "KCC_DEMO": "false",
            "KCC_LOG_LEVEL": "INFO",
            "KCC_CALDAV_PORT": str(self.caldav_port),
            "KCC_APPOINTMENT_REMINDER_SWEEP_S": "1",  # tests move a reminder's due time in the database
            "KCC_NORM_INTERIM_SWEEP_S": "1",  # tests queue a conversation whose answer term runs out
            **channel_env(self.channel_ports),
            **contact_env(self.contact_ports),
            **handover_env(self.handover_ports),
        }

    def start(self, service: launcher.Service) -> launcher.Service:
        self.running[service.name] = service.launch()
        return service

    def stop_all(self) -> None:
        for name in ("hub", "rasa", "actions", "caldav", "mongo"):
            if name in self.running:
                self.running.pop(name).stop()


def _mongo_service(port: int) -> launcher.Service:
    storage = ROOT / "var" / f"test-mongo-{os.getpid()}"
    shutil.rmtree(storage, ignore_errors=True)
    return launcher.mongo(port, storage, LOG_DIR)


def _radicale_service(port: int) -> launcher.Service:
    storage = ROOT / "var" / f"test-radicale-{os.getpid()}"
    shutil.rmtree(storage, ignore_errors=True)
    return launcher.radicale(port, storage, LOG_DIR)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """Mongo-wire server and the hub (no bot yet): enough for storage, API and page tests."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    if os.environ.get("KCC_TEST_MONGODB_URL"):
        pytest.fail("KCC_TEST_MONGODB_URL is not supported yet: the suite starts its own server")
    st = Stack(mongo_port=launcher.free_port())
    st.start(_mongo_service(st.mongo_port))
    st.start(_radicale_service(st.caldav_port))
    st.start(launcher.hub(st.hub_port, st.env(), LOG_DIR))
    yield st
    st.stop_all()
    shutil.rmtree(ROOT / "var" / f"test-mongo-{os.getpid()}", ignore_errors=True)
    shutil.rmtree(ROOT / "var" / f"test-radicale-{os.getpid()}", ignore_errors=True)


@pytest.fixture(scope="session")
def bot_stack(stack: Stack) -> Stack:
    """The real action server and Rasa server beside the hub; the trained model must exist."""
    model = launcher.model_path(ROOT / "var" / "models")
    if not model.exists():
        pytest.fail(f"no trained Rasa model at {model}: run `make setup` (make test does it)")
    if "actions" not in stack.running:
        stack.start(launcher.actions(stack.actions_port, stack.env(), LOG_DIR))
    if "rasa" not in stack.running:
        stack.start(launcher.rasa(stack.rasa_port, stack.actions_port, model, LOG_DIR))
    return stack


@pytest.fixture
async def db(stack: Stack) -> AsyncIterator[AsyncIOMotorDatabase]:
    client = AsyncIOMotorClient(stack.mongo_url, tz_aware=True)
    yield client[stack.db_name]
    client.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def session_id() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"service logs: {LOG_DIR}"]


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when == "call":
        tails = []
        for log in sorted(Path(LOG_DIR).glob("*.log")):
            lines = [line[:300] for line in log.read_text(errors="replace").splitlines()[-15:]]
            tails.append(f"--- {log.name} (last lines)\n" + "\n".join(lines))
        report.sections.append(("service logs", "\n".join(tails)))


@pytest.fixture(scope="session")
def slack(stack: Stack) -> Iterator[Any]:
    """The fake Slack Web API on the port the shared hub's settings point at (tests/handover, tests/privacy)."""
    from tests.channels.fakes.base import ServerThread
    from tests.handover import stack_env
    from tests.handover.fake_slack import FakeSlack

    fake = FakeSlack(stack_env.SLACK_TOKEN, {stack_env.SLACK_CHANNEL})
    server = ServerThread(fake.app(), stack.handover_ports["slack"]).start()
    yield fake
    server.stop()
