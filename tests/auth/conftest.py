"""Fixtures of the staff access tests: a second hub with the demo setting on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.auth import hubs
from tests.conftest import Stack


@pytest.fixture(scope="session")
def demo_hub(stack: Stack) -> Iterator[hubs.ExtraHub]:
    yield hubs.start(stack, "demo", hubs.DEMO_ENV)
    hubs.stop("demo")


@pytest.fixture(scope="session")
def plain_hub(stack: Stack) -> Iterator[hubs.ExtraHub]:
    """Demo off, on a fresh database (the shared one may hold demo accounts made by other tests);
    log-in with the test OpenID provider (``connectors/testservers/oidc.py``) switched on."""
    yield hubs.start(stack, "plain", hubs.PLAIN_ENV)
    hubs.stop("plain")
