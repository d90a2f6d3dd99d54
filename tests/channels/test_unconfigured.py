"""A channel without its secrets is off: its webhook answers a JSON 404 and start-up says why."""

from __future__ import annotations

import logging

import pytest
from aiohttp.test_utils import TestClient, TestServer

from hub.web.app import create_app
from tests.channels.conftest import hub_settings

OFF = {
    "twilio_auth_token": None, "telegram_secret_token": None, "meta_app_secret": None,
    "smtp_listen_port": None, "imap_host": None,
}


async def test_unconfigured_channels_answer_404_and_are_logged(stack, caplog):
    with caplog.at_level(logging.WARNING, logger="hub.web.app"):
        app = create_app(hub_settings(stack, **OFF))
    missing = {r.channel: r.missing for r in caplog.records if r.getMessage().startswith("channel not configured")}
    assert missing == {
        "twilio": ["twilio_auth_token"],
        "telegram": ["telegram_secret_token"],
        "meta": ["meta_app_secret"],
        "email": ["smtp_listen_port or imap_host"],
    }
    async with TestClient(TestServer(app)) as client:
        for method, path in [("POST", "/webhooks/twilio"), ("POST", "/webhooks/telegram"), ("GET", "/webhooks/meta"), ("POST", "/webhooks/meta")]:
            resp = await client.request(method, path, data=b"x")
            assert resp.status == 404, path
            assert (await resp.json())["error"] == {"code": "channel_not_configured", "message": "Dit kanaal is niet ingesteld."}


@pytest.mark.parametrize("path", ["/webhooks/twilio", "/webhooks/telegram", "/webhooks/meta"])
async def test_configured_webhooks_exist_on_the_test_hub(stack, http, path):
    async with http.post(stack.hub_url + path, data=b"{}") as resp:
        assert resp.status in (400, 403)  # there, and refusing an unsigned request


def test_make_run_switches_every_channel_on():
    from channels.email import EmailChannel
    from channels.meta import MetaChannel
    from channels.telegram import TelegramChannel
    from channels.twilio import TwilioChannel
    from hub.cli.main import DEMO_CHANNEL_SETTINGS
    from hub.core.settings import Settings

    settings = Settings(_env_file=None, **DEMO_CHANNEL_SETTINGS)
    for cls in (TwilioChannel, TelegramChannel, MetaChannel, EmailChannel):
        assert cls(None, None, settings).configured(), cls.name
