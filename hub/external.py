"""The clients of the external systems that are configured (each switched on by its settings).

None for a system whose URL (or credentials) is missing: the hub then keeps its own records only.
"""

from __future__ import annotations

import aiohttp

from connectors.brp import BrpClient
from connectors.klantinteracties import KlantinteractiesClient
from connectors.kvk import KvkClient
from connectors.zaken import ZakenClient
from hub.settings import Settings


def brp(settings: Settings, session: aiohttp.ClientSession) -> BrpClient | None:
    if not settings.brp_url:
        return None
    return BrpClient(
        settings.brp_url, settings.brp_api_key, session, settings.connector_timeout_s,
        doelbinding=settings.brp_doelbinding, verwerking=settings.brp_verwerking,
    )


def kvk(settings: Settings, session: aiohttp.ClientSession) -> KvkClient | None:
    if not settings.kvk_url:
        return None
    return KvkClient(settings.kvk_url, settings.kvk_api_key, session, settings.connector_timeout_s)


def zaken(settings: Settings, session: aiohttp.ClientSession) -> ZakenClient | None:
    if not (settings.zaken_url and settings.zaken_client_id and settings.zaken_secret):
        return None
    return ZakenClient(settings.zaken_url, settings.zaken_client_id, settings.zaken_secret, session, settings.connector_timeout_s)


def klantinteracties(settings: Settings, session: aiohttp.ClientSession) -> KlantinteractiesClient | None:
    if not (settings.klantinteracties_url and settings.klantinteracties_token):
        return None
    return KlantinteractiesClient(
        settings.klantinteracties_url, settings.klantinteracties_token, session, settings.connector_timeout_s
    )
