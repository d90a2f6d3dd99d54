"""Telegram through python-telegram-bot: webhook in, Bot API out.

``POST /webhooks/telegram`` checks ``X-Telegram-Bot-Api-Secret-Token`` against
``KCC_TELEGRAM_SECRET_TOKEN`` (the ``secret_token`` given to ``setWebhook``; wrong or
missing → 403, nothing stored) and parses the update with the library's own
``Update.de_json``. Private chats only: text, photos and files (kept as Telegram file
references), locations and venues, and presses of our inline buttons. Replies go out
with ``Bot.send_message``; buttons become an inline keyboard.
"""

from __future__ import annotations

import hmac
import json
import logging
from datetime import timedelta
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from channels import buttons
from channels.base import (
    PROVIDER_MAX_BYTES,
    Channel,
    ChannelContext,
    HandIn,
    not_stored,
    read_body,
    split_text,
    wrong_content_type,
)
from channels.delivery import DeliveryError, with_retry
from hub.core.http import error_fields, json_error
from hub.core.models import Attachment, Button, InboundMessage, Location, OutboundMessage
from hub.core.settings import Settings

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # httpx logs request URLs, which hold the bot token

PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64


class InvalidUpdate(ValueError):
    """JSON that is no Telegram update the library can read (the webhook answers 400)."""


class _Shape(BaseModel):
    """The types of the fields the hub reads (``Update.de_json`` takes whatever it is given)."""

    model_config = ConfigDict(strict=True, extra="allow")


class _Chat(_Shape):
    id: int
    type: str


class _User(_Shape):
    username: str | None = None


class _File(_Shape):
    file_id: str
    file_size: int | None = None
    file_name: str | None = None
    mime_type: str | None = None


class _Point(_Shape):
    latitude: float
    longitude: float


class _Venue(_Shape):
    location: _Point
    title: str


class _InlineButton(_Shape):
    text: str
    callback_data: str | None = None


class _Markup(_Shape):
    inline_keyboard: list[list[_InlineButton]] = []


class _Message(_Shape):
    chat: _Chat
    from_user: _User | None = Field(None, alias="from")
    text: str | None = None
    caption: str | None = None
    photo: list[_File] = []
    document: _File | None = None
    video: _File | None = None
    voice: _File | None = None
    audio: _File | None = None
    location: _Point | None = None
    venue: _Venue | None = None
    reply_markup: _Markup | None = None


class _CallbackQuery(_Shape):
    id: str
    data: str | None = None
    message: _Message | None = None


class _UpdateShape(_Shape):
    update_id: int
    message: _Message | None = None
    callback_query: _CallbackQuery | None = None


def read_update(data: Any, bot: Bot | None) -> Update:
    """The update as python-telegram-bot reads it; raises ``InvalidUpdate`` for anything else."""
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise InvalidUpdate("Dit is geen Telegram-update (update_id ontbreekt).")
    try:
        _UpdateShape.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(error_fields(exc)[:5])
        raise InvalidUpdate(f"Deze Telegram-update klopt niet ({fields}).") from exc
    try:
        return Update.de_json(data, bot)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as exc:  # dates out of range too
        raise InvalidUpdate("Deze Telegram-update kan niet worden gelezen.") from exc


