"""The aiohttp application factory: wires storage, the pipeline, the channels and the pages.

``create_app`` builds the whole app before the event loop runs, in named steps: storage,
the pipeline, the channels (each gets the pipeline's ``receive`` as its one way in), the
pages and the domain routes. What needs the running loop (the outgoing HTTP session, the
indexes, the channels' listeners) opens in ``on_startup``, before the first request.
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pymongo.errors import ConnectionFailure, DuplicateKeyError

from channels.base import Channel, unconfigured_routes
from channels.delivery import DeliveryStatus, report_transition
from channels.email import EmailChannel
from channels.meta import MetaChannel
from channels.telegram import TelegramChannel
from channels.twilio import TwilioChannel
from channels.webchat import WebchatChannel, load_openers, load_welcome
from channels.webform import WebformChannel
from handover import abandon, queue
from handover.desk import HandoverDesk
from handover.wiring import setup_handover
from hub.conversations.appkeys import BOT, PIPELINE
from hub.conversations.bot_client import BotClient
from hub.conversations.pipeline import Pipeline
from hub.core.appkeys import BUS, BUS_RELAY, DB, HTTP, SETTINGS
from hub.core.bus import LiveBus
from hub.core.bus_relay import BusRelay
from hub.core.db import connect, ensure_indexes, ping
from hub.core.http import json_error
from hub.core.models import Button, State, utcnow
from hub.core.settings import Settings, get_settings
from hub.gdpr import my_data_log as data_access
from hub.gdpr.api import setup_privacy
from hub.staff import api as staff_api
from hub.staff import auth, oidc
from hub.stats.api import setup_stats
from hub.web.cors import setup_cors
from hub.web.journeys import setup_journeys
from hub.web.openapi import setup_openapi
from hub.web.ratelimit import RATE_LIMITS, setup_rate_limits
from hub.web.records import setup_contact_records
from hub.web.request_ids import request_id, request_id_middleware
from hub.web.theme import setup_theme
from knowledge.web import KNOWLEDGE, setup_knowledge

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
CHANNELS = web.AppKey("channels", dict[str, Channel])  # by channel name


class HubContext:
    """What the hub offers channels besides the hand-in (``channels.base.ChannelContext``)."""

    def __init__(self, pipeline: Pipeline, settings: Settings | None = None):
        self.pipeline = pipeline
        self.settings = settings or get_settings()
        self._presence = abandon.Presence(pipeline.db)

    async def queue_place(self, conversation_id: str) -> dict[str, Any] | None:
        """Where a queued conversation stands: position, expected minutes (None when closed), open."""
        conv = await self.pipeline.db.conversations.find_one({"_id": conversation_id, "state": State.QUEUED.value})
        if conv is None:
            return None
        est = await queue.estimate(self.pipeline.db, self.settings, conv["team"], conv.get("priority", 0), conv=conv)
        return {"position": est.position, "minutes": est.minutes, "open": est.open}

    async def messages_after(self, conversation_id: str, after: int) -> list[dict[str, Any]] | None:
        return await self.pipeline.messages_after(conversation_id, after)

    async def conversation_state(self, conversation_id: str) -> State | None:
        return await self.pipeline.conversation_state(conversation_id)

    def subscribe(self, topic: str):  # noqa: ANN201 - async context manager from LiveBus
        return self.pipeline.live.subscribe(topic)

    async def offered_buttons(self, channel: str, address: str) -> list[Button]:
        """Buttons of the newest reply since the resident's last message in the open conversation."""
        db = self.pipeline.db
        conv = await db.conversations.find_one({"open_key": f"{channel}:{address}"}, {"_id": 1})
        if conv is None:
            return []
        cursor = db.messages.find({"conversation_id": conv["_id"]}, {"direction": 1, "buttons": 1}).sort("seq", -1)
        async for doc in cursor.limit(20):
            if doc["direction"] == "in":
                break
            if doc.get("buttons"):
                return [Button(**b) for b in doc["buttons"]]
        return []

    async def last_inbound(self, conversation_id: str) -> dict[str, Any] | None:
        return await self.pipeline.db.messages.find_one(
            {"conversation_id": conversation_id, "direction": "in"}, {"created_at": 1, "metadata": 1}, sort=[("seq", -1)]
        )

    async def delivery_status(self, provider_message_id: str, status: DeliveryStatus, error: str | None) -> bool:
        """Apply a provider's delivery report; False when no message has that provider id (yet)."""
        db = self.pipeline.db
        now = utcnow()
        fields: dict[str, Any] = {"delivery.status": status, "delivery.updated_at": now}
        if error:
            fields["delivery.error"] = error
        res = await db.messages.update_one(
            {"provider_message_id": provider_message_id, "delivery.status": {"$in": report_transition(status)}},
            {"$set": fields, "$push": {"delivery.reports": {"status": status, "error": error, "at": now}}},
        )
        return bool(res.matched_count) or await db.messages.count_documents(
            {"provider_message_id": provider_message_id}, limit=1
        ) > 0

    async def resident_present(self, conversation_id: str) -> None:
        await self._presence.seen(conversation_id)

    async def resident_left(self, conversation_id: str) -> str | None:
        return await abandon.resident_left(self.pipeline.db, self.pipeline.live, conversation_id, "ended_by_resident")

    async def store_attachment(self, content: bytes, content_type: str, filename: str | None) -> str:
        """Files are stored once by content hash (a redelivered e-mail stores nothing new)."""
        digest = hashlib.sha256(content).hexdigest()
        doc = {"content_type": content_type, "filename": filename, "size": len(content), "created_at": utcnow()}
        try:
            await self.pipeline.db.attachments.update_one(
                {"_id": digest}, {"$setOnInsert": {**doc, "content": content}}, upsert=True
            )
        except DuplicateKeyError:  # stored by a concurrent delivery of the same file
            pass
        return digest


