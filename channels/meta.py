"""Facebook Messenger and Instagram through Meta's webhooks and the Graph Send API.

``GET /webhooks/meta`` answers Meta's verification handshake (``hub.mode=subscribe``,
``hub.verify_token`` == ``KCC_META_VERIFY_TOKEN`` → ``hub.challenge``). ``POST
/webhooks/meta`` checks ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with
``KCC_META_APP_SECRET``; wrong or missing → 403, nothing stored), validates the whole
batch before storing any of it, and answers ``EVENT_RECEIVED``. ``object: page`` makes
Messenger messages, ``object: instagram`` Instagram messages. Text, images (and other
attachments by URL), Messenger locations, quick replies and postbacks come in; echoes,
delivery and read receipts are ignored. Replies go out through
``POST {KCC_META_GRAPH_BASE}/me/messages`` with the page token; buttons become quick
replies. An agent's reply more than 24 hours after the resident's last message carries
the ``HUMAN_AGENT`` tag (Meta allows it for 7 days).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any, Literal

import aiohttp
from aiohttp import web
from pydantic import BaseModel, ValidationError

from channels import buttons
from channels.base import (
    PROVIDER_MAX_BYTES,
    Channel,
    ChannelContext,
    HandIn,
    in_window,
    not_stored,
    read_body,
    split_text,
    wrong_content_type,
)
from channels.delivery import DeliveryError, retryable_status, with_retry
from hub.core.http import error_fields, json_error
from hub.core.models import Attachment, InboundMessage, Location, OutboundMessage
from hub.core.settings import Settings

log = logging.getLogger(__name__)

PATH = "/webhooks/meta"
CHANNEL_BY_OBJECT = {"page": "messenger", "instagram": "instagram"}
MAX_TEXT = {"messenger": 2000, "instagram": 1000}
MAX_QUICK_REPLIES = 13
QUICK_REPLY_TITLE = 20
# Graph API error codes that are worth another try: unknown/service trouble and rate limits
TRANSIENT_CODES = {1, 2, 4, 17, 32, 341, 613}


class MetaUser(BaseModel):
    id: str


class MetaCoordinates(BaseModel):
    lat: float
    long: float


class MetaAttachmentPayload(BaseModel):
    url: str | None = None
    title: str | None = None
    coordinates: MetaCoordinates | None = None


class MetaAttachment(BaseModel):
    type: str
    payload: MetaAttachmentPayload | None = None


class MetaQuickReply(BaseModel):
    payload: str


class MetaMessage(BaseModel):
    mid: str
    text: str | None = None
    quick_reply: MetaQuickReply | None = None
    attachments: list[MetaAttachment] = []
    is_echo: bool = False


class MetaPostback(BaseModel):
    mid: str | None = None
    title: str | None = None
    payload: str


class MetaEvent(BaseModel):
    sender: MetaUser
    recipient: MetaUser
    timestamp: int
    message: MetaMessage | None = None
    postback: MetaPostback | None = None


class MetaEntry(BaseModel):
    id: str
    time: int
    messaging: list[MetaEvent] = []


class MetaWebhook(BaseModel):
    object: Literal["page", "instagram"]
    entry: list[MetaEntry]


class MetaChannel(Channel):
    name = "meta"
    channel_names = ("messenger", "instagram")

    def __init__(self, hand_in: HandIn, ctx: ChannelContext, settings: Settings):
        super().__init__(hand_in, ctx)
        self.settings = settings
        self.http: aiohttp.ClientSession | None = None

    def missing_settings(self) -> list[str]:
        names = ("meta_verify_token", "meta_app_secret", "meta_page_token")
        return [name for name in names if not getattr(self.settings, name)]

    def routes(self) -> list[web.RouteDef]:
        return [web.get(PATH, self.verify), web.post(PATH, self.webhook)]

    async def start(self) -> None:
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.delivery_timeout_s))

    async def stop(self) -> None:
        await super().stop()
        if self.http:
            await self.http.close()

    # ------------------------------------------------------------------ inbound
    async def verify(self, request: web.Request) -> web.Response:
        """Meta's subscription handshake: echo ``hub.challenge`` when the verify token matches."""
        q = request.query
        token = q.get("hub.verify_token", "")
        expected = self.settings.meta_verify_token or ""
        if q.get("hub.mode") != "subscribe" or not hmac.compare_digest(token.encode(), expected.encode()):
            return json_error(403, "invalid_verify_token", "De verificatiesleutel klopt niet.")
        return web.Response(text=q.get("hub.challenge", ""))

    async def webhook(self, request: web.Request) -> web.Response:
        raw = await read_body(request, PROVIDER_MAX_BYTES)
        if isinstance(raw, web.Response):
            return raw
        if not self._signed(raw, request.headers.get("X-Hub-Signature-256", "")):
            log.warning("meta webhook with a missing or wrong signature")
            return json_error(403, "invalid_signature", "De handtekening van dit verzoek klopt niet.")
        if (refused := wrong_content_type(request)) is not None:
            return refused
        try:
            body = MetaWebhook.model_validate(json.loads(raw))
        except (ValueError, UnicodeDecodeError) as exc:
            if isinstance(exc, ValidationError):
                fields = error_fields(exc)
                return json_error(400, "invalid_fields", "Een of meer velden kloppen niet.", fields=fields)
            return json_error(400, "invalid_json", "De gegevens zijn geen geldige JSON.")
        channel = CHANNEL_BY_OBJECT[body.object]
        msgs = [m for entry in body.entry for event in entry.messaging if (m := self._message(channel, event))]
        if not await self.hand_over(msgs, self.settings.webhook_answer_s):
            return not_stored(self.settings.storage_retry_after_s)
        return web.Response(text="EVENT_RECEIVED")

    def _signed(self, raw: bytes, header: str) -> bool:
        if not header.startswith("sha256="):
            return False
        expected = hmac.new((self.settings.meta_app_secret or "").encode(), raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest(header.removeprefix("sha256="), expected)

    def _message(self, channel: str, event: MetaEvent) -> InboundMessage | None:
        """One messaging event as an inbound message; None for echoes and receipts."""
        sender = event.sender.id
        if event.postback:
            return InboundMessage(
                channel=channel,
                address=sender,
                channel_message_id=event.postback.mid or f"postback:{sender}:{event.timestamp}",
                text=event.postback.title or event.postback.payload,
                payload=event.postback.payload,
            )
        message = event.message
        if message is None or message.is_echo:
            return None
        attachments: list[Attachment] = []
        location = None
        for item in message.attachments:
            payload = item.payload or MetaAttachmentPayload()
            if item.type == "location" and payload.coordinates:
                c = payload.coordinates
                location = Location(latitude=c.lat, longitude=c.long, label=payload.title)
            elif payload.url:
                attachments.append(Attachment(url=payload.url, content_type=f"{item.type}/*"))
        text = (message.text or "").strip()
        if not text and not attachments and not location:
            return None
        return InboundMessage(
            channel=channel,
            address=sender,
            channel_message_id=message.mid,
            text=text,
            payload=message.quick_reply.payload if message.quick_reply else None,
            attachments=attachments,
            location=location,
        )

    # ------------------------------------------------------------------ outbound
    async def send(self, out: OutboundMessage) -> str | None:
        if self.http is None:
            raise DeliveryError("meta client not started", retryable=False)
        envelope: dict[str, Any] = {"recipient": {"id": out.address}, "messaging_type": "RESPONSE"}
        if out.author == "agent" and not await in_window(self.ctx, out.conversation_id, 24):
            envelope = {**envelope, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        pieces = split_text(out.text, MAX_TEXT.get(out.channel, 1000))
        message_id = None
        for i, piece in enumerate(pieces):
            message: dict[str, Any] = {"text": piece}
            if i == len(pieces) - 1 and out.buttons:
                message["quick_replies"] = [
                    {"content_type": "text", "title": buttons.short_title(b.title, QUICK_REPLY_TITLE), "payload": b.payload}
                    for b in out.buttons[:MAX_QUICK_REPLIES]
                ]
            body = {**envelope, "message": message}
            message_id = await with_retry(lambda body=body: self._post(body))
        return message_id

    async def _post(self, body: dict[str, Any]) -> str:
        assert self.http is not None
        url = self.settings.meta_graph_base.rstrip("/") + "/me/messages"
        try:
            async with self.http.post(url, params={"access_token": self.settings.meta_page_token or ""}, json=body) as resp:
                try:
                    answer = await resp.json(content_type=None)
                except ValueError:
                    answer = {}
                if resp.status == 200 and isinstance(answer, dict) and answer.get("message_id"):
                    return str(answer["message_id"])
                error = answer.get("error", {}) if isinstance(answer, dict) else {}
                retryable = (
                    retryable_status(resp.status) or error.get("code") in TRANSIENT_CODES or bool(error.get("is_transient"))
                )
                retry_after = resp.headers.get("Retry-After")
                raise DeliveryError(
                    f"meta answered {resp.status} (code {error.get('code')}): {str(error.get('message', ''))[:120]}",
                    retryable=retryable,
                    status=resp.status,
                    retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
                )
        except aiohttp.ClientError as exc:
            raise DeliveryError(f"meta unreachable: {type(exc).__name__}", retryable=True) from exc
