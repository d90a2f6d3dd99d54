"""Random provider payloads, signed properly, posted to the running hub: never a 5xx, and every
message the hub accepts is stored exactly once (also when hypothesis repeats a provider id).

Payloads are signed with the providers' own algorithms (Twilio's ``RequestValidator``,
Meta's HMAC, Slack's ``SignatureVerifier``, Telegram's secret token), as the channel tests do.
What a payload should yield is asked of the channel's own parser, in-process.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo import MongoClient
from pymongo.database import Database

from channels.meta import CHANNEL_BY_OBJECT, MetaChannel, MetaWebhook
from channels.telegram import InvalidUpdate, TelegramChannel, read_update
from hub.core.models import InboundMessage
from tests.channels import stack_env as env
from tests.channels.signed import meta_signature, twilio_signature
from tests.conftest import Stack
from tests.edge import payloads
from tests.edge.test_parsers_fuzz import NoOpenConversations, no_hand_in, settings_for_channels
from tests.handover.test_slack import signed as slack_signed

POSTS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def mongo(stack: Stack) -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(stack.mongo_url)
    yield client[stack.db_name]
    client.close()


def post(url: str, data: bytes | dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
    async def go() -> tuple[int, str]:
        async with aiohttp.ClientSession() as http, http.post(url, data=data, headers=headers) as resp:
            return resp.status, await resp.text()

    return asyncio.run(go())


def stored_once(db: Database[Any], msg: InboundMessage) -> None:
    query = {"channel": msg.channel, "channel_message_id": msg.channel_message_id, "direction": "in"}
    deadline = time.monotonic() + 10
    while (count := db.messages.count_documents(query)) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert count == 1, (query, count)


def no_server_error(status: int, text: str) -> None:
    assert status < 500, (status, text[:300])
    assert "Traceback" not in text


@POSTS
@given(payloads.twilio_params())
def test_twilio(stack: Stack, mongo: Database[Any], params: dict[str, str]) -> None:
    url = stack.hub_url + "/webhooks/twilio"
    status, text = post(url, params, {"X-Twilio-Signature": twilio_signature(url, params)})
    no_server_error(status, text)
    if status == 200:
        channel = "whatsapp" if params["From"].startswith("whatsapp:") else "sms"
        stored_once(mongo, InboundMessage(channel=channel, address="", channel_message_id=params["MessageSid"]))


@POSTS
@given(st.one_of(payloads.telegram_updates(), payloads.json_values))
def test_telegram(stack: Stack, mongo: Database[Any], update: Any) -> None:
    raw = json.dumps(update).encode()
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": env.TELEGRAM_SECRET}
    status, text = post(stack.hub_url + "/webhooks/telegram", raw, headers)
    no_server_error(status, text)
    try:
        expected = asyncio.run(TelegramChannel(no_hand_in, NoOpenConversations(), settings_for_channels()).parse(read_update(update, None)))  # type: ignore[arg-type]
    except InvalidUpdate:
        expected = None
        assert status == 400
    if expected is not None:
        assert status == 200 and json.loads(text) == {"ok": True}
        stored_once(mongo, expected)


@POSTS
@given(st.one_of(payloads.meta_bodies(), payloads.json_values))
def test_meta(stack: Stack, mongo: Database[Any], body: Any) -> None:
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(raw)}
    status, text = post(stack.hub_url + "/webhooks/meta", raw, headers)
    no_server_error(status, text)
    if status == 200:
        parsed = MetaWebhook.model_validate(body)
        channel = MetaChannel(no_hand_in, NoOpenConversations(), settings_for_channels())  # type: ignore[arg-type]
        name = CHANNEL_BY_OBJECT[parsed.object]
        for event in (e for entry in parsed.entry for e in entry.messaging):
            if (msg := channel._message(name, event)) is not None:
                stored_once(mongo, msg)


@POSTS
@given(payloads.slack_payloads())
def test_slack(stack: Stack, mongo: Database[Any], payload: dict[str, Any]) -> None:
    raw, headers = slack_signed(payload)
    status, text = post(stack.hub_url + "/webhooks/slack", raw, headers)
    no_server_error(status, text)
    answer = json.loads(text)
    if status == 200 and payload.get("type") == "event_callback" and "outcome" in answer:
        assert mongo.slack_events.count_documents({"_id": str(payload["event_id"])}) == 1


@POSTS
@given(st.one_of(payloads.webchat_bodies, payloads.json_values))
def test_webchat(stack: Stack, mongo: Database[Any], body: Any) -> None:
    status, text = post(stack.hub_url + "/api/v1/webchat/messages", json.dumps(body).encode(), {"Content-Type": "application/json"})
    no_server_error(status, text)
    if status == 200 and isinstance(body.get("message_id"), str) and body["message_id"]:
        msg = InboundMessage(channel="webchat", address="", channel_message_id=f"{body['session_id']}:{body['message_id']}")
        stored_once(mongo, msg)