# aiohttp's own error answers (unknown path, wrong method, body too large) in Dutch
REASONS_NL = {
    404: "Dit adres bestaat niet.",
    405: "Deze methode is hier niet toegestaan.",
    413: "Het verzoek is te groot.",
    415: "Dit soort gegevens wordt hier niet ondersteund.",
}


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """JSON errors on the API and webhooks; never a stack trace in an answer."""
    api = request.path.startswith(("/api/", "/webhooks/"))
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if api and exc.status >= 400:
            return json_error(exc.status, exc.reason.lower().replace(" ", "_"), REASONS_NL.get(exc.status, exc.reason))
        raise
    except ConnectionFailure as exc:  # MongoDB away (AutoReconnect, ServerSelectionTimeoutError): retry later
        log.warning("storage unavailable", extra={"path": request.path, "error": type(exc).__name__})
        return storage_unavailable(request.app[SETTINGS], api)
    except RecursionError:  # json.loads of absurdly deep nesting ([[[[...) in any body parser
        if api:
            return json_error(400, "invalid_json", "De gegevens zijn te diep genest.")
        return web.Response(status=400, text="Ongeldig verzoek.")
    except Exception:
        log.exception("unhandled error", extra={"path": request.path, "request_id": request_id(request)})
        if api:
            return json_error(
                500, "internal_error", "Er ging iets mis bij ons. Probeer het later opnieuw.", request_id=request_id(request)
            )
        return web.Response(status=500, text="Er ging iets mis. Probeer het later opnieuw.")


def storage_unavailable(settings: Settings, api: bool = True) -> web.Response:
    """503 + Retry-After: nothing was kept, the sender may simply try again (providers do)."""
    headers = {"Retry-After": str(settings.storage_retry_after_s)}
    if not api:
        return web.Response(status=503, text="Even niet bereikbaar. Probeer het over een paar seconden opnieuw.",
                            headers=headers)
    resp = json_error(503, "storage_unavailable", "We kunnen uw bericht nu niet opslaan. Probeer het zo opnieuw.")
    resp.headers.update(headers)
    return resp


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or get_settings()
    app = web.Application(middlewares=[request_id_middleware, error_middleware], client_max_size=settings.max_body_bytes * 4)
    add_storage(app, settings)
    setup_rate_limits(app)  # per IP and per web chat session on the public endpoints (hub/web/ratelimit.py)
    pipeline = add_pipeline(app, settings)
    add_channels(app, settings, pipeline)
    add_pages(app)
    add_domain_routes(app, pipeline)
    setup_cors(app, settings)  # the widget on the municipality's own site: CORS on /api/v1/webchat/* only
    setup_openapi(app)  # GET /api/v1/openapi.json, generated from the routes above (hub/web/openapi.py)
    app.on_startup.insert(0, on_startup)  # before the parts' own start-up: they need the indexes
    app.on_cleanup.append(on_cleanup)
    return app


def add_storage(app: web.Application, settings: Settings) -> None:
    """Settings, the database (motor connects lazily) and the bus (joined to the other hubs' with ``KCC_BUS=mongo``)."""
    app[SETTINGS] = settings
    app[DB] = connect(settings)
    app[BUS] = LiveBus()
    if settings.bus == "mongo":
        app[BUS_RELAY] = BusRelay(app[DB], app[BUS])


def add_pipeline(app: web.Application, settings: Settings) -> Pipeline:
    """The bot client (it opens its HTTP session at first use) and the pipeline, complete before any request."""
    app[BOT] = BotClient(
        settings.rasa_url, settings.rasa_timeout_s, pause_s=settings.rasa_pause_s, concurrency=settings.bot_concurrency
    )
    app[PIPELINE] = Pipeline(app[DB], app[BOT], app[BUS], HandoverDesk(), concurrency=settings.pipeline_concurrency)
    return app[PIPELINE]