class TelegramChannel(Channel):
    name = "telegram"

    def __init__(self, hand_in: HandIn, ctx: ChannelContext, settings: Settings):
        super().__init__(hand_in, ctx)
        self.settings = settings
        self.bot: Bot | None = None

    def missing_settings(self) -> list[str]:
        return [name for name in ("telegram_bot_token", "telegram_secret_token") if not getattr(self.settings, name)]

    def routes(self) -> list[web.RouteDef]:
        return [web.post(PATH, self.webhook)]

    async def start(self) -> None:
        base = self.settings.telegram_api_base.rstrip("/")
        timeout = self.settings.delivery_timeout_s
        self.bot = Bot(
            self.settings.telegram_bot_token or "",
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=HTTPXRequest(connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout),
        )

    async def stop(self) -> None:
        await super().stop()
        if self.bot:
            await self.bot.shutdown()

    # ------------------------------------------------------------------ inbound
    async def webhook(self, request: web.Request) -> web.Response:
        secret = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(secret.encode(), (self.settings.telegram_secret_token or "").encode()):
            log.warning("telegram webhook with a missing or wrong secret token")
            return json_error(403, "invalid_secret", "De geheime sleutel van dit verzoek klopt niet.")
        if (refused := wrong_content_type(request)) is not None:
            return refused
        raw = await read_body(request, PROVIDER_MAX_BYTES)
        if isinstance(raw, web.Response):
            return raw
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return json_error(400, "invalid_json", "De gegevens zijn geen geldige JSON.")
        try:
            update = read_update(data, self.bot)
        except InvalidUpdate as exc:
            return json_error(400, "invalid_update", str(exc))
        msg = await self.parse(update)
        if msg is None:
            log.info("telegram update ignored", extra={"kinds": sorted(k for k in data if k != "update_id")})
            return web.json_response({"ok": True, "ignored": True})
        if not await self.hand_over([msg], self.settings.webhook_answer_s):
            return not_stored(self.settings.storage_retry_after_s)
        if update.callback_query:
            self.spawn(self._acknowledge(update.callback_query.id))
        return web.json_response({"ok": True})

    async def parse(self, update: Update) -> InboundMessage | None:
        """The update as an inbound message; None for updates the hub does not handle."""
        if update.callback_query:
            query = update.callback_query
            if not query.data or not query.message or query.message.chat.type != "private":
                return None
            address = str(query.message.chat.id)
            payload: str | None = query.data
            if query.data.isdigit():  # a long payload was sent as its position
                offered = await self.ctx.offered_buttons(self.name, address)
                payload = buttons.choose(query.data, offered)
            title = _button_title(query.message, query.data) if isinstance(query.message, Message) else None
            return InboundMessage(
                channel=self.name,
                address=address,
                channel_message_id=str(update.update_id),
                text=title or query.data,
                payload=payload,
            )
        message = update.message
        if message is None or message.chat.type != "private":
            return None
        attachments = _attachments(message)
        location = None
        if message.venue:
            location = Location(
                latitude=message.venue.location.latitude,
                longitude=message.venue.location.longitude,
                label=message.venue.title,
            )
        elif message.location:
            location = Location(latitude=message.location.latitude, longitude=message.location.longitude)
        text = (message.text or message.caption or "").strip()
        if not text and not attachments and not location:
            return None  # stickers, polls, contacts, service messages
        return InboundMessage(
            channel=self.name,
            address=str(message.chat.id),
            channel_message_id=str(update.update_id),
            text=text,
            attachments=attachments,
            location=location,
            metadata={"username": message.from_user.username} if message.from_user and message.from_user.username else {},
        )

    async def _acknowledge(self, query_id: str) -> None:
        """Stop the button's spinner in the resident's app (best effort)."""
        try:
            assert self.bot is not None
            await self.bot.answer_callback_query(query_id)
        except TelegramError as exc:
            log.info("answerCallbackQuery failed", extra={"error": type(exc).__name__})

    # ------------------------------------------------------------------ outbound
    async def send(self, out: OutboundMessage) -> str | None:
        if self.bot is None:
            raise DeliveryError("telegram bot not started", retryable=False)
        pieces = split_text(out.text, MAX_TEXT)
        keyboard = _keyboard(out.buttons)
        message_id = None
        for i, piece in enumerate(pieces):
            markup = keyboard if i == len(pieces) - 1 else None
            message_id = await with_retry(lambda piece=piece, markup=markup: self._send_message(out.address, piece, markup))
        return message_id

    async def _send_message(self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None) -> str:
        assert self.bot is not None
        try:
            sent = await self.bot.send_message(chat_id=int(chat_id), text=text, reply_markup=markup)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise DeliveryError("telegram asks to slow down", retryable=True, status=429, retry_after=seconds) from exc
        except BadRequest as exc:  # a subclass of NetworkError: check it first
            raise DeliveryError(f"telegram refused the message: {exc.message}", retryable=False, status=400) from exc
        except NetworkError as exc:  # 5xx, time-outs, lost connections
            raise DeliveryError(f"telegram unreachable: {exc.message}", retryable=True) from exc
        except TelegramError as exc:  # Forbidden (bot blocked), InvalidToken, ...
            raise DeliveryError(f"telegram refused the message: {exc.message}", retryable=False) from exc
        return f"{chat_id}:{sent.message_id}"


def _keyboard(options: list[Button]) -> InlineKeyboardMarkup | None:
    """One inline button per row; a payload longer than Telegram allows is sent as its position."""
    if not options:
        return None
    rows = []
    for i, button in enumerate(options, start=1):
        data = button.payload if len(button.payload.encode()) <= MAX_CALLBACK_BYTES else str(i)
        rows.append([InlineKeyboardButton(button.title, callback_data=data)])
    return InlineKeyboardMarkup(rows)


def _button_title(message: Message, data: str) -> str | None:
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _attachments(message: Message) -> list[Attachment]:
    """Photos and files as Telegram file references (fetch with getFile; the URL would hold the token)."""
    found: list[Attachment] = []
    if message.photo:
        photo = message.photo[-1]  # the largest size
        found.append(Attachment(url=f"telegram:file/{photo.file_id}", content_type="image/jpeg", size=photo.file_size))
    for item, default_type in (
        (message.document, "application/octet-stream"),
        (message.video, "video/mp4"),
        (message.voice, "audio/ogg"),
        (message.audio, "audio/mpeg"),
    ):
        if item is not None:
            found.append(
                Attachment(
                    url=f"telegram:file/{item.file_id}",
                    content_type=getattr(item, "mime_type", None) or default_type,
                    filename=getattr(item, "file_name", None),
                    size=item.file_size,
                )
            )
    return found
