"""Telegram: updates as the Bot API posts them, replies through python-telegram-bot against the local Bot API."""

from __future__ import annotations

import secrets
import time

import pytest

from hub.core.models import Button, Reply
from tests.channels.signed import post_telegram
from tests.polling import eventually


def _user(chat_id: int) -> dict:
    return {"id": chat_id, "is_bot": False, "first_name": "Jan", "username": f"jan{chat_id}", "language_code": "nl"}


def message_update(chat_id: int, update_id: int | None = None, **content) -> dict:
    """A private-chat message update as documented for the Bot API's ``Update`` and ``Message``."""
    return {
        "update_id": update_id or secrets.randbelow(10**9),
        "message": {
            "message_id": secrets.randbelow(10**6),
            "from": _user(chat_id),
            "chat": {"id": chat_id, "first_name": "Jan", "username": f"jan{chat_id}", "type": "private"},
            "date": int(time.time()),
            **content,
        },
    }


async def _inbound(db, chat_id: int) -> list[dict]:
    return await db.messages.find({"channel": "telegram", "address": str(chat_id), "direction": "in"}).sort("created_at", 1).to_list(None)


async def _reply(db, chat_id: int) -> dict:
    return await eventually(
        lambda: db.messages.find_one(
            {"channel": "telegram", "address": str(chat_id), "direction": "out", "delivery.status": {"$in": ["sent", "failed"]}}
        )
    )


async def test_message_gets_the_bot_reply_through_the_bot_api(bot_stack, fakes, http, db, chat_id):
    status, body = await post_telegram(http, bot_stack, message_update(chat_id, text="hallo"))
    assert status == 200 and body == {"ok": True}
    [sent] = await fakes.telegram.wait_for(str(chat_id))
    assert "Lindewaard" in sent["text"]
    [stored] = await _inbound(db, chat_id)
    assert stored["text"] == "hallo" and stored["status"] == "handled"
    reply = await _reply(db, chat_id)
    assert reply["delivery"]["status"] == "sent"
    assert reply["provider_message_id"] == f"{chat_id}:{sent['message_id']}"


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"], ids=["missing", "empty", "wrong"])
async def test_wrong_secret_token_is_refused_and_nothing_stored(stack, fakes, http, db, chat_id, secret):
    status, body = await post_telegram(http, stack, message_update(chat_id, text="hallo"), secret=secret)
    assert status == 403 and body["error"]["code"] == "invalid_secret"
    assert await db.messages.count_documents({"address": str(chat_id)}) == 0


async def test_replayed_update_is_stored_once(bot_stack, fakes, http, db, chat_id):
    update = message_update(chat_id, text="hallo")
    for _ in range(3):
        assert (await post_telegram(http, bot_stack, update))[0] == 200
    assert len(await _inbound(db, chat_id)) == 1
    await fakes.telegram.wait_for(str(chat_id))
    assert await db.messages.count_documents({"address": str(chat_id), "direction": "out"}) == 1


@pytest.mark.parametrize(
    ("update", "code"),
    [
        ('{"update_id": 1, "message": ', "invalid_json"),
        ("[1, 2]", "invalid_update"),
        ({"message": {"text": "hallo"}}, "invalid_update"),
        ({"update_id": "een"}, "invalid_update"),
        ({"update_id": 5, "message": {"message_id": 1, "text": "hallo"}}, "invalid_update"),
        ({"update_id": 6, "message": {"message_id": 1, "date": 0, "chat": {"id": 1}, "text": "hallo"}}, "invalid_update"),
    ],
    ids=["truncated-json", "not-an-object", "no-update-id", "update-id-not-a-number", "message-without-chat", "chat-without-type"],
)
async def test_malformed_update_is_refused_and_good_ones_still_arrive(bot_stack, fakes, http, db, chat_id, update, code):
    status, body = await post_telegram(http, bot_stack, update)
    assert status == 400 and body["error"]["code"] == code
    assert await db.messages.count_documents({"channel": "telegram", "address": {"$in": ["1", str(chat_id)]}}) == 0
    assert (await post_telegram(http, bot_stack, message_update(chat_id, text="hallo")))[0] == 200
    assert [m["text"] for m in await _inbound(db, chat_id)] == ["hallo"]


async def test_updates_the_hub_does_not_handle_are_acknowledged_not_stored(stack, fakes, http, db, chat_id):
    sticker = message_update(chat_id, sticker={"file_id": "CAAC", "file_unique_id": "u1", "width": 512, "height": 512, "is_animated": False, "is_video": False, "type": "regular"})
    group = message_update(chat_id, text="hallo allemaal")
    group["message"]["chat"] = {"id": -100123, "title": "Buurtgroep", "type": "group"}
    for update in (sticker, group):
        status, body = await post_telegram(http, stack, update)
        assert status == 200 and body["ignored"] is True  # a 4xx would make Telegram send it again and again
    assert await _inbound(db, chat_id) == []


