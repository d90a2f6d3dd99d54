"""Web chat: the JSON API behind the embeddable widget, plus a WebSocket for live replies.

Contract (other issues and outside checks rely on it exactly):
``POST /api/v1/webchat/messages`` ``{"session_id", "text", "payload"?}`` ->
``{"conversation_id", "replies": [{"text", "buttons"}], "meta": {...}}``.
Any well-formed ``session_id`` starts a session on first use; conversation ids are
unguessable random tokens that act as the capability to read a conversation.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from aiohttp import BodyPartReader, ClientPayloadError, WSMsgType, web
from pydantic import BaseModel, Field, ValidationError

from channels.base import Channel, ChannelContext, HandIn
from channels.capabilities import PHOTO_TYPES, sniff_image
from hub.core.http import error_fields, json_error
from hub.core.models import Attachment, InboundMessage, Location, OutboundMessage, State

log = logging.getLogger(__name__)

SESSION_PATTERN = r"^[A-Za-z0-9._:\-]+$"
PRESENT_EVERY_S = 60.0  # an open chat page tells the hub it is still there (see handover.abandon)


class SharedLocation(BaseModel):
    """A place the resident shared ("Deel mijn locatie": the browser's geolocation)."""

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class WebchatRequest(BaseModel):
    session_id: str = Field(min_length=1, max_length=128, pattern=SESSION_PATTERN)
    text: str = ""
    location: SharedLocation | None = None
    payload: str | None = Field(None, max_length=512)
    message_id: str | None = Field(None, max_length=128, description="client id; a resend is not stored twice")
    page_url: str | None = Field(None, max_length=2048)
    identity_token: str | None = Field(None, max_length=8192)


class WebchatPhoto(BaseModel):
    """The form fields of a photo upload (multipart, beside the ``file`` part)."""

    session_id: str = Field(min_length=1, max_length=128, pattern=SESSION_PATTERN)
    message_id: str | None = Field(None, max_length=128)
    page_url: str | None = Field(None, max_length=2048)


PHOTO_FIELD_BYTES = 4096  # a form field beside the file (session id, page URL)
SAFE_NAME = re.compile(r"[^A-Za-z0-9._\- ]+")


class Opener(BaseModel):
    pattern: str
    slug: str
    text: str

    def matches(self, url: str) -> bool:
        return re.search(self.pattern, url, re.IGNORECASE) is not None


class Suggestion(BaseModel):
    title: str = Field(min_length=1, max_length=60)
    text: str = Field(min_length=1, max_length=300)


class Welcome(BaseModel):
    """The chat's first words: a welcome line and the suggestions to tap (``webchat_welcome.yaml``)."""

    welcome: str | None = None
    suggestions: list[Suggestion] = Field(default_factory=list, max_length=6)


def load_welcome(path: Path | None) -> Welcome:
    if path is None or not path.exists():
        return Welcome()
    return Welcome.model_validate(yaml.safe_load(path.read_text()) or {})


def load_openers(path: Path | None) -> list[Opener]:
    if path is None or not path.exists():
        return []
    return [Opener.model_validate(item) for item in yaml.safe_load(path.read_text()) or []]


class WebchatChannel(Channel):
    name = "webchat"
    in_band = True  # the widget reads its replies from the store (HTTP answer, WebSocket, polling)

    def __init__(
        self,
        hand_in: HandIn,
        ctx: ChannelContext,
        max_text_chars: int,
        max_body_bytes: int,
        openers: list[Opener] | None = None,
        session_gate: Callable[[str], web.Response | None] | None = None,
        welcome: Welcome | None = None,
        max_photo_bytes: int = 5 * 1024 * 1024,
    ):
        super().__init__(hand_in, ctx)
        self.max_photo_bytes = max_photo_bytes
        self.max_text_chars = max_text_chars
        self.max_body_bytes = max_body_bytes
        self.openers = openers or []
        self.welcome = welcome or Welcome()
        # the hub's per-session rate limit: None lets a message through, else the answer (a 429)
        self.session_gate = session_gate or (lambda session_id: None)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/api/v1/webchat/messages", self.post_message),
            web.post("/api/v1/webchat/photos", self.post_photo),
            web.get("/api/v1/webchat/conversations/{id}/messages", self.get_messages),
            web.get("/api/v1/webchat/conversations/{id}/ws", self.websocket),
            web.post("/api/v1/webchat/conversations/{id}/end", self.end),
            web.get("/api/v1/webchat/opener", self.opener),
        ]

    async def send(self, out: OutboundMessage) -> None:
        """Nothing to push to a provider: the stored reply reaches the widget live or by polling."""

    # ------------------------------------------------------------------ parsing
    async def parse(self, request: web.Request) -> InboundMessage | web.Response:
        if request.content_type != "application/json":
            return json_error(415, "unsupported_media_type", "Stuur de gegevens als application/json.")
        if request.content_length is not None and request.content_length > self.max_body_bytes:
            return json_error(413, "body_too_large", "Het bericht is te groot.")
        raw = await request.content.read(self.max_body_bytes + 1)
        if len(raw) > self.max_body_bytes:
            return json_error(413, "body_too_large", "Het bericht is te groot.")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return json_error(400, "invalid_json", "De gegevens zijn geen geldige JSON.")
        if not isinstance(data, dict):
            return json_error(400, "invalid_json", "Verwacht een JSON-object.")
        try:
            body = WebchatRequest.model_validate(data)
        except ValidationError as exc:
            fields = error_fields(exc)
            return json_error(422, "invalid_fields", "Een of meer velden kloppen niet.", fields=fields)
        text = body.text.strip()
        if not text and not body.payload and body.location is None:
            return json_error(400, "empty_text", "Het bericht is leeg. Typ eerst uw vraag.")
        if len(text) > self.max_text_chars:
            return json_error(
                413, "text_too_long", f"Uw bericht is te lang. Gebruik maximaal {self.max_text_chars} tekens."
            )
        metadata: dict[str, Any] = {}
        if body.page_url:
            metadata["page_url"] = body.page_url
        if body.identity_token:
            metadata["identity_token"] = body.identity_token
        return InboundMessage(
            channel=self.name,
            address=body.session_id,
            channel_message_id=f"{body.session_id}:{body.message_id}" if body.message_id else None,
            text=text,
            payload=body.payload,
            location=Location(latitude=body.location.latitude, longitude=body.location.longitude) if body.location else None,
            metadata=metadata,
        )

    async def parse_photo(self, request: web.Request) -> InboundMessage | web.Response:
        """A photo from the widget ("Foto toevoegen"): an image (jpeg, png, heic, webp) of at most
        ``max_photo_bytes``, checked on its bytes, kept with ``store_attachment`` as the message's attachment.
        Nothing is stored for a refused upload.
        """
        if not request.content_type.startswith("multipart/"):
            return json_error(415, "multipart_expected", "Stuur de foto als multipart/form-data (veld 'file').")
        too_large = json_error(
            413, "file_too_large", f"De foto is te groot. Een foto mag hoogstens {self.max_photo_bytes // (1024 * 1024)} MB zijn."
        )
        if request.content_length is not None and request.content_length > self.max_photo_bytes + 4 * PHOTO_FIELD_BYTES:
            return too_large
        fields: dict[str, str] = {}
        data, filename, declared = b"", "foto", ""
        try:
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    return json_error(400, "invalid_multipart", "Stuur de foto als één bestand (veld 'file').")
                if part.name == "file":
                    chunks = bytearray()
                    while chunk := await part.read_chunk(64 * 1024):
                        chunks.extend(chunk)
                        if len(chunks) > self.max_photo_bytes:
                            return too_large
                    data, filename = bytes(chunks), part.filename or "foto"
                    declared = part.headers.get("Content-Type", "").split(";")[0].strip().lower()
                elif part.name:
                    raw = await part.read_chunk(PHOTO_FIELD_BYTES + 1)
                    if len(raw) > PHOTO_FIELD_BYTES:
                        return json_error(413, "body_too_large", "Het bericht is te groot.")
                    fields[part.name] = raw.decode("utf-8", "replace")
        except (ValueError, AssertionError, UnicodeError, ClientPayloadError):  # a broken multipart body
            return json_error(400, "invalid_multipart", "De foto kon niet worden gelezen. Probeer het opnieuw.")
        try:
            body = WebchatPhoto.model_validate(fields)
        except ValidationError as exc:
            return json_error(422, "invalid_fields", "Een of meer velden kloppen niet.", fields=error_fields(exc))
        if not data:
            return json_error(400, "no_file", "Er zit geen foto in het bericht (veld 'file').")
        sniffed = sniff_image(data)
        if sniffed is None or (declared and declared not in PHOTO_TYPES and declared != "application/octet-stream"):
            return json_error(415, "file_type", "Dit bestand is geen foto. Stuur een foto als jpg, png, heic of webp.")
        refused = self.session_gate(body.session_id)  # before storing, like a text message
        if refused is not None:
            return refused
        name = SAFE_NAME.sub("_", filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .")[:120] or "foto"
        stored_id = await self.ctx.store_attachment(data, sniffed, name)
        return InboundMessage(
            channel=self.name,
            address=body.session_id,
            channel_message_id=f"{body.session_id}:{body.message_id}" if body.message_id else None,
            attachments=[Attachment(stored_id=stored_id, content_type=sniffed, filename=name, size=len(data))],
            metadata={"page_url": body.page_url} if body.page_url else {},
        )

    # ------------------------------------------------------------------ handlers
    async def post_photo(self, request: web.Request) -> web.Response:
        """``POST /api/v1/webchat/photos`` (multipart: ``session_id``, ``file``, ``message_id``?, ``page_url``?):
        answered like a message."""
        parsed = await self.parse_photo(request)
        if isinstance(parsed, web.Response):
            return parsed
        return await self.answer(parsed, gated=True)

    async def post_message(self, request: web.Request) -> web.Response:
        parsed = await self.parse(request)
        if isinstance(parsed, web.Response):
            return parsed
        return await self.answer(parsed)

    async def answer(self, parsed: InboundMessage, gated: bool = False) -> web.Response:
        """Hand the message in and answer with the bot's replies (the session's rate limit first)."""
        refused = None if gated else self.session_gate(parsed.address)  # before storing: a 429 is retryable, nothing lost
        if refused is not None:
            return refused
        result = await self.hand_in(parsed)
        if result.meta.state is State.QUEUED:  # only a queued chat can be abandoned (handover/abandon.py)
            await self.ctx.resident_present(result.conversation_id)
        return web.json_response(
            {
                "conversation_id": result.conversation_id,
                "replies": [r.model_dump() for r in result.replies],
                "meta": result.meta.model_dump(mode="json"),
            },
            headers=server_timing(result.timings),
        )

    async def opener(self, request: web.Request) -> web.Response:
        """The chat's first words for the page the widget is on (``?page_url=``).

        ``welcome`` and ``suggestions`` always (``webchat_welcome.yaml``); ``text``, ``buttons`` and
        ``article`` only when an opener matches the page (its question replaces the suggestions).
        """
        url = request.query.get("page_url", "")[:2048]
        first = {"welcome": self.welcome.welcome, "suggestions": [s.model_dump() for s in self.welcome.suggestions]}
        for opener in self.openers:
            if opener.matches(url):
                return web.json_response(
                    {
                        **first,
                        "text": opener.text,
                        "buttons": [
                            {"title": "Ja, graag", "payload": f"/{opener.slug}"},
                            {"title": "Nee, iets anders", "payload": "/greet"},
                        ],
                        "article": opener.slug,
                    }
                )
        return web.json_response({**first, "text": None, "buttons": [], "article": None})

    async def get_messages(self, request: web.Request) -> web.Response:
        conv_id = request.match_info["id"]
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            return json_error(400, "invalid_after", "'after' moet een volgnummer zijn.")
        messages = await self.ctx.messages_after(conv_id, after)
        if messages is None:
            return json_error(404, "unknown_conversation", "Dit gesprek bestaat niet.")
        state = await self.ctx.conversation_state(conv_id)
        await self.ctx.resident_present(conv_id)
        place = await self.ctx.queue_place(conv_id) if state is State.QUEUED else None
        return web.json_response(
            {"conversation_id": conv_id, "state": state.value if state else None, "messages": messages, "queue": place}
        )

    async def end(self, request: web.Request) -> web.Response:
        """The resident ends the chat ("Gesprek beëindigen"): waiting in the queue counts as abandoned."""
        conv_id = request.match_info["id"]
        outcome = await self.ctx.resident_left(conv_id)
        if outcome is None:
            if await self.ctx.conversation_state(conv_id) is None:
                return json_error(404, "unknown_conversation", "Dit gesprek bestaat niet.")
            return json_error(409, "already_closed", "Dit gesprek is al afgesloten.")
        return web.json_response({"conversation_id": conv_id, "result": outcome})

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        conv_id = request.match_info["id"]
        if await self.ctx.conversation_state(conv_id) is None:
            return json_error(404, "unknown_conversation", "Dit gesprek bestaat niet.")
        ws = web.WebSocketResponse(heartbeat=25)
        await ws.prepare(request)
        async with self.ctx.subscribe(conv_id) as queue:
            reader = asyncio.ensure_future(ws.receive())
            while not ws.closed:
                await self.ctx.resident_present(conv_id)  # an open page: the resident has not left
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({reader, getter}, timeout=PRESENT_EVERY_S, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    await ws.send_json(getter.result())
                else:
                    getter.cancel()
                if reader in done:
                    msg = reader.result()
                    if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
                        break
                    reader = asyncio.ensure_future(ws.receive())
            reader.cancel()
        return ws


def server_timing(timings: dict[str, float]) -> dict[str, str]:
    """``Server-Timing: hub;dur=41.2, bot;dur=30.5``: the hub's time for the message and the bot's share."""
    if not timings:
        return {}
    return {"Server-Timing": ", ".join(f"{name};dur={ms}" for name, ms in timings.items())}
