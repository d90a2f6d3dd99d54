"""Settings for the test hub that issue 6 needs: the identity-token key and the BRP/KvK connectors
pointed at local test servers (``connectors/testservers``) on ports chosen here.

``tests/conftest.py`` adds ``contact_env(stack.contact_ports)`` to the hub's environment; the
tests in ``tests/contacts`` start the test servers on those ports when they need them. The Zaken
and Klantinteracties outbox is not switched on in the shared hub (it would push other tests'
cases); it is tested in-process against its test servers.
"""

from __future__ import annotations

from connectors.testservers import brp, kvk
from hub.cli import launcher

IDENTITY_KEY = "test-identity-secret-for-the-portal-0123456789"
PORT_NAMES = ("brp", "kvk")


def contact_ports() -> dict[str, int]:
    return {name: launcher.free_port() for name in PORT_NAMES}


def contact_env(ports: dict[str, int]) -> dict[str, str]:
    local = "http://127.0.0.1"
    return {
        "KCC_IDENTITY_JWT_KEY": IDENTITY_KEY,
        "KCC_IDENTITY_JWT_ALG": "HS256",
        "KCC_BRP_URL": f"{local}:{ports['brp']}{brp.BASE}",
        "KCC_BRP_API_KEY": brp.API_KEY,
        "KCC_KVK_URL": f"{local}:{ports['kvk']}/api",
        "KCC_KVK_API_KEY": kvk.API_KEY,
        "KCC_CONNECTOR_TIMEOUT_S": "2",
    }
