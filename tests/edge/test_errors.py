"""Public endpoints refuse bad input with a clear JSON 4xx, never a trace; secrets have no defaults."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from hub.core.settings import Settings
from tests.channels import stack_env as env
from tests.channels.signed import meta_signature
from tests.conftest import Stack


async def _call(http: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> tuple[int, dict[str, Any], str]:
    async with http.request(method, url, **kw) as resp:
        text = await resp.text()
        assert "Traceback" not in text and 'File "' not in text
        assert resp.headers.get("X-Request-ID")
        try:
            return resp.status, json.loads(text), text
        except ValueError:
            return resp.status, {}, text


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/webchat/messages", {}),
        ("/webhooks/telegram", {"X-Telegram-Bot-Api-Secret-Token": env.TELEGRAM_SECRET}),
        ("/api/v1/cases", {}),
    ],
)
async def test_wrong_content_type_is_415(stack: Stack, http: aiohttp.ClientSession, path: str, headers: dict[str, str]) -> None:
    status, body, _ = await _call(
        http, "POST", stack.hub_url + path, data=b"session_id=x&text=hoi",
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    if path == "/api/v1/cases":
        assert status == 401  # staff API: log-in first, the body is not read at all
        return
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"


async def test_meta_wrong_content_type_is_415(stack: Stack, http: aiohttp.ClientSession) -> None:
    raw = b"object=page"
    status, body, _ = await _call(
        http, "POST", stack.hub_url + "/webhooks/meta", data=raw,
        headers={"Content-Type": "text/plain", "X-Hub-Signature-256": meta_signature(raw)},
    )
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"


async def test_too_large_bodies_are_413(stack: Stack, http: aiohttp.ClientSession, session_id: str) -> None:
    big = {"session_id": session_id, "text": "a" * (70 * 1024)}
    status, body, _ = await _call(http, "POST", stack.hub_url + "/api/v1/webchat/messages", json=big)
    assert status == 413 and body["error"]["code"] == "body_too_large"
    status, body, _ = await _call(
        http, "POST", stack.hub_url + "/api/v1/webchat/messages", json={"session_id": session_id, "text": "a" * 4001}
    )
    assert status == 413 and body["error"]["code"] == "text_too_long"
    status, body, _ = await _call(
        http, "POST", stack.hub_url + "/webhooks/telegram", data=b"{" + b" " * (1024 * 1024 + 10) + b"}",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": env.TELEGRAM_SECRET},
    )
    assert status == 413


async def test_deep_nesting_and_bad_json_are_400(stack: Stack, http: aiohttp.ClientSession) -> None:
    deep = b"[" * 50_000 + b"]" * 50_000
    for path, headers in [
        ("/api/v1/webchat/messages", {}),
        ("/webhooks/telegram", {"X-Telegram-Bot-Api-Secret-Token": env.TELEGRAM_SECRET}),
        ("/api/v1/auth/login", {}),
    ]:
        status, body, _ = await _call(
            http, "POST", stack.hub_url + path, data=deep[:60_000], headers={**headers, "Content-Type": "application/json"}
        )
        assert 400 <= status < 500, (path, status)
        assert "error" in body


async def test_unknown_api_path_and_method_answer_dutch_json(stack: Stack, http: aiohttp.ClientSession) -> None:
    status, body, _ = await _call(http, "GET", stack.hub_url + "/api/v1/bestaat-niet")
    assert status == 404 and body["error"]["message"] == "Dit adres bestaat niet."
    status, body, _ = await _call(http, "DELETE", stack.hub_url + "/api/v1/webchat/messages")
    assert status == 405 and body["error"]["code"] == "method_not_allowed"


def test_no_secret_has_a_default() -> None:
    """Secrets come only from the environment: every secret-like setting is empty by default."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    secret_words = ("token", "secret", "password", "api_key", "jwt_key", "auth")
    secrets = [name for name in Settings.model_fields if any(w in name for w in secret_words)]
    assert "twilio_auth_token" in secrets and "identity_jwt_key" in secrets
    assert {name: getattr(settings, name) for name in secrets} == dict.fromkeys(secrets)
