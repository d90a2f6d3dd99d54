"""WhatsApp and SMS through Twilio: one webhook in, the Messages resource out.

``POST /webhooks/twilio`` takes Twilio's incoming-message webhook and its message status
callbacks. Every request is checked with the SDK's ``RequestValidator`` against
``KCC_PUBLIC_URL`` + path and ``KCC_TWILIO_AUTH_TOKEN`` (unsigned or wrong → 403, nothing
stored). A ``From`` of ``whatsapp:+31…`` makes a WhatsApp message, a bare number an SMS;
both get the identity key ``phone:+31…`` so they land on the same contact.

Out, replies go through the SDK's REST client (``messages.create_async``); buttons become
numbered options. WhatsApp only allows free text within 24 hours of the resident's last
message: later replies go out as the approved template ``KCC_WHATSAPP_TEMPLATE_SID``
with the reply as its variable ``{{1}}``, or, for a message that names its own approved
template in ``metadata["template"]`` (a case notice), that one with its variables.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from multidict import MultiDict
from pydantic import BaseModel, Field, ValidationError
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.rest import Client

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
)
from channels.delivery import DeliveryError, DeliveryStatus, retryable_status, with_retry
from hub.core.http import error_fields, json_error
from hub.core.identifiers import phone_key, provider_phone
from hub.core.models import Attachment, InboundMessage, Location, OutboundMessage
from hub.core.settings import Settings

log = logging.getLogger(__name__)
logging.getLogger("twilio").setLevel(logging.WARNING)  # the SDK logs every request at INFO

PATH = "/webhooks/twilio"
STATUS_LOOKUPS = 10
MAX_BODY_CHARS = 1600  # Twilio's limit for one SMS or WhatsApp body
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
SID_PATTERN = r"^[A-Z]{2}[0-9a-fA-F]{32}$"
# Twilio's MessageStatus values → the hub's delivery status
STATUS_MAP: dict[str, DeliveryStatus] = {
    "accepted": "sent", "scheduled": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
    "delivered": "delivered", "read": "read", "undelivered": "failed", "failed": "failed", "canceled": "failed",
}


class TwilioInbound(BaseModel):
    """Twilio's incoming-message webhook parameters (the ones the hub uses)."""

    MessageSid: str = Field(pattern=SID_PATTERN)
    From: str = Field(min_length=3, max_length=64)
    To: str = ""
    Body: str = ""
    NumMedia: int = Field(0, ge=0, le=10)
    Latitude: float | None = Field(None, ge=-90, le=90)
    Longitude: float | None = Field(None, ge=-180, le=180)
    Address: str | None = None
    Label: str | None = None
    ProfileName: str | None = None
    ButtonPayload: str | None = Field(None, max_length=512)


class TwilioStatus(BaseModel):
    """A message status callback."""

    MessageSid: str = Field(pattern=SID_PATTERN)
    MessageStatus: str
    ErrorCode: str | None = None


