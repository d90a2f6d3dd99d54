"""A second real hub beside the shared test hub: same Mongo-wire server, a database of its own, other settings.

Used where a setting must differ from the shared hub (``KCC_DEMO=true``, a short retention
interval, an OpenID Connect provider). Started once per test session by the project's own
launcher (``hub.cli.launcher.hub``), like ``tests/conftest.py`` starts the shared one.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from connectors.testservers import oidc
from hub.cli import launcher
from tests.conftest import LOG_DIR, Stack

OIDC_PORT = launcher.free_port()  # the test OpenID provider of tests/auth/test_oidc.py listens here
PLAIN_ENV = {
    "KCC_DEMO": "false",
    "KCC_OIDC_ISSUER": f"http://127.0.0.1:{OIDC_PORT}",
    "KCC_OIDC_CLIENT_ID": oidc.CLIENT_ID,
    "KCC_OIDC_CLIENT_SECRET": oidc.CLIENT_SECRET,
    "KCC_OIDC_ROLE_MAP": json.dumps({"kcc-medewerkers": "agent", "kcc-teamleiders": "supervisor", "ict-beheer": "admin"}),
}
DEMO_ENV = {
    "KCC_DEMO": "true",
    # the retention job of this hub runs every 1.2 seconds on its own database (tests/privacy/test_retention.py)
    "KCC_RETENTION_INTERVAL_MINUTES": "0.02",
    "KCC_RETENTION_CLOSED_CONVERSATION_DAYS": "30",
    "KCC_RETENTION_MODE": "anonymise",
}


@dataclass
class ExtraHub:
    url: str
    db_name: str
    service: launcher.Service


SHARED = ("KCC_MONGO_PORT", "KCC_RASA_URL", "KCC_ACTIONS_URL", "KCC_LOG_LEVEL", "KCC_IDENTITY_JWT_KEY", "KCC_IDENTITY_JWT_ALG")
_running: dict[str, ExtraHub] = {}


def start(stack: Stack, name: str, env: dict[str, str]) -> ExtraHub:
    """The hub called ``name`` (started on first use, once per session)."""
    if name in _running and _running[name].service.running():
        return _running[name]
    port = launcher.free_port()
    db_name = f"kcc_{name}_{uuid.uuid4().hex[:6]}"
    url = f"http://127.0.0.1:{port}"
    # storage and the bot of the shared stack; no channels, no Slack, no connectors (those belong to the shared hub)
    base = {k: v for k, v in stack.env().items() if k in SHARED}
    service = launcher.hub(port, {**base, "KCC_MONGODB_DB": db_name, "KCC_PUBLIC_URL": url, **env}, LOG_DIR)
    service.name = f"hub-{name}"
    service.log_path = LOG_DIR / f"hub-{name}.log"
    service.launch()
    _running[name] = ExtraHub(url, db_name, service)
    return _running[name]


def stop(name: str) -> None:
    hub = _running.pop(name, None)
    if hub:
        hub.service.stop()
