"""Messenger and Instagram: Meta's webhook payloads in, the Graph Send API (local) out."""

from __future__ import annotations

import json
import secrets
import time
from datetime import timedelta

import pytest

from hub.core.models import Button, Reply, utcnow
from tests.channels import stack_env as env
from tests.channels.signed import meta_signature, post_meta
from tests.polling import eventually

PAGE_ID = "1029384756"


def event(psid: str, **content) -> dict:
    now = int(time.time() * 1000)
    return {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": now, **content}


def text_event(psid: str, text: str, **message) -> dict:
    return event(psid, message={"mid": "m_" + secrets.token_urlsafe(16), "text": text, **message})


def webhook(*events: dict, obj: str = "page") -> dict:
    return {"object": obj, "entry": [{"id": PAGE_ID, "time": int(time.time() * 1000), "messaging": list(events)}]}


async def _inbound(db, psid: str) -> list[dict]:
    return await db.messages.find({"address": psid, "direction": "in"}).sort("created_at", 1).to_list(None)


async def _reply(db, psid: str) -> dict:
    return await eventually(
        lambda: db.messages.find_one({"address": psid, "direction": "out", "delivery.status": {"$in": ["sent", "failed"]}})
    )


async def test_verification_handshake(stack, http):
    url = stack.hub_url + "/webhooks/meta"
    good = {"hub.mode": "subscribe", "hub.verify_token": env.META_VERIFY, "hub.challenge": "1158201444"}
    async with http.get(url, params=good) as resp:
        assert resp.status == 200 and await resp.text() == "1158201444"
    for bad in ({**good, "hub.verify_token": "fout"}, {**good, "hub.mode": "unsubscribe"}, {"hub.challenge": "1"}):
        async with http.get(url, params=bad) as resp:
            assert resp.status == 403
            assert (await resp.json())["error"]["code"] == "invalid_verify_token"


async def test_messenger_message_gets_the_bot_reply_through_the_send_api(bot_stack, fakes, http, db, psid):
    status, body = await post_meta(http, bot_stack, webhook(text_event(psid, "hallo")))
    assert status == 200 and body == "EVENT_RECEIVED"
    [sent] = await fakes.graph.wait_for(psid)
    assert sent["messaging_type"] == "RESPONSE" and "Lindewaard" in sent["message"]["text"]
    [stored] = await _inbound(db, psid)
    assert stored["channel"] == "messenger" and stored["status"] == "handled"
    reply = await _reply(db, psid)
    assert reply["delivery"]["status"] == "sent" and reply["provider_message_id"] == sent["message_id"]


async def test_instagram_message_is_its_own_channel(bot_stack, fakes, http, db, psid):
    assert (await post_meta(http, bot_stack, webhook(text_event(psid, "hallo"), obj="instagram")))[0] == 200
    await fakes.graph.wait_for(psid)
    [stored] = await _inbound(db, psid)
    assert stored["channel"] == "instagram"


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=abc", "wrong-secret"])
async def test_bad_signature_is_refused_and_nothing_stored(stack, fakes, http, db, psid, signature):
    body = webhook(text_event(psid, "hallo"))
    if signature == "wrong-secret":
        signature = meta_signature(json.dumps(body).encode(), secret="not-the-app-secret")
    status, answer = await post_meta(http, stack, body, signature=signature)
    assert status == 403 and json.loads(answer)["error"]["code"] == "invalid_signature"
    assert await db.messages.count_documents({"address": psid}) == 0


async def test_replayed_delivery_is_stored_once(bot_stack, fakes, http, db, psid):
    body = webhook(text_event(psid, "hallo"))
    for _ in range(3):
        assert (await post_meta(http, bot_stack, body))[0] == 200
    assert len(await _inbound(db, psid)) == 1
    await fakes.graph.wait_for(psid)
    assert await db.messages.count_documents({"address": psid, "direction": "out"}) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"object": "page", "entry": [', "invalid_json"),
        ({"object": "user", "entry": []}, "invalid_fields"),
        ({"object": "page"}, "invalid_fields"),
        ("half-bad", "invalid_fields"),
    ],
    ids=["truncated-json", "unknown-object", "no-entry", "one-bad-event-in-a-batch"],
)
async def test_malformed_payload_is_refused_whole_and_good_ones_still_arrive(bot_stack, fakes, http, db, psid, body, code):
    if body == "half-bad":  # a good event beside one without a sender: nothing of the batch is stored
        body = webhook(text_event(psid, "hallo"), {"recipient": {"id": PAGE_ID}, "timestamp": 1, "message": {"mid": "m_x"}})
    status, answer = await post_meta(http, bot_stack, body)
    assert status == 400 and json.loads(answer)["error"]["code"] == code
    assert await db.messages.count_documents({"address": psid}) == 0
    assert (await post_meta(http, bot_stack, webhook(text_event(psid, "hallo"))))[0] == 200
    assert [m["text"] for m in await _inbound(db, psid)] == ["hallo"]


