"""The app's keys for what ``hub.conversations`` owns: the pipeline and the bot client.

Only ``handover`` and the layers above it may read them (``ARCHITECTURE.md``); a lower
package that needs the pipeline (``hub.cases`` tells a resident of a case's new status)
gets it as an argument from the app factory.
"""

from __future__ import annotations

from aiohttp import web

from hub.conversations.bot_client import BotClient
from hub.conversations.pipeline import Pipeline

PIPELINE = web.AppKey("pipeline", Pipeline)
BOT = web.AppKey("bot", BotClient)
