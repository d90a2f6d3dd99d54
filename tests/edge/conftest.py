"""A second hub with small rate limits, behind one trusted proxy, for the tests of the limits
themselves: exhausting the shared test hub's per-IP limit would make other tests fail.

It shares the session's Mongo-wire server (its own database) and has no channels, SMTP
listener, IMAP poller or Slack desk (those would compete with the shared hub's).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from hub.cli import launcher
from tests.conftest import LOG_DIR, Stack

PER_IP = 20
PER_SESSION = 5


@dataclass
class LimitedHub:
    url: str
    db_name: str


@pytest.fixture(scope="session")
def limited_hub(stack: Stack) -> Iterator[LimitedHub]:
    port = launcher.free_port()
    env = {
        "KCC_MONGO_PORT": str(stack.mongo_port),
        "KCC_MONGODB_DB": "kcc_test_edge",
        "KCC_RASA_URL": stack.rasa_url,
        "KCC_ACTIONS_URL": f"http://127.0.0.1:{stack.actions_port}",
        "KCC_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "KCC_DEMO": "false",
        "KCC_RATE_LIMITS_ENABLED": "true",
        "KCC_RATE_LIMIT_PER_IP_PER_MINUTE": str(PER_IP),
        "KCC_WEBCHAT_RATE_PER_MINUTE": str(PER_SESSION),
        "KCC_TRUSTED_PROXY_HOPS": "1",
    }
    log_dir = LOG_DIR / "edge"
    log_dir.mkdir(parents=True, exist_ok=True)
    service = launcher.hub(port, env, log_dir)
    service.start()
    try:
        service.wait_ready()
        yield LimitedHub(url=f"http://127.0.0.1:{port}", db_name="kcc_test_edge")
    finally:
        service.stop()