async def test_photo_and_location_are_kept(bot_stack, fakes, http, db, chat_id):
    photo = message_update(
        chat_id,
        caption="Kapotte lantaarnpaal",
        photo=[
            {"file_id": "AgAD-small", "file_unique_id": "s1", "width": 90, "height": 67, "file_size": 1200},
            {"file_id": "AgAD-large", "file_unique_id": "l1", "width": 1280, "height": 960, "file_size": 98000},
        ],
    )
    place = message_update(chat_id, location={"latitude": 52.3676, "longitude": 4.9041})
    assert (await post_telegram(http, bot_stack, photo))[0] == 200
    assert (await post_telegram(http, bot_stack, place))[0] == 200
    first, second = await _inbound(db, chat_id)
    assert first["text"] == "Kapotte lantaarnpaal"
    assert first["attachments"] == [
        {"url": "telegram:file/AgAD-large", "content_type": "image/jpeg", "filename": None, "size": 98000, "stored_id": None}
    ]
    assert second["location"] == {"latitude": 52.3676, "longitude": 4.9041, "label": None}


async def test_inline_button_press_reaches_the_bot_as_its_payload(bot_stack, fakes, http, db, chat_id):
    update = {
        "update_id": secrets.randbelow(10**9),
        "callback_query": {
            "id": str(secrets.randbelow(10**12)),
            "from": _user(chat_id),
            "chat_instance": "-42",
            "data": "/handover",
            "message": {
                "message_id": 77,
                "from": {"id": 123456789, "is_bot": True, "first_name": "Gemeente Lindewaard"},
                "chat": {"id": chat_id, "type": "private", "first_name": "Jan"},
                "date": int(time.time()),
                "text": "Bedoelt u een van deze onderwerpen?",
                "reply_markup": {"inline_keyboard": [[{"text": "Ik wil een medewerker spreken", "callback_data": "/handover"}]]},
            },
        },
    }
    assert (await post_telegram(http, bot_stack, update))[0] == 200
    [stored] = await _inbound(db, chat_id)
    assert stored["payload"] == "/handover" and stored["text"] == "Ik wil een medewerker spreken"
    assert stored["meta"]["action"] == "handover"
    await eventually(lambda: _answered(fakes, update["callback_query"]["id"]))


async def _answered(fakes, query_id: str) -> bool:
    return query_id in fakes.telegram.callback_answers


async def test_buttons_go_out_as_an_inline_keyboard(stack, hub_inproc, fakes, http, db, chat_id):
    assert (await post_telegram(http, stack, message_update(chat_id, text="hallo")))[0] == 200
    conv = await eventually(lambda: db.conversations.find_one({"channel": "telegram", "address": str(chat_id)}))
    await _reply(db, chat_id)
    before = len(fakes.telegram.sent_to(str(chat_id)))
    long_payload = '/paspoort-aanvragen{"onderwerp": "paspoort voor een kind jonger dan twaalf"}'
    assert len(long_payload.encode()) > 64  # more than Telegram allows as callback data
    await hub_inproc.pipeline.send(
        conv,
        [Reply(text="Kies een onderwerp", buttons=[Button(title="Paspoort", payload="/paspoort"), Button(title="Lang", payload=long_payload)])],
        author="bot",
    )
    await hub_inproc.pipeline.drain()
    sent = fakes.telegram.sent_to(str(chat_id))[before]
    assert sent["reply_markup"] == {
        "inline_keyboard": [[{"text": "Paspoort", "callback_data": "/paspoort"}], [{"text": "Lang", "callback_data": "2"}]]
    }
    # Pressing the second button sends its position; the hub maps it back to the long payload.
    press = {
        "update_id": secrets.randbelow(10**9),
        "callback_query": {
            "id": "991", "from": _user(chat_id), "chat_instance": "-1", "data": "2",
            "message": {"message_id": sent["message_id"], "date": int(time.time()), "text": "Kies een onderwerp",
                        "chat": {"id": chat_id, "type": "private"}, "reply_markup": sent["reply_markup"]},
        },
    }
    assert (await post_telegram(http, stack, press))[0] == 200
    last = (await _inbound(db, chat_id))[-1]
    assert last["payload"] == long_payload and last["text"] == "Lang"


async def test_outbound_retries_after_two_server_errors(bot_stack, fakes, http, db, chat_id):
    fakes.telegram.fail_for(str(chat_id), 500, 502)
    assert (await post_telegram(http, bot_stack, message_update(chat_id, text="hallo")))[0] == 200
    await fakes.telegram.wait_for(str(chat_id))
    reply = await _reply(db, chat_id)
    assert reply["delivery"]["status"] == "sent" and reply["delivery"]["attempts"] == 3


async def test_flood_control_waits_as_telegram_asks(bot_stack, fakes, http, db, chat_id):
    fakes.telegram.fail_for(str(chat_id), 429)
    started = time.monotonic()
    assert (await post_telegram(http, bot_stack, message_update(chat_id, text="hallo")))[0] == 200
    await fakes.telegram.wait_for(str(chat_id))
    assert time.monotonic() - started >= 1.0  # retry_after: 1
    reply = await _reply(db, chat_id)
    assert reply["delivery"]["attempts"] == 2


async def test_blocked_bot_fails_at_once_and_agents_see_it(bot_stack, fakes, http, db, chat_id):
    fakes.telegram.fail_for(str(chat_id), 403)
    assert (await post_telegram(http, bot_stack, message_update(chat_id, text="hallo")))[0] == 200
    reply = await _reply(db, chat_id)
    assert reply["delivery"]["status"] == "failed" and reply["delivery"]["attempts"] == 1
    assert "blocked" in reply["delivery"]["error"]
