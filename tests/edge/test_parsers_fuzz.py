"""Property-based tests of every parser of provider payloads and of the web chat API body.

Each parser is called directly (no network). Whatever it is given, it either returns a valid
model (or None for payloads the hub ignores) or refuses with its own clear error: a 4xx JSON
answer, ``pydantic.ValidationError``, ``InvalidUpdate`` or ``EmailParseError`` — never any
other exception (that would be a 500 at the webhook).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import MultiDict
from pydantic import ValidationError

from channels.email_parse import EmailParseError, ParsedEmail, parse_email
from channels.meta import CHANNEL_BY_OBJECT, MetaChannel, MetaWebhook
from channels.telegram import InvalidUpdate, TelegramChannel, read_update
from channels.twilio import TwilioChannel
from channels.webchat import WebchatRequest
from hub.core.models import Button, InboundMessage
from hub.core.settings import Settings
from tests.edge import payloads

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class NoOpenConversations:
    """The one thing the parsers ask the hub: the buttons offered in an open conversation (none here)."""

    async def offered_buttons(self, channel: str, address: str) -> list[Button]:
        return []


async def no_hand_in(msg: InboundMessage, on_stored: Any = None) -> Any:
    raise AssertionError("a parser hands nothing in")


def settings_for_channels() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


def assert_client_error(resp: web.Response) -> None:
    assert 400 <= resp.status < 500, resp.status
    body = json.loads(resp.text or "{}")
    assert set(body["error"]) >= {"code", "message"}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@FUZZ
@given(payloads.twilio_params())
def test_twilio_form(params: dict[str, str]) -> None:
    channel = TwilioChannel(no_hand_in, NoOpenConversations(), settings_for_channels())  # type: ignore[arg-type]
    result = run(channel.parse(MultiDict(params)))
    if isinstance(result, web.Response):
        assert_client_error(result)
    else:
        assert isinstance(result, InboundMessage)
        assert result.channel in ("whatsapp", "sms") and result.address.startswith("+")
        assert result.text or result.attachments or result.location or result.payload


@FUZZ
@given(st.one_of(payloads.telegram_updates(), payloads.json_values))
def test_telegram_update(data: Any) -> None:
    channel = TelegramChannel(no_hand_in, NoOpenConversations(), settings_for_channels())  # type: ignore[arg-type]
    try:
        update = read_update(data, None)
    except InvalidUpdate as exc:
        assert str(exc)
        return
    msg = run(channel.parse(update))
    assert msg is None or isinstance(msg, InboundMessage)
    if msg is not None:
        assert msg.channel == "telegram" and msg.channel_message_id == str(data["update_id"])


@FUZZ
@given(st.one_of(payloads.meta_bodies(), payloads.json_values))
def test_meta_webhook(data: Any) -> None:
    channel = MetaChannel(no_hand_in, NoOpenConversations(), settings_for_channels())  # type: ignore[arg-type]
    try:
        body = MetaWebhook.model_validate(data)
    except ValidationError:
        return
    name = CHANNEL_BY_OBJECT[body.object]
    for entry in body.entry:
        for event in entry.messaging:
            msg = channel._message(name, event)
            assert msg is None or (isinstance(msg, InboundMessage) and msg.channel == name)


@FUZZ
@given(payloads.raw_emails())
def test_email_mime(raw: bytes) -> None:
    try:
        parsed = parse_email(raw)
    except EmailParseError:
        return
    assert isinstance(parsed, ParsedEmail)
    assert "@" in parsed.from_address and parsed.message_id.startswith("<")


@FUZZ
@given(st.one_of(payloads.webchat_bodies, payloads.json_values))
def test_webchat_body(data: Any) -> None:
    try:
        body = WebchatRequest.model_validate(data)
    except ValidationError:
        return
    assert 1 <= len(body.session_id) <= 128
