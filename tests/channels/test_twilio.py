"""WhatsApp and SMS through Twilio: the real hub, the real bot, the twilio SDK against the local Messages API."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from hub.core.models import Reply, new_id, utcnow
from tests.channels import stack_env as env
from tests.channels.signed import (
    post_twilio,
    sms_params,
    twilio_sid,
    twilio_signature,
    whatsapp_params,
)
from tests.polling import eventually


async def _inbound(db, phone: str) -> list[dict]:
    return await db.messages.find({"address": phone, "direction": "in"}).sort("created_at", 1).to_list(None)


async def _sent_reply(db, phone: str) -> dict:
    async def check():
        return await db.messages.find_one(
            {"address": phone, "direction": "out", "delivery.status": {"$in": ["sent", "failed"]}}
        )

    return await eventually(check)


async def test_signed_whatsapp_message_gets_the_bot_reply_through_twilio(bot_stack, fakes, http, db, phone):
    status, body = await post_twilio(http, bot_stack, whatsapp_params(phone, "hallo"))
    assert status == 200
    assert body.startswith("<?xml") and "<Response>" in body  # empty TwiML: the reply goes out through the API

    [sent] = await fakes.twilio.wait_for(f"whatsapp:{phone}")
    assert sent["from"] == f"whatsapp:{env.WHATSAPP_FROM}"
    assert "Lindewaard" in sent["body"]
    assert sent["status_callback"] == bot_stack.hub_url + "/webhooks/twilio"

    [stored] = await _inbound(db, phone)
    assert stored["channel"] == "whatsapp" and stored["text"] == "hallo" and stored["status"] == "handled"
    reply = await _sent_reply(db, phone)
    assert reply["delivery"]["status"] == "sent"
    assert reply["provider_message_id"] == sent["sid"]
    contact = await db.contacts.find_one({"_id": stored["contact_id"]})
    assert f"phone:{phone}" in contact["addresses"]


async def test_sms_and_whatsapp_from_one_number_are_one_contact(bot_stack, fakes, http, db, phone):
    assert (await post_twilio(http, bot_stack, whatsapp_params(phone, "hallo")))[0] == 200
    assert (await post_twilio(http, bot_stack, sms_params(phone, "goedemorgen")))[0] == 200
    [sms_reply] = await fakes.twilio.wait_for(phone)  # an SMS goes to the bare number
    assert sms_reply["from"] == env.SMS_FROM and sms_reply["body"]
    messages = await _inbound(db, phone)
    assert [m["channel"] for m in messages] == ["whatsapp", "sms"]
    assert messages[0]["contact_id"] == messages[1]["contact_id"]
    assert messages[0]["conversation_id"] != messages[1]["conversation_id"]  # one conversation per channel


@pytest.mark.parametrize(
    "signature",
    [None, "bm90IGEgc2lnbmF0dXJl", "other-url", "other-token"],
    ids=["unsigned", "garbage", "signed-for-another-url", "signed-with-another-token"],
)
async def test_bad_signature_is_refused_and_nothing_stored(stack, fakes, http, db, phone, signature):
    params = whatsapp_params(phone, "hallo")
    if signature == "other-url":
        signature = twilio_signature("https://evil.example/webhooks/twilio", params)
    elif signature == "other-token":
        signature = twilio_signature(stack.hub_url + "/webhooks/twilio", params, token="wrong-token")
    status, body = await post_twilio(http, stack, params, signature=signature)
    assert status == 403
    assert json.loads(body)["error"]["code"] == "invalid_signature"
    assert await db.messages.count_documents({"address": phone}) == 0
    assert await db.conversations.count_documents({"address": phone}) == 0


async def test_signature_covers_every_parameter(stack, fakes, http, db, phone):
    params = whatsapp_params(phone, "hallo")
    signature = twilio_signature(stack.hub_url + "/webhooks/twilio", params)
    params["Body"] = "iets anders"  # changed after signing
    assert (await post_twilio(http, stack, params, signature=signature))[0] == 403
    assert await db.messages.count_documents({"address": phone}) == 0


async def test_replayed_delivery_is_stored_once(bot_stack, fakes, http, db, phone):
    params = whatsapp_params(phone, "hallo")
    for _ in range(3):  # Twilio retries when our answer is slow
        assert (await post_twilio(http, bot_stack, params))[0] == 200
    assert len(await _inbound(db, phone)) == 1
    await fakes.twilio.wait_for(f"whatsapp:{phone}")
    assert await db.messages.count_documents({"address": phone, "direction": "out"}) == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"MessageSid": "not-a-sid"}, "invalid_fields"),
        ({"From": "whatsapp:hallo"}, "invalid_from"),
        ({"NumMedia": "1"}, "invalid_media"),
        ({"NumMedia": "veel"}, "invalid_fields"),
        ({"Latitude": "200", "Longitude": "5"}, "invalid_fields"),
        ({"Body": "   "}, "empty_message"),
    ],
    ids=["bad-sid", "bad-from", "media-without-url", "num-media-not-a-number", "latitude-out-of-range", "empty"],
)
async def test_malformed_message_is_refused_and_good_ones_still_arrive(bot_stack, fakes, http, db, phone, change, code):
    params = {**whatsapp_params(phone, "hallo"), **change}
    status, body = await post_twilio(http, bot_stack, params)
    assert status == 400
    assert json.loads(body)["error"]["code"] == code
    assert await db.messages.count_documents({"address": phone}) == 0

    good = whatsapp_params(phone, "hallo")
    assert (await post_twilio(http, bot_stack, good))[0] == 200
    assert [m["text"] for m in await _inbound(db, phone)] == ["hallo"]


async def test_unsupported_content_type_is_refused(stack, fakes, http, db, phone):
    async with http.post(
        stack.hub_url + "/webhooks/twilio", json={"Body": "hallo"}, headers={"X-Twilio-Signature": "x"}
    ) as resp:
        assert resp.status == 403  # unsigned first: a JSON body carries no signed form parameters
    assert await db.messages.count_documents({"address": phone}) == 0


async def test_image_and_location_are_kept(bot_stack, fakes, http, db, phone):
    media_url = f"https://api.twilio.com/2010-04-01/Accounts/{env.ACCOUNT_SID}/Messages/{twilio_sid('MM')}/Media/ME1"
    photo = whatsapp_params(
        phone, "Losliggende stoeptegel", NumMedia="1", MediaUrl0=media_url, MediaContentType0="image/jpeg"
    )
    place = whatsapp_params(
        phone, "", MessageType="location", Latitude="52.0907", Longitude="5.1214", Address="Stationsplein 1", Label="Station"
    )
    assert (await post_twilio(http, bot_stack, photo))[0] == 200
    assert (await post_twilio(http, bot_stack, place))[0] == 200
    first, second = await _inbound(db, phone)
    assert first["attachments"] == [
        {"url": media_url, "content_type": "image/jpeg", "filename": None, "size": None, "stored_id": None}
    ]
    assert second["location"] == {"latitude": 52.0907, "longitude": 5.1214, "label": "Station"}


async def test_numbered_option_is_mapped_back_to_its_payload(bot_stack, fakes, http, db, phone):
    assert (await post_twilio(http, bot_stack, whatsapp_params(phone, "hallo")))[0] == 200
    first = (await _inbound(db, phone))[0]
    # The bot offered two options (as the answer action does); the resident answers "2".
    await db.messages.insert_one(
        {
            "_id": new_id(), "dedup_key": f"out:{new_id()}", "direction": "out", "author": "bot",
            "channel": "whatsapp", "address": phone, "conversation_id": first["conversation_id"],
            "seq": 99, "text": "Bedoelt u een van deze onderwerpen?", "created_at": utcnow(),
            "buttons": [
                {"title": "Paspoort aanvragen", "payload": "/paspoort-aanvragen"},
                {"title": "Ik wil een medewerker spreken", "payload": "/handover"},
            ],
        }
    )
    assert (await post_twilio(http, bot_stack, whatsapp_params(phone, "2")))[0] == 200
    answer = (await _inbound(db, phone))[-1]
    assert answer["text"] == "2" and answer["payload"] == "/handover"
    assert answer["meta"]["action"] == "handover"


async def test_buttons_go_out_as_numbered_options(stack, hub_inproc, fakes, http, db, phone):
    assert (await post_twilio(http, stack, whatsapp_params(phone, "hallo")))[0] == 200
    conv = await eventually(lambda: db.conversations.find_one({"address": phone}))
    before = len(fakes.twilio.sent_to(f"whatsapp:{phone}"))
    from hub.core.models import Button

    await hub_inproc.pipeline.send(
        conv,
        [Reply(text="Waar gaat uw vraag over?", buttons=[Button(title="Paspoort", payload="/p"), Button(title="Rijbewijs", payload="/r")])],
        author="bot",
    )
    await hub_inproc.pipeline.drain()
    sent = (await fakes.twilio.wait_for(f"whatsapp:{phone}", before + 1))[-1]
    assert sent["body"] == "Waar gaat uw vraag over?\n\n1. Paspoort\n2. Rijbewijs\n\nAntwoord met het nummer van uw keuze."


async def test_outbound_retries_after_two_server_errors(bot_stack, fakes, http, db, phone):
    fakes.twilio.fail_for(f"whatsapp:{phone}", 500, 503)
    assert (await post_twilio(http, bot_stack, whatsapp_params(phone, "hallo")))[0] == 200
    [sent] = await fakes.twilio.wait_for(f"whatsapp:{phone}")
    reply = await _sent_reply(db, phone)
    assert reply["delivery"]["status"] == "sent" and reply["delivery"]["attempts"] == 3
    assert reply["provider_message_id"] == sent["sid"]
    assert fakes.twilio.attempts[f"whatsapp:{phone}"] == 3


async def test_outbound_gives_up_and_agents_see_it(bot_stack, fakes, http, db, phone):
    fakes.twilio.fail_for(f"whatsapp:{phone}", *[500] * 10)
    assert (await post_twilio(http, bot_stack, whatsapp_params(phone, "hallo")))[0] == 200
    reply = await _sent_reply(db, phone)
    assert reply["delivery"]["status"] == "failed"
    assert reply["delivery"]["attempts"] == 4  # KCC_DELIVERY_MAX_ATTEMPTS in the test hub
    assert "500" in reply["delivery"]["error"]

    async def failure_events() -> int | None:  # logged just after the outcome is stored
        found = await db.events.count_documents({"type": "delivery_failed", "message_id": reply["_id"]})
        return found or None

    assert await eventually(failure_events) == 1
    await asyncio.sleep(0.5)  # and only once
    assert await db.events.count_documents({"type": "delivery_failed", "message_id": reply["_id"]}) == 1
    assert fakes.twilio.sent_to(f"whatsapp:{phone}") == []


async def test_refused_outbound_is_not_retried(bot_stack, fakes, http, db, phone):
    fakes.twilio.fail_for(f"whatsapp:{phone}", 400)
    assert (await post_twilio(http, bot_stack, whatsapp_params(phone, "hallo")))[0] == 200
    reply = await _sent_reply(db, phone)
    assert reply["delivery"]["status"] == "failed" and reply["delivery"]["attempts"] == 1


async def test_status_callbacks_update_the_message(bot_stack, fakes, http, db, phone):
    assert (await post_twilio(http, bot_stack, whatsapp_params(phone, "hallo")))[0] == 200
    [sent] = await fakes.twilio.wait_for(f"whatsapp:{phone}")
    await _sent_reply(db, phone)

    def callback(status: str, **extra: str) -> dict[str, str]:
        return {
            "MessageSid": sent["sid"], "SmsSid": sent["sid"], "MessageStatus": status, "SmsStatus": status,
            "AccountSid": env.ACCOUNT_SID, "From": f"whatsapp:{env.WHATSAPP_FROM}", "To": f"whatsapp:{phone}",
            "ApiVersion": "2010-04-01", "ChannelToAddress": phone, **extra,
        }

    assert (await post_twilio(http, bot_stack, callback("read")))[0] == 204
    assert (await post_twilio(http, bot_stack, callback("delivered")))[0] == 204  # late report: no step back
    reply = await db.messages.find_one({"provider_message_id": sent["sid"]})
    assert reply["delivery"]["status"] == "read"
    assert [r["status"] for r in reply["delivery"]["reports"]] == ["read"]
    assert (await post_twilio(http, bot_stack, callback("delivered"), signature="wrong"))[0] == 403


async def test_undelivered_report_marks_the_message_failed(bot_stack, fakes, http, db, phone):
    assert (await post_twilio(http, bot_stack, sms_params(phone, "hallo")))[0] == 200
    [sent] = await fakes.twilio.wait_for(phone)
    await _sent_reply(db, phone)
    report = {"MessageSid": sent["sid"], "MessageStatus": "undelivered", "ErrorCode": "30003", "AccountSid": env.ACCOUNT_SID}
    assert (await post_twilio(http, bot_stack, report))[0] == 204
    reply = await db.messages.find_one({"provider_message_id": sent["sid"]})
    assert reply["delivery"]["status"] == "failed" and reply["delivery"]["error"] == "twilio error 30003"


async def test_agent_reply_after_24_hours_goes_out_as_the_template(stack, hub_inproc, fakes, http, db, phone):
    assert (await post_twilio(http, stack, whatsapp_params(phone, "hallo")))[0] == 200
    conv = await eventually(lambda: db.conversations.find_one({"address": phone}))
    await eventually(lambda: db.messages.find_one({"address": phone, "direction": "out", "delivery.status": {"$ne": "pending"}}))
    before = len(fakes.twilio.sent_to(f"whatsapp:{phone}"))

    await hub_inproc.pipeline.send(conv, [Reply(text="Uw paspoort ligt klaar.")], author="agent")
    await hub_inproc.pipeline.drain()
    inside = fakes.twilio.sent_to(f"whatsapp:{phone}")[before]
    assert inside["body"] == "Uw paspoort ligt klaar." and inside["content_sid"] is None

    # A day later: free text is no longer allowed, the approved template carries the reply.
    day_ago = utcnow() - timedelta(hours=25)
    await db.messages.update_many({"address": phone, "direction": "in"}, {"$set": {"created_at": day_ago}})
    await hub_inproc.pipeline.send(conv, [Reply(text="Heeft u nog vragen?\nWij helpen graag.")], author="agent")
    await hub_inproc.pipeline.drain()
    outside = fakes.twilio.sent_to(f"whatsapp:{phone}")[before + 1]
    assert outside["body"] is None and outside["content_sid"] == env.TEMPLATE_SID
    assert json.loads(outside["content_variables"]) == {"1": "Heeft u nog vragen? Wij helpen graag."}


async def test_long_reply_is_split_into_messages_twilio_accepts(stack, hub_inproc, fakes, http, db, phone):
    assert (await post_twilio(http, stack, sms_params(phone, "hallo")))[0] == 200
    conv = await eventually(lambda: db.conversations.find_one({"address": phone}))
    await eventually(lambda: db.messages.find_one({"address": phone, "direction": "out", "delivery.status": {"$ne": "pending"}}))
    before = len(fakes.twilio.sent_to(phone))
    text = "\n\n".join(f"Alinea {i}: " + "informatie over uw aanvraag " * 20 for i in range(5))
    [out] = await hub_inproc.pipeline.send(conv, [Reply(text=text)], author="agent")
    await hub_inproc.pipeline.drain()
    pieces = fakes.twilio.sent_to(phone)[before:]
    assert len(pieces) > 1 and all(len(p["body"]) <= 1600 for p in pieces)
    assert " ".join(p["body"] for p in pieces).split() == text.split()
    stored = await db.messages.find_one({"_id": out.message_id})
    assert stored["delivery"]["status"] == "sent" and stored["provider_message_id"] == pieces[-1]["sid"]