class TwilioChannel(Channel):
    name = "twilio"
    channel_names = ("whatsapp", "sms")

    def __init__(self, hand_in: HandIn, ctx: ChannelContext, settings: Settings):
        super().__init__(hand_in, ctx)
        self.settings = settings
        self.client: Client | None = None
        self._http: AsyncTwilioHttpClient | None = None

    def missing_settings(self) -> list[str]:
        return [name for name in ("twilio_auth_token", "twilio_account_sid") if not getattr(self.settings, name)]

    def routes(self) -> list[web.RouteDef]:
        return [web.post(PATH, self.webhook)]

    async def start(self) -> None:
        self._http = AsyncTwilioHttpClient(timeout=self.settings.delivery_timeout_s)
        self.client = Client(self.settings.twilio_account_sid, self.settings.twilio_auth_token, http_client=self._http)
        self.client.api.base_url = self.settings.twilio_api_base.rstrip("/")

    async def stop(self) -> None:
        await super().stop()
        if self._http:
            await self._http.close()

    # ------------------------------------------------------------------ inbound
    async def webhook(self, request: web.Request) -> web.StreamResponse:
        raw = await read_body(request, PROVIDER_MAX_BYTES)
        if isinstance(raw, web.Response):
            return raw
        form = request.content_type == "application/x-www-form-urlencoded"
        params: MultiDict[str] = MultiDict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True) if form else [])
        if not self._signed(request, params):
            log.warning("twilio webhook with a missing or wrong signature", extra={"path": request.path})
            return json_error(403, "invalid_signature", "De handtekening van dit verzoek klopt niet.")
        if not form:
            return json_error(415, "unsupported_media_type", "Verwacht application/x-www-form-urlencoded.")
        if "MessageStatus" in params and "Body" not in params and "NumMedia" not in params:
            return await self._status_callback(params)
        parsed = await self.parse(params)
        if isinstance(parsed, web.Response):
            return parsed
        if not await self.hand_over([parsed], self.settings.webhook_answer_s):
            return not_stored(self.settings.storage_retry_after_s)
        return web.Response(text=EMPTY_TWIML, content_type="text/xml")

    def _signed(self, request: web.Request, params: MultiDict[str]) -> bool:
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return False
        url = self.settings.public_url.rstrip("/") + request.path_qs
        algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
        try:
            return RequestValidator(self.settings.twilio_auth_token or "").validate(url, params, signature, algorithm)
        except ValueError:  # an algorithm the SDK does not know
            return False

    async def parse(self, params: MultiDict[str]) -> InboundMessage | web.Response:
        try:
            body = TwilioInbound.model_validate(dict(params))
        except ValidationError as exc:
            fields = error_fields(exc)
            return json_error(400, "invalid_fields", "Een of meer velden kloppen niet.", fields=fields)
        channel = "whatsapp" if body.From.startswith("whatsapp:") else "sms"
        phone = provider_phone(body.From)
        if phone is None:
            return json_error(400, "invalid_from", "Het nummer van de afzender klopt niet.")
        attachments = []
        for i in range(body.NumMedia):
            url = params.get(f"MediaUrl{i}")
            if not url:
                return json_error(400, "invalid_media", f"MediaUrl{i} ontbreekt.", fields=[f"MediaUrl{i}"])
            attachments.append(Attachment(url=url, content_type=params.get(f"MediaContentType{i}")))
        location = None
        if body.Latitude is not None and body.Longitude is not None:
            location = Location(latitude=body.Latitude, longitude=body.Longitude, label=body.Label or body.Address)
        text = body.Body.strip()
        if not text and not attachments and not location and not body.ButtonPayload:
            return json_error(400, "empty_message", "Het bericht is leeg.")
        metadata: dict[str, Any] = {"identity_keys": [k for k in [phone_key(phone)] if k], "to": body.To}
        if body.ProfileName:
            metadata["profile_name"] = body.ProfileName
        msg = InboundMessage(
            channel=channel,
            address=phone,
            channel_message_id=body.MessageSid,
            text=text,
            payload=body.ButtonPayload,
            attachments=attachments,
            location=location,
            metadata=metadata,
        )
        return await buttons.resolve_choice(self.ctx, msg)

    async def _status_callback(self, params: MultiDict[str]) -> web.Response:
        try:
            report = TwilioStatus.model_validate(dict(params))
        except ValidationError:
            return json_error(400, "invalid_fields", "Een of meer velden kloppen niet.")
        status = STATUS_MAP.get(report.MessageStatus)
        if status is not None:
            error = f"twilio error {report.ErrorCode}" if report.ErrorCode else None
            for _ in range(STATUS_LOOKUPS):  # a report can overtake the storing of the message's Twilio id
                if await self.ctx.delivery_status(report.MessageSid, status, error):
                    break
                await asyncio.sleep(0.2)
            else:
                log.info("status report for an unknown message", extra={"status": report.MessageStatus})
        return web.Response(status=204)

    # ------------------------------------------------------------------ outbound
    async def send(self, out: OutboundMessage) -> str | None:
        if self.client is None:
            raise DeliveryError("twilio client not started", retryable=False)
        sender = self.settings.twilio_whatsapp_from if out.channel == "whatsapp" else self.settings.twilio_sms_from
        if not sender:
            raise DeliveryError(f"no sender number configured for {out.channel}", retryable=False)
        prefix = "whatsapp:" if out.channel == "whatsapp" else ""
        args: dict[str, Any] = {
            "to": prefix + out.address,
            "from_": prefix + sender.removeprefix("whatsapp:"),
            "status_callback": self.settings.public_url.rstrip("/") + PATH,
        }
        text = buttons.numbered_text(out.text, out.buttons)
        if out.channel == "whatsapp" and not await in_window(self.ctx, out.conversation_id, self.settings.whatsapp_window_h):
            own = out.metadata.get("template") or {}  # a notice's own approved template and its variables
            if own.get("content_sid"):
                requests = [{"content_sid": own["content_sid"], "content_variables": json.dumps(own.get("variables") or {})}]
            elif not self.settings.whatsapp_template_sid:
                raise DeliveryError(
                    "outside WhatsApp's 24-hour window and no template configured (KCC_WHATSAPP_TEMPLATE_SID)",
                    retryable=False,
                )
            else:
                variables = json.dumps({"1": " ".join(text.split())[:1000]})
                requests = [{"content_sid": self.settings.whatsapp_template_sid, "content_variables": variables}]
        else:
            requests = [{"body": piece} for piece in split_text(text, MAX_BODY_CHARS)]
        media = [a.url for a in out.attachments if a.url]
        if media:
            requests[-1]["media_url"] = media
        sid = None
        for extra in requests:
            sid = await with_retry(lambda extra=extra: self._create({**args, **extra}))
        return sid

    async def _create(self, args: dict[str, Any]) -> str:
        """One Messages resource create, its errors turned into retryable or final delivery errors."""
        assert self.client is not None
        try:
            message = await self.client.messages.create_async(**args)
        except TwilioRestException as exc:
            raise DeliveryError(
                f"twilio answered {exc.status} (code {exc.code})", retryable=retryable_status(exc.status), status=exc.status
            ) from exc
        except aiohttp.ClientError as exc:
            raise DeliveryError(f"twilio unreachable: {type(exc).__name__}", retryable=True) from exc
        return str(message.sid)