async def test_batch_echoes_and_receipts(bot_stack, fakes, http, db, psid):
    body = webhook(
        text_event(psid, "hallo"),
        event(psid, delivery={"mids": ["m_1"], "watermark": 1}),
        event(psid, read={"watermark": 1}),
        text_event(psid, "Dit is ons eigen bericht", is_echo=True, app_id=1),
        text_event(psid, "bedankt"),
    )
    assert (await post_meta(http, bot_stack, body))[0] == 200
    assert [m["text"] for m in await _inbound(db, psid)] == ["hallo", "bedankt"]


async def test_image_location_quick_reply_and_postback(bot_stack, fakes, http, db, psid):
    image_url = "https://scontent.xx.fbcdn.net/v/t1.15752-9/foto.jpg?_nc_cat=1"
    body = webhook(
        event(psid, message={"mid": "m_img" + secrets.token_hex(4), "attachments": [{"type": "image", "payload": {"url": image_url}}]}),
        event(psid, message={"mid": "m_loc" + secrets.token_hex(4), "attachments": [
            {"type": "location", "title": "Locatie", "payload": {"coordinates": {"lat": 51.9244, "long": 4.4777}}}
        ]}),
        text_event(psid, "Ik wil een medewerker spreken", quick_reply={"payload": "/handover"}),
    )
    assert (await post_meta(http, bot_stack, body))[0] == 200
    image, place, choice = await _inbound(db, psid)
    assert image["attachments"][0]["url"] == image_url and image["attachments"][0]["content_type"] == "image/*"
    assert place["location"] == {"latitude": 51.9244, "longitude": 4.4777, "label": None}
    assert choice["payload"] == "/handover"
    postback = webhook(event(psid, postback={"mid": "m_pb" + secrets.token_hex(4), "title": "Aan de slag", "payload": "/greet"}))
    assert (await post_meta(http, bot_stack, postback))[0] == 200
    last = (await _inbound(db, psid))[-1]
    assert last["text"] == "Aan de slag" and last["payload"] == "/greet"


async def test_buttons_become_quick_replies_and_late_agent_replies_are_tagged(stack, hub_inproc, fakes, http, db, psid):
    assert (await post_meta(http, stack, webhook(text_event(psid, "hallo"))))[0] == 200
    conv = await eventually(lambda: db.conversations.find_one({"address": psid}))
    await _reply(db, psid)
    before = len(fakes.graph.sent_to(psid))
    options = [Button(title="Paspoort aanvragen voor mijn kind", payload="/paspoort-aanvragen"), Button(title="Rijbewijs", payload="/rijbewijs-verlengen")]
    await hub_inproc.pipeline.send(conv, [Reply(text="Waar gaat het over?", buttons=options)], author="bot")
    await hub_inproc.pipeline.drain()
    sent = fakes.graph.sent_to(psid)[before]
    assert sent["message"]["quick_replies"] == [
        {"content_type": "text", "title": "Paspoort aanvragen…", "payload": "/paspoort-aanvragen"},
        {"content_type": "text", "title": "Rijbewijs", "payload": "/rijbewijs-verlengen"},
    ]
    await db.messages.update_many({"address": psid, "direction": "in"}, {"$set": {"created_at": utcnow() - timedelta(days=2)}})
    await hub_inproc.pipeline.send(conv, [Reply(text="Uw aanvraag is klaar.")], author="agent")
    await hub_inproc.pipeline.drain()
    late = fakes.graph.sent_to(psid)[before + 1]
    assert late["messaging_type"] == "MESSAGE_TAG" and late["tag"] == "HUMAN_AGENT"


async def test_outbound_retries_after_two_server_errors(bot_stack, fakes, http, db, psid):
    fakes.graph.fail_for(psid, 500, 503)
    assert (await post_meta(http, bot_stack, webhook(text_event(psid, "hallo"))))[0] == 200
    await fakes.graph.wait_for(psid)
    reply = await _reply(db, psid)
    assert reply["delivery"]["status"] == "sent" and reply["delivery"]["attempts"] == 3


async def test_outbound_failure_is_final_after_a_refusal_or_too_many_errors(bot_stack, fakes, http, db, psid):
    fakes.graph.fail_for(psid, 400)
    assert (await post_meta(http, bot_stack, webhook(text_event(psid, "hallo"))))[0] == 200
    reply = await _reply(db, psid)
    assert reply["delivery"]["status"] == "failed" and reply["delivery"]["attempts"] == 1
    assert "code 100" in reply["delivery"]["error"]

    other = psid + "1"
    fakes.graph.fail_for(other, *[500] * 10)
    assert (await post_meta(http, bot_stack, webhook(text_event(other, "hallo"))))[0] == 200
    reply = await _reply(db, other)
    assert reply["delivery"]["status"] == "failed" and reply["delivery"]["attempts"] == 4