def add_channels(app: web.Application, settings: Settings, pipeline: Pipeline) -> None:
    """Every channel, with the pipeline's ``receive`` as its one way in; an unconfigured one answers 404."""
    context = HubContext(pipeline, settings)
    channels: list[Channel] = [
        WebchatChannel(
            pipeline.receive, context, settings.max_text_chars, settings.max_body_bytes,
            load_openers(settings.webchat_openers_file), session_gate=app[RATE_LIMITS].session_gate,
            welcome=load_welcome(settings.webchat_welcome_file), max_photo_bytes=settings.webchat_photo_max_bytes,
        ),
        TwilioChannel(pipeline.receive, context, settings),
        TelegramChannel(pipeline.receive, context, settings),
        MetaChannel(pipeline.receive, context, settings),
    ]
    email = EmailChannel(pipeline.receive, context, settings)
    channels += [email, WebformChannel(pipeline.receive, context, settings, send_mail=email.send)]
    app[CHANNELS] = {channel.name: channel for channel in channels}
    for channel in channels:
        for name in channel.names():
            if not channel.bot_answers:
                pipeline.register_desk_only(name)
            if channel.in_band:
                pipeline.register_in_band(name)
            else:
                pipeline.register_sender(name, channel.send)
        if channel.configured():
            app.router.add_routes(channel.routes())
        else:
            app.router.add_routes(unconfigured_routes(channel))
            log.warning(
                "channel not configured, its routes answer 404",
                extra={"channel": channel.name, "missing": channel.missing_settings()},
            )


def add_pages(app: web.Application) -> None:
    """Log-in, health and the resident's pages."""
    app.router.add_routes(auth.routes())
    app.router.add_routes(oidc.routes())  # the provider log-in builds on auth's sessions
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/", index)
    app.router.add_get("/chat", chat_page)
    app.router.add_get("/login", login_page)
    setup_theme(app)  # /static/nlds/: NL Design System CSS and the municipality's theme (hub/web/theme.py)
    app.router.add_static("/static", STATIC, append_version=True)


def add_domain_routes(app: web.Application, pipeline: Pipeline) -> None:
    """Knowledge, the agent desk, contacts and cases, statistics, privacy and staff accounts."""
    setup_knowledge(app)
    setup_handover(app, pipeline)
    setup_contact_records(app, pipeline)  # contacts, cases, callbacks, connectors (issue 6)
    setup_stats(app)  # statistics API, /dashboard, satisfaction question (issue 8)
    app.router.add_routes(data_access.routes())  # "who has looked at my data?" for the web chat (issue 9)
    app.router.add_routes(staff_api.routes())  # /api/v1/admin/staff (issue 9)
    setup_privacy(app)  # AVG/GDPR export, erasure and the scheduled retention job (issue 9)
    setup_journeys(app, pipeline)  # crisis mode and the partner directory (issue 17)


async def on_startup(app: web.Application) -> None:
    """What needs the running loop: the outgoing HTTP session, the indexes, demo accounts, the channels' listeners."""
    app[HTTP] = aiohttp.ClientSession()
    await ensure_indexes(app[DB])
    if BUS_RELAY in app:
        await app[BUS_RELAY].start()
    if app[SETTINGS].demo:
        await auth.ensure_demo_accounts(app[DB])
    for channel in app[CHANNELS].values():
        if channel.configured():
            await channel.start()


async def on_cleanup(app: web.Application) -> None:
    for channel in app[CHANNELS].values():
        await channel.drain()  # webhook work still running may queue replies
    await app[PIPELINE].drain()
    for channel in app[CHANNELS].values():
        await channel.stop()
    if BUS_RELAY in app:
        await app[BUS_RELAY].stop()  # after the last publish: what is waiting still goes out
    await app[BOT].close()
    await app[HTTP].close()
    app[DB].client.close()


async def readyz(request: web.Request) -> web.Response:
    return web.json_response({"status": "up"})


async def healthz(request: web.Request) -> web.Response:
    """200 with each component's state when all are ready, 503 otherwise."""
    app = request.app
    settings = app[SETTINGS]
    session = app[HTTP]
    started = time.perf_counter()

    async def actions_ok() -> bool:
        try:
            async with session.get(f"{settings.actions_url}/health", timeout=aiohttp.ClientTimeout(total=2)) as r:
                return r.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    knowledge = app.get(KNOWLEDGE)
    components = {
        "mongo": await ping(app[DB]),
        "rasa": await app[BOT].ready(),
        "actions": await actions_ok(),
        "search": bool(knowledge and knowledge.ready()),
    }
    if BUS_RELAY in app:  # live updates reach the other hubs
        components["bus"] = app[BUS_RELAY].ready()
    ok = all(components.values())
    body = {
        "status": "ok" if ok else "degraded",
        "components": {k: "up" if v else "down" for k, v in components.items()},
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return web.json_response(body, status=200 if ok else 503)


def _page(name: str) -> web.FileResponse:
    return web.FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})


async def index(request: web.Request) -> web.StreamResponse:
    return _page("index.html")


async def chat_page(request: web.Request) -> web.StreamResponse:
    return _page("chat.html")


async def login_page(request: web.Request) -> web.StreamResponse:
    return _page("login.html")
