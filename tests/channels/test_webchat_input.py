"""Bad input to the web chat API: a clear 4xx JSON error, and nothing stored half."""

from __future__ import annotations

import json

import pytest

URL = "/api/v1/webchat/messages"


async def _count(db, session_id: str) -> int:
    return await db.messages.count_documents({"address": session_id}) + await db.conversations.count_documents(
        {"address": session_id}
    )


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (lambda s: json.dumps({"session_id": s, "text": ""}), {"Content-Type": "application/json"}, 400, "empty_text"),
        (lambda s: json.dumps({"session_id": s, "text": "   "}), {"Content-Type": "application/json"}, 400, "empty_text"),
        (lambda s: json.dumps({"session_id": s, "text": "x" * 10_000}), {"Content-Type": "application/json"}, 413, "text_too_long"),
        (lambda s: '{"session_id": "' + s + '", "text": "hoi"', {"Content-Type": "application/json"}, 400, "invalid_json"),
        (lambda s: json.dumps([s]), {"Content-Type": "application/json"}, 400, "invalid_json"),
        (lambda s: json.dumps({"session_id": s, "text": "hoi"}), {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        (lambda s: json.dumps({"session_id": s + " bad/chars", "text": "hoi"}), {"Content-Type": "application/json"}, 422, "invalid_fields"),
        (lambda s: json.dumps({"text": "hoi"}), {"Content-Type": "application/json"}, 422, "invalid_fields"),
        (lambda s: json.dumps({"session_id": s, "text": 42}), {"Content-Type": "application/json"}, 422, "invalid_fields"),
    ],
    ids=["empty", "blank", "10kB", "truncated-json", "not-an-object", "wrong-content-type", "bad-session", "no-session", "text-not-string"],
)
async def test_bad_input_is_rejected_and_nothing_stored(stack, http, db, session_id, body, headers, status, code):
    async with http.post(stack.hub_url + URL, data=body(session_id), headers=headers) as resp:
        assert resp.status == status
        assert resp.content_type == "application/json"
        payload = await resp.json()
    assert payload["error"]["code"] == code
    assert payload["error"]["message"]  # a Dutch sentence for the widget to show
    assert "Traceback" not in json.dumps(payload)
    assert await _count(db, session_id) == 0


async def test_huge_body_is_rejected(stack, http, db, session_id):
    body = json.dumps({"session_id": session_id, "text": "a" * 200_000})
    async with http.post(stack.hub_url + URL, data=body, headers={"Content-Type": "application/json"}) as resp:
        assert resp.status == 413
    assert await _count(db, session_id) == 0


async def test_unknown_conversation_is_404(stack, http):
    async with http.get(f"{stack.hub_url}/api/v1/webchat/conversations/doesnotexist/messages") as resp:
        assert resp.status == 404
        assert (await resp.json())["error"]["code"] == "unknown_conversation"
    async with http.get(f"{stack.hub_url}/api/v1/webchat/conversations/x/messages?after=abc") as resp:
        assert resp.status == 400


async def test_unknown_api_route_is_json_404(stack, http):
    async with http.get(f"{stack.hub_url}/api/v1/nothing-here") as resp:
        assert resp.status == 404
        assert (await resp.json())["error"]["code"] == "not_found"
