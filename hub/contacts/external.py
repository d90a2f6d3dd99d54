"""The clients of the external systems that are configured (each switched on by its settings).

None for a system whose URL (or credentials) is missing: the hub then keeps its own records only.
"""

from __future__ import annotations

import aiohttp
from aiohttp import web

from connectors.base import ConnectorError, ConnectorTimeout, NotFound, Unauthorized
from connectors.brp import BrpClient
from connectors.klantinteracties import KlantinteractiesClient
from connectors.kvk import KvkClient
from connectors.zaken import ZakenClient
from hub.core.http import json_error
from hub.core.settings import Settings


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


def connector_error(exc: ConnectorError, label: str) -> web.Response:
    """A provider failure as the agent sees it: what went wrong, in Dutch, and the provider's code."""
    if isinstance(exc, ConnectorTimeout):
        return json_error(504, f"{exc.service}_timeout", f"{label} antwoordt niet op tijd. Probeer het zo nog eens.")
    if isinstance(exc, NotFound):
        return json_error(404, f"{exc.service}_not_found", f"{label} kent dit nummer niet.", provider_code=exc.code)
    if isinstance(exc, Unauthorized):
        return json_error(502, f"{exc.service}_refused", f"{label} weigert de toegang van de hub. Meld dit aan de beheerder.")
    return json_error(502, f"{exc.service}_error", f"{label} gaf een fout.", provider_code=exc.code)
