"""What the aiohttp app holds for every package: typed ``web.AppKey``s, declared once.

Each package declares the keys of the values it owns next to them (the pipeline in
``hub.conversations.appkeys``, the desk in ``handover``, statistics in ``hub.stats.api``,
knowledge in ``knowledge.web``, rate limits and channels in ``hub.web``). The first four are
the ones every layer may read: a package reads only keys of its own layer or a lower one, and
gets a higher layer's value as an argument instead. ``BUS_RELAY`` (only with ``KCC_BUS=mongo``)
is for the app factory, which starts and stops it; the others use the bus as always.
"""

from __future__ import annotations

import aiohttp
from aiohttp import web
from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.core.bus import LiveBus
from hub.core.bus_relay import BusRelay
from hub.core.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", AsyncIOMotorDatabase)
BUS = web.AppKey("bus", LiveBus)
#: the hub's outgoing HTTP session (connectors, log-in provider, health checks), opened at start-up
HTTP = web.AppKey("http", aiohttp.ClientSession)
#: joins the bus to the other hubs' (``KCC_BUS=mongo`` only), started and stopped with the app
BUS_RELAY = web.AppKey("bus_relay", BusRelay)
